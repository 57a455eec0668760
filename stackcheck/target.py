"""Where the stack under test is, and how to reach it.

Tests only ever see a Target: an HTTP base URL through nginx, SQL checks, optional direct
access to the backend and Redis, and the stack's containers for Docker control and evidence.
Docker goes through stackcheck.docker, so DOCKER_HOST (a local socket, or ssh://user@host
for a VPS) decides which engine answers. A Target never changes during a run: the bundled
stack's ports are pinned per run, and a deployed host's URL is its own.

- local: the bundled stack from stack/, started by the suite, with test ports on 127.0.0.1.
- remote: a stack deployed with `stack/scripts/stack deploy` on another host (staging, the
  VPS). Only nginx is published there; SQL runs through `docker exec` into Postgres.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import httpx
import pytest

from . import docker
from .compose import ComposeStack
from .db import DirectPostgres, ExecPostgres
from .reporting.evidence import StackEvidence, collect

# Files the prod compose file mounts secrets from, per service (compose.prod.yml).
SECRET_FILES = {"postgres": "/run/secrets/postgres_password", "redis": "/run/secrets/redis_password"}


@dataclass(frozen=True)
class Target:
    kind: str                            # "local" or "remote"
    base_url: str                        # through nginx, as a browser sees it (https:// where served)
    project: str                         # compose project, for Docker control and evidence
    backend_url: str | None = None       # the backend without the proxy
    model_mock_url: str | None = None    # the Gemini-API test server's admin API (the bundled stack only)
    db: DirectPostgres | ExecPostgres | None = None  # SQL checks: db.rows(query, params)
    redis: dict | None = None            # redis.Redis(**redis)
    docker_host: str | None = None       # None: the local engine, whose host PIDs we can signal
    secrets: tuple[str, ...] = ()        # secret values, to prove they leak nowhere
    http_url: str | None = None          # plain HTTP, port 80's role: the redirect to HTTPS
    ca_bundle: str | None = None         # the CA that signed the target's certificate, trusted besides the public roots
    certs_dir: str | None = None         # where nginx takes its certificate from (the bundled stack: a bind mount)
    no_docker: str | None = None         # why Docker is out of reach (an HTTP-only target); None when it is not

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")

    def require(self, what: str):
        """The named access, or a skip that names what this target lacks (never a pass)."""
        value = getattr(self, what)
        if value in (None, ()):
            pytest.skip(f"needs {what} access, which the {self.kind} target {self.base_url} does not offer")
        return value

    # --- its containers, through the one path to Docker ----------------------------------

    def compose_project(self) -> str:
        """The compose project to reach through Docker, or a skip that says why Docker is out of reach."""
        if self.no_docker:
            pytest.skip(f"needs Docker access: {self.no_docker}")
        return self.project

    def containers(self) -> dict[str, dict]:
        """`docker inspect` of each service's container, read now."""
        return docker.containers(self.compose_project())

    def container(self, service: str) -> dict:
        found = self.containers()
        if service not in found:
            raise LookupError(f"project {self.project} has no service {service!r} (has: {sorted(found)})")
        return found[service]

    def health(self) -> dict[str, str]:
        """Services that are not running and healthy, with their state; empty when all are."""
        return docker.health(self.compose_project())

    def env(self, service: str) -> dict[str, str]:
        """A service's environment, as its container was started."""
        return docker.environment(self.container(service))

    def exec(self, service: str, *command: str) -> str:
        """Run a command in a service's container; its stdout."""
        return docker.exec_in(self.container(service), *command)

    def evidence(self) -> StackEvidence:
        """What the stack is doing now: ps, each service's logs, health and inspect."""
        return collect(self.compose_project())

    def openapi(self) -> dict:
        """The backend's OpenAPI document, from the backend itself (nginx does not serve it):
        over its published port, or from inside its container."""
        if self.backend_url:
            response = httpx.get(f"{self.backend_url}/openapi.json", timeout=30)
            response.raise_for_status()
            return response.json()
        fetch = "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:8000/openapi.json').read().decode())"
        return json.loads(self.exec("backend", "python", "-c", fetch))

    def image(self, service: str) -> dict:
        """`docker image inspect` of the image a service runs."""
        return docker.image(self.container(service)["Image"])

    def image_history(self, service: str) -> list[str]:
        """Each layer's creating command of the image a service runs, untruncated."""
        return docker.image_history(self.container(service)["Image"])


