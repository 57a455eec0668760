"""Backups that would restore tonight: the restore drill and the backups' schedule, on the host.

The newest scheduled backup is restored beside production into a throwaway Postgres and
compared, table by table, with what production held at the backup's moment
(stackcheck/drill.py). Nothing here changes production, so it runs against a VPS without
--allow-destructive, over the same DOCKER_HOST as the rest of the suite.
"""

import time

import allure
import pytest

from stackcheck import drill, slo

LIMITS = slo.section("backups")


@pytest.fixture(scope="module")
def sidecar(target) -> dict[str, str]:
    """The backup sidecar's settings, as its container runs them."""
    return target.env("backup")


@pytest.fixture(scope="module")
def newest(target) -> drill.Backup:
    """The newest scheduled backup, its checksums verified where it lies. On a stack that has
    just started, the sidecar's first backup may still be due: it looks again every 30 s while
    the database has no tables."""
    started = time.monotonic()
    while not (names := drill.scheduled(target)) and time.monotonic() - started < LIMITS["first_within_s"]:
        time.sleep(1)
    assert names, (f"the backup sidecar has made no backup within {LIMITS['first_within_s']} s "
                   f"(slo.yaml backups.first_within_s); its log:\n{drill.sidecar_log(target)}")
    return drill.verified(target, names[-1])


def test_the_newest_backup_restores_beside_production_and_matches_it(target, newest):
    """The newest automatic backup is intact (its checksums match) and restores completely: a separate,
    throwaway database made from it holds every table with exactly the rows production had when the backup was
    taken. Production is never touched, and the throwaway database is removed afterwards."""
    assert newest.tables, f"backup {newest.name} records no tables: the database was empty when it was taken"
    result = drill.run_drill(target, newest, timeout=LIMITS["drill_restore_s"] * 2)
    for name, value in result.shown().items():
        allure.dynamic.parameter(name, value)
    print(f"restore drill: {result.shown()}")
    assert not drill.leftovers(result.container), f"the drill left its {drill.leftovers(result.container)} behind"
    assert not result.problems, f"backup {newest.name} does not restore what production held:\n" + "\n".join(result.problems)
    assert result.restore_s < LIMITS["drill_restore_s"], \
        f"restoring backup {newest.name} took {result.restore_s:.1f} s (slo.yaml backups.drill_restore_s: {LIMITS['drill_restore_s']} s)"


def test_backups_run_on_schedule_keep_the_set_number_and_have_room(target, sidecar, newest):
    """The newest automatic backup is no older than the backup interval allows, no more backups are kept than
    configured, and the backup storage has room for several more of the same size, so tonight's backup will
    happen and fit."""
    interval, keep = int(sidecar.get("BACKUP_INTERVAL", 86400)), int(sidecar.get("BACKUP_KEEP", 7))
    allowed = interval + LIMITS["freshness_margin_s"]
    allure.dynamic.parameter("newest backup age", f"{newest.age_s:.0f} s (limit {allowed} s)")
    assert newest.age_s < allowed, \
        (f"the newest backup {newest.name} is {newest.age_s:.0f} s old: scheduled backups have stopped "
         f"(BACKUP_INTERVAL {interval} s + slo.yaml backups.freshness_margin_s {LIMITS['freshness_margin_s']} s)")

    kept = drill.scheduled(target)
    assert len(kept) <= keep, f"the sidecar keeps {len(kept)} backups, BACKUP_KEEP is {keep}: {kept}"

    free = drill.free_bytes(target)
    needed = LIMITS["free_dumps"] * newest.dump_bytes
    allure.dynamic.parameter("backup volume free", f"{free / 2**20:.0f} MiB (needs {needed / 2**20:.1f} MiB)")
    assert free >= needed, (f"the backup volume has {free / 2**20:.1f} MiB free, less than room for "
                            f"{LIMITS['free_dumps']} more dumps of {newest.dump_bytes / 2**20:.1f} MiB")
