"""Shared test setup.

Unit tests (tests/unit) need no services. API tests (tests/api) run against REAL Postgres
and Redis: the `stack` fixture starts only the `postgres` and `redis` services of
stack/compose.yml (+ compose.test.yml, which publishes them on 127.0.0.1) under a unique
project name with random passwords, runs the migrations, and always tears everything
down (containers, volumes, networks), even when a test fails or the run is interrupted.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

BACKEND_DIR = Path(__file__).resolve().parents[1]
STACK_DIR = BACKEND_DIR.parent

# Unit tests import the agent, whose settings need a password even when nothing connects.
os.environ.setdefault("POSTGRES_PASSWORD", "unit-tests-only")
os.environ.setdefault("ADK_DISABLE_LOAD_DOTENV", "1")
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
os.environ.setdefault("SECRETS_DIR", str(BACKEND_DIR / "tests" / "no-secrets"))


@dataclass
class Stack:
    project: str
    compose_cmd: list[str]
    postgres_port: int
    redis_port: int
    postgres_password: str
    redis_password: str

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*self.compose_cmd, *args], cwd=STACK_DIR, capture_output=True, text=True,
                              check=check, timeout=180)

    def container(self, service: str) -> str:
        return self.compose("ps", "-q", service).stdout.strip()

    def psql(self, sql: str) -> str:
        result = subprocess.run(
            ["docker", "exec", "-e", f"PGPASSWORD={self.postgres_password}", self.container("postgres"),
             "psql", "-h", "127.0.0.1", "-U", "stocks", "-d", "stocks", "-tAc", sql],
            capture_output=True, text=True, check=True, timeout=60,
        )
        return result.stdout.strip()

    def env(self) -> dict[str, str]:
        return {
            "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": str(self.postgres_port), "POSTGRES_DB": "stocks",
            "POSTGRES_USER": "stocks", "POSTGRES_PASSWORD": self.postgres_password,
            "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(self.redis_port), "REDIS_PASSWORD": self.redis_password,
        }


def _published_port(compose, service: str, port: int) -> int:
    host, published = compose.get_service_host_and_port(service, port)
    return int(published)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    from testcontainers.compose import DockerCompose

    project = f"bedevtest-{secrets.token_hex(4)}"
    pg_password, redis_password = secrets.token_urlsafe(18), secrets.token_urlsafe(18)
    with tempfile.TemporaryDirectory(prefix=f"{project}-") as tmp:
        env_file = Path(tmp) / "test.env"
        env_file.write_text(
            f"COMPOSE_PROJECT_NAME={project}\n"
            f"POSTGRES_PASSWORD={pg_password}\nREDIS_PASSWORD={redis_password}\n"
            # Images under a namespace of their own: never retag the stack's images.
            "IMAGE_NAMESPACE=bedevtest\n"
        )
        env_files = [str(STACK_DIR / "images.env"), str(env_file)] if (STACK_DIR / "images.env").exists() \
            else [str(env_file)]
        compose = DockerCompose(
            context=STACK_DIR, compose_file_name=["compose.yml", "compose.test.yml"], env_file=env_files,
            services=["postgres", "redis"], wait=True, build=True, quiet_build=True,
        )
        compose_cmd = compose.docker_compose_command()

        def teardown() -> None:
            subprocess.run([*compose_cmd, "down", "--volumes", "--remove-orphans", "--timeout", "5"],
                           cwd=STACK_DIR, capture_output=True, timeout=180)

        previous = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, lambda *_: (teardown(), sys.exit(143)))
        # Compose prefers the process environment to --env-file: keep ours out of its way.
        for name in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "POSTGRES_USER", "POSTGRES_DB", "IMAGE_NAMESPACE",
                     "COMPOSE_PROJECT_NAME", "COMPOSE_FILE"):
            os.environ.pop(name, None)
        try:
            compose.start()
            stack = Stack(
                project, compose_cmd, _published_port(compose, "postgres", 5432),
                _published_port(compose, "redis", 6379), pg_password, redis_password,
            )
            os.environ.update(stack.env())
            _reset_settings()
            migrate("upgrade", "head")
            yield stack
        except Exception:
            try:
                print(subprocess.run([*compose_cmd, "ps", "-a"], cwd=STACK_DIR, capture_output=True,
                                     text=True).stdout, file=sys.stderr)
                print(subprocess.run([*compose_cmd, "logs", "--tail", "50"], cwd=STACK_DIR, capture_output=True,
                                     text=True).stdout, file=sys.stderr)
            finally:
                raise
        finally:
            teardown()
            signal.signal(signal.SIGTERM, previous)


def _reset_settings() -> None:
    from app.settings import get_settings

    get_settings.cache_clear()


def migrate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args], cwd=BACKEND_DIR, capture_output=True, text=True, check=True,
        timeout=300, env=os.environ.copy(),
    )
