"""The self-check's scratch copy, its clean pass, and the score it writes (tests/selfcheck/README.md)."""

from __future__ import annotations

import pytest

from stackcheck import defects
from stackcheck.paths import MUTANTS_DIR
from stackcheck.reporting import selfcheck as report


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "defect" in metafunc.fixturenames:
        config = metafunc.config
        chosen = defects.select(defects.catalog(), config.getoption("--defects"), config.getoption("--defects-per-day"))
        metafunc.parametrize("defect", chosen, ids=[d.id for d in chosen])


@pytest.fixture(scope="session")
def trials() -> list[defects.Trial]:
    return []


@pytest.fixture(scope="session")
def scratch(request: pytest.FixtureRequest, trials) -> defects.Scratch:
    """A worktree of HEAD on which the chosen defects' tests must first pass unchanged: otherwise
    a failure under a defect would prove nothing. One clean run per marker, each within its own
    time limit (the whole catalog names the load runs and the ops sequence)."""
    chosen = [item.callspec.params["defect"] for item in request.session.items
              if hasattr(item, "callspec") and "defect" in item.callspec.params]
    copy = defects.Scratch()

    def write_the_summary() -> None:
        report.write_summary(trials, MUTANTS_DIR, defects.catalog())

    request.addfinalizer(write_the_summary)
    request.addfinalizer(copy.remove)
    for marker in dict.fromkeys(m for d in chosen for m in d.markers):
        tests = defects.runnable(tuple(t for d in chosen if marker in d.markers for t in d.caught_by))
        clean = copy.run((marker,), tests, MUTANTS_DIR / "clean" / f"{marker}.xml", defects.RUN_TIMEOUT_S)
        report.attach_run(f"the clean copy ({marker})", clean)
        if clean.ran == 0 or clean.failures:
            failed = "\n".join(f"  {f.test}: {f.message.splitlines()[0][:200]}" for f in clean.failures)
            pytest.fail(f"the clean copy does not pass its own {marker} tests ({clean.ran} ran), so no defect "
                        f"can be judged:\n{failed}\n{clean.output[-2000:]}", pytrace=False)
    return copy
