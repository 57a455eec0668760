"""A Locust run's SLO verdict as Allure results, so a load test outside pytest (staging, from
the command line or CI) lands in the same report, with its Locust reports attached.

    python -m stackcheck.reporting.locust [reports/locust] [reports/allure-results]

One Allure test per SLO entry: passed or failed as the gate judged it, with the reasons.
"""

from __future__ import annotations

import json
import shutil
import sys
import uuid
from pathlib import Path

from ..paths import ALLURE_RESULTS, LOCUST_DIR

ATTACH = {"report.html": "text/html", "stats_stats.csv": "text/csv",
          "stats_failures.csv": "text/csv", "verdict.json": "application/json"}


def _attachments(run_dir: Path, results: Path) -> list[dict]:
    attached = []
    for name, kind in ATTACH.items():
        if (run_dir / name).exists():
            source = f"{uuid.uuid4()}-attachment{Path(name).suffix}"
            shutil.copyfile(run_dir / name, results / source)
            attached.append({"name": f"locust {name}", "source": source, "type": kind})
    return attached


def write(run_dir: Path, results: Path) -> int:
    """Write one result per verdict; returns how many failed."""
    verdict = json.loads((run_dir / "verdict.json").read_text())
    results.mkdir(parents=True, exist_ok=True)
    attachments = _attachments(run_dir, results)
    started = int(verdict["started"] * 1000)
    stopped = int((run_dir / "verdict.json").stat().st_mtime * 1000)
    failed = 0
    for v in verdict["verdicts"]:
        passed = v["status"] != "fail"
        failed += not passed
        figures = ", ".join(f"{k} {x:.0f} {v['unit']}" for k, x in v["percentiles"].items())
        summary = f"{v['samples']} samples, {figures}, errors {v['error_ratio']:.2%}"
        result = {
            "uuid": str(uuid.uuid4()),
            "historyId": f"locust-slo-{v['name']}",
            "name": f"Locust SLO {v['name']}: {summary}",
            "fullName": f"locustfiles.slo.{v['name']}",
            "status": "passed" if passed else "failed",
            "statusDetails": {"message": "; ".join(v["reasons"]) or summary},
            "stage": "finished", "start": started, "stop": stopped,
            "labels": [{"name": "epic", "value": "Load (Locust)"},
                       {"name": "feature", "value": "SLO gate from slo.yaml"},
                       {"name": "package", "value": f"tests.performance.locust.{v['name']}"}],
            "attachments": attachments,
        }
        (results / f"{result['uuid']}-result.json").write_text(json.dumps(result))
    return failed


def main(argv: list[str]) -> int:
    run_dir = Path(argv[0]) if argv else LOCUST_DIR
    results = Path(argv[1]) if len(argv) > 1 else ALLURE_RESULTS
    if not (run_dir / "verdict.json").exists():
        print(f"no verdict.json in {run_dir}: did the Locust run finish?", file=sys.stderr)
        return 2
    failed = write(run_dir, results)
    print(f"wrote the SLO verdict of {run_dir} to {results} ({failed} failed)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
