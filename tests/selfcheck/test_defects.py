"""Seeded stack defects, one at a time: the suite must notice each (tests/selfcheck/README.md).

A defect survives when every test run with it in place passes: the suite would let that
regression ship. It is caught elsewhere when something failed, but not a named test with the
message the defect expects (`says`): the product is still protected, but the failure does not
point at the cause, so the test or the catalog entry needs a look; the summary lists it.
"""

import pytest

from stackcheck import defects
from stackcheck.paths import MUTANTS_DIR
from stackcheck.reporting import selfcheck as report


# No pytest timeout: every run of the suite inside is bounded by defects.RUN_TIMEOUT_S, and the
# first test also waits for the clean passes.
@pytest.mark.timeout(0)
def test_the_suite_catches_the_defect(defect: defects.Defect, scratch: defects.Scratch, trials):
    """The suite, run on a copy of the stack with this defect seeded in it, fails in a test the
    defect names: the regression could not ship unnoticed."""
    trial = defects.Trial(defect, defects.ERROR, defects.Outcome(0), "")
    trials.append(trial)   # an error below still counts in the score
    scratch.reset()
    defect.apply(scratch.root)
    trial.diff = scratch.diff()
    trial.outcome = scratch.run(defect.markers, defects.runnable(defect.caught_by),
                                MUTANTS_DIR / defect.id / "junit.xml", defects.RUN_TIMEOUT_S)
    assert trial.outcome.ran, f"no test ran against the defect:\n{trial.outcome.output[-3000:]}"
    trial.verdict = defects.judge(defect, trial.outcome.failures)
    report.attach_run(f"{defect.id}: {trial.verdict}", trial.outcome, trial.diff)
    assert trial.verdict != defects.SURVIVED, (
        f"{defect.id} survived: {defect.what}\n{', '.join(defect.caught_by)} "
        f"(-m {' or '.join(defect.markers)}) passed with it in place:\n{trial.diff}")
