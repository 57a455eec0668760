"""A Locust run's SLO verdict as Allure results, so a load test outside pytest (staging, from
the command line or CI) lands in the same report, with its Locust reports attached.

    python -m stackcheck.reporting.locust [reports/locust/latest] [reports/allure-results]

The gate (locustfiles/_gate.py) already writes them into each run's folder; this is for a run
folder made elsewhere.

One Allure test per SLO entry: passed or failed as the gate judged it, with the reasons.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import results as results_io
from ..paths import ALLURE_RESULTS, LOCUST_DIR

ATTACH = {"report.html": "text/html", "stats_stats.csv": "text/csv",
          "stats_failures.csv": "text/csv", "verdict.json": "application/json"}


def write(run_dir: Path, results: Path) -> int:
    """Write one result per verdict, each with the run's Locust files; returns how many failed."""
    verdict = json.loads((run_dir / "verdict.json").read_text())
    results.mkdir(parents=True, exist_ok=True)
    started = int(verdict["started"] * 1000)
    stopped = int((run_dir / "verdict.json").stat().st_mtime * 1000)
    failed = 0
    for v in verdict["verdicts"]:
        passed = v["status"] != "fail"
        failed += not passed
        figures = ", ".join(f"{k} {x:.0f} {v['unit']}" for k, x in v["percentiles"].items())
        summary = f"{v['samples']} samples, {figures}, errors {v['error_ratio']:.2%}"
        limits = ", ".join(f"{k} < {x:g} {v['unit']}" for k, x in v.get("limits", {}).items())
        attachments = [results_io.attach(results, run_dir / name, f"locust {name}", kind)
                       for name, kind in ATTACH.items() if (run_dir / name).exists()]
        results_io.write(results, name=f"Locust SLO {v['name']}: {summary}", full_name=f"locustfiles.slo.{v['name']}",
                         status="passed" if passed else "failed", message="; ".join(v["reasons"]) or summary,
                         epic="Load (Locust)", feature="SLO gate from slo.yaml",
                         package=f"tests.performance.locust.{v['name']}", start_ms=started, stop_ms=stopped,
                         parameters={"measured": f"{figures} {v['unit']}" if figures else "-", "limit": limits or "-"},
                         attachments=attachments)
    return failed


def main(argv: list[str]) -> int:
    run_dir = Path(argv[0]) if argv else LOCUST_DIR / "latest"
    results = Path(argv[1]) if len(argv) > 1 else ALLURE_RESULTS
    if not (run_dir / "verdict.json").exists():
        print(f"no verdict.json in {run_dir}: did the Locust run finish?", file=sys.stderr)
        return 2
    failed = write(run_dir, results)
    print(f"wrote the SLO verdict of {run_dir} to {results} ({failed} failed)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
