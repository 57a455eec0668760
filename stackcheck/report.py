"""What the Allure report needs beyond test results: context a reader can trust, and labels to browse by.

- Environment: when a session used a target, ``environment.properties`` in the Allure results
  names it (kind, URL, compose project, Docker host), the suite's git commit, each service's
  image (reference, id, size), and the Python and Docker versions. It is written when the
  target is finalized, at the end of the session, while the stack still runs.
- Labels: each test gets an epic (its folder under tests/), a feature (its module's summary),
  a severity and a readable title (its name as a sentence), unless it sets them itself.
- A test whose setup failed is labelled ``stage=setup``, which report/allurerc.mjs files under
  Infrastructure: the test never ran, so it says nothing about the product.

The report itself is built by ``make report`` (report/README.md).
"""

from __future__ import annotations

import inspect
import platform
import re
import subprocess
from pathlib import Path

import allure
import pytest

from . import docker
from .target import Target

# A test's folder under tests/ gives its epic and severity: the functional suite is the
# release gate, so its failures are critical.
EPICS = {"functional": ("Functional acceptance", allure.severity_level.CRITICAL),
         "performance": ("Performance", allure.severity_level.NORMAL),
         "resilience": ("Resilience (chaos)", allure.severity_level.NORMAL),
         "ops": ("Operations (ops script)", allure.severity_level.NORMAL),
         "unit": ("Suite library (unit)", allure.severity_level.MINOR)}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests = Path(config.rootpath) / "tests"
    for item in items:
        if not isinstance(item, pytest.Function) or not item.path.is_relative_to(tests):
            continue
        epic, severity = EPICS.get(item.path.relative_to(tests).parts[0], (None, None))
        own = {mark.kwargs.get("label_type") for mark in item.iter_markers("allure_label")}
        if epic and "epic" not in own:
            item.add_marker(allure.epic(epic))
        if "feature" not in own:
            item.add_marker(allure.feature(_summary(item.module) or item.module.__name__))
        if severity and "severity" not in own:
            item.add_marker(allure.severity(severity))
        if not hasattr(item.function, "__allure_display_name__"):
            item.function.__allure_display_name__ = _title(item)


def _summary(module) -> str:
    """A module docstring's first sentence (or the part before a colon): its feature's name."""
    text = " ".join((inspect.getdoc(module) or "").split())
    return re.split(r"[.:](?:\s|$)", text, maxsplit=1)[0]


def _title(item: pytest.Function) -> str:
    """test_nginx_serves_the_page -> 'Nginx serves the page'; parameters are shown beside it."""
    words = item.originalname.removeprefix("test_").replace("_", " ")
    title = words[:1].upper() + words[1:]
    # Allure fills {param_id}: parametrized cases stay apart in the report's tree.
    return title + " [{param_id}]" if hasattr(item, "callspec") else title


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "setup" and report.failed:
        item.add_marker(allure.label("stage", "setup"))
    return report


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


def write_environment(results: Path, target: Target, root: Path) -> Path:
    results.mkdir(parents=True, exist_ok=True)
    path = results / "environment.properties"
    path.write_text("".join(f"{_escape(k, key=True)}={_escape(v)}\n"
                            for k, v in environment(target, root).items()))
    return path


def environment(target: Target, root: Path) -> dict[str, str]:
    env = {"Target": target.kind,
           "Target URL": target.base_url,
           "Compose project": target.project,
           "Docker host": target.docker_host or "local engine",
           "Git commit": _git_commit(root),
           "Python": platform.python_version(),
           "Docker": _docker_versions()}
    try:
        containers = docker.containers(target.project)
    except RuntimeError as exc:
        return env | {"Images": f"unavailable: {exc}"}
    for service, container in sorted(containers.items()):
        image = docker.image(container["Image"])
        # Size and id first: the report cuts long values short.
        env[f"Image {service}"] = (f"{image['Size'] / 1e6:.0f} MB, id {image['Id'].removeprefix('sha256:')[:12]}, "
                                   f"{container['Config']['Image']}")
    return env


def _git_commit(root: Path) -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True).stdout.strip()
    sha = git("rev-parse", "--short=12", "HEAD")
    if not sha:
        return "unknown (not a git checkout)"
    # Uncommitted changes to tracked files: the commit alone does not say what was tested.
    return sha + (" + uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def _docker_versions() -> str:
    proc = docker.run("version", "--format", "{{.Server.Version}} (client {{.Client.Version}})")
    return proc.stdout.strip() or f"unavailable: {proc.stderr.strip()}"


def _escape(text: str, key: bool = False) -> str:
    """Java properties escaping, which Allure's reader undoes."""
    text = text.replace("\\", "\\\\").replace("\n", "\\n")
    return text.replace(" ", "\\ ").replace("=", "\\=").replace(":", "\\:") if key else text
