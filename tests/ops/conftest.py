"""A throwaway project for the ops script (stack/scripts/stack) with the prod profile.

Its own name (stackcheck-ops-<pid>-<hex>, so `make clean` sweeps it), env file with random
secrets, image namespace (deploy's :previous/:failed tags never touch anyone's images) and
nginx on a random 127.0.0.1 port. Everything it creates is removed afterwards, also on
failure or Ctrl-C: containers, volumes, networks, images of its namespace, secret files,
deploy's pre-deploy backups in stack/backups and its temp dir. A project left by a killed
run is removed when the next one starts.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from stackcheck import signals_deferred
from stackcheck.compose import TEST_HEALTHCHECK_INTERVAL, pid_alive
from stackcheck.docker import containers, docker, environment, name, project_resources, run
from stackcheck.docker import remove_project as docker_remove_project
from stackcheck.paths import STACK_DIR

SCRIPT = STACK_DIR / "scripts" / "stack"
DEFAULT_BACKUPS = STACK_DIR / "backups"
PREFIX = "stackcheck-ops-"
_PROJECT_RE = re.compile(rf"^{PREFIX}(\d+)-[0-9a-f]+$")
BACKUP_INTERVAL, BACKUP_KEEP = 5, 2

# Per table of every schema: rows and the md5 of all rows' text in text order. Computed
# here, not with the script's own table-stats.sql, so the script can't prove itself.
FINGERPRINT_SQL = r"""
SELECT format('%I.%I', schemaname, tablename),
       (xpath('/row/n/text()', x))[1]::text, coalesce((xpath('/row/h/text()', x))[1]::text, '-')
  FROM pg_tables,
       LATERAL query_to_xml(format('SELECT count(*) AS n, md5(string_agg(t::text, E''\n'' ORDER BY t::text)) AS h FROM %I.%I t',
                                   schemaname, tablename), false, true, '') AS x
 WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
 ORDER BY 1
"""


@dataclass
class OpsProject:
    """One throwaway project and the ways the tests look at it."""

    name: str
    work: Path
    backup_interval: int = BACKUP_INTERVAL
    backup_keep: int = BACKUP_KEEP
    state: dict = field(default_factory=dict)   # what one test leaves for the next

    @property
    def env_file(self) -> Path:
        return self.work / "env"

    @property
    def backups(self) -> Path:
        return self.work / "backups"

    def stack(self, *args: str, timeout: float = 600, **env: str) -> subprocess.CompletedProcess[str]:
        """The ops script on this project (prod profile, never asking), its output printed
        for pytest to show on failure. Its lock and temp files land in our temp dir."""
        proc = run_script(self.name, self.work, *args, timeout=timeout, **env)
        print(f"$ {' '.join(['stack', *args])}  (exit {proc.returncode})\n{proc.stdout}{proc.stderr}")
        return proc

    def ok(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        proc = self.stack(*args, **env)
        assert proc.returncode == 0, f"`stack {' '.join(args)}` should succeed, exited {proc.returncode}:\n{tail(proc)}"
        return proc

    def healthy(self) -> bool:
        return self.stack("health").returncode == 0

    def container(self, service: str) -> dict:
        found = containers(self.name)
        assert service in found, f"project {self.name} has no {service} container (it has {sorted(found)})"
        return found[service]

    def image(self, service: str) -> str:
        """The image id the service's container runs."""
        return self.container(service)["Image"]

    def psql(self, sql: str) -> str:
        pg = self.container("postgres")
        env = environment(pg)
        return docker("exec", name(pg), "psql", "-XAtq", "-v", "ON_ERROR_STOP=1",
                      "-U", env["POSTGRES_USER"], "-d", env["POSTGRES_DB"], "-c", sql)

    def redis(self, *args: str) -> str:
        return docker("exec", name(self.container("redis")), "sh", "-c",
                      'REDISCLI_AUTH="$(cat /run/secrets/redis_password)" exec redis-cli "$@"', "sh", *args)

    def tables(self) -> dict[str, tuple[int, str]]:
        """Every table's (rows, md5), keyed schema.table."""
        rows = (line.split("|") for line in self.psql(FINGERPRINT_SQL).splitlines() if line)
        return {table: (int(count), digest) for table, count, digest in rows}

    def proof_keys(self) -> dict[str, str]:
        """Our Redis keys and their values."""
        keys = sorted(self.redis("--scan", "--pattern", "proof:*").split())
        return dict(zip(keys, self.redis("MGET", *keys).splitlines())) if keys else {}

    def resources(self) -> dict[str, list[str]]:
        """What Docker still holds for this project."""
        return leftovers(self.name)

    def scheduled(self) -> list[str]:
        """The backups in the sidecar's volume, oldest first."""
        return sorted(docker("exec", name(self.container("backup")), "find", "/backups", "-mindepth", "1",
                             "-maxdepth", "1", "-type", "d", "-name", "2*Z", "-printf", "%f\n").split())

    def logs(self, service: str) -> str:
        proc = run("logs", name(self.container(service)))
        return proc.stdout + proc.stderr