def local_target(stack: ComposeStack) -> Target:
    """A Target for the bundled stack, on the ports the run pinned on 127.0.0.1."""
    env = stack.settings
    return Target(
        kind="local",
        base_url=f"https://127.0.0.1:{stack.port('nginx-tls')}",
        http_url=f"http://127.0.0.1:{stack.port('nginx')}",
        ca_bundle=str(stack.tls_dir / "ca.pem"),
        certs_dir=str(stack.tls_dir),
        project=stack.project,
        backend_url=f"http://127.0.0.1:{stack.port('backend')}",
        model_mock_url=f"http://127.0.0.1:{stack.port('gemini-mock')}",
        db=DirectPostgres({"host": "127.0.0.1", "port": stack.port("postgres"),
                           "dbname": env.get("POSTGRES_DB", "stocks"), "user": env.get("POSTGRES_USER", "stocks"),
                           "password": env["POSTGRES_PASSWORD"]}),
        redis={"host": "127.0.0.1", "port": stack.port("redis"), "password": env["REDIS_PASSWORD"]},
        secrets=tuple(v for k, v in env.items() if k.endswith(("PASSWORD", "API_KEY"))),
    )


def plain_http_url(base_url: str) -> str | None:
    """Port 80 of an HTTPS URL on the default port; None where it cannot be known."""
    url = httpx.URL(base_url)
    if url.scheme == "https" and url.port is None:
        return f"http://{url.host}"
    return None


HTTP_ONLY = "no --docker-host (or DOCKER_HOST) was given: an HTTP-only target"


def http_only(docker_host: str | None) -> bool:
    """A remote target reaches Docker only where a Docker host is given."""
    return not (docker_host or os.environ.get("DOCKER_HOST"))


def remote_target(base_url: str, project: str, docker_host: str | None,
                  http_url: str | None = None, ca_bundle: str | None = None) -> Target:
    """A Target for a deployed stack, reached over HTTP(S) and the (remote) Docker API only.
    Without a Docker host (neither --docker-host nor DOCKER_HOST) it is HTTP-only: tests that
    need Docker or SQL skip, saying so, and the rest run."""
    http_url = (http_url or plain_http_url(base_url) or "").rstrip("/") or None
    if docker_host:
        os.environ["DOCKER_HOST"] = docker_host  # every docker and compose call goes there
    elif http_only(docker_host):
        return Target(kind="remote", base_url=base_url.rstrip("/"), project=project, http_url=http_url,
                      ca_bundle=ca_bundle, no_docker=HTTP_ONLY)
    found = docker.containers(project)
    if not found:
        where = docker_host or os.environ.get("DOCKER_HOST") or "the local engine"
        raise LookupError(f"no containers of compose project {project!r} on {where}: "
                          f"is the stack deployed there, and is --project right?")
    db = None
    if "postgres" in found:
        env = docker.environment(found["postgres"])
        user = env.get("POSTGRES_USER", "postgres")
        db = ExecPostgres(docker.name(found["postgres"]), user, env.get("POSTGRES_DB", user))
    secrets = tuple(value for svc, path in SECRET_FILES.items() if svc in found
                    if (value := docker.run("exec", docker.name(found[svc]), "cat", path).stdout.strip()))
    engine = docker_host or os.environ.get("DOCKER_HOST", "")
    return Target(kind="remote", base_url=base_url.rstrip("/"), project=project, db=db,
                  docker_host=None if engine.startswith("unix://") else engine or None, secrets=secrets,
                  http_url=http_url, ca_bundle=ca_bundle)
