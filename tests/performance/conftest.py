"""Shared by the performance tests: the summary they fill (and its trends across runs), the
host's cores, saved benchmarks."""

import allure
import pytest
from pytest_benchmark.utils import get_tag

from stackcheck import resources
from stackcheck.paths import SLO_HISTORY
from stackcheck.reporting import PERFORMANCE_DIR, Summary, attach_file, plots
from stackcheck.reporting.performance import HISTORY_RUNS


def pytest_collection_finish(session: pytest.Session) -> None:
    # Keep every run's benchmarks (in .benchmarks/, which `make clean` leaves alone), so the
    # next run can compare: pytest -m performance --benchmark-compare. Only when benchmarks
    # were selected: pytest-benchmark warns about saving a run that had none.
    bench = getattr(session.config, "_benchmarksession", None)
    selected = any("benchmark" in getattr(item, "fixturenames", ()) for item in session.items)
    if bench and selected and not (bench.disabled or bench.save or session.config.option.collectonly):
        bench.autosave = bench.autosave or get_tag()  # the file name --benchmark-autosave gives


@pytest.fixture(scope="session")
def summary(target):
    """reports/performance/summary.md, written when the session ends, whatever was measured;
    its numbers join the history of the target's kind (the bundled stack, or a deployed one)."""
    report = Summary(PERFORMANCE_DIR / "summary.md")
    yield report
    allure.attach(report.write().read_text(), name="performance summary",
                  attachment_type=allure.attachment_type.TEXT)
    history = SLO_HISTORY if target.kind == "local" else SLO_HISTORY.with_name(f"slo-history-{target.kind}.jsonl")
    if series := report.remember(history):
        png = plots.trends(series, PERFORMANCE_DIR / "trends.png",
                           f"Each measured number over the last {HISTORY_RUNS} runs, with its limit")
        attach_file(png, "trends across runs")


@pytest.fixture(scope="session")
def cpus(target) -> int:
    """The Docker host's cores (its CPU budgets are shares of them)."""
    target.compose_project()   # skips on an HTTP-only target
    return resources.host_cpus()

