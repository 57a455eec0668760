"""The bundled stack's lifecycle: build, start, and teardown that survives failures.

testcontainers' DockerCompose runs compose; stackcheck.docker does what it cannot (label
sweeps of a project whose compose files are gone, health from inspect).

Each run owns a compose project named ``stackcheck-<pid>-<random>``. The pid makes orphans
recognisable: a project whose creator is no longer alive was leaked by a killed run and is
swept at the start of the next one. Each run also owns a block of loopback ports, written
with its secrets into ``.stackcheck/<project>.env``: a restarted container is published on
the same ports again, so where the stack is never changes during a run.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

from testcontainers.compose import DockerCompose

from . import docker, tls
from .paths import ROOT, STACK_DIR, STATE_DIR

IMAGES_ENV = STACK_DIR / "images.env"
PROJECT_PREFIX = "stackcheck-"
# Every compose project this repository starts: the suite's and the ops tests'
# (tests/ops/conftest.py, stackcheck-ops-*), and the backend's service tests'
# (stack/backend/tests/conftest.py).
REPOSITORY_PREFIXES = (PROJECT_PREFIX, "bedevtest-")
_PROJECT_RE = re.compile(rf"^{PROJECT_PREFIX}(\d+)-[0-9a-f]+$")
# The suite tests the production configuration (budgets, read-only filesystems, the backup
# sidecar), with the test override publishing ports on 127.0.0.1.
TEST_FILES = ("compose.yml", "compose.prod.yml", "compose.test.yml")
PROFILES = ("prod",)
# Probes every 2 s (production: 10 s): starts and recoveries are seen within seconds.
TEST_HEALTHCHECK_INTERVAL = "2s"
# The ports compose.test.yml publishes on 127.0.0.1, each from a variable of the env file.
TEST_PORTS = {"nginx": "TEST_PORT_NGINX", "nginx-tls": "TEST_PORT_NGINX_TLS", "backend": "TEST_PORT_BACKEND",
              "postgres": "TEST_PORT_POSTGRES", "redis": "TEST_PORT_REDIS",
              "gemini-mock": "TEST_PORT_MODEL"}
# Below Linux's ephemeral range (32768-60999), so outgoing connections never take them.
_PORT_RANGE = range(20000, 32000, 10)

# Images are tagged per checkout: a second checkout on the same machine (a scratch copy
# with a deliberate bug, a branch) builds and runs its own images, never this one's.
def image_tag(root: Path) -> str:
    return "stackcheck-" + hashlib.sha1(str(root).encode()).hexdigest()[:8]


IMAGE_TAG = image_tag(ROOT)


@contextmanager
def signals_deferred():
    """Teardown must finish: a second Ctrl-C must not leave half a stack behind."""
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def new_project_name() -> str:
    return f"{PROJECT_PREFIX}{os.getpid()}-{secrets.token_hex(3)}"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_block(size: int) -> list[int]:
    """`size` consecutive loopback ports that nothing listens on now."""
    for base in random.sample(_PORT_RANGE, 50):
        if all(_free(base + i) for i in range(size)):
            return list(range(base, base + size))
    raise RuntimeError(f"no {size} free consecutive ports on 127.0.0.1 in {_PORT_RANGE}")


def project_names() -> list[str]:
    """Every stackcheck project that still holds a container, network or volume."""
    return sorted(p for p in docker.projects() if p.startswith(PROJECT_PREFIX))


def _started_elsewhere(project: str) -> bool:
    """Started from another checkout that still exists: its own runs sweep it (and know
    whether it was kept on purpose); `make clean` removes it regardless."""
    return any(d != str(STACK_DIR) and Path(d).is_dir() for d in docker.working_dirs(project))


def sweep_orphans() -> list[str]:
    """Remove every stackcheck project whose creating process is gone. Returns their names."""
    orphans = [p for p in project_names()
               if (m := _PROJECT_RE.match(p)) and not pid_alive(int(m.group(1)))
               and not (STATE_DIR / f"{p}.keep").exists() and not _started_elsewhere(p)]
    for project in orphans:
        remove(project)
    return orphans


def remove(project: str) -> None:
    """Remove a project's containers, networks and volumes, and forget its secrets."""
    docker.remove_project(project)
    forget_project(project)


def leftovers(project: str) -> dict[str, list[str]]:
    """The containers, networks and volumes Docker still holds for a project (none: empty)."""
    return {kind: names for kind, names in docker.project_resources(project).items() if names}


def forget_project(project: str) -> None:
    """Delete the suite's local state for a project: env file, secrets, keep mark."""
    for path in STATE_DIR.glob(f"{project}.*"):
        shutil.rmtree(path) if path.is_dir() else path.unlink()


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def compose_model(*files: str, profiles: tuple[str, ...] = ()) -> dict:
    """The compose model of stack/ files as written (variables not substituted)."""
    return DockerCompose(STACK_DIR, compose_file_name=list(files), profiles=list(profiles)) \
        .get_config(interpolate=False)


