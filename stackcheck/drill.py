"""The restore drill: the newest scheduled backup, restored beside production and compared.

What trusted operators do (pgBackRest's and Barman's restore drills), rather than restore over
production: take the newest backup the sidecar made, check its checksums where it lies,
restore it into a throwaway Postgres with no network and a volume of its own, and compare
every table with what production held at the backup's moment. The sidecar records those
figures (tables.tsv, in manifest.json) inside the dump's own snapshot, so writes made since
are no false alarm. Production is only read, so the drill runs against a VPS without
--allow-destructive. Every call goes through the one path to Docker: with
DOCKER_HOST=ssh://... the drill runs on the remote host, the dump never leaves it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from . import docker
from .compose import pid_alive
from .paths import STACK_DIR
from .target import Target

DRILL_LABEL = "org.stackcheck.drill"
BACKUPS = "/backups"                       # where the sidecar keeps them, in its container
_NAME = re.compile(r"^\d{8}T\d{6}Z$")      # backup-loop's folder names: UTC time of the dump
TABLE_STATS = (STACK_DIR / "backup" / "table-stats.sql").read_text()

Tables = dict[str, tuple[int, str]]        # schema.table: (rows, md5 of the rows)


@dataclass
class Backup:
    name: str
    created: datetime
    dump_bytes: int
    tables: Tables                         # production's figures, in the dump's snapshot

    @property
    def age_s(self) -> float:
        return (datetime.now(timezone.utc) - self.created).total_seconds()


@dataclass
class Drill:
    backup: Backup
    restore_s: float = 0.0
    restored: Tables = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def shown(self) -> dict[str, str]:
        """The drill's figures, for the report."""
        rows = sum(n for n, _ in self.restored.values())
        return {"backup": self.backup.name, "age": f"{self.backup.age_s:.0f} s",
                "dump": f"{self.backup.dump_bytes / 1024:.0f} KiB", "restore": f"{self.restore_s:.1f} s",
                "tables": f"{len(self.restored)} tables, {rows} rows",
                "result": "identical" if not self.problems else f"{len(self.problems)} differences"}


def scheduled(target: Target) -> list[str]:
    """The sidecar's backups, oldest first."""
    listing = target.exec("backup", "find", BACKUPS, "-mindepth", "1", "-maxdepth", "1", "-type", "d", "-printf", "%f\\n")
    return sorted(name for name in listing.split() if _NAME.match(name))


def verified(target: Target, name: str) -> Backup:
    """A backup whose files match their SHA256SUMS, read where it lies."""
    folder = f"{BACKUPS}/{name}"
    check = docker.run("exec", "-w", folder, docker.name(target.container("backup")), "sha256sum", "-c", "--quiet", "SHA256SUMS")
    if check.returncode:
        raise AssertionError(f"backup {name}: its files do not match SHA256SUMS: {(check.stdout + check.stderr).strip()}")
    manifest = json.loads(target.exec("backup", "cat", f"{folder}/manifest.json"))
    return Backup(name, datetime.fromisoformat(manifest["created"].replace("Z", "+00:00")),
                  manifest["files"]["postgres.dump"]["bytes"],
                  {t: (v["rows"], v["md5"]) for t, v in manifest["tables"].items()})


def compare(expected: Tables, restored: Tables) -> list[str]:
    """Every table that differs between the backup's record and the restore, one line each."""
    problems = [f"{t}: missing from the restore ({expected[t][0]} rows in the backup)" for t in expected if t not in restored]
    problems += [f"{t}: in the restore only" for t in restored if t not in expected]
    problems += [f"{t}: {expected[t][0]} rows at the backup, {restored[t][0]} restored"
                 + ("" if expected[t][0] != restored[t][0] else ", contents differ")
                 for t in expected if t in restored and expected[t] != restored[t]]
    return problems


