"""Resilience tests share one fault library and one chaos report per session.

A fault whose rollback failed marks the stack broken: every later test here then fails at
once, naming that fault, instead of testing a stack that is already down.
"""

import allure
import pytest

from stackcheck import Faults
from stackcheck.reporting import ChaosReport, scorecard


@pytest.fixture(scope="session")
def chaos_report():
    report = ChaosReport()
    yield report
    if report.rows or report.broken:
        scorecard.recovery(report)
        path = report.write()
        allure.attach(report.markdown(), name="chaos report", attachment_type=allure.attachment_type.TEXT)
        print(f"\n[stackcheck] chaos report: {path}\n{report.markdown()}")


@pytest.fixture(scope="session")
def faults(target, chaos_report) -> Faults:
    return Faults(target, chaos_report)


@pytest.fixture(autouse=True)
def _refuse_a_broken_stack(faults):
    """Fail (not skip) every test after a fault the stack did not come back from."""
    if faults.broken:
        pytest.fail(f"stack broken by {faults.broken}", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """The test's rows of the chaos report, on its own page: as parameters, and as a table in the
    test's body (a fixture's teardown would file them under Tear down)."""
    faults = item.funcargs.get("faults")
    first = len(faults.report.rows) if faults else 0
    try:
        return (yield)
    finally:
        if rows := faults.report.rows[first:] if faults else []:
            allure.attach(ChaosReport(rows).markdown(f"Faults in {item.name}"),
                          name="faults", attachment_type=allure.attachment_type.TEXT)
            for row in rows:
                allure.dynamic.parameter(f"{row.fault} {row.service}", row.shown(), excluded=True)
