"""Seeded stack defects, one at a time: the suite must notice each (tests/selfcheck/README.md).

A defect survives when every test it names passes with the defect in place: the suite would
let that regression ship. It is caught elsewhere when a named test failed, but not with the
message the defect expects (`says`): the product is still protected, but the failure does not
point at the cause, so the test's message or the catalog entry needs a look; the summary lists it.
"""

import pytest

from stackcheck import defects
from stackcheck.reporting import selfcheck as report
from stackcheck.paths import MUTANTS_DIR


@pytest.mark.timeout(2 * defects.RUN_TIMEOUT_S)  # the first test also waits for the clean pass
def test_the_suite_catches_the_defect(defect: defects.Defect, scratch: defects.Scratch, trials):
    """A known kind of bug (for example, the proxy holding back the live stream) is put on purpose into a copy
    of the product, and the checks meant to guard against it are run on that copy: at least one must fail. This
    proves the test suite would catch that mistake before it reaches users."""
    scratch.reset()
    defect.apply(scratch.root)
    diff = scratch.diff()
    outcome = scratch.run(defect.markers, defects.runnable(defect.caught_by), MUTANTS_DIR / defect.id / "junit.xml",
                          defects.RUN_TIMEOUT_S)
    assert outcome.ran, f"no test ran against the defect:\n{outcome.output[-3000:]}"
    trial = defects.Trial(defect, defects.judge(defect, outcome.failures), outcome, diff)
    trials.append(trial)
    report.attach_run(f"{defect.id}: {trial.verdict}", outcome, diff)
    assert trial.verdict != defects.SURVIVED, (
        f"{defect.id} survived: {defect.what}\n{', '.join(defect.caught_by)} "
        f"(-m {' or '.join(defect.markers)}) passed with it in place:\n{diff}")
