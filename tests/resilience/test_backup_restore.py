"""Backups that restore: a backup taken with the stack's own script survives the loss of
the database volume, and the restore gives back every table, row for row. The prod
profile's scheduled backups are real, readable dumps too."""

import time
import uuid

import pytest

from stackcheck import docker, slo
from stackcheck.agent import AgentClient
from stackcheck.backup import (compare_tables, describe, postgres_container, rows_lost, stack_script,
                               table_checksums, verify_backup)
from stackcheck.chaos import FaultRun
from stackcheck.faults import StackBroken


@pytest.fixture(autouse=True)
def _bundled_stack_only(faults):
    if faults.target.kind != "local":
        pytest.skip("the ops script runs with the bundled stack's env file and compose files")


def seed(base_url: str) -> None:
    """Rows in every kind of table: watchlists with items, and an agent run (session, events, analysis)."""
    user = f"backup-{uuid.uuid4().hex[:8]}"
    with AgentClient(base_url, user=user, timeout=30) as agent:
        run = agent.run("How is MSFT doing?")
        assert run.recording.status == 200 and not run.timeline.errors, run.recording.transcript()
        created = agent.http.post("/api/v1/watchlists", headers={"X-User-Id": user},
                                  json={"name": "kept", "symbols": ["MSFT", "GOOG"]})
        assert created.status_code == 201, created.text


def test_a_backup_restores_every_table_after_the_volume_is_lost(faults, tmp_path):
    seed(faults.target.base_url)
    faults.wait_steady()
    before = table_checksums(faults.target.db)
    empty = [t for t, (rows, _) in before.items() if rows == 0]

    made = stack_script(faults.target.project, "backup", str(tmp_path))
    assert made.returncode == 0, describe(made)
    [folder] = [p for p in tmp_path.iterdir() if p.name.startswith("2")]
    problems = verify_backup(folder, postgres_container(faults.target.project), set(before))
    assert not problems, f"the backup {folder} is not usable: {problems}"

    run = FaultRun("volume removed + restore", "postgres")
    faults.report.add(run)
    pg = faults.container("postgres")
    [volume] = [m["Name"] for m in pg["Mounts"] if m["Destination"] == "/var/lib/postgresql/data"]
    docker.docker("rm", "-f", pg["Id"])
    docker.docker("volume", "rm", volume)
    try:
        started = time.monotonic()
        restored = stack_script(faults.target.project, "restore", "--fresh", str(folder))
        run.time_to_healthy = time.monotonic() - started
        assert restored.returncode == 0, describe(restored)
        faults.wait_steady()
        run.time_to_serving = time.monotonic() - started
        after = table_checksums(faults.target.db)
    except Exception as exc:
        # Whatever happened, the stack must run again; the data may be gone for good.
        stack_script(faults.target.project, "up")
        faults.report.broken = f"restore after removing the Postgres volume: {exc}"
        raise StackBroken(faults.report.broken) from exc

    differences = compare_tables(before, after)
    run.data_lost = rows_lost(before, after)
    run.notes.append(f"{len(before)} tables, {sum(r for r, _ in before.values())} rows; "
                     f"restore took {run.time_to_healthy:.1f} s; empty tables: {empty or 'none'}")
    if differences:
        faults.report.broken = f"the restore lost data: {differences}"
    assert not differences, f"the restored database differs from the original: {differences}"
    limit = slo.section("recovery")["restore_s"]
    assert run.time_to_healthy < limit, f"restore took {run.time_to_healthy:.0f} s, budget {limit} s"


def test_the_scheduled_backup_of_the_prod_profile_is_a_valid_dump(faults, tmp_path):
    project = faults.target.project
    ran = stack_script(project, "scheduled", "run")
    assert ran.returncode == 0, describe(ran)
    sidecar = docker.name(docker.containers(project)["backup"])
    names = docker.docker("exec", sidecar, "sh", "-c", "cd /backups && ls -1d 2*Z").split()
    assert names, "the backup sidecar holds no backups after `scheduled run`"
    fetched = stack_script(project, "scheduled", "fetch", names[-1], str(tmp_path))
    assert fetched.returncode == 0, describe(fetched)

    live = table_checksums(faults.target.db)
    folder = tmp_path / names[-1]
    problems = verify_backup(folder, postgres_container(project), set(live))
    assert not problems, f"the scheduled backup {names[-1]} is not usable: {problems}"
    counted = {line.split("\t")[0].removeprefix("public."): int(line.split("\t")[1])
               for line in (folder / "tables.tsv").read_text().splitlines() if line}
    assert counted == {t: rows for t, (rows, _) in live.items()}, \
        f"the scheduled backup's row counts differ from the live database: {counted}"
    health = faults.container("backup")["State"]["Health"]["Status"]
    assert health == "healthy", f"the backup sidecar is {health}"
