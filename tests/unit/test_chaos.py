"""The chaos report table, recovery budgets, and the arithmetic behind the measurements."""

import pytest
import yaml

from stackcheck.backup import compare_tables, rows_lost
from stackcheck.faults import Prober
from stackcheck.paths import STACK_DIR
from stackcheck.reporting.chaos import ChaosReport, FaultRun
from stackcheck.slo import recovery_budget

# Every service, the prod profile's included, is defined in compose.yml.
SERVICES = sorted(yaml.safe_load((STACK_DIR / "compose.yml").read_text())["services"])


def test_the_table_has_one_row_per_fault_with_never_and_not_measured_spelled_out():
    report = ChaosReport()
    report.add(FaultRun("crash (host)", "backend", 7.94, 7.31, requests=32, failed=19, restarts=1))
    report.add(FaultRun("crash (host)", "postgres", None, None, requests=5, failed=5, data_lost=3,
                        notes=["not healthy | still exited"]))
    report.add(FaultRun("crash (host)", "backup", 5.8))
    text = report.markdown()
    assert "| crash (host) | backend | 7.9 | 7.3 | 19/32 | 1 | not measured |  |" in text
    assert "| crash (host) | postgres | never | never | 5/5 | 0 | 3 | not healthy \\| still exited |" in text
    assert "| crash (host) | backup | 5.8 | n/a | 0/0 |" in text
    assert "3 faults; data lost: 3 (measured in 1 of them; must be 0)" in text
    assert "BROKEN" not in text


def test_a_broken_stack_is_said_first_and_loudly():
    report = ChaosReport(broken="stop of redis: not steady after 90 s")
    assert report.markdown().splitlines()[2].startswith("**STACK BROKEN: stop of redis")


def test_the_report_is_written_under_reports(tmp_path):
    path = ChaosReport([FaultRun("stop", "redis", 2.1, 0.4)]).write(tmp_path)
    assert path == tmp_path / "chaos-report.md" and "| stop | redis | 2.1 | 0.4 |" in path.read_text()


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_a_recovery_budget_with_a_reason(service):
    budget = recovery_budget(service)
    assert budget["healthy_s"] > 0 and budget["serving_s"] > 0 and budget["why"]


def test_an_unknown_service_has_no_budget():
    with pytest.raises(KeyError, match="no recovery budget for 'mongo'"):
        recovery_budget("mongo")


def prober_with(samples):
    prober = Prober(probe=None, base_url=lambda: "http://unused")
    prober.samples = samples
    return prober


def test_serving_again_is_the_first_success_after_the_last_failure():
    prober = prober_with([(1.0, True), (2.0, False), (3.0, True), (4.0, False), (5.0, True), (6.0, True)])
    assert prober.serving and prober.serving_since() == 5.0
    assert prober_with([(1.0, True), (2.0, True)]).serving_since() == 1.0    # never stopped
    assert prober_with([(1.0, True), (2.0, False)]).serving_since() is None  # still failing
    assert prober_with([]).serving_since() is None


def test_restored_tables_are_compared_by_rows_and_contents():
    before = {"prices": (100, "a"), "watchlists": (5, "b"), "events": (7, "c"), "gone": (3, "d")}
    after = {"prices": (100, "a"), "watchlists": (5, "x"), "events": (4, "y"), "new": (1, "z")}
    assert compare_tables(before, after) == [
        "gone: missing after restore (3 rows before)", "new: only after restore",
        "watchlists: 5 rows before, 5 after, contents differ", "events: 7 rows before, 4 after"]
    assert rows_lost(before, after) == 3 + 3
    assert compare_tables(before, dict(before)) == [] and rows_lost(before, before) == 0
