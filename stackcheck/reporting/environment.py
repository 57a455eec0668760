"""The Allure report's context a reader can trust: ``environment.properties``.

When a session used a target, it names the target (kind, URL, compose project, Docker host),
the suite's git commit, each service's image (reference, id, size), and the Python and
Docker versions. The plugin writes it when the target is finalized, at the end of the
session, while the stack still runs. The report itself is built by ``make report``
(report/README.md).
"""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path

from .. import docker
from ..target import Target


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
           "Docker host": target.no_docker or target.docker_host or "local engine",
           "Git commit": _git_commit(root),
           "Python": platform.python_version()}
    if target.no_docker:
        return env
    env["Docker"] = docker.server_version()
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


def _escape(text: str, key: bool = False) -> str:
    """Java properties escaping, which Allure's reader undoes."""
    text = text.replace("\\", "\\\\").replace("\n", "\\n")
    return text.replace(" ", "\\ ").replace("=", "\\=").replace(":", "\\:") if key else text