@cache
def service_names(kind: str = "local") -> tuple[str, ...]:
    """Every service a target of this kind runs (the prod profile included): the bundled
    stack has the test override's own services too (the model API); a deployed host not."""
    files = TEST_FILES if kind == "local" else tuple(f for f in TEST_FILES if f != "compose.test.yml")
    return tuple(sorted(compose_model(*files, profiles=PROFILES)["services"]))


@dataclass
class ComposeStack(DockerCompose):
    """testcontainers' DockerCompose bound to one project name, with its own secrets and ports."""

    project: str = field(default_factory=new_project_name)
    context: Path = STACK_DIR
    compose_file_name: list[str] = field(default_factory=lambda: list(TEST_FILES))
    profiles: list[str] = field(default_factory=lambda: list(PROFILES))
    wait: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        STATE_DIR.mkdir(exist_ok=True)
        self._env_path = STATE_DIR / f"{self.project}.env"
        if not self._env_path.exists():  # else: reusing a kept stack, with its secrets and ports
            self._write_env()
        self.env_file = [*([str(IMAGES_ENV)] if IMAGES_ENV.exists() else []), str(self._env_path)]

    def _write_env(self) -> None:
        # Fresh secrets per run: nothing depends on a developer's stack/.env.
        passwords = {"POSTGRES_PASSWORD": secrets.token_urlsafe(24),
                     "REDIS_PASSWORD": secrets.token_urlsafe(24)}
        # The model server's key (compose.test.yml), the one value the backend must send it
        # as its GOOGLE_API_KEY.
        model_key = {"GEMINI_API_KEY": secrets.token_urlsafe(24)}
        secrets_dir = STATE_DIR / f"{self.project}.secrets"
        ports = dict(zip(TEST_PORTS.values(), map(str, free_port_block(len(TEST_PORTS)))))
        # nginx serves HTTPS with a certificate from the run's own throwaway CA.
        certs = tls.issue(self.tls_dir, ["127.0.0.1", "localhost"])
        env = {"COMPOSE_PROJECT_NAME": self.project, "IMAGE_TAG": IMAGE_TAG,
               "SECRETS_DIR": str(secrets_dir), "CERTS_DIR": str(certs.fullchain.parent),
               "HEALTHCHECK_INTERVAL": TEST_HEALTHCHECK_INTERVAL, **ports, **passwords, **model_key}
        self._env_path.touch(mode=0o600)
        self._env_path.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
        # The prod file mounts secrets from files (read-only containers refuse the
        # environment kind); the directory is private, the files readable by the services.
        secrets_dir.mkdir(mode=0o700)
        for name, value in passwords.items():
            path = secrets_dir / name.lower()
            path.write_text(value)
            path.chmod(0o644)

    @cached_property
    def compose_command_property(self) -> list[str]:
        return [*super().compose_command_property, "--project-name", self.project]

    @property
    def tls_dir(self) -> Path:
        """The run's CA (ca.pem) and nginx's certificate and key."""
        return STATE_DIR / f"{self.project}.tls"

    @property
    def settings(self) -> dict[str, str]:
        """The run's env file: secrets, ports, project."""
        return read_env_file(self._env_path)

    def port(self, service: str) -> int:
        """The loopback port compose.test.yml publishes the service on, for the whole run."""
        return int(self.settings[TEST_PORTS[service]])

    @property
    def exists(self) -> bool:
        return bool(docker.project_resources(self.project)["containers"])

    def keep(self) -> None:
        """Mark the project as kept on purpose, so orphan sweeps leave it alone."""
        (STATE_DIR / f"{self.project}.keep").touch()

    def build_images(self) -> None:
        """Build with output streamed to the terminal (testcontainers captures it): a cold
        build takes minutes."""
        cmd = [*self.compose_command_property, "build", "--progress", "plain"]
        print(f"[stackcheck] building images: {' '.join(cmd)}", file=sys.stderr, flush=True)
        proc = subprocess.run(cmd, cwd=self.context, stdout=sys.stderr, stderr=subprocess.STDOUT)
        if proc.returncode:
            raise RuntimeError(f"docker compose build failed with exit code {proc.returncode}")

    def down(self) -> None:
        """Remove everything the project created, even if compose itself fails."""
        try:
            self.stop(down=True)
        except subprocess.CalledProcessError:
            pass
        remove(self.project)

    def wait_healthy(self, timeout: float = 120) -> None:
        """`up --wait` can return while a container crash-loops; check for a steady state."""
        deadline = time.monotonic() + timeout
        while (sick := docker.health(self.project)) and time.monotonic() < deadline:
            if any("no healthcheck" in state for state in sick.values()):
                break   # it can never turn healthy: say so now, not at the deadline
            time.sleep(1)
        if sick:
            raise TimeoutError(f"not healthy: {sick}")
