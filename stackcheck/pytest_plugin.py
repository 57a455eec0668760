"""pytest wiring: the session's target, stack teardown on any exit, evidence on failure."""

from __future__ import annotations

import os
import signal
import time
import sys
from contextlib import contextmanager, nullcontext
from pathlib import Path

import allure
import pytest

from . import evidence
from .compose import ROOT, STACK_DIR, TEST_FILES, ComposeStack, new_project_name, sweep_orphans
from .target import Target, local_target, remote_target

EVIDENCE_DIR = ROOT / "reports" / "evidence"


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
    group.addoption("--docker-host", default=os.environ.get("DOCKER_HOST"),
                    help="remote target: its Docker engine, e.g. ssh://deploy@vps.example.com [env DOCKER_HOST]")
    group.addoption("--project", default=os.environ.get("STACKCHECK_PROJECT", "stock-analyst"),
                    help="remote target: its compose project name (default stock-analyst) [env STACKCHECK_PROJECT]")
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


# A test's folder under tests/ gives its markers: tests/resilience/... is `resilience`,
# and, since every test there breaks something on purpose, `destructive` and `slow` too.
FOLDER_MARKERS = {"functional": ("functional",),
                  "performance": ("performance", "slow"),
                  "ops": ("ops", "slow"),
                  "resilience": ("resilience", "destructive", "slow")}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests = Path(config.rootpath) / "tests"
    for item in items:
        if item.path.is_relative_to(tests):
            for marker in FOLDER_MARKERS.get(item.path.relative_to(tests).parts[0], ()):
                item.add_marker(marker)
    if config.getoption("--target") == "remote" and not config.getoption("--allow-destructive"):
        refused = pytest.mark.skip(reason=f"destructive: refused against the remote target "
                                          f"{config.getoption('--base-url')} without --allow-destructive")
        for item in items:
            if item.get_closest_marker("destructive"):
                item.add_marker(refused)


def _hidden_tests(config: pytest.Config) -> list:
    """Against the bundled stack nothing may be skipped: it offers everything a test needs."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or config.getoption("--target") != "local":
        return []
    return reporter.stats.get("skipped", [])


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if skipped := _hidden_tests(config):
        terminalreporter.write_line(
            f"[stackcheck] {len(skipped)} test(s) skipped against the bundled stack: "
            f"that hides a test, so the run fails", red=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _hidden_tests(session.config) and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _log(message: str) -> None:
    print(f"[stackcheck] {message}", file=sys.stderr, flush=True)


@contextmanager
def _uncaptured(config: pytest.Config):
    """Show progress of long steps (image builds, stack start) live, not after the fact."""
    capture = config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else nullcontext():
        yield


@contextmanager
def _signals_deferred():
    """Teardown must finish: a second Ctrl-C must not leave half a stack behind."""
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def save_evidence(project: str, reason: str) -> evidence.StackEvidence:
    """Write the stack's evidence under reports/evidence/ and attach it to the Allure report."""
    found = evidence.collect(project)
    folder = EVIDENCE_DIR / project
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in found.files().items():
        (folder / name).write_text(text)
        kind = allure.attachment_type.JSON if name.endswith(".json") else allure.attachment_type.TEXT
        allure.attach(text, name=f"{reason}: {name}", attachment_type=kind)
    return found


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest):
    """The bundled stack from stack/, started once per session and always removed."""
    reuse = request.config.getoption("--reuse-stack")
    keep = request.config.getoption("--keep-stack")
    if not reuse:
        for orphan in sweep_orphans():
            _log(f"removed orphaned stack {orphan} left by an earlier run")
    compose = ComposeStack(context=STACK_DIR, compose_file_name=list(TEST_FILES), wait=True,
                           project=reuse or new_project_name())
    if reuse and not compose.exists:
        pytest.exit(f"--reuse-stack {reuse}: no such running stack", returncode=4)
    config = request.config
    try:
        if not reuse:
            with _uncaptured(config):
                compose.build_images()
                _log(f"starting stack {compose.project}")
                started = time.monotonic()
                try:
                    compose.start()
                    compose.wait_healthy()
                except Exception as exc:
                    found = save_evidence(compose.project, "stack start")
                    raise RuntimeError(
                        f"the stack failed to start: {found.summary}. "
                        f"Evidence: {EVIDENCE_DIR / compose.project}") from exc
                _log(f"stack {compose.project} healthy in {time.monotonic() - started:.1f} s")
        yield compose
    finally:
        with _uncaptured(config):
            if keep or reuse:
                compose.keep()
                _log(f"kept stack {compose.project}: rerun with --reuse-stack {compose.project}; "
                     f"remove with: make clean")
            else:
                with _signals_deferred():
                    _log(f"removing stack {compose.project}")
                    compose.down()
                    _log(f"removed stack {compose.project}")


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Target:
    config = request.config
    if config.getoption("--target") == "remote":
        return remote_target(config.getoption("--base-url"), config.getoption("--project"),
                             config.getoption("--docker-host"))
    return local_target(request.getfixturevalue("stack"))


@pytest.fixture(scope="session")
def browser():
    from .browser import chromium
    with chromium() as instance:
        yield instance


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@allure.title("stack evidence (attached when the test fails)")
@pytest.fixture(autouse=True)
def _evidence_on_failure(request: pytest.FixtureRequest):
    """When a test that uses the stack fails, attach what the stack was doing."""
    yield
    failed = any(getattr(request.node, f"rep_{w}", None) and getattr(request.node, f"rep_{w}").failed
                 for w in ("setup", "call"))
    if failed and "target" in request.fixturenames:
        project = request.getfixturevalue("target").project
        found = save_evidence(project, "on failure")
        request.node.add_report_section("call", "stack evidence",
                                        f"{found.summary}\nfull evidence: {EVIDENCE_DIR / project}")
