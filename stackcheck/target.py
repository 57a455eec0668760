"""Where the stack under test is, and how to reach it.

Tests only ever see a Target: an HTTP base URL through nginx, optional direct access to
the backend, Postgres and Redis, and the compose project for Docker control and evidence.
The bundled stack is one kind of target; remote hosts are another.
"""

from __future__ import annotations

from dataclasses import dataclass

from .compose import ComposeStack
from .db import DirectPostgres, ExecPostgres


@dataclass(frozen=True)
class Target:
    kind: str                            # "local": the bundled stack from stack/
    base_url: str                        # through nginx, as a browser sees it
    project: str                         # compose project, for Docker control and evidence
    backend_url: str | None = None       # the backend without the proxy
    db: DirectPostgres | ExecPostgres | None = None  # SQL checks: db.rows(query, params)
    redis: dict | None = None            # redis.Redis(**redis)
    docker_host: str | None = None       # None: the local engine, whose host PIDs we can signal

    def require(self, what: str) -> object:
        """The named access, or a clear error saying the target lacks it."""
        value = getattr(self, what)
        if value is None:
            raise LookupError(f"target {self.kind} ({self.base_url}) offers no {what} access")
        return value


def local_target(stack: ComposeStack) -> Target:
    """A Target for the bundled stack, from the ports compose.test.yml publishes on 127.0.0.1."""
    env = stack.secrets
    host, nginx = stack.published("nginx", 8080)
    _, backend = stack.published("backend", 8000)
    _, pg = stack.published("postgres", 5432)
    _, rd = stack.published("redis", 6379)
    return Target(
        kind="local",
        base_url=f"http://{host}:{nginx}",
        project=stack.project,
        backend_url=f"http://{host}:{backend}",
        db=DirectPostgres({"host": host, "port": pg, "dbname": env.get("POSTGRES_DB", "stocks"),
                           "user": env.get("POSTGRES_USER", "stocks"), "password": env["POSTGRES_PASSWORD"]}),
        redis={"host": host, "port": rd, "password": env["REDIS_PASSWORD"]},
    )
