"""The scorecard: lines from tests that measure and from tests that pass, kept across runs."""

import json

from stackcheck.reporting.scorecard import FAIL, PASS, Scorecard


def test_a_criterion_proven_by_tests_fails_when_one_of_them_fails(tmp_path):
    card = Scorecard()
    card.outcome("tests/resilience/test_crash.py::test_a[backend]", True)
    card.outcome("tests/resilience/test_crash.py::test_a[nginx]", False)
    card.outcome("tests/functional/test_smoke.py::test_x", False)   # no criterion of its own
    line = card.this_run()["restart"]
    assert line.status == FAIL and line.value == "1 of 2 tests passed" and "[nginx]" in line.detail
    assert set(card.this_run()) == {"restart"}


def test_a_line_not_measured_now_comes_from_the_last_run_that_did_and_says_so(tmp_path):
    earlier = Scorecard()
    earlier.measured("api", PASS, "p95 142 ms", "p95 < 1000 ms")
    earlier.write(tmp_path, None)
    now = Scorecard()
    now.measured("memory", FAIL, "peak 1100 MiB", "1024 MiB")
    text = now.write(tmp_path, tmp_path / "allure").read_text()
    assert "| PASS | The API answers in under 1 s at 50 users | p95 142 ms | p95 < 1000 ms |" in text
    assert "(not measured in this run)" in text and "| FAIL | The whole stack stays under 1 GB" in text
    assert "| NOT MEASURED | The page loads in under 3 s |" in text
    results = [json.loads(p.read_text()) for p in (tmp_path / "allure").glob("*-result.json")]
    by_key = {r["fullName"].split(".")[-1]: r for r in results}
    assert by_key["memory"]["status"] == "failed"
    assert by_key["api"]["status"] == "skipped", "an old line is shown, never counted as this run's pass"
    assert "peak 1100 MiB (limit 1024 MiB)" in by_key["memory"]["name"]
    assert all(p["excluded"] for p in by_key["memory"]["parameters"]), "a new value keeps the line's history"


def test_latency_and_recovery_lines_carry_the_value_and_the_limit(monkeypatch):
    from stackcheck import slo
    from stackcheck.reporting import ChaosReport, FaultRun, scorecard
    card = Scorecard()
    monkeypatch.setattr(scorecard, "SCORECARD", card)
    samples = [slo.Sample(t=10 + i, ms=1500) for i in range(30)]
    scorecard.latency("api", slo.evaluate("api", samples, slo.latency_spec("api")), ("p95", "p99"), "Locust")
    assert card.lines["api"].status == FAIL
    assert (card.lines["api"].value, card.lines["api"].limit) == ("p95 1500 ms, p99 1500 ms", "p95 < 1000 ms, p99 < 1000 ms")
    report = ChaosReport([FaultRun("crash", "backend", 9.0, 10.3, 20, 2), FaultRun("stop", "redis", 2.0, 20.0, 10, 1)])
    scorecard.recovery(report)
    line = card.lines["recovery"]
    assert line.status == FAIL and "redis after a stop, serving in 20.0 s" in line.value and "over budget: redis" in line.detail


def test_a_restore_is_judged_by_its_own_budget_not_a_crash_recovery_budget(monkeypatch):
    from stackcheck.reporting import scorecard
    from stackcheck.reporting.chaos import ChaosReport, FaultRun
    monkeypatch.setattr(scorecard, "SCORECARD", Scorecard())
    crash = FaultRun("crash", "postgres", time_to_serving=5.0, requests=10)
    restore = FaultRun("volume removed + restore", "postgres", time_to_serving=36.4, requests=10, budget_s=180)
    scorecard.recovery(ChaosReport([crash, restore]))
    line = scorecard.SCORECARD.lines["recovery"]
    assert line.status == PASS and "restore" in line.value and line.limit.startswith("180 s"), line
    restore.budget_s = None   # judged as a crash: Postgres's 30 s
    scorecard.recovery(ChaosReport([crash, restore]))
    assert scorecard.SCORECARD.lines["recovery"].status == FAIL
