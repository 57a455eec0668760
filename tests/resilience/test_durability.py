"""Postgres crashes under a steady stream of writes: every write the API acknowledged is
still there afterwards, and the backend recovers without being restarted itself."""

import threading
import time

import httpx

from stackcheck import slo

WRITES_PER_S = 20


class Writer:
    """Creates watchlists through nginx at a steady pace; remembers every acknowledged id."""

    def __init__(self, http: httpx.Client, user: str) -> None:
        self.http, self.user = http, user
        self.acknowledged: dict[str, int] = {}      # name -> id, for every 201
        self.failed: list[str] = []                 # statuses or errors of the rest
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        with self.http as client:
            n = 0
            while not self.stop.is_set():
                n += 1
                name = f"w{n:05d}"
                try:
                    r = client.post("/api/v1/watchlists", json={"name": name, "symbols": ["WTI"]})
                    if r.status_code == 201:
                        self.acknowledged[name] = r.json()["id"]
                    else:
                        self.failed.append(str(r.status_code))
                except httpx.HTTPError as exc:
                    self.failed.append(type(exc).__name__)
                self.stop.wait(1 / WRITES_PER_S)


def test_every_acknowledged_write_survives_a_postgres_crash(faults, target, accounts):
    """When the database crashes while a user keeps creating watchlists, every one the app confirmed is still
    there afterwards with the same id. The backend reconnects by itself without being restarted, and the site
    serves again within its recovery budget."""
    backend_before = target.container("backend")
    account = accounts.new("durable")
    writer = Writer(accounts.client(account, timeout=5), account.username)
    writer.thread.start()
    try:
        time.sleep(2)
        with faults.crash("postgres") as crash:
            acked_at_crash = len(writer.acknowledged)
        time.sleep(2)  # writes go on against the recovered database
    finally:
        writer.stop.set()
        writer.thread.join(timeout=10)

    stored = {name: wid for wid, name in target.db.rows(
        "SELECT id, name FROM watchlists WHERE user_id = %s", (writer.user,))}
    lost = sorted(set(writer.acknowledged) - set(stored))
    crash.data_lost = len(lost)
    crash.notes.append(f"{len(writer.acknowledged)} writes acknowledged, {len(stored)} stored, "
                       f"{len(writer.failed)} refused ({', '.join(sorted(set(writer.failed)))})")
    assert acked_at_crash > 10 and len(writer.acknowledged) > acked_at_crash, \
        f"too few writes to prove anything: {acked_at_crash} before the crash, {len(writer.acknowledged)} in all"
    assert not lost, f"{len(lost)} acknowledged writes are gone after the crash: {lost[:10]}"
    assert all(stored[name] == wid for name, wid in writer.acknowledged.items()), "a stored id differs from the acknowledged one"

    backend_after = target.container("backend")
    assert (backend_after["RestartCount"], backend_after["State"]["StartedAt"]) == \
           (backend_before["RestartCount"], backend_before["State"]["StartedAt"]), \
        "the backend was restarted: it must reconnect to Postgres by itself"
    assert crash.time_to_serving is not None and crash.time_to_serving < slo.recovery_budget("postgres")["serving_s"], crash.why
