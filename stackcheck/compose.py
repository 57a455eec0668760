"""The bundled stack's lifecycle: build, start, evidence, and teardown that survives failures.

Each run owns a compose project named ``stackcheck-<pid>-<random>``. The pid makes orphans
recognisable: a project whose creator is no longer alive was leaked by a killed run and is
swept at the start of the next one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from testcontainers.compose import DockerCompose

from .docker import run

ROOT = Path(__file__).resolve().parent.parent
STACK_DIR = ROOT / "stack"
IMAGES_ENV = STACK_DIR / "images.env"
# Per-project env files (secrets), so that a kept stack can be reused by a later run.
STATE_DIR = ROOT / ".stackcheck"
PROJECT_PREFIX = "stackcheck-"
_PROJECT_RE = re.compile(rf"^{PROJECT_PREFIX}(\d+)-[0-9a-f]+$")
# The suite tests the production configuration (budgets, read-only filesystems), with the
# test override publishing ports on 127.0.0.1.
TEST_FILES = ("compose.yml", "compose.prod.yml", "compose.test.yml")


# Images are tagged per checkout: a second checkout on the same machine (a scratch copy
# with a deliberate bug, a branch) builds and runs its own images, never this one's.
IMAGE_TAG = "stackcheck-" + hashlib.sha1(str(ROOT).encode()).hexdigest()[:8]


def new_project_name() -> str:
    return f"{PROJECT_PREFIX}{os.getpid()}-{secrets.token_hex(3)}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def project_names() -> list[str]:
    """Every stackcheck project that still holds a container, network or volume."""
    projects: set[str] = set()
    for listing in (["ps", "-a"], ["network", "ls"], ["volume", "ls"]):
        out = run(*listing, "--filter", "label=com.docker.compose.project",
                      "--format", '{{.Label "com.docker.compose.project"}}').stdout
        projects.update(line for line in out.split() if line.startswith(PROJECT_PREFIX))
    return sorted(projects)


def _started_elsewhere(project: str) -> bool:
    """Started from another checkout that still exists: its own runs sweep it (and know
    whether it was kept on purpose); `make clean` removes it regardless."""
    dirs = run("ps", "-a", "--filter", f"label=com.docker.compose.project={project}", "--format",
               '{{.Label "com.docker.compose.project.working_dir"}}').stdout.split()
    return any(d != str(STACK_DIR) and Path(d).is_dir() for d in dirs)


def sweep_orphans() -> list[str]:
    """Remove every stackcheck project whose creating process is gone. Returns their names."""
    orphans = [p for p in project_names()
               if (m := _PROJECT_RE.match(p)) and not _pid_alive(int(m.group(1)))
               and not (STATE_DIR / f"{p}.keep").exists() and not _started_elsewhere(p)]
    for project in orphans:
        remove_project_resources(project)
        forget_project(project)
    return orphans


def forget_project(project: str) -> None:
    """Delete the suite's local state for a project: env file, secrets, keep mark."""
    for path in STATE_DIR.glob(f"{project}.*"):
        shutil.rmtree(path) if path.is_dir() else path.unlink()


def remove_project_resources(project: str) -> None:
    """Remove a project's containers, networks and volumes by label; needs no compose files."""
    label = f"label=com.docker.compose.project={project}"
    for listing, remove in ((["ps", "-aq"], ["rm", "-f", "-v"]),
                            (["network", "ls", "-q"], ["network", "rm"]),
                            (["volume", "ls", "-q"], ["volume", "rm", "-f"])):
        ids = run(*listing, "--filter", label).stdout.split()
        if ids:
            run(*remove, *ids)


def project_resources(project: str) -> dict[str, list[str]]:
    """What Docker still holds for a project: used to prove that teardown left nothing."""
    label = f"label=com.docker.compose.project={project}"
    return {kind: run(*listing, "--filter", label, "--format", name).stdout.split()
            for kind, listing, name in (("containers", ["ps", "-a"], "{{.Names}}"),
                                        ("networks", ["network", "ls"], "{{.Name}}"),
                                        ("volumes", ["volume", "ls"], "{{.Name}}"))}


