"""Load-run judging: request names to SLOs, no data, warm-up, results on disk, and Locust's exit code."""

import re
import time
from pathlib import Path

from stackcheck import load
from stackcheck.load import RawSample
from stackcheck.slo import FAIL, PASS

START = 1_700_000_000.0


def samples(slo: str, ms: float, n: int, after_s: float = 10.0, ok: bool = True) -> list[RawSample]:
    return [RawSample(START + after_s + i * 0.1, slo, f"{slo}:/x", ms, ok) for i in range(n)]


def test_request_names_map_to_slo_sections_and_others_are_not_gated():
    assert load.slo_of(load.request_name("api", "/api/v1/stocks")) == "api"
    assert load.slo_of("sse_first_event:/run_sse") == "sse_first_event"
    assert load.slo_of("/api/v1/stocks") is None
    assert load.slo_of("nosuchslo:/x") is None


def test_an_expected_slo_without_traffic_fails_as_no_data():
    verdicts = {v.name: v for v in load.judge(samples("api", 20, 100), ["api", "page"], START)}
    assert verdicts["api"].status == PASS
    assert verdicts["page"].status == FAIL and "only 0 samples" in verdicts["page"].reasons[0]


def test_the_warm_up_is_cut_by_wall_clock_time_from_the_start():
    slow_start = samples("api", 5000, 50, after_s=0)  # inside the 5 s warm-up
    [verdict] = load.judge(slow_start + samples("api", 20, 50, after_s=10), ["api"], START)
    assert verdict.status == PASS and verdict.samples == 50


def test_latency_counts_from_the_last_sign_in_and_sign_in_counts_from_the_start():
    # The crowd signs up until 8 s, past the 5 s warm-up; API requests sent meanwhile queue behind it.
    crowd = samples("signin", 900, 8, after_s=1.0) + samples("signin", 900, 1, after_s=8.0)
    during_sign_up = samples("api", 3000, 20, after_s=8.5)  # sent at 5.5-7.4 s
    verdicts = {v.name: v for v in load.judge(crowd + during_sign_up + samples("api", 20, 50, after_s=9),
                                              ["api", "signin"], START)}
    assert verdicts["api"].status == PASS and verdicts["api"].samples == 50
    assert verdicts["api"].counted_from_s == 8.0
    assert verdicts["signin"].samples == 9 and verdicts["signin"].counted_from_s == 0


def test_a_slow_route_fails_with_the_breached_percentiles():
    [verdict] = load.judge(samples("api", 1500, 100), ["api"], START)
    assert verdict.status == FAIL and "p95 1500 ms >= 1000 ms" in verdict.reasons


def test_results_round_trip_through_files(tmp_path: Path):
    raw = samples("api", 20, 30) + samples("sse_first_event", 50, 30) + samples("sse_full_run", 900, 30)
    verdicts = load.judge(raw, ["api", "sse_first_event"], START)
    load.write_results(tmp_path, raw, verdicts, START)
    run = load.LoadRun(0, "", tmp_path)
    assert run.verdict["passed"] and set(run.verdicts) == {"api", "sse_first_event"}
    assert len(run.samples()) == 90 and run.samples()[0]["t"] == 10.0
    # 30 API requests over 10.0..12.9 s, counted after a 10 s warm-up: 30 / 2.9 s
    assert round(run.requests_per_s({"api"}, after=10.0), 1) == 10.3
    assert "gate: PASSED" in run.table


def test_locust_exits_non_zero_with_a_verdict_when_its_slos_get_no_data(tmp_path: Path):
    # Nothing listens on port 9 (discard) here: every request fails, and 2 s never leave the warm-up.
    run = load.run_locust("http://127.0.0.1:9", tmp_path, users=3, spawn_rate=3, run_time_s=2)
    assert run.exit_code == 1, run.output[-2000:]
    assert run.output.rstrip().endswith(f"raw samples and verdict: {tmp_path}/"), "the verdict comes last"
    assert re.search(r"^FAIL +api +0 ", run.output, re.M) and "gate: FAILED" in run.output
    assert "exceptions" not in run.output, "refused connections must fail requests, not the users' code"
    assert set(run.verdicts) == {"api", "page", "signin", "sse_ttfb", "sse_first_event", "sse_full_run"}
    assert all(v.status == FAIL for v in run.verdicts.values())
    # Sign-ins have no warm-up: every one of them was refused.
    assert all(v.reasons[0].startswith("only 0 samples") for name, v in run.verdicts.items() if name != "signin")


def test_a_run_against_a_dead_host_stops_early_in_a_folder_of_its_own(tmp_path: Path):
    """Every request refused: Locust stops after slo.yaml's load_run.abort_after_failing_s, not at
    the end of the run, and says why; the verdict, report and Allure results are in its folder."""
    started = time.monotonic()
    run = load.run_locust("http://127.0.0.1:9", tmp_path, users=2, spawn_rate=2, run_time_s=60,
                          user_classes=("ApiUser",))
    took = time.monotonic() - started
    assert run.exit_code == 1 and "STOPPED EARLY: every request failed for 10 s" in run.output, run.output[-2000:]
    assert took < 40, f"the run went on for {took:.0f} s against a host that refuses every request"
    assert re.search(r"^FAIL +api +\d+ +\d+s +100\.00%", run.output, re.M), "the table shows the errors"
    assert {"verdict.json", "samples.csv", "allure-results"} <= {p.name for p in tmp_path.iterdir()}
    assert any(tmp_path.glob("allure-results/*-result.json"))
