"""The self-check's catalog (tests/selfcheck/defects/) and runner logic, without Docker: every
defect still applies to today's code, names tests that exist, and is judged as documented."""

import datetime
import re
import tomllib
from pathlib import Path

import pytest

from stackcheck import defects, promises
from stackcheck.defects import CAUGHT, CAUGHT_ELSEWHERE, SURVIVED, AnchorGone, Edit, Failure
from stackcheck.paths import ROOT

CATALOG = defects.catalog()
MARKERS = {m.split(":")[0] for m in tomllib.loads((ROOT / "pyproject.toml").read_text())
           ["tool"]["pytest"]["ini_options"]["markers"]}


def test_the_catalog_covers_every_area_with_at_least_forty_defects():
    assert len(CATALOG) >= 40, f"{len(CATALOG)} defects"
    assert {d.area for d in CATALOG} == set(defects.AREAS)


@pytest.mark.parametrize("defect", CATALOG, ids=lambda d: d.id)
def test_each_defect_still_applies_and_names_tests_that_exist(defect, tmp_path):
    for edit in defect.edits:
        copy = tmp_path / edit.file
        copy.parent.mkdir(parents=True, exist_ok=True)
        if not copy.exists():
            copy.write_text((ROOT / edit.file).read_text())
    defect.apply(tmp_path)
    assert all((tmp_path / e.file).read_text() != (ROOT / e.file).read_text() for e in defect.edits)
    assert set(defect.markers) <= MARKERS, f"unknown markers {set(defect.markers) - MARKERS}"
    for test in defect.caught_by:
        file, _, name = test.partition("::")
        source = ROOT / file
        assert source.is_file(), f"{test}: no such file"
        assert re.search(rf"^(async )?def {re.escape(name.split('[')[0])}\(", source.read_text(), re.M), \
            f"{test}: no such test"


def test_a_test_that_builds_on_the_ones_before_runs_with_its_whole_file():
    assert defects.runnable(("tests/ops/test_ops_script.py::test_b", "tests/functional/test_a.py::test_c",
                             "tests/ops/test_ops_script.py::test_d")) == (
        "tests/ops/test_ops_script.py", "tests/functional/test_a.py::test_c")


def test_an_anchor_that_is_gone_is_an_error_not_a_no_op(tmp_path):
    (tmp_path / "f").write_text("proxy_buffering off;\nproxy_buffering off;\n")
    with pytest.raises(AnchorGone, match="occurs 2 times"):
        Edit("f", "proxy_buffering off;", "proxy_buffering on;").apply(tmp_path)
    with pytest.raises(AnchorGone, match="occurs 0 times"):
        Edit("f", "gzip on;", "gzip off;").apply(tmp_path)


def test_today_is_a_rotation_that_covers_the_catalog_and_repeats_within_a_day():
    day = datetime.date(2026, 12, 7)
    assert defects.select(CATALOG, "today", 3, day) == defects.select(CATALOG, "today", 3, day)
    seen = {d.id for n in range(len(CATALOG)) for d in defects.select(CATALOG, "today", 3, day + datetime.timedelta(n))}
    assert seen == {d.id for d in CATALOG if defects.daily(d)}, "the rotation covers every daily defect"
    assert all(set(d.markers) <= {"functional", "resilience"} for d in defects.select(CATALOG, "today", 50, day))
    assert defects.select(CATALOG, CATALOG[1].id, 3) == [CATALOG[1]]
    with pytest.raises(KeyError):
        defects.select(CATALOG, "no-such-defect", 3)


def test_a_failure_counts_as_caught_only_in_a_named_test_that_names_the_cause():
    defect = defects.Defect("x", "what", "sse", (), ("functional",), ("tests/functional/test_a.py::test_b",),
                            says="buffer")
    named = Failure("tests/functional/test_a.py::test_b[HTTP/2]", "AssertionError: nginx buffered the stream")
    vague = Failure("tests/functional/test_a.py::test_b", "AssertionError: assert 1 == 2")
    other = Failure("tests/functional/test_c.py::test_d", "the stream was buffered")
    assert defects.judge(defect, [named]) == CAUGHT
    assert defects.judge(defect, [vague, other]) == CAUGHT_ELSEWHERE
    assert defects.judge(defect, []) == SURVIVED


def test_junit_reports_give_node_ids_and_messages(tmp_path: Path):
    report = tmp_path / "junit.xml"
    report.write_text("""<testsuites><testsuite>
      <testcase classname="tests.functional.test_a" name="test_b[HTTP/2]"><failure message="boom">trace</failure></testcase>
      <testcase classname="tests.functional.test_a" name="test_ok"/>
      <testcase classname="tests.functional.test_a" name="test_skipped"><skipped message="no"/></testcase>
      <testcase classname="tests.resilience.test_c.TestX" name="test_d"><error message="setup failed"/></testcase>
    </testsuite></testsuites>""")
    ran, failures = defects.junit_failures(report)
    assert ran == 3
    assert [(f.test, f.message.split()[0]) for f in failures] == [
        ("tests/functional/test_a.py::test_b[HTTP/2]", "boom"), ("tests/resilience/test_c.py::test_d", "setup")]


def test_every_promise_a_defect_names_is_one_the_stack_makes():
    known = set(promises.promises())
    unknown = {(d.id, p) for d in CATALOG for p in d.promises if p not in known}
    assert not unknown, f"promises not in slo.yaml, API.md or the compose files: {sorted(unknown)}"


def test_the_coverage_report_lists_idle_tests_and_open_promises():
    one = defects.Defect("x", "what", "sse", (), ("functional",),
                         ("tests/functional/test_smoke.py::test_health_is_ok",), promises=("slo:latency.api",))
    text = promises.report((one,))
    assert "`tests/functional/test_sse_timeline.py::" in text, "a test no defect names is listed"
    assert "`slo:latency.page`" in text and "`slo:latency.api`" not in text