def compose_config(*files: str) -> dict:
    """The compose model of stack/ files as written (variables not substituted)."""
    args = [a for f in files for a in ("-f", f)]
    out = subprocess.run(["docker", "compose", *args, "config", "--format", "json", "--no-interpolate"],
                         cwd=STACK_DIR, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


@dataclass
class ComposeStack(DockerCompose):
    """testcontainers' DockerCompose bound to one project name, with its own secrets."""

    project: str = field(default_factory=new_project_name)
    profiles: list[str] | None = field(default_factory=lambda: ["prod"])  # the backup sidecar
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        STATE_DIR.mkdir(exist_ok=True)
        self._env_path = STATE_DIR / f"{self.project}.env"
        self._secrets_dir = STATE_DIR / f"{self.project}.secrets"
        if not self._env_path.exists():  # else: reusing a kept stack, with its secrets
            # Fresh secrets per run: nothing depends on a developer's stack/.env.
            passwords = {"POSTGRES_PASSWORD": secrets.token_urlsafe(24),
                         "REDIS_PASSWORD": secrets.token_urlsafe(24)}
            env = {"COMPOSE_PROJECT_NAME": self.project, "IMAGE_TAG": IMAGE_TAG,
                   "SECRETS_DIR": str(self._secrets_dir),
                   **passwords, **self.extra_env}
            self._env_path.touch(mode=0o600)
            self._env_path.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
            # The prod file mounts secrets from files (read-only containers refuse the
            # environment kind); the directory is private, the files readable by the services.
            self._secrets_dir.mkdir(mode=0o700)
            for name, value in passwords.items():
                path = self._secrets_dir / name.lower()
                path.write_text(value)
                path.chmod(0o644)
        files = [str(IMAGES_ENV)] if IMAGES_ENV.exists() else []
        self.env_file = [*files, str(self._env_path)]

    @property
    def exists(self) -> bool:
        return bool(project_resources(self.project)["containers"])

    def keep(self) -> None:
        """Mark the project as kept on purpose, so orphan sweeps leave it alone."""
        (STATE_DIR / f"{self.project}.keep").touch()

    @cached_property
    def compose_command_property(self) -> list[str]:
        return [*super().compose_command_property, "--project-name", self.project]

    @property
    def secrets(self) -> dict[str, str]:
        return read_env_file(self._env_path)

    def build_images(self) -> None:
        """Build with output streamed to the terminal: a cold build takes minutes."""
        cmd = [*self.compose_command_property, "build", "--progress", "plain"]
        print(f"[stackcheck] building images: {' '.join(cmd)}", file=sys.stderr, flush=True)
        proc = subprocess.run(cmd, cwd=self.context, stdout=sys.stderr, stderr=subprocess.STDOUT)
        if proc.returncode:
            raise RuntimeError(f"docker compose build failed with exit code {proc.returncode}")

    def down(self) -> None:
        """Remove everything the project created, even if compose itself fails."""
        try:
            self._run_command([*self.compose_command_property, "down", "--volumes",
                               "--remove-orphans", "--timeout", "10"])
        except subprocess.CalledProcessError:
            pass
        remove_project_resources(self.project)
        forget_project(self.project)

    def service_names(self) -> set[str]:
        return {c.Service for c in self.get_containers(include_all=True)}

    def unhealthy(self) -> dict[str, str]:
        """Services that are not running and healthy, with what they are instead."""
        return {c.Service: f"{c.State}/{c.Health or 'no healthcheck'}"
                for c in self.get_containers(include_all=True) if (c.State, c.Health) != ("running", "healthy")}

    def wait_healthy(self, timeout: float = 120) -> None:
        """`up --wait` can return while a container crash-loops; check for a steady state."""
        deadline = time.monotonic() + timeout
        while (bad := self.unhealthy()) and time.monotonic() < deadline:
            time.sleep(1)
        if bad:
            raise TimeoutError(f"not healthy after {timeout:.0f} s: {bad}")

    def published(self, service: str, port: int) -> tuple[str, int]:
        """Where the test override publishes a service's port on loopback. Only that one: a
        port also published by mistake elsewhere is for the security tests to report."""
        publishers = [p for p in self.get_container(service).Publishers
                      if p.TargetPort == port and p.URL in ("127.0.0.1", "0.0.0.0")]
        if not publishers:
            raise LookupError(f"{service} does not publish port {port} on 127.0.0.1")
        # Prefer the override's loopback binding to one on every interface.
        return "127.0.0.1", int(sorted(publishers, key=lambda p: p.URL != "127.0.0.1")[0].PublishedPort)