def run_drill(target: Target, backup: Backup, timeout: float = 120) -> Drill:
    """Restore `backup` into a throwaway Postgres beside the stack, and compare. The throwaway
    container and its volume are removed afterwards, whatever happens."""
    postgres, sidecar = target.container("postgres"), target.container("backup")
    env = docker.environment(postgres)
    user, db = env.get("POSTGRES_USER", "postgres"), env.get("POSTGRES_DB", "postgres")
    backups = next(m for m in sidecar["Mounts"] if m["Destination"] == BACKUPS)
    source = f"type=volume,src={backups['Name']}" if backups["Type"] == "volume" else f"type=bind,src={backups['Source']}"
    sweep()
    name = f"stackcheck-drill-{os.getpid()}-{secrets.token_hex(3)}"
    drill = Drill(backup)
    try:
        docker.docker("volume", "create", "--label", f"{DRILL_LABEL}={target.project}", name)
        # The production image, so extensions and roles are those the dump expects; no network.
        docker.docker("run", "-d", "--name", name, "--label", f"{DRILL_LABEL}={target.project}", "--network", "none",
                      "--mount", f"type=volume,src={name},dst=/var/lib/postgresql/data",
                      "--mount", f"{source},dst={BACKUPS},readonly",
                      "-e", f"POSTGRES_USER={user}", "-e", f"POSTGRES_DB={db}",
                      "-e", f"POSTGRES_PASSWORD={secrets.token_hex(16)}", postgres["Config"]["Image"])
        _wait_ready(name, user, db, timeout)
        started = time.monotonic()
        restore = docker.run("exec", name, "pg_restore", "--exit-on-error", "--single-transaction", "-U", user,
                             "-d", db, f"{BACKUPS}/{backup.name}/postgres.dump", timeout=timeout)
        drill.restore_s = time.monotonic() - started
        if restore.returncode:
            drill.problems.append(f"pg_restore failed: {restore.stderr.strip()[-1500:]}")
            return drill
        stats = docker.run("exec", "-i", name, "psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-F", "\t", "-U", user,
                           "-d", db, "-f", "-", input=TABLE_STATS, timeout=timeout)
        if stats.returncode:
            raise RuntimeError(f"reading the restored tables failed: {stats.stderr.strip()}")
        drill.restored = {t: (int(n), h) for t, n, h in (line.split("\t") for line in stats.stdout.splitlines() if line)}
        drill.problems = compare(backup.tables, drill.restored)
        return drill
    finally:
        remove(name)


def _wait_ready(name: str, user: str, db: str, timeout: float) -> None:
    """Until the server after initdb answers on TCP (the entrypoint's initdb server does not)."""
    deadline = time.monotonic() + timeout
    while docker.run("exec", name, "pg_isready", "-q", "-h", "127.0.0.1", "-U", user, "-d", db).returncode:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the drill's Postgres {name} was not ready after {timeout:.0f} s:\n"
                               + docker.output("logs", "--tail", "30", name))
        time.sleep(0.5)


def remove(name: str) -> None:
    docker.run("rm", "-f", "-v", name)
    docker.run("volume", "rm", "-f", name)


def sweep(every: bool = False) -> None:
    """Drill containers and volumes on the current Docker host that a killed run left (their
    process is gone), or `every` one of them (`make clean`)."""
    for kind in ("container", "volume"):
        listed = docker.run(kind, "ls", *(["-a"] if kind == "container" else []), "--filter", f"label={DRILL_LABEL}",
                            "--format", "{{.Names}}" if kind == "container" else "{{.Name}}")
        left = [n for n in listed.stdout.split() if every or not pid_alive(int(n.split("-")[2]))]
        if left:
            docker.run(kind, "rm", "-f", *left)


def leftovers(project: str) -> list[str]:
    """Drill containers and volumes of this project that still exist."""
    return [name for kind, fmt in (("container", "{{.Names}}"), ("volume", "{{.Name}}"))
            for name in docker.run(kind, "ls", *(["-a"] if kind == "container" else []), "--format", fmt,
                                   "--filter", f"label={DRILL_LABEL}={project}").stdout.split()]


def free_bytes(target: Target) -> int:
    """Room left where the sidecar writes its backups."""
    last = target.exec("backup", "df", "-Pk", BACKUPS).splitlines()[-1].split()
    return int(last[3]) * 1024


def sidecar_log(target: Target, lines: int = 40) -> str:
    return docker.output("logs", "--tail", str(lines), docker.name(target.container("backup")))
