"""The self-check in what people read: each run's diff and output in Allure, and the score in
reports/mutants/summary.md (with summary.json for tools)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import allure

from .. import promises
from ..defects import AREAS, CAUGHT, CAUGHT_ELSEWHERE, ERROR, SURVIVED, Defect, Outcome, Trial

TEXT = allure.attachment_type.TEXT


def attach_run(name: str, outcome: Outcome, diff: str = "") -> None:
    if diff:
        allure.attach(diff, name=f"{name}: the defect (diff)", attachment_type=TEXT)
    failed = "\n\n".join(f"{f.test}\n{f.message.strip()[:1500]}" for f in outcome.failures) or "no test failed"
    allure.attach(f"{outcome.ran} tests ran\n\n{failed}", name=f"{name}: failures", attachment_type=TEXT)
    allure.attach(outcome.output[-20000:], name=f"{name}: pytest output", attachment_type=TEXT)


def score(trials: list[Trial]) -> str:
    caught = sum(t.verdict in (CAUGHT, CAUGHT_ELSEWHERE) for t in trials)
    return f"{caught} of {len(trials)} defects caught ({caught / len(trials):.0%})" if trials else "no defect tried"


def write_summary(trials: list[Trial], folder: Path, catalog: tuple[Defect, ...]) -> Path:
    """summary.md and summary.json for the defects tried, and coverage.md for the whole catalog."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "coverage.md").write_text(promises.report(catalog))
    by_area = {area: Counter(t.verdict for t in trials if t.defect.area == area) for area in AREAS}
    lines = ["# Self-check: seeded stack defects", "", f"**{score(trials)}**", "",
             "| Area | Tried | Caught | Caught elsewhere | Survived | Error |", "| --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {area} | {sum(c.values())} | {c[CAUGHT]} | {c[CAUGHT_ELSEWHERE]} | {c[SURVIVED]} | {c[ERROR]} |"
              for area, c in by_area.items() if c]
    lines += ["", "| Defect | Verdict | What | Failed tests |", "| --- | --- | --- | --- |"]
    lines += [f"| `{t.defect.id}` | {t.verdict} | {t.defect.what} | "
              f"{', '.join(f'`{f.test}`' for f in t.outcome.failures) or '-'} |" for t in trials]
    for t in (t for t in trials if t.verdict != CAUGHT):
        lines += ["", f"## {t.verdict}: `{t.defect.id}`", "", t.defect.what, "",
                  f"Expected to fail: {', '.join(f'`{c}`' for c in t.defect.caught_by)}", "",
                  "```diff", t.diff.rstrip(), "```"]
    path = folder / "summary.md"
    path.write_text("\n".join(lines) + "\n")
    (folder / "summary.json").write_text(json.dumps(
        [{"id": t.defect.id, "area": t.defect.area, "verdict": t.verdict,
          "failed": [f.test for f in t.outcome.failures]} for t in trials], indent=2))
    return path
