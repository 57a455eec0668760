"""Allure results written by hand, for what is not a pytest test: a Locust run's SLOs, the
scorecard. One JSON file per result, as allure-pytest writes them (Allure 3 reads both)."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path


def attach(results: Path, source: Path, name: str, kind: str) -> dict:
    """A copy of a file for one result (Allure links each attachment file to one result only)."""
    target = f"{uuid.uuid4()}-attachment{source.suffix}"
    shutil.copyfile(source, results / target)
    return {"name": name, "source": target, "type": kind}


def write(results: Path, *, name: str, full_name: str, status: str, message: str, epic: str, feature: str,
          package: str, start_ms: int, stop_ms: int, parameters: dict[str, str] | None = None,
          attachments: list[dict] | None = None) -> None:
    results.mkdir(parents=True, exist_ok=True)
    result = {
        "uuid": str(uuid.uuid4()), "historyId": full_name, "testCaseId": full_name,
        "name": name, "fullName": full_name, "status": status, "statusDetails": {"message": message},
        "stage": "finished", "start": start_ms, "stop": stop_ms,
        "labels": [{"name": "epic", "value": epic}, {"name": "feature", "value": feature},
                   {"name": "package", "value": package}],
        # Excluded: a new value must not start a new history for the same check.
        "parameters": [{"name": k, "value": v, "excluded": True} for k, v in (parameters or {}).items()],
        "attachments": attachments or [],
    }
    (results / f"{result['uuid']}-result.json").write_text(json.dumps(result))


def tidy_teardowns(results: Path) -> None:
    """allure-pytest names a fixture's teardown after pytest's finalizer: "goog::1" for the
    fixture's own code after `yield`, "goog::<lambda>" for pytest's bookkeeping (no status, the
    "?" steps). Show the first as "goog", and drop the second unless it failed or holds something,
    so a test page lists only real steps. (The suite's own finalizers are named functions.)"""
    for path in results.glob("*-container.json"):
        container = json.loads(path.read_text())
        afters, changed = [], False
        for after in container.get("afters", []):
            fixture, _, finalizer = after.get("name", "").rpartition("::")
            if finalizer == "<lambda>" and after.get("status") in (None, "passed") and not (
                    after.get("steps") or after.get("attachments") or after.get("statusDetails")):
                changed = True
                continue
            if fixture and finalizer.isdigit():
                after["name"], changed = fixture, True
            afters.append(after)
        if changed:
            container["afters"] = afters
            temporary = path.with_suffix(".tmp")   # a Ctrl-C now leaves the old file whole
            temporary.write_text(json.dumps(container))
            os.replace(temporary, path)
