"""The session's fixtures: the stack (started once, always removed), the target every test
reaches it through, a browser, and the stack's evidence attached to a failed test."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from contextlib import contextmanager, nullcontext

import allure
import pytest

from .accounts import Accounts
from .compose import ComposeStack, new_project_name, signals_deferred, sweep_orphans
from .paths import EVIDENCE_DIR
from .reporting.evidence import StackEvidence, collect
from .target import Target, local_target, remote_target
from . import tls


def _log(message: str) -> None:
    print(f"[stackcheck] {message}", file=sys.stderr, flush=True)


@contextmanager
def _uncaptured(config: pytest.Config):
    """Show progress of long steps (image builds, stack start) live, not after the fact."""
    capture = config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else nullcontext():
        yield


def save_evidence(project: str, reason: str) -> StackEvidence:
    """Write the stack's evidence under reports/evidence/ and attach it to the Allure report."""
    found = collect(project)
    folder = EVIDENCE_DIR / project
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in found.files().items():
        (folder / name).write_text(text)
        kind = allure.attachment_type.JSON if name.endswith(".json") else allure.attachment_type.TEXT
        allure.attach(text, name=f"{reason}: {name}", attachment_type=kind)
    return found


def _start(compose: ComposeStack, config: pytest.Config) -> None:
    with _uncaptured(config):
        compose.build_images()
        _log(f"starting stack {compose.project}")
        started = time.monotonic()
        try:
            compose.start()
            compose.wait_healthy()
        except Exception as exc:
            found = save_evidence(compose.project, "stack start")
            raise RuntimeError(f"the stack failed to start: {found.summary}. "
                               f"Evidence: {EVIDENCE_DIR / compose.project}") from exc
        _log(f"stack {compose.project} healthy in {time.monotonic() - started:.1f} s")


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest):
    """The bundled stack from stack/, started once per session and always removed."""
    config = request.config
    reuse, keep = config.getoption("--reuse-stack"), config.getoption("--keep-stack")
    if not reuse:
        for orphan in sweep_orphans():
            _log(f"removed orphaned stack {orphan} left by an earlier run")
    compose = ComposeStack(project=reuse or new_project_name())
    if reuse and not compose.exists:
        pytest.exit(f"--reuse-stack {reuse}: no such running stack", returncode=4)
    try:
        if not reuse:
            _start(compose, config)
        yield compose
    finally:
        with _uncaptured(config):
            if keep or reuse:
                compose.keep()
                _log(f"kept stack {compose.project}: rerun with --reuse-stack {compose.project}; "
                     f"remove with: make clean")
            else:
                with signals_deferred():
                    _log(f"removing stack {compose.project}")
                    compose.down()
                    _log(f"removed stack {compose.project}")


@pytest.fixture(scope="session")
def trust_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where this run keeps what makes its clients trust the target's CA."""
    return tmp_path_factory.mktemp("trust")


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest, trust_dir: Path) -> Target:
    config = request.config
    if config.getoption("--target") == "remote":
        found = remote_target(config.getoption("--base-url"), config.getoption("--project"),
                              config.getoption("--docker-host"), config.getoption("--http-url"),
                              config.getoption("--ca-bundle"))
    else:
        found = local_target(request.getfixturevalue("stack"))
    if found.ca_bundle:
        tls.trust(Path(found.ca_bundle), trust_dir)
    return found


@pytest.fixture(scope="session")
def accounts(target: Target) -> Accounts:
    """Accounts on the target: fresh ones where sign-up is open (the bundled stack)."""
    return Accounts(target.base_url)


@pytest.fixture(scope="session")
def backend_openapi(target: Target) -> dict:
    """The running backend's OpenAPI: the contract the matrix and the fuzzer test."""
    return target.openapi()


@pytest.fixture(scope="session")
def browser(target: Target, trust_dir: Path):
    """Chromium, trusting the target's CA as a user's browser trusts a public one."""
    from .browser import chromium
    home = tls.browser_home(Path(target.ca_bundle), trust_dir) if target.ca_bundle else None
    with chromium(home) as instance:
        yield instance


@allure.title("stack evidence (attached when the test fails)")
@pytest.fixture(autouse=True)
def evidence_on_failure(request: pytest.FixtureRequest):
    """When a test that uses the stack fails, attach what the stack was doing."""
    yield
    failed = any(getattr(request.node, f"rep_{w}", None) and getattr(request.node, f"rep_{w}").failed
                 for w in ("setup", "call"))
    target = request.getfixturevalue("target") if failed and "target" in request.fixturenames else None
    if target and not target.no_docker:
        project = target.project
        found = save_evidence(project, "on failure")
        request.node.add_report_section("call", "stack evidence",
                                        f"{found.summary}\nfull evidence: {EVIDENCE_DIR / project}")
