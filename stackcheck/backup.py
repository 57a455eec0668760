"""Backups the stack's own way (stack/scripts/stack), checked independently of that script.

A backup counts only when its dump is readable, lists the data of every table, and a
restore of it gives back every table with the same rows: the script's own checks are not
trusted to prove themselves, so the figures here come from separate SQL.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

from . import docker, drill
from .paths import STACK_DIR, STATE_DIR
from .target import Target

SCRIPT = STACK_DIR / "scripts" / "stack"
_TABLE_DATA = re.compile(r"^\d+; \d+ \d+ TABLE DATA (\S+) (\S+) ")


def stack_script(project: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the ops script on the suite's stack: its project, secrets and compose files
    (the prod profile plus the test override), never asking questions."""
    cmd = [str(SCRIPT), "--project", project, "--env-file", str(STATE_DIR / f"{project}.env"),
           "--prod", "--file", str(STACK_DIR / "compose.test.yml"), "--yes", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def describe(proc: subprocess.CompletedProcess[str]) -> str:
    """A failed script run, for an assertion message: its exit code and last words."""
    said = [line for line in proc.stdout.splitlines() if line.startswith("[stack]") or "DIFFERS" in line]
    return f"`{' '.join(proc.args[-3:])}` exited {proc.returncode}:\n" + "\n".join(said[-12:] + [proc.stderr.strip()[-1500:]])


def table_checksums(db) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent md5 of every table in the public schema."""
    tables = [name for (name,) in db.rows(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1")]
    sums = {}
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        [(rows, digest)] = db.rows(
            f"SELECT count(*) AS n, coalesce(md5(string_agg(h, '' ORDER BY h)), md5('')) AS h "
            f"FROM (SELECT md5(t::text) AS h FROM public.{quoted} t) s")
        sums[table] = (rows, digest)
    return sums


def compare_tables(before: dict, after: dict) -> list[str]:
    """Every difference between two table_checksums() results, one line each."""
    problems = [f"{t}: missing after restore ({before[t][0]} rows before)" for t in before if t not in after]
    problems += [f"{t}: only after restore" for t in after if t not in before]
    problems += [f"{t}: {before[t][0]} rows before, {after[t][0]} after" + ("" if before[t][0] != after[t][0] else ", contents differ")
                 for t in before if t in after and before[t] != after[t]]
    return problems


def rows_lost(before: dict, after: dict) -> int:
    return sum(max(0, rows - after.get(t, (0, ""))[0]) for t, (rows, _) in before.items())


def dump_tables(dump: Path, postgres_container: str) -> set[str]:
    """Tables whose data the dump holds, read back whole with the server's own pg_restore."""
    def pg_restore(*args: str) -> str:
        proc = docker.run("exec", "-i", postgres_container, "pg_restore", *args,
                          input=dump.read_bytes(), timeout=120)
        if proc.returncode:
            raise AssertionError(f"pg_restore {' '.join(args)} cannot read {dump}: {proc.stderr.decode()[-500:]}")
        return proc.stdout.decode()

    pg_restore("-f", "/dev/null")   # the table of contents is at the start: read it all
    return {m.group(2) for line in pg_restore("--list").splitlines() if (m := _TABLE_DATA.match(line))}


def verify_backup(folder: Path, postgres_container: str, tables: set[str]) -> list[str]:
    """What is wrong with a backup directory; empty when its dump is whole, its checksums
    hold, and it has the data of every one of `tables`."""
    dump = folder / "postgres.dump"
    if not dump.exists():
        return [f"{folder} has no postgres.dump"]
    if dump.stat().st_size == 0:
        return [f"{dump} is empty (0 bytes)"]
    problems = []
    sums = folder / "SHA256SUMS"
    if not sums.exists():
        problems.append(f"{folder} has no SHA256SUMS")
    else:
        for line in sums.read_text().splitlines():
            digest, name = line.split(maxsplit=1)
            if hashlib.sha256((folder / name).read_bytes()).hexdigest() != digest:
                problems.append(f"{name}: checksum differs from SHA256SUMS")
    try:
        missing = tables - dump_tables(dump, postgres_container)
    except AssertionError as exc:
        return problems + [str(exc)]
    if missing:
        problems.append(f"the dump has no data for {sorted(missing)}")
    return problems


class Backups:
    """Backups of one target's stack, taken and restored with the ops script, checked by SQL."""

    def __init__(self, target: Target) -> None:
        if target.kind != "local":
            raise LookupError("the ops script runs with the bundled stack's env file and compose files")
        self.target = target

    def script(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return stack_script(self.target.project, *args, timeout=timeout)

    describe = staticmethod(describe)

    def checksums(self) -> dict[str, tuple[int, str]]:
        return table_checksums(self.target.db)

    def problems(self, folder: Path, tables: set[str]) -> list[str]:
        """What is wrong with a backup folder (empty when it is whole and complete)."""
        return verify_backup(folder, docker.name(self.target.container("postgres")), tables)

    def scheduled(self) -> list[str]:
        """The backups the prod profile's sidecar holds, oldest first."""
        return drill.scheduled(self.target)

    def lose_database(self) -> None:
        """Remove the Postgres container and its data volume: the disaster a restore answers."""
        pg = self.target.container("postgres")
        [volume] = [m["Name"] for m in pg["Mounts"] if m["Destination"] == "/var/lib/postgresql/data"]
        docker.docker("rm", "-f", pg["Id"])
        docker.docker("volume", "rm", volume)
