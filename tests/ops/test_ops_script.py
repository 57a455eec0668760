"""Operations with stack/scripts/stack: backup and restore, deploy and rollback, scheduled
backups, on a throwaway project with the prod profile.

The tests run in file order on one project (conftest.py), each on the state the one before
left, as an operator would go.
"""

import time

import pytest

from stackcheck import service_names
from stackcheck.backup import compare_tables
from stackcheck.docker import containers

SEED_SQL = r"""
CREATE SCHEMA proof;
CREATE TABLE proof.items (id uuid PRIMARY KEY DEFAULT uuid_generate_v4(), n int NOT NULL,
  label text, price numeric(12,4), at timestamptz DEFAULT now(), meta jsonb);
INSERT INTO proof.items (n, label, price, meta)
  SELECT i, 'item ' || i || E'\twith a tab, "quotes" and a\nnewline', i * 1.2345, jsonb_build_object('i', i, 'sq', i * i)
    FROM generate_series(1, 20000) i;
CREATE TABLE proof.quotes (symbol text, day date, close double precision, PRIMARY KEY (symbol, day));
INSERT INTO proof.quotes SELECT s, date '2020-01-01' + d, random() * 100
  FROM unnest(ARRAY['AAPL', 'MSFT', 'GOOG', 'AMZN']) s, generate_series(0, 1999) d;
CREATE TABLE proof.empty (x int);
"""
# What `stack --prod up` runs: the compose files' prod services, as a deployed host has them.
PROD_SERVICES = set(service_names("remote"))


@pytest.fixture(scope="module")
def seeded(ops):
    """Our own data beside the app's: a scratch schema (uuid, numeric, jsonb, text with tabs,
    quotes and newlines; an empty table) and 200 Redis keys. Their fingerprint, taken here."""
    ops.psql(SEED_SQL)
    ops.redis("MSET", *(arg for i in range(1, 201) for arg in (f"proof:{i}", f"value-{i}-{i * 7919 % 10007}")))
    return {"tables": ops.tables(), "dbsize": ops.redis("DBSIZE").strip(), "keys": ops.proof_keys()}


def test_up_starts_every_service_of_the_prod_profile_healthy(ops, seeded):
    """The operator's start command brings up every service of the production setup, all healthy, and the test
    data the next steps back up and restore (20,000 database rows and 200 cache entries) is in place."""
    health = {svc: (c["State"].get("Health") or {}).get("Status", c["State"]["Status"])
              for svc, c in containers(ops.name).items()}
    assert health == dict.fromkeys(PROD_SERVICES, "healthy"), f"every prod service should be healthy, saw {health}"
    items, keys = seeded["tables"].get("proof.items", (0, "")), seeded["keys"]
    assert (items[0], len(keys)) == (20000, 200), f"seeding should give 20000 rows and 200 keys, gave {items[0]} and {len(keys)}"


def test_backup_writes_a_complete_backup(ops, seeded):
    """The operator's backup command writes a complete backup: a copy of the database, a copy of the cache, and
    the files that describe and verify them (checksums, a manifest, row counts per table, a list of contents),
    none of them empty."""
    ops.ok("backup", str(ops.backups))
    [backup] = sorted(ops.backups.glob("2*Z"))
    files = {p.name for p in backup.iterdir() if p.stat().st_size > 0}
    expected = {"postgres.dump", "redis.rdb", "SHA256SUMS", "manifest.json", "tables.tsv", "toc.txt"}
    assert expected <= files, f"a backup should hold {sorted(expected)}, {backup.name} holds {sorted(files)}"
    ops.state["backup"] = backup


def test_down_v_deletes_the_data_volumes(ops):
    """The operator's command to take the stack down and delete its data really deletes all stored data (the
    backups volume aside), so the next step restores onto an empty server."""
    ops.ok("down", "-v")
    data = [v for v in ops.resources().get("volumes", []) if not v.endswith("_backups")]
    assert not data, f"down -v should delete every data volume, left {data}"


