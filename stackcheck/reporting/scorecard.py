"""The scorecard: the seeds' success criteria, one line each, PASS, WARN or FAIL with the value
measured and its limit, at the top of the report.

A criterion is either measured (a test records the number: `measured(...)`) or proven by tests
passing (every test under its `tests` prefixes passed in this run). Each line comes from the
last run that measured it: reports/scorecard.json keeps them across runs, and a line this run
did not measure says so, with when it was last measured.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import results as results_io
from .. import slo

PASS, WARN, FAIL = slo.PASS.upper(), slo.WARN.upper(), slo.FAIL.upper()   # the gate's verdicts, as shown


@dataclass(frozen=True)
class Criterion:
    key: str
    title: str
    tests: tuple[str, ...] = ()     # node id prefixes whose outcomes decide it (else a test records it)


CRITERIA = (
    # Seed 000's success criteria.
    Criterion("page", "The page loads in under 3 s"),
    Criterion("api", "The API answers in under 1 s at 50 users"),
    Criterion("memory", "The whole stack stays under 1 GB of memory under load"),
    Criterion("cpu", "The whole stack stays under 50 % CPU under load"),
    Criterion("restart", "A crashed service restarts by itself and serves again",
              ("tests/resilience/test_crash.py",)),
    Criterion("logs", "Every service logs JSON lines with the request id, rotated",
              ("tests/resilience/test_logs.py",)),
    Criterion("backup", "A backup restores every table and key",
              ("tests/resilience/test_backup_restore.py", "tests/ops/test_ops_script.py::test_backup",
               "tests/ops/test_ops_script.py::test_restore", "tests/ops/test_ops_script.py::test_scheduled")),
    Criterion("deploy", "A broken deploy is rolled back", ("tests/ops/test_ops_script.py::test_a_broken_deploy",)),
    Criterion("restore_drill", "The newest scheduled backup restores beside production, identical and on time",
              ("tests/backups/",)),
    # What the stack promises beyond the seeds.
    Criterion("sse_first_event", "The first agent message arrives within 2 s under load"),
    Criterion("recovery", "After a fault, every service serves again within its budget"),
    Criterion("writes_lost", "No acknowledged write is lost when Postgres crashes",
              ("tests/resilience/test_durability.py",)),
)
BY_KEY = {c.key: c for c in CRITERIA}


@dataclass
class Line:
    status: str
    value: str          # what was measured, in words and units ("p95 142 ms")
    limit: str          # what it must stay under ("1000 ms"), or what must hold
    measured_at: str    # when (UTC), so an old line is seen as old
    detail: str = ""


@dataclass
class Scorecard:
    lines: dict[str, Line] = field(default_factory=dict)             # measured in this run
    outcomes: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)
    # The session's start: the Allure lines span the whole run, so the report's header gives
    # the run's real duration (Allure times a test from its call, not from its fixtures' setup).
    started_ms: int = field(default_factory=lambda: int(time.time() * 1000))

    def measured(self, key: str, status: str, value: str, limit: str, detail: str = "") -> None:
        if key not in BY_KEY:
            raise KeyError(f"no scorecard criterion {key!r}")
        self.lines[key] = Line(status, value, limit, _now(), detail)

    def outcome(self, nodeid: str, passed: bool) -> None:
        """A test's result, for the criteria whose tests include it."""
        for criterion in CRITERIA:
            if any(nodeid.startswith(prefix) for prefix in criterion.tests):
                self.outcomes.setdefault(criterion.key, []).append((nodeid, passed))

    def this_run(self) -> dict[str, Line]:
        proven = {}
        for key, results in self.outcomes.items():
            failed = [test for test, passed in results if not passed]
            proven[key] = Line(FAIL if failed else PASS, f"{len(results) - len(failed)} of {len(results)} tests passed",
                               "every test passes", _now(), "failed: " + ", ".join(failed) if failed else "")
        return {**proven, **self.lines}

    def merge(self, path: Path) -> dict[str, tuple[Line, bool]]:
        """Every criterion's line: this run's, else the last run's (marked as not measured now)."""
        earlier = {k: Line(**v) for k, v in json.loads(path.read_text()).items()} if path.exists() else {}
        now = self.this_run()
        merged = {**{k: (line, False) for k, line in earlier.items()}, **{k: (line, True) for k, line in now.items()}}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({k: asdict(line) for k, (line, _) in merged.items()}, indent=2))
        return merged

    def markdown(self, merged: dict[str, tuple[Line, bool]]) -> str:
        rows = ["# Scorecard", "", "| | Criterion | Measured | Limit | When | Detail |", "| --- | --- | --- | --- | --- | --- |"]
        for c in CRITERIA:
            if c.key not in merged:
                rows.append(f"| NOT MEASURED | {c.title} | - | - | never | no run has measured it yet |")
                continue
            line, now = merged[c.key]
            when = "this run" if now else f"{line.measured_at} (not measured in this run)"
            rows.append(f"| {line.status} | {c.title} | {line.value} | {line.limit} | {when} | {line.detail} |")
        return "\n".join(rows) + "\n"

    def write(self, folder: Path, allure_results: Path | None, target: str = "local") -> Path:
        """scorecard.md and .json for the bundled stack; scorecard-remote.* for a deployed one."""
        name = "scorecard" if target == "local" else f"scorecard-{target}"
        merged = self.merge(folder / f"{name}.json")
        path = folder / f"{name}.md"
        path.write_text(self.markdown(merged))
        if allure_results:
            _allure(merged, allure_results, self.started_ms)
        return path


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())


