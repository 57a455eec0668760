"""The suite's pytest plugin (entry point `pytest11`): options, markers and report labels by
folder, the refusal of destructive tests on remote targets, and the fixtures of
stackcheck.fixtures.

One table says what a test's folder under tests/ means: its markers, its epic in the Allure
report and its severity there. tests/resilience/... is `resilience`, and, since every test
there breaks something on purpose, `destructive` and `slow` too.
"""

from __future__ import annotations

import inspect
import os
import re
import signal
from dataclasses import dataclass
from pathlib import Path

import allure
import pytest

from . import defects
from .agent import Run
from .fixtures import accounts, backend_openapi, browser, evidence_on_failure, stack, target, trust_dir  # noqa: F401 - registered as fixtures
from .paths import REPORTS
from .reporting.environment import write_environment
from .reporting.results import tidy_teardowns
from .reporting.scorecard import SCORECARD
from .target import HTTP_ONLY, Target, http_only

CRITICAL, NORMAL, MINOR = (allure.severity_level.CRITICAL, allure.severity_level.NORMAL,
                           allure.severity_level.MINOR)


@dataclass(frozen=True)
class Folder:
    markers: tuple[str, ...]
    epic: str
    severity: allure.severity_level


# The functional suite is the release gate, so its failures are critical.
FOLDERS = {
    "functional": Folder(("functional",), "Functional acceptance", CRITICAL),
    "backups": Folder(("backups", "slow"), "Backups (restore drill)", NORMAL),
    "performance": Folder(("performance", "slow"), "Performance", NORMAL),
    "resilience": Folder(("resilience", "destructive", "slow"), "Resilience (chaos)", NORMAL),
    "ops": Folder(("ops", "slow"), "Operations (ops script)", NORMAL),
    "selfcheck": Folder(("selfcheck", "slow"), "Self-check (seeded defects)", NORMAL),
    "unit": Folder((), "Suite library (unit)", MINOR),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("stackcheck", "the stack under test")
    group.addoption("--keep-stack", action="store_true",
                    help="leave the bundled stack running after the run, for debugging")
    group.addoption("--reuse-stack", metavar="PROJECT",
                    help="run against a stack kept by --keep-stack instead of starting one")
    group.addoption("--target", choices=("local", "remote"), default=os.environ.get("STACKCHECK_TARGET", "local"),
                    help="local: start the bundled stack (default); remote: test a deployed stack "
                         "at --base-url, controlled through --docker-host [env STACKCHECK_TARGET]")
    group.addoption("--base-url", default=os.environ.get("STACKCHECK_BASE_URL"),
                    help="remote target: nginx's URL, e.g. https://staging.example.com [env STACKCHECK_BASE_URL]")
    group.addoption("--ca-bundle", default=os.environ.get("STACKCHECK_CA_BUNDLE"),
                    help="remote target: a CA (PEM) that signed its certificate, trusted besides the "
                         "system's roots, e.g. staging's own [env STACKCHECK_CA_BUNDLE]")
    group.addoption("--http-url", default=os.environ.get("STACKCHECK_HTTP_URL"),
                    help="remote target: its plain-HTTP URL, for the redirect tests (default: port 80 "
                         "of an https --base-url on port 443) [env STACKCHECK_HTTP_URL]")
    group.addoption("--docker-host", default=os.environ.get("DOCKER_HOST"),
                    help="remote target: its Docker engine, e.g. ssh://deploy@vps.example.com [env DOCKER_HOST]")
    group.addoption("--project", default=os.environ.get("STACKCHECK_PROJECT", "stock-analyst"),
                    help="remote target: its compose project name (default stock-analyst) [env STACKCHECK_PROJECT]")
    group.addoption("--fuzz-seconds", type=float, default=float(os.environ.get("STACKCHECK_FUZZ_SECONDS", 150)),
                    help="how long schemathesis fuzzes the API in -m functional (default 150 s; the "
                         "nightly run gives it longer) [env STACKCHECK_FUZZ_SECONDS]")
    group.addoption("--defects", default=os.environ.get("STACKCHECK_DEFECTS", "today"),
                    help="-m selfcheck: which seeded defects to try: today (a rotation by date), all, "
                         "or ids separated by commas [env STACKCHECK_DEFECTS]")
    group.addoption("--defects-per-day", type=int, default=2,
                    help="-m selfcheck: how many defects --defects today tries (default 2)")
    group.addoption("--allow-destructive", action="store_true",
                    default=os.environ.get("STACKCHECK_ALLOW_DESTRUCTIVE") == "1",
                    help="run destructive tests (floods, crashes, data removal) against a remote "
                         "target [env STACKCHECK_ALLOW_DESTRUCTIVE=1]")


def _interrupt(signum: int, _frame) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--target") == "remote" and not config.getoption("--base-url"):
        raise pytest.UsageError("--target remote needs --base-url (nginx's URL on that host)")
    # SIGINT and SIGTERM (Ctrl-C, CI timeouts, `kill`) unwind the run, so fixture teardown
    # removes the stack. SIGINT too: a shell starts background jobs with it ignored.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _interrupt)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests = Path(config.rootpath) / "tests"
    catches = defects.caught_by_test()
    for item in items:
        if isinstance(item, pytest.Function) and item.path.is_relative_to(tests):
            _label(item, FOLDERS.get(item.path.relative_to(tests).parts[0]))
            if ids := catches.get(item.nodeid.split("[")[0]):
                # The seeded defects this test exists to catch (tests/selfcheck/defects), in the report too.
                item.add_marker(pytest.mark.catches(*ids))
                item.add_marker(allure.label("defect", *ids))
    if config.getoption("--target") == "remote" and not config.getoption("--allow-destructive"):
        refused = pytest.mark.skip(reason=f"destructive: refused against the remote target "
                                          f"{config.getoption('--base-url')} without --allow-destructive")
        for item in items:
            if item.get_closest_marker("destructive"):
                item.add_marker(refused)


def _label(item: pytest.Function, folder: Folder | None) -> None:
    """Markers and report labels from the folder, unless the test sets its own."""
    own = {mark.kwargs.get("label_type") for mark in item.iter_markers("allure_label")}
    for marker in folder.markers if folder else ():
        item.add_marker(marker)
    if folder and "epic" not in own:
        item.add_marker(allure.epic(folder.epic))
    if folder and "severity" not in own:
        item.add_marker(allure.severity(folder.severity))
    if "feature" not in own:
        item.add_marker(allure.feature(module_summary(item.module) or item.module.__name__))
    if not hasattr(item.function, "__allure_display_name__"):
        item.function.__allure_display_name__ = title(item)


def module_summary(module) -> str:
    """A module docstring's first sentence (or the part before a colon): its feature's name."""
    text = " ".join((inspect.getdoc(module) or "").split())
    return re.split(r"[.:](?:\s|$)", text, maxsplit=1)[0]


def title(item: pytest.Function) -> str:
    """test_nginx_serves_the_page -> 'Nginx serves the page'; parameters are shown beside it."""
    words = item.originalname.removeprefix("test_").replace("_", " ")
    sentence = words[:1].upper() + words[1:]
    # Allure fills {param_id}: parametrized cases stay apart in the report's tree.
    return sentence + " [{param_id}]" if hasattr(item, "callspec") else sentence


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"rep_{report.when}", report)  # for evidence_on_failure
    if (report.when == "call" and not report.skipped) or (report.when == "setup" and report.failed):
        SCORECARD.outcome(item.nodeid, report.passed)
    if report.when == "setup" and report.failed:
        # report/allurerc.mjs files these under Infrastructure: the test never ran, so it
        # says nothing about the product.
        item.add_marker(allure.label("stage", "setup"))
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    # An agent run that a module fixture shares is attached to each test that reads it, on the
    # test's own page rather than under the fixture's setup.
    for name, value in getattr(item, "funcargs", {}).items():
        if isinstance(value, Run):
            allure.attach(value.recording.transcript(), name=f"{name}: the timed SSE transcript",
                          attachment_type=allure.attachment_type.TEXT)
    return (yield)


