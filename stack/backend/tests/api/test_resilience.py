"""Redis or Postgres going away must not take the backend down with them; data must
survive a restart of the backend."""
import time

from .sse_client import new_session, run_sse
from ..conftest import migrate


def test_reads_fall_back_to_postgres_while_redis_is_away(client, stack, user_id):
    client.get("/api/v1/stocks/WTI/quote")
    assert client.get("/api/v1/stocks/WTI/quote").json()["cache"] == "hit"
    wl = client.post("/api/v1/watchlists", json={"name": "r", "symbols": ["WTI"]}).json()
    stack.compose("pause", "redis")
    try:
        timings = []
        for _ in range(5):
            started = time.monotonic()
            response = client.get("/api/v1/stocks/WTI/quote")
            timings.append(time.monotonic() - started)
            assert response.status_code == 200 and response.json()["cache"] == "bypass"
            assert response.headers["x-cache"] == "BYPASS"
        assert max(timings[1:]) < 0.2, timings  # only the first request waits for the Redis timeout
        # Writes go on; their cache invalidation is replayed when Redis is back.
        patched = client.patch(f"/api/v1/watchlists/{wl['id']}", headers={"If-Match": '"1"'},
                               json={"symbols": ["GOOG"]})
        assert patched.status_code == 200
        # Still ready (it serves everything), and says what is missing.
        ready = client.get("/api/v1/health/ready")
        assert ready.status_code == 200 and ready.json()["status"] == "degraded"
        assert ready.json()["checks"]["redis"]["ok"] is False and ready.json()["checks"]["postgres"]["ok"] is True
        run = run_sse(client, user_id, new_session(client, user_id), "WTI")
        assert run.status == 200 and "WTI" in run.partial_text
    finally:
        stack.compose("unpause", "redis")
    deadline = time.monotonic() + 10
    while client.get("/api/v1/stocks/WTI/quote").json()["cache"] == "bypass":
        assert time.monotonic() < deadline, "the cache did not come back"
        time.sleep(0.1)
    assert client.get(f"/api/v1/watchlists/{wl['id']}").json()["symbols"] == ["GOOG"]
    assert client.get("/api/v1/health/ready").status_code == 200


def test_postgres_connections_dropped_are_replaced(client, stack, user_id):
    session = new_session(client, user_id)
    client.get("/api/v1/watchlists")
    # What a Postgres restart does to the pools: every connection of the app is killed.
    killed = stack.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = 'stocks' AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
    assert int(killed) >= 1
    assert client.get(f"/apps/stock_analyst/users/{user_id}/sessions/{session}").status_code == 200
    assert client.post("/api/v1/watchlists", json={"name": "p"}).status_code == 201
    run = run_sse(client, user_id, session, "SPX")
    assert run.status == 200 and run.partial_text


def test_postgres_down_is_a_503_then_recovers(client, stack, user_id):
    stack.compose("pause", "postgres")
    try:
        response = client.get("/api/v1/analyses", timeout=30)
        assert response.status_code == 503 and response.headers["retry-after"] == "1"
        ready = client.get("/api/v1/health/ready", timeout=30)
        assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
        assert ready.json()["checks"]["postgres"]["ok"] is False
    finally:
        stack.compose("unpause", "postgres")
    assert client.get("/api/v1/analyses").status_code == 200


def test_a_restarted_backend_keeps_sessions_events_watchlists_and_analyses(backend, client, user_id):
    import httpx

    cookies = dict(client.cookies)  # sign-in sessions are in Postgres too: they outlive the backend
    with httpx.Client(base_url=backend.url, timeout=30, cookies=cookies) as c:
        session = new_session(c, user_id)
        run_sse(c, user_id, session, "How is IXIC doing?")
        wl = c.post("/api/v1/watchlists", json={"name": "keep", "symbols": ["IXIC"]})
        events_before = c.get(f"/apps/stock_analyst/users/{user_id}/sessions/{session}").json()["events"]
        analyses_before = c.get("/api/v1/analyses").json()["items"]
    backend.restart()  # a new app: new engines, new ADK runner, nothing kept in memory
    if True:
        with httpx.Client(base_url=backend.url, timeout=30, cookies=cookies) as c:
            events_after = c.get(f"/apps/stock_analyst/users/{user_id}/sessions/{session}").json()["events"]
            assert [e["id"] for e in events_after] == [e["id"] for e in events_before] and len(events_after) == 4
            assert c.get(f"/api/v1/watchlists/{wl.json()['id']}").json()["name"] == "keep"
            assert c.get("/api/v1/analyses").json()["items"] == analyses_before
            # The session goes on where it was.
            run = run_sse(c, user_id, session, "and MSFT?")
            assert run.status == 200
            assert len(c.get(f"/apps/stock_analyst/users/{user_id}/sessions/{session}").json()["events"]) == 8


def test_the_seed_is_idempotent(stack):
    before = stack.psql("SELECT count(*), sum(close)::numeric(20,4) FROM prices")
    migrate("downgrade", "0001")
    assert stack.psql("SELECT count(*) FROM prices") == "0"
    migrate("upgrade", "head")
    migrate("upgrade", "head")
    assert stack.psql("SELECT count(*), sum(close)::numeric(20,4) FROM prices") == before