def _allure(merged: dict[str, tuple[Line, bool]], results: Path, started_ms: int) -> None:
    """One Allure result per criterion, under the epic that sorts first: the scorecard."""
    stamp = int(time.time() * 1000)
    for order, c in enumerate(CRITERIA, start=1):
        line, now = merged.get(c.key, (None, False))
        if line is None:
            status, name, message = "skipped", f"NOT MEASURED · {c.title}", "no run has measured it yet"
        else:
            status = {PASS: "passed", WARN: "passed", FAIL: "failed"}[line.status] if now else "skipped"
            shown = line.status if now else f"{line.status} (last run that measured it, {line.measured_at})"
            name = f"{shown} · {c.title}: {line.value} (limit {line.limit})"
            message = line.detail or f"{line.value}; limit {line.limit}"
        results_io.write(results, name=name, full_name=f"scorecard.{order:02d}.{c.key}", status=status,
                         message=message, epic="0 · Scorecard: the seeds' success criteria", feature=c.title,
                         package="scorecard", start_ms=started_ms, stop_ms=stamp,
                         parameters={"measured": line.value if line else "-", "limit": line.limit if line else "-"})


SCORECARD = Scorecard()   # this run's; tests record into it, the plugin writes it when the session ends


def latency(key: str, verdict, stats: tuple[str, ...], what: str) -> None:
    """A latency SLO's verdict (stackcheck.slo.Verdict) as a scorecard line."""
    value = ", ".join(f"{s} {verdict.percentiles[s]:.0f} {verdict.unit}" for s in stats if s in verdict.percentiles)
    limit = ", ".join(f"{s} < {verdict.limits[s]:g} {verdict.unit}" for s in stats if s in verdict.limits)
    detail = f"{what}; {verdict.samples} samples" + "".join(f"; {reason}" for reason in verdict.reasons)
    SCORECARD.measured(key, verdict.status.upper(), value or "no data", limit, detail)


def recovery(report) -> None:
    """The slowest return to serving of a chaos report's faults, against each service's budget."""
    timed = [r for r in report.rows if r.time_to_serving is not None or r.requests]
    if not timed:
        return
    def budget(r) -> float:
        return r.budget_s or slo.recovery_budget(r.service)["serving_s"]

    late = [r for r in timed if r.time_to_serving is None or r.time_to_serving >= budget(r)]
    worst = max(timed, key=lambda r: float("inf") if r.time_to_serving is None else r.time_to_serving / budget(r))
    took = "never" if worst.time_to_serving is None else f"{worst.time_to_serving:.1f} s"
    SCORECARD.measured("recovery", FAIL if late or report.broken else PASS,
                       f"slowest: {worst.service} after a {worst.fault}, serving in {took}",
                       f"{budget(worst):g} s for {worst.service} after a {worst.fault} (slo.yaml recovery)",
                       f"{len(timed)} faults" + (f"; over budget: {', '.join(r.service for r in late)}" if late else ""))
