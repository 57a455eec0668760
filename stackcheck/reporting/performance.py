"""reports/performance/summary.md: each measured number beside our target and the seed's limit."""

from __future__ import annotations

import json
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import allure

from ..paths import PERFORMANCE_DIR as REPORT_DIR
_KINDS = {".csv": allure.attachment_type.CSV, ".html": allure.attachment_type.HTML,
          ".png": allure.attachment_type.PNG, ".json": allure.attachment_type.JSON}


def attach_file(path: Path, name: str | None = None) -> None:
    """Attach a report file to the Allure results, typed by its extension."""
    allure.attach.file(str(path), name=name or path.name,
                       attachment_type=_KINDS.get(path.suffix, allure.attachment_type.TEXT))


HISTORY_RUNS = 30   # runs a trend chart shows


@dataclass(frozen=True)
class Row:
    what: str
    value: float
    unit: str
    warn: float | None = None     # our own target
    fail: float | None = None     # the seed's limit
    note: str = ""

    def shown(self) -> str:
        """'142 ms (limit 1000 ms, target 250 ms)'."""
        bounds = [f"{name} {_number(bound, self.unit)}" for name, bound in (("limit", self.fail), ("target", self.warn))
                  if bound is not None]
        return _number(self.value, self.unit) + (f" ({', '.join(bounds)})" if bounds else "")


def share(value: float, limit: float | None) -> str:
    """How much of a limit a value uses: '31 %' leaves 69 % headroom; over 100 % breaches it."""
    return "" if limit is None else f"{value / limit:.0%}"


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    return f"{value:.2f} {unit}" if abs(value) < 10 else f"{value:.0f} {unit}"


class Summary:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: list[Row] = []

    def add(self, what: str, value: float, unit: str, warn: float | None = None,
            fail: float | None = None, note: str = "") -> None:
        row = Row(what, value, unit, warn, fail, note)
        self.rows.append(row)
        # On the measuring test's own page too: the number, its limit and target, at a glance.
        allure.dynamic.parameter(what, row.shown(), excluded=True)

    def markdown(self) -> str:
        lines = ["# Performance summary", "",
                 f"Measured {time.strftime('%Y-%m-%d %H:%M %Z')} on {platform.node()} "
                 f"({platform.machine()}), against the bundled stack. Limits come from slo.yaml: "
                 "`fail` is the seed's promise, `warn` our own target. \"Of target\" and \"of limit\" "
                 "say how much of each the measurement uses (over 100 % breaches it).", "",
                 "| What | Measured | Target (warn) | Of target | Seed limit (fail) | Of limit | Note |",
                 "| --- | --- | --- | --- | --- | --- | --- |"]
        lines += [f"| {r.what} | {_number(r.value, r.unit)} | {_number(r.warn, r.unit)} | {share(r.value, r.warn)} "
                  f"| {_number(r.fail, r.unit)} | {share(r.value, r.fail)} | {r.note} |" for r in self.rows]
        return "\n".join(lines) + "\n"

    def write(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(self.markdown())
        return self.path

    def remember(self, history: Path) -> dict[str, list[tuple[str, float, float | None]]]:
        """Append this run's numbers to the history (one JSON line a run, kept by `make clean`);
        returns every number's series across the runs kept, oldest first, for the trend charts."""
        if self.rows:
            line = {"when": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
                    "rows": [{"what": r.what, "value": r.value, "unit": r.unit, "fail": r.fail} for r in self.rows]}
            with history.open("a") as f:
                f.write(json.dumps(line) + "\n")
        series: dict[str, list[tuple[str, float, float | None]]] = {}
        for raw in history.read_text().splitlines()[-HISTORY_RUNS:] if history.exists() else ():
            run = json.loads(raw)
            for row in run["rows"]:
                series.setdefault(f"{row['what']} ({row['unit']})", []).append((run["when"], row["value"], row["fail"]))
        return series