# tryfirst makes this wrapper the outer one, so the finalizer below is added after
# allure-pytest has wrapped the fixture's finalizers, and does not show as a teardown step.
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef, request: pytest.FixtureRequest):
    value = yield
    results = request.config.getoption("allure_report_dir", None)
    if fixturedef.argname == "target" and isinstance(value, Target) and results:
        # Runs before the stack's teardown (target depends on stack): its containers still exist.
        request.addfinalizer(lambda: write_environment(Path(results), value, request.config.rootpath))
    return value


def _hidden_tests(config: pytest.Config) -> list:
    """Against the bundled stack nothing may be skipped: it offers everything a test needs."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or config.getoption("--target") != "local":
        return []
    return reporter.stats.get("skipped", [])


def pytest_report_header(config: pytest.Config) -> str | None:
    if config.getoption("--target") == "remote" and http_only(config.getoption("--docker-host")):
        return f"[stackcheck] {HTTP_ONLY}: tests that need Docker or SQL skip, and -rs lists them"
    return None


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if skipped := _hidden_tests(config):
        terminalreporter.write_line(
            f"[stackcheck] {len(skipped)} test(s) skipped against the bundled stack: "
            f"that hides a test, so the run fails", red=True)


@pytest.hookimpl(wrapper=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int):
    result = yield   # every other implementation first: the session fixtures' teardown among them
    if _hidden_tests(session.config) and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    # Only for a run that went to its end and measured some criterion: the scorecard comes first
    # in the report. After the teardown, where the chaos report records recovery.
    results = session.config.getoption("allure_report_dir", None)
    if results:
        tidy_teardowns(Path(results))
    if SCORECARD.this_run() and exitstatus != pytest.ExitCode.INTERRUPTED and not session.shouldstop:
        SCORECARD.write(REPORTS, Path(results) if results else None, session.config.getoption("--target"))
    return result
