"""Redis away (stopped, or paused so that calls hang): reads keep working from Postgres
without a single 5xx, writes go on and are never hidden by a stale cache afterwards, the
backend stays healthy (it can serve), and the cache fills again once Redis is back."""

import time
import uuid

import httpx
import pytest

from stackcheck import slo

READS = ["/stocks", "/stocks/WTI/quote", "/stocks/GOOG/prices?start=2010-01-01&end=2010-03-01", "/watchlists"]


def cache_of(response: httpx.Response) -> str:
    """hit, miss or bypass, as the backend's X-Cache header says."""
    assert response.status_code == 200, f"{response.request.url}: {response.status_code} {response.text[:300]}"
    return response.headers["x-cache"].lower()


def last_probe_passed_after(info: dict, since: str) -> bool:
    """Docker's most recent healthcheck of the container ran after `since` and passed.
    (Docker's RFC 3339 UTC times compare as strings; the outage lasts seconds, so the
    whole-second part decides.)"""
    log = (info["State"].get("Health") or {}).get("Log") or []
    return bool(log) and log[-1]["Start"] > since and log[-1]["ExitCode"] == 0


@pytest.mark.parametrize("outage", ["stop", "pause"])
def test_reads_and_writes_go_on_without_redis_and_the_cache_refills(faults, target, accounts, outage):
    """When the cache is stopped or frozen, every read keeps working straight from the database with no server
    error, editing and creating watchlists still work, and the backend reports reduced service but stays
    healthy. Once the cache is back, no outdated watchlist is shown, and the cache fills again within its
    recovery budget."""
    # Names of this run only: on a deployed host every test shares one account.
    before, during, new = (f"{name} {uuid.uuid4().hex[:6]}" for name in ("before", "during", "new"))
    with accounts.client(timeout=10) as api:
        api.base_url = f"{target.base_url}/api/v1"
        wl = api.post("/watchlists", json={"name": before, "symbols": ["WTI"]}).json()
        for path in READS * 2:              # warm: the second round is served from Redis
            cache_of(api.get(path))
        assert cache_of(api.get(f"/watchlists/{wl['id']}")) in ("hit", "miss")
        assert cache_of(api.get(f"/watchlists/{wl['id']}")) == "hit"

        with getattr(faults, outage)("redis") as run:
            started = target.container("backend")["State"]["Health"]["Log"][-1]["End"]
            statuses, caches = [], set()
            deadline = time.monotonic() + 6  # long enough for the backend's healthcheck to run
            while time.monotonic() < deadline:
                for path in READS:
                    response = api.get(path)
                    statuses.append(response.status_code)
                    if response.status_code == 200:
                        caches.add(cache_of(response))
                time.sleep(0.2)  # about 20 reads a second: well inside nginx's rate limit
            ready = api.get("/health/ready")
            patched = api.patch(f"/watchlists/{wl['id']}", headers={"If-Match": f'"{wl["version"]}"'},
                                json={"name": during, "symbols": ["GOOG"]})
            created = api.post("/watchlists", json={"name": new, "symbols": ["SPX"]})
            read_back = api.get(f"/watchlists/{wl['id']}")
            backend = target.container("backend")

        server_errors = [s for s in statuses if s >= 500]
        run.notes.append(f"{len(statuses)} reads during the outage, {len(server_errors)} 5xx, cache {sorted(caches)}")
        assert not server_errors and set(statuses) == {200}, f"reads failed without Redis: {sorted(set(statuses))}"
        assert caches == {"bypass"}, f"reads during the outage claimed cache {caches}"
        assert ready.status_code == 200 and ready.json()["status"] == "degraded", \
            f"readiness without Redis: {ready.status_code} {ready.text}"
        assert last_probe_passed_after(backend, started), \
            f"Docker's healthcheck of the backend failed while only Redis was down: {backend['State']['Health']['Log'][-1]}"
        assert patched.status_code == 200 and created.status_code == 201, (patched.text, created.text)
        assert read_back.json()["name"] == during

        # Back: the invalidation missed during the outage was replayed, no stale "before".
        assert api.get(f"/watchlists/{wl['id']}").json()["name"] == during
        listed = {w["name"] for w in api.get("/watchlists").json()["items"]}
        assert {during, new} <= listed and before not in listed, f"after the outage the list shows {listed}"
        budget = slo.recovery_budget("redis")["serving_s"]
        deadline = time.monotonic() + budget
        while cache_of(api.get("/stocks/WTI/quote")) != "hit":
            assert time.monotonic() < deadline, f"the cache did not fill again within {budget} s of Redis returning"
            time.sleep(0.2)
