"""The report's labels and environment file, without Docker."""

import json
import types

from stackcheck import plugin
from stackcheck.reporting import environment
from stackcheck.reporting.results import tidy_teardowns


def test_a_module_summary_is_its_docstrings_first_sentence_or_the_part_before_a_colon():
    module = types.ModuleType("m", "The stack is up: every service healthy.\n\nMore.")
    assert plugin.module_summary(module) == "The stack is up"
    module.__doc__ = "Postgres crashes under a steady stream of writes: every write\nsurvives."
    assert plugin.module_summary(module) == "Postgres crashes under a steady stream of writes"
    module.__doc__ = "Judged by slo.yaml. Then more."
    assert plugin.module_summary(module) == "Judged by slo.yaml"


def test_properties_escape_spaces_and_separators_in_keys_only():
    assert environment._escape("Target URL", key=True) == "Target\\ URL"
    assert environment._escape("http://host:80/a b") == "http://host:80/a b"
    assert environment._escape("two\nlines") == "two\\nlines"


def test_each_run_adds_its_numbers_to_the_history_and_the_trends_chart_them(tmp_path):
    from stackcheck.reporting import Summary, plots
    history = tmp_path / "slo-history.jsonl"
    for p95 in (120, 180, 950):
        run = Summary(tmp_path / "summary.md")
        run.add("API p95, 50 users", p95, "ms", 250, 1000)
        series = run.remember(history)
    assert [value for _, value, _ in series["API p95, 50 users (ms)"]] == [120, 180, 950]
    assert {limit for _, _, limit in series["API p95, 50 users (ms)"]} == {1000}
    assert plots.trends(series, tmp_path / "trends.png", "trends").stat().st_size > 10_000


def test_teardown_steps_keep_the_fixtures_own_and_failures_and_drop_pytests_bookkeeping(tmp_path):
    afters = [{"name": "goog::1", "status": "passed"}, {"name": "goog::<lambda>"},
              {"name": "scratch::<lambda>", "status": "broken", "statusDetails": {"message": "boom"}},
              {"name": "scratch::remove", "status": "passed"}]
    (tmp_path / "a-container.json").write_text(json.dumps({"uuid": "a", "afters": afters}))
    tidy_teardowns(tmp_path)
    kept = json.loads((tmp_path / "a-container.json").read_text())["afters"]
    assert [a["name"] for a in kept] == ["goog", "scratch::<lambda>", "scratch::remove"]
