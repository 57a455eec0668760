"""Load runs judged by the SLO file: raw samples per SLO, their verdicts, and Locust in a subprocess.

A request belongs to an SLO through its Locust name, `<slo>:<route>` (for example
`api:/api/v1/stocks/[symbol]/prices`); names without a known prefix are reported by Locust
but not gated. The gate sees every raw sample with its wall-clock time, so percentiles are
exact and the warm-up is cut by time, not by Locust's rounded, cumulative statistics.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from . import slo
from .paths import LOCUSTFILES, ROOT

SAMPLES_FILE, VERDICT_FILE = "samples.csv", "verdict.json"
SIGNIN = "signin"   # the SLO every simulated user's first request reports to


def request_name(slo_name: str, route: str) -> str:
    return f"{slo_name}:{route}"


def slo_of(name: str) -> str | None:
    """The SLO a Locust request name reports to, or None for requests that are not gated."""
    prefix, sep, _ = name.partition(":")
    return prefix if sep and prefix in slo.section("latency") else None


@dataclass(frozen=True)
class RawSample:
    ts: float      # wall clock (time.time()) when the request finished: sent + its latency
    slo: str
    name: str
    ms: float
    ok: bool


def crowd_complete_s(samples: list[RawSample], started: float) -> float:
    """Seconds from the start until the last simulated user had signed in. Before that the run is
    still ramping up (each new user signs up, and Argon2 is slow on purpose), so the steady state
    the latency SLOs describe starts no earlier. Sign-in itself is judged by its own SLO."""
    return max((s.ts - started for s in samples if s.slo == SIGNIN), default=0.0)


def judge(samples: list[RawSample], slos: list[str], started: float) -> list[slo.Verdict]:
    """One verdict per expected SLO; an SLO that got no samples fails as "no data". Every SLO but
    sign-in counts from the end of its warm-up or of the crowd's sign-ins, whichever is later."""
    by_slo: dict[str, list[slo.Sample]] = defaultdict(list)
    for s in samples:
        by_slo[s.slo].append(slo.Sample(t=s.ts - started, ms=s.ms, ok=s.ok))
    crowd_complete = crowd_complete_s(samples, started)

    def spec(name: str) -> dict:
        spec = slo.latency_spec(name)
        return spec if name == SIGNIN else {**spec, "warmup_s": max(spec["warmup_s"], crowd_complete)}

    return [slo.evaluate(name, by_slo[name], spec(name)) for name in slos]


def write_results(folder: Path, samples: list[RawSample], verdicts: list[slo.Verdict],
                  started: float) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / SAMPLES_FILE).open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["t", "slo", "name", "ms", "ok"])
        out.writerows([round(s.ts - started, 3), s.slo, s.name, round(s.ms, 2), int(s.ok)]
                      for s in sorted(samples, key=lambda s: s.ts))
    (folder / VERDICT_FILE).write_text(json.dumps(
        {"passed": slo.gate(verdicts), "started": started, "verdicts": [asdict(v) for v in verdicts]},
        indent=2))


@dataclass
class LoadRun:
    """A finished Locust run: its exit code, console output and the files it wrote."""
    exit_code: int
    output: str
    folder: Path

    @property
    def verdict(self) -> dict:
        path = self.folder / VERDICT_FILE
        if not path.exists():
            raise AssertionError(f"Locust wrote no SLO verdict ({path}); its output:\n{self.output[-3000:]}")
        return json.loads(path.read_text())

    @property
    def verdicts(self) -> dict[str, slo.Verdict]:
        return {v["name"]: slo.Verdict(**v) for v in self.verdict["verdicts"]}

    @property
    def steady_from_s(self) -> float:
        """Seconds from the start when the steady state the latency SLOs judge began."""
        return max((v.counted_from_s for name, v in self.verdicts.items() if name != SIGNIN), default=0.0)

    @property
    def table(self) -> str:
        return slo.table(list(self.verdicts.values()))

    def locust_request_count(self) -> int:
        """Requests Locust itself counted (its CSV's Aggregated row), for cross-checking the samples."""
        with (self.folder / "stats_stats.csv").open() as f:
            return next(int(r["Request Count"]) for r in csv.DictReader(f) if r["Name"] == "Aggregated")

    def samples(self) -> list[dict]:
        with (self.folder / SAMPLES_FILE).open() as f:
            return [{"t": float(r["t"]), "slo": r["slo"], "name": r["name"], "ms": float(r["ms"]),
                     "ok": r["ok"] == "1"} for r in csv.DictReader(f)]

    def requests_per_s(self, slos: set[str], after: float = 0.0) -> float:
        """Completed requests per second after `after` seconds (the warm-up), counting the
        samples of `slos` (leave out entries that time a part of another request, like an SSE
        stream's first event)."""
        times = [s["t"] for s in self.samples() if s["t"] >= after and s["slo"] in slos]
        return len(times) / (max(times) - after) if len(times) > 1 else 0.0


def locust_command(host: str, folder: Path, users: int, spawn_rate: float, run_time_s: int,
                   user_classes: tuple[str, ...] = (), extra: tuple[str, ...] = ()) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILES), "--headless", "--only-summary",
            "--host", host, "-u", str(users), "-r", str(spawn_rate), "-t", f"{run_time_s}s",
            "--stop-timeout", "5", "--csv", str(folder / "stats"), "--html", str(folder / "report.html"),
            "--slo-report-dir", str(folder), *extra, *user_classes]


def run_locust(host: str, folder: Path, users: int, spawn_rate: float, run_time_s: int,
               user_classes: tuple[str, ...] = (), extra: tuple[str, ...] = ()) -> LoadRun:
    """Run the locustfiles headless in a subprocess (Locust monkey-patches the process it runs in)."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in (SAMPLES_FILE, VERDICT_FILE):
        (folder / stale).unlink(missing_ok=True)
    command = locust_command(host, folder, users, spawn_rate, run_time_s, user_classes, extra)
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=run_time_s + 90,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})
    output = proc.stdout + proc.stderr
    (folder / "locust.log").write_text(f"$ {' '.join(command)}\n{output}")
    return LoadRun(proc.returncode, output, folder)
