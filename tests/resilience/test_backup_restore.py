"""Backups that restore: a backup taken with the stack's own script survives the loss of
the database volume, and the restore gives back every table, row for row. The prod
profile's scheduled backups are real, readable dumps too."""

import time

import pytest

from stackcheck import AgentClient, Backups, StackBroken, compare_tables, rows_lost, slo
from stackcheck.reporting import FaultRun


@pytest.fixture
def backups(target) -> Backups:
    try:
        return Backups(target)
    except LookupError as exc:
        pytest.skip(str(exc))


def seed(base_url: str, account) -> None:
    """Rows in every kind of table: watchlists with items, and an agent run (session, events, analysis)."""
    with AgentClient(base_url, account, timeout=30) as agent:
        run = agent.run("How is MSFT doing?")
        assert run.recording.status == 200 and not run.timeline.errors, run.recording.transcript()
        created = agent.http.post("/api/v1/watchlists",
                                  json={"name": "kept", "symbols": ["MSFT", "GOOG"]})
        assert created.status_code == 201, created.text


def test_a_backup_restores_every_table_after_the_volume_is_lost(faults, backups, target, accounts, tmp_path):
    """A backup made with the stack's own backup script brings all the data back after the database's storage is
    lost: once restored, every table holds exactly the rows it had before (watchlists, conversations, analyses),
    and the restore finishes within its time budget."""
    seed(target.base_url, accounts.new("backup"))
    faults.wait_steady()
    before = backups.checksums()
    empty = [t for t, (rows, _) in before.items() if rows == 0]

    made = backups.script("backup", str(tmp_path))
    assert made.returncode == 0, backups.describe(made)
    [folder] = [p for p in tmp_path.iterdir() if p.name.startswith("2")]
    problems = backups.problems(folder, set(before))
    assert not problems, f"the backup {folder} is not usable: {problems}"

    # A restore is judged by its own budget, not by a crashed Postgres's.
    run = FaultRun("volume removed + restore", "postgres", budget_s=slo.section("recovery")["restore_s"])
    faults.report.add(run)
    backups.lose_database()
    try:
        started = time.monotonic()
        restored = backups.script("restore", "--fresh", str(folder))
        run.time_to_healthy = time.monotonic() - started
        assert restored.returncode == 0, backups.describe(restored)
        faults.wait_steady()
        run.time_to_serving = time.monotonic() - started
        after = backups.checksums()
    except Exception as exc:
        # Whatever happened, the stack must run again; the data may be gone for good.
        backups.script("up")
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


def test_the_scheduled_backup_of_the_prod_profile_is_a_valid_dump(backups, target, tmp_path):
    """The automatic backups of the production setup really work: one run on demand is complete and readable,
    holds the same number of rows per table as the live database, and the backup service stays healthy."""
    ran = backups.script("scheduled", "run")
    assert ran.returncode == 0, backups.describe(ran)
    names = backups.scheduled()
    assert names, "the backup sidecar holds no backups after `scheduled run`"
    fetched = backups.script("scheduled", "fetch", names[-1], str(tmp_path))
    assert fetched.returncode == 0, backups.describe(fetched)

    live = backups.checksums()
    folder = tmp_path / names[-1]
    problems = backups.problems(folder, set(live))
    assert not problems, f"the scheduled backup {names[-1]} is not usable: {problems}"
    counted = {line.split("\t")[0].removeprefix("public."): int(line.split("\t")[1])
               for line in (folder / "tables.tsv").read_text().splitlines() if line}
    assert counted == {t: rows for t, (rows, _) in live.items()}, \
        f"the scheduled backup's row counts differ from the live database: {counted}"
    health = target.container("backup")["State"]["Health"]["Status"]
    assert health == "healthy", f"the backup sidecar is {health}"
