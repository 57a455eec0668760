"""The one SLO file (slo.yaml at the repository root), and the gate that judges samples by it.

Percentiles come from raw samples (nearest rank), never from a load tool's rounded
histogram. A limit is a strict upper bound, as the product promises it ("API < 1 s").
No data is a failure, and requests sent during the warm-up are excluded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from .paths import SLO_FILE

PASS, WARN, FAIL = "pass", "warn", "fail"


@cache
def load(path: Path = SLO_FILE) -> dict:
    with path.open() as f:
        return yaml.safe_load(f)


def section(name: str) -> dict:
    data = load()
    if name not in data:
        raise KeyError(f"{SLO_FILE.name} has no section {name!r}")
    return data[name]


def latency_spec(name: str, kind: str = "latency") -> dict:
    """A latency SLO (of `latency` or `page_load`) with the file's defaults filled in."""
    spec = section(kind).get(name)
    if spec is None:
        raise KeyError(f"{SLO_FILE.name} has no {kind} SLO {name!r}")
    return {**section("defaults"), **spec}


def recovery_budget(service: str) -> dict:
    """A service's recovery budget after a fault: {"healthy_s", "serving_s", "why"}."""
    budgets = section("recovery")
    if service not in budgets:
        raise KeyError(f"{SLO_FILE.name} has no recovery budget for {service!r}")
    return budgets[service]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: a value that was actually observed."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


@dataclass(frozen=True)
class Sample:
    t: float          # seconds since the run started, when the request finished
    ms: float         # latency
    ok: bool = True

    @property
    def sent_s(self) -> float:
        """When the request was sent: a request sent during the warm-up is part of the warm-up."""
        return self.t - self.ms / 1000


@dataclass
class Verdict:
    name: str
    status: str
    samples: int
    percentiles: dict[str, float] = field(default_factory=dict)
    error_ratio: float = 0.0
    reasons: list[str] = field(default_factory=list)
    unit: str = "ms"
    counted_from_s: float = 0.0   # samples before this (the warm-up) were left out
    limits: dict[str, float] = field(default_factory=dict)    # `fail`: breaking one fails the gate
    targets: dict[str, float] = field(default_factory=dict)   # `warn`: our own, tighter aim

    def cells(self) -> list[str]:
        def bounds(values: dict[str, float]) -> str:
            return " ".join(f"{k}<{v:g}" for k, v in values.items()) or "-"
        measured = " ".join(f"{k}={v:.0f}" for k, v in self.percentiles.items())
        return [self.status.upper(), self.name, str(self.samples), f"{self.counted_from_s:.0f}s",
                f"{self.error_ratio:.2%}", f"{measured} {self.unit}" if measured else "-",
                bounds(self.limits), bounds(self.targets), "; ".join(self.reasons)]

    def row(self) -> str:
        return "  ".join(self.cells())


TABLE_HEADER = ["verdict", "SLO", "n", "from", "errors", "measured", "limit", "target", "why"]


def _breaches(observed: dict[str, float], limits: dict[str, float], unit: str) -> list[str]:
    return [f"{k} {observed[k]:.0f} {unit} >= {v} {unit}" for k, v in limits.items() if observed[k] >= v]


def _bounds(spec: dict) -> dict:
    return {"limits": dict(spec["fail"]), "targets": dict(spec.get("warn", {}))}


def _judge(verdict: Verdict, spec: dict) -> Verdict:
    """Observed values against the spec's `fail` limits, then its tighter `warn` targets."""
    if failed := _breaches(verdict.percentiles, spec["fail"], verdict.unit):
        verdict.status = FAIL
        verdict.reasons += failed
    elif warned := _breaches(verdict.percentiles, spec.get("warn", {}), verdict.unit):
        if verdict.status == PASS:
            verdict.status = WARN
        verdict.reasons += [f"above target: {w}" for w in warned]
    return verdict


REPORTED = ("p50", "p95", "p99")   # shown for every latency SLO, whichever of them it limits


def evaluate(name: str, samples: list[Sample], spec: dict) -> Verdict:
    warmup_s = spec.get("warmup_s", 0)
    counted = [s for s in samples if s.sent_s >= warmup_s] if warmup_s else list(samples)
    verdict = Verdict(name, PASS, len(counted), counted_from_s=warmup_s, **_bounds(spec))
    verdict.error_ratio = sum(not s.ok for s in counted) / len(counted) if counted else 0.0
    if len(counted) < spec["min_samples"]:
        verdict.status = FAIL
        verdict.reasons.append(f"only {len(counted)} samples after warm-up, need {spec['min_samples']}")
        return verdict
    ok_ms = [s.ms for s in counted if s.ok]
    wanted = sorted({*REPORTED, *spec["fail"], *spec.get("warn", {})}, key=lambda k: float(k[1:]))
    verdict.percentiles = {k: percentile(ok_ms, float(k[1:])) for k in wanted} if ok_ms else {}
    if verdict.error_ratio > spec["max_error_ratio"]:
        verdict.status = FAIL
        verdict.reasons.append(f"error ratio {verdict.error_ratio:.2%} > {spec['max_error_ratio']:.2%}")
    return _judge(verdict, spec) if ok_ms else verdict


def budget(name: str, observed: dict[str, float], samples: int, spec: dict, min_samples: int,
           unit: str) -> Verdict:
    """A measured budget (peak memory, average CPU, ...): too few samples is a failure."""
    verdict = Verdict(name, PASS, samples, unit=unit, **_bounds(spec))
    if samples < min_samples:
        verdict.status = FAIL
        verdict.reasons.append(f"only {samples} samples, need {min_samples}")
        return verdict
    verdict.percentiles = observed
    return _judge(verdict, spec)


def gate(verdicts: list[Verdict]) -> bool:
    """Warnings show our targets; only failures break the gate."""
    return all(v.status != FAIL for v in verdicts)


def table(verdicts: list[Verdict]) -> str:
    """Aligned columns: a limit fails the gate, a target is only our aim (a breach warns)."""
    rows = [TABLE_HEADER, *(v.cells() for v in verdicts)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE_HEADER) - 1)]
    lines = ["  ".join([*(cell.ljust(w) for cell, w in zip(row, widths)), row[-1]]).rstrip() for row in rows]
    return "\n".join(["SLO verdict (limit: breaking it fails the gate; target: our aim, a breach warns)",
                       *lines, f"gate: {'PASSED' if gate(verdicts) else 'FAILED'}"])
