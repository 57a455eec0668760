"""The chaos report: one row per fault injected in a run, as a Markdown table.

Columns: what was done to which service, how long until Docker reported it healthy and
until it served through nginx again, how many outside requests failed meanwhile, and how
much acknowledged data was lost (which must be 0). Written to reports/chaos/ and attached
to the Allure report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..paths import CHAOS_DIR as REPORT_DIR


@dataclass
class FaultRun:
    fault: str                                # crash, stop, pause, disconnect, restore, ...
    service: str
    time_to_healthy: float | None = None      # seconds from the end of the fault; None: never
    time_to_serving: float | None = None
    requests: int = 0                         # outside probes sent while the fault lasted
    failed: int = 0                           # of those, how many failed
    restarts: int = 0                         # Docker's RestartCount went up by this much
    data_lost: int | None = None              # acknowledged writes missing afterwards; None: not measured
    budget_s: float | None = None             # its own serving budget, for what is no crash (a restore); None: the service's
    notes: list[str] = field(default_factory=list)

    @property
    def why(self) -> str:
        return "; ".join(self.notes) or "no notes"

    def shown(self) -> str:
        """One line for the test's page: 'healthy in 9.0 s, serving in 10.3 s; 2/20 requests failed; 1 restart'."""
        parts = [f"healthy in {_seconds(self.time_to_healthy)} s", f"serving in {_seconds(self.time_to_serving)} s"]
        parts.append(f"{self.failed}/{self.requests} requests failed")
        parts.append(f"{self.restarts} restarts")
        if self.data_lost is not None:
            parts.append(f"{self.data_lost} writes lost")
        return "; ".join(parts)


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f}"


@dataclass
class ChaosReport:
    rows: list[FaultRun] = field(default_factory=list)
    broken: str | None = None                 # the stack could not be brought back: why

    HEADER = ("Fault", "Service", "Time to healthy (s)", "Time to serving (s)",
              "Requests failed", "Restarts", "Data lost", "Notes")

    def add(self, run: FaultRun) -> None:
        self.rows.append(run)

    @property
    def data_lost(self) -> int:
        return sum(r.data_lost or 0 for r in self.rows)

    def markdown(self, title: str = "Chaos report") -> str:
        lines = [f"# {title}", ""]
        if self.broken:
            lines += [f"**STACK BROKEN: {self.broken}. Tests after this fault did not run.**", ""]
        lines += ["| " + " | ".join(self.HEADER) + " |", "|" + "---|" * len(self.HEADER)]
        for r in self.rows:
            serving = "n/a" if r.time_to_serving is None and not r.requests else _seconds(r.time_to_serving)
            cells = (r.fault, r.service, _seconds(r.time_to_healthy), serving,
                     f"{r.failed}/{r.requests}", str(r.restarts),
                     "not measured" if r.data_lost is None else str(r.data_lost),
                     "; ".join(r.notes).replace("|", "\\|"))
            lines.append("| " + " | ".join(cells) + " |")
        measured = [r for r in self.rows if r.data_lost is not None]
        lines += ["", f"{len(self.rows)} faults; data lost: {self.data_lost} "
                      f"(measured in {len(measured)} of them; must be 0)"]
        return "\n".join(lines) + "\n"

    def write(self, folder: Path = REPORT_DIR) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "chaos-report.md"
        path.write_text(self.markdown())
        return path
