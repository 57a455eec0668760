"""The SLO gate: raw percentiles, strict limits, warm-up, and no data as a failure."""

import pytest

from stackcheck import slo
from stackcheck.slo import FAIL, PASS, WARN, Sample, evaluate, percentile

SPEC = {"warmup_s": 5, "min_samples": 10, "max_error_ratio": 0.05,
        "fail": {"p95": 1000}, "warn": {"p50": 100}}


def samples(ms: list[float], start: float = 10.0, ok: bool = True) -> list[Sample]:
    return [Sample(t=start + i * 0.01, ms=m, ok=ok) for i, m in enumerate(ms)]


def test_nearest_rank_percentiles_are_observed_values():
    values = list(range(1, 101))
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 99)) == (50, 95, 99)
    assert percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_no_samples_is_a_failure_not_a_pass():
    verdict = evaluate("api", [], SPEC)
    assert verdict.status == FAIL and "only 0 samples" in verdict.reasons[0]


def test_warm_up_samples_do_not_count_toward_anything():
    slow_warmup = samples([5000] * 50, start=0.0)
    assert evaluate("api", slow_warmup, SPEC).status == FAIL  # all excluded: no data
    assert evaluate("api", slow_warmup + samples([50] * 20), SPEC).status == PASS


def test_a_request_sent_in_the_warm_up_is_part_of_it_even_when_it_ends_after():
    sent_at_4_s = Sample(t=6.0, ms=2000)
    verdict = evaluate("api", [sent_at_4_s] + samples([50] * 20), SPEC)
    assert verdict.samples == 20 and verdict.counted_from_s == 5


def test_without_a_warm_up_every_sample_counts_whatever_its_time():
    page_loads = [Sample(t=i, ms=1500) for i in range(10)]   # numbered, not timed
    assert evaluate("page", page_loads, {**SPEC, "warmup_s": 0}).samples == 10


def test_a_limit_is_strict_the_boundary_value_fails():
    assert evaluate("api", samples([999] * 20), {**SPEC, "warn": {}}).status == PASS
    at_limit = evaluate("api", samples([1000] * 20), SPEC)
    assert at_limit.status == FAIL and "p95 1000 ms >= 1000 ms" in at_limit.reasons


def test_one_slow_tail_above_p95_does_not_fail_but_six_percent_do():
    assert evaluate("api", samples([50] * 95 + [5000] * 5), SPEC).status == PASS
    assert evaluate("api", samples([50] * 94 + [5000] * 6), SPEC).status == FAIL


def test_above_the_target_but_within_the_promise_is_a_warning():
    verdict = evaluate("api", samples([300] * 20), SPEC)
    assert verdict.status == WARN and slo.gate([verdict])


def test_too_many_errors_fail_even_when_fast():
    verdict = evaluate("api", samples([10] * 90) + samples([10] * 10, start=20, ok=False), SPEC)
    assert verdict.status == FAIL and "error ratio 10.00%" in verdict.reasons[0]


def test_all_errors_fail_without_percentiles():
    verdict = evaluate("api", samples([10] * 20, ok=False), SPEC)
    assert verdict.status == FAIL and verdict.percentiles == {}


def test_the_gate_fails_if_any_verdict_fails():
    ok, bad = evaluate("a", samples([10] * 20), SPEC), evaluate("b", [], SPEC)
    assert slo.gate([ok]) and not slo.gate([ok, bad])
    assert "gate: FAILED" in slo.table([ok, bad])


def test_the_slo_file_holds_the_seed_promises():
    assert slo.latency_spec("api")["fail"]["p95"] == 1000
    assert slo.latency_spec("page")["fail"]["p95"] == 3000
    for name in slo.section("latency"):
        spec = slo.latency_spec(name)
        assert spec["min_samples"] >= 1 and "fail" in spec
        for k, v in spec.get("warn", {}).items():
            assert k not in spec["fail"] or v < spec["fail"][k], f"{name}: warn {k} must be tighter than fail"


def test_budgets_use_the_same_strict_limits_and_fail_without_enough_samples():
    spec = {"fail": {"peak": 1024}, "warn": {"peak": 512}}
    assert slo.budget("memory", {"peak": 100}, 10, spec, 5, "MiB").status == PASS
    assert slo.budget("memory", {"peak": 512}, 10, spec, 5, "MiB").status == WARN
    breached = slo.budget("memory", {"peak": 1024}, 10, spec, 5, "MiB")
    assert breached.status == FAIL and breached.reasons == ["peak 1024 MiB >= 1024 MiB"]
    assert slo.budget("memory", {"peak": 100}, 4, spec, 5, "MiB").status == FAIL


def test_the_slo_file_holds_the_seed_budgets():
    assert slo.latency_spec("load", "page_load")["fail"]["p50"] == 3000
    resources = slo.section("resources")
    assert resources["memory_mb"]["fail"]["peak"] == 1024 and resources["cpu_percent"]["fail"]["average"] == 50
    for budget in ("memory_mb", "cpu_percent"):
        (stat, limit), = resources[budget]["fail"].items()
        assert resources[budget]["warn"][stat] < limit