def test_restore_fresh_gives_back_every_table_and_redis_key(ops, seeded):
    """Restoring that backup onto the emptied stack gives back every database table exactly as it was, row for
    row, and the cache with as many entries as before and the 200 test entries unchanged; the stack is healthy
    afterwards."""
    assert "backup" in ops.state, "no backup from test_backup_writes_a_complete_backup to restore"
    ops.ok("restore", "--fresh", "--with-redis", str(ops.state["backup"]))
    differences = compare_tables(seeded["tables"], ops.tables())
    assert not differences, f"every table should be as before the backup, but: {differences}"
    dbsize, keys = ops.redis("DBSIZE").strip(), ops.proof_keys()
    assert (dbsize, keys) == (seeded["dbsize"], seeded["keys"]), \
        f"Redis should hold {seeded['dbsize']} keys, our 200 unchanged; holds {dbsize}, {len(keys)} of ours"
    assert ops.healthy(), "the stack should be healthy after the restore"


def test_a_broken_deploy_is_rolled_back_to_the_previous_image(ops):
    """When a new backend version crashes at start during a deploy, the deploy reports failure and automatically
    goes back to the previous version, and the stack is healthy again, so a bad release does not leave the site
    down."""
    good = ops.state["good"] = ops.image("backend")
    deploy = ops.stack("deploy", DEPLOY_BREAK="backend", STACK_WAIT_TIMEOUT="40")
    assert deploy.returncode != 0, "deploying a backend that crashes at start should fail"
    assert ops.healthy(), "the stack should be healthy after the automatic rollback"
    assert ops.image("backend") == good, f"backend should run {good[7:19]} again, runs {ops.image('backend')[7:19]}"


def test_a_broken_deploy_with_no_rollback_stays_until_rollback(ops):
    """When an operator deploys with automatic rollback turned off and the new backend never becomes healthy,
    the deploy reports failure and the stack shows as unhealthy until the operator runs the rollback command,
    which brings back the previous version and a healthy stack."""
    good = ops.state.get("good") or ops.image("backend")
    deploy = ops.stack("deploy", "--no-backup", "--no-rollback", DEPLOY_BREAK="backend:unhealthy", STACK_WAIT_TIMEOUT="30")
    assert deploy.returncode != 0, "deploying a backend that never turns healthy should fail"
    assert not ops.healthy(), "health should fail while the broken backend runs"
    ops.ok("rollback")
    assert ops.healthy(), "the stack should be healthy after rollback"
    assert ops.image("backend") == good, f"backend should run {good[7:19]} again, runs {ops.image('backend')[7:19]}"


def test_scheduled_backups_keep_the_newest_and_one_restores(ops, seeded):
    """The automatic backups run on schedule, keep only the set number of newest backups and delete older ones,
    and the backup service stays healthy. Restoring the newest one brings back data deleted after it was taken,
    and the stack is healthy afterwards."""
    # A backup every interval: after keep + 1 intervals the oldest has been pruned. A new
    # backup lands just before its prune, so judge one listing, taken after a prune; the
    # deadline leaves room for intervals that slip on a busy machine.
    deadline = time.monotonic() + ops.backup_interval * (ops.backup_keep + 3) + 10
    while True:
        pruned, kept = "pruned" in ops.logs("backup"), ops.scheduled()
        if (pruned and len(kept) == ops.backup_keep) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert len(kept) == ops.backup_keep, f"the sidecar should keep {ops.backup_keep} backups (BACKUP_KEEP), keeps {kept}"
    assert pruned, "the sidecar should have pruned older backups; its log never says so"
    health = ops.container("backup")["State"]["Health"]["Status"]
    assert health == "healthy", f"the sidecar should be healthy, is {health}"

    ops.ok("scheduled", "fetch", kept[-1], str(ops.backups))
    ops.psql("DELETE FROM proof.items WHERE n % 2 = 0")
    ops.ok("restore", str(ops.backups / kept[-1]))
    rows = ops.tables()["proof.items"][0]
    assert rows == 20000, f"restoring the scheduled backup should bring back 20000 rows, gave {rows}"
    assert ops.healthy(), "the stack should be healthy after restoring the scheduled backup"
