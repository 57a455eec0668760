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
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from . import docker
from .compose import pid_alive, signals_deferred
from .paths import STACK_DIR
from .target import Target

DRILL_LABEL = "org.stackcheck.drill"              # the compose project drilled
OWNER_LABEL = "org.stackcheck.drill.owner"        # host:pid of the run that started it
STALE_S = 3600                                    # another machine's drill this old was left by a killed run
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
    container: str = ""                    # the throwaway Postgres (and its volume), gone after the drill
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
    if name not in (present := scheduled(target)):
        raise AssertionError(f"backup {name} is gone from {BACKUPS} (pruned?); there now: {present}")
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
    server = _server_env(postgres)
    user, db = server["POSTGRES_USER"], server["POSTGRES_DB"]
    backups = next(m for m in sidecar["Mounts"] if m["Destination"] == BACKUPS)
    source = f"type=volume,src={backups['Name']}" if backups["Type"] == "volume" else f"type=bind,src={backups['Source']}"
    sweep()
    name = f"stackcheck-drill-{os.getpid()}-{secrets.token_hex(3)}"
    labels = ["--label", f"{DRILL_LABEL}={target.project}", "--label", f"{OWNER_LABEL}={socket.gethostname()}:{os.getpid()}"]
    drill = Drill(backup, container=name)
    try:
        docker.docker("volume", "create", *labels, name)
        # Production's own image, by id (never pulled), so extensions, roles and settings are
        # those the dump expects; no network; a memory cap, as it runs beside production.
        docker.docker("run", "-d", "--name", name, *labels, "--network", "none", "--memory", "256m",
                      "--mount", f"type=volume,src={name},dst=/var/lib/postgresql/data",
                      "--mount", f"{source},dst={BACKUPS},readonly",
                      *[a for k, v in server.items() for a in ("-e", f"{k}={v}")],
                      "-e", f"POSTGRES_PASSWORD={secrets.token_hex(16)}", postgres["Image"])
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
        with signals_deferred():   # a second Ctrl-C must not leave a Postgres on the host
            remove(name)


def _server_env(postgres: dict) -> dict[str, str]:
    """What production's Postgres was started with that shapes a restore (database, owner, the
    initdb scripts' roles, the time zone that timestamps are printed in); never its secrets."""
    env = docker.environment(postgres)
    kept = {k: v for k, v in env.items() if (k.startswith(("POSTGRES_", "REPORTING_")) or k in ("TZ", "PGTZ"))
            and "PASSWORD" not in k and not k.endswith("_FILE")}
    kept.setdefault("POSTGRES_USER", "postgres")
    kept.setdefault("POSTGRES_DB", kept["POSTGRES_USER"])
    return kept


def _wait_ready(name: str, user: str, db: str, timeout: float) -> None:
    """Until the server after initdb answers on TCP (the entrypoint's initdb server does not)."""
    deadline = time.monotonic() + timeout
    while docker.run("exec", name, "pg_isready", "-q", "-h", "127.0.0.1", "-U", user, "-d", db).returncode:
        running = docker.run("inspect", "-f", "{{.State.Running}}", name).stdout.strip() == "true"
        if not running or time.monotonic() > deadline:
            raise RuntimeError(f"the drill's Postgres {name} " + ("stopped" if not running else f"was not ready after {timeout:.0f} s")
                               + ":\n" + docker.output("logs", "--tail", "30", name))
        time.sleep(0.5)


def remove(name: str) -> None:
    docker.run("rm", "-f", "-v", name)
    docker.run("volume", "rm", "-f", name)


def sweep(every: bool = False) -> None:
    """Drills on the current Docker host that a killed run left: this machine's whose process is
    gone, another machine's once older than STALE_S; or `every` one of them (`make clean`)."""
    here = socket.gethostname()
    for kind in ("container", "volume"):
        for name in docker.run(kind, "ls", *(["-a"] if kind == "container" else []), "-q",
                               "--filter", f"label={DRILL_LABEL}").stdout.split():
            info = json.loads(docker.run(kind, "inspect", name).stdout or "[{}]")[0]
            host, _, pid = ((info.get("Config") or info).get("Labels") or {}).get(OWNER_LABEL, ":").rpartition(":")
            if host == here:
                left = not (pid.isdigit() and pid_alive(int(pid)))
            else:
                left = _age_s(info.get("Created") or info.get("CreatedAt")) >= STALE_S
            if every or left:
                docker.run(kind, "rm", "-f", name)


def _age_s(created: str | None) -> float:
    """Seconds since Docker's creation time (nanoseconds, `Z`); unknown counts as old."""
    if not created:
        return float("inf")
    stamp = re.sub(r"(\.\d{6})\d+", r"\1", created).replace("Z", "+00:00")
    return (datetime.now(timezone.utc) - datetime.fromisoformat(stamp)).total_seconds()


def leftovers(name: str) -> list[str]:
    """What is left of one drill: its container, its volume."""
    return [kind for kind in ("container", "volume") if docker.run(kind, "inspect", name).returncode == 0]


def free_bytes(target: Target) -> int:
    """Room left where the sidecar writes its backups."""
    last = target.exec("backup", "df", "-Pk", BACKUPS).splitlines()[-1].split()
    return int(last[3]) * 1024


def sidecar_log(target: Target, lines: int = 40) -> str:
    return docker.output("logs", "--tail", str(lines), docker.name(target.container("backup")))