def run_script(project: str, work: Path, *args: str, timeout: float, **env: str) -> subprocess.CompletedProcess[str]:
    """In its own process group: on Ctrl-C or a timeout, the script and the Compose calls it
    started are stopped together, before teardown removes what they made."""
    cmd = [str(SCRIPT), "--prod", "--yes", "--project", project, "--env-file", str(work / "env"), *args]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                          env={**os.environ, "TMPDIR": str(work), **env}) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except BaseException:
            for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
                try:
                    os.killpg(proc.pid, sig)
                    proc.wait(grace)
                    break
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    continue
            raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def tail(proc: subprocess.CompletedProcess[str], lines: int = 25) -> str:
    return "\n".join((proc.stdout + proc.stderr).splitlines()[-lines:])


def leftovers(project: str) -> dict[str, list[str]]:
    """What Docker still holds for a project: its containers, networks and volumes, and the
    images of its label and namespace."""
    found = project_resources(project)
    found["images"] = sorted(set(run("images", "-q", "--filter", f"label=com.docker.compose.project={project}").stdout.split()
                                 + run("images", "-q", "--filter", f"reference={project}/*").stdout.split()))
    return {kind: items for kind, items in found.items() if items}


def remove_new_entries(folder: Path, before: set[str] | None) -> None:
    """What appeared in a shared folder since `before` (None: the folder did not exist);
    the folder too when it held nothing before and holds only its .gitignore now."""
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if entry.name not in (before or {".gitignore"}):
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    if before is None and {p.name for p in folder.iterdir()} <= {".gitignore"}:
        shutil.rmtree(folder)


def remove_project(project: str, work: Path | None = None) -> None:
    """Everything of a project, by label and image namespace: needs neither the script nor
    its env file, so it works after any failure."""
    label = f"label=com.docker.compose.project={project}"
    docker_remove_project(project)
    # Tags of our namespace (:latest, :previous, :failed), then untagged broken builds.
    if tags := run("images", "--filter", f"reference={project}/*", "--format", "{{.Repository}}:{{.Tag}}").stdout.split():
        run("image", "rm", "-f", *tags)
    if ids := run("images", "-q", "--filter", label).stdout.split():
        run("image", "rm", "-f", *sorted(set(ids)))
    shutil.rmtree(STACK_DIR / "secrets" / project, ignore_errors=True)
    secrets_dir = STACK_DIR / "secrets"
    if secrets_dir.is_dir() and {p.name for p in secrets_dir.iterdir()} <= {".gitignore"}:
        shutil.rmtree(secrets_dir)
    if work:
        shutil.rmtree(work, ignore_errors=True)


def sweep_orphans() -> None:
    """Projects of ops runs whose process is gone (killed before its teardown)."""
    projects = set(run("ps", "-a", "--format", '{{.Label "com.docker.compose.project"}}').stdout.split())
    projects |= {line.split("/")[0] for line in run("images", "--format", "{{.Repository}}").stdout.split()}
    for project in projects:
        if (m := _PROJECT_RE.match(project)) and not pid_alive(int(m.group(1))):
            remove_project(project)
            for work in Path(tempfile.gettempdir()).glob(f"{project}.*"):
                shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def ops():
    """The project, up and healthy; removed afterwards whatever happened."""
    sweep_orphans()
    project = f"{PREFIX}{os.getpid()}-{secrets.token_hex(3)}"
    work = Path(tempfile.mkdtemp(prefix=f"{project}."))
    # deploy's own pre-deploy backup always goes to stack/backups: ours are removed afterwards.
    backups_before = {p.name for p in DEFAULT_BACKUPS.iterdir()} if DEFAULT_BACKUPS.is_dir() else None
    started = time.monotonic()
    try:
        (work / "env").touch(mode=0o600)
        (work / "env").write_text(
            f"POSTGRES_PASSWORD={secrets.token_urlsafe(24)}\nREDIS_PASSWORD={secrets.token_urlsafe(24)}\n"
            f"IMAGE_NAMESPACE={project}\nHTTP_PORT=127.0.0.1:\nHTTPS_PORT=127.0.0.1:\n"
            f"BACKUP_INTERVAL={BACKUP_INTERVAL}\nBACKUP_KEEP={BACKUP_KEEP}\n"
            # Production probes every 10 s; each up, deploy and restore waits for a few probes.
            f"HEALTHCHECK_INTERVAL={TEST_HEALTHCHECK_INTERVAL}\n")
        ops = OpsProject(project, work)
        ops.ok("up")
        yield ops
    finally:
        with signals_deferred():
            if (work / "env").exists():
                run_script(project, work, "clean", timeout=300)
            remove_project(project, work)
            remove_new_entries(DEFAULT_BACKUPS, backups_before)
            left = leftovers(project)
            print(f"[ops] project {project}: {time.monotonic() - started:.0f} s from start to removed")
    assert not left, f"teardown should leave nothing of {project}, but Docker still holds {left}"
