"""What the plugin refuses and reports, run in a throwaway pytest session (no Docker)."""

import pytest

pytest_plugins = ["pytester"]

TESTS = '''
import pytest

@pytest.mark.destructive
def test_floods():
    pass

def test_reads():
    pass

def test_lacks_something():
    pytest.skip("needs redis access")
'''


@pytest.fixture
def session(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nmarkers =\n    destructive: d\n")
    pytester.makepyfile(test_policy=TESTS)
    return lambda *args: pytester.runpytest("-rs", *args)


def test_destructive_tests_are_refused_on_a_remote_target_and_say_why(session):
    result = session("--target", "remote", "--base-url", "https://staging.example.com")
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(["*destructive: refused against the remote target "
                                 "https://staging.example.com without --allow-destructive*"])
    assert result.ret == 0


def test_allow_destructive_runs_them(session):
    result = session("--target", "remote", "--base-url", "https://staging.example.com", "--allow-destructive")
    result.assert_outcomes(passed=2, skipped=1)


def test_a_skip_against_the_bundled_stack_fails_the_run(session):
    result = session("-k", "lacks or reads")
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*1 test(s) skipped against the bundled stack*"])


def test_a_remote_target_needs_its_url(session):
    result = session("--target", "remote")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--target remote needs --base-url*"])
