"""REST API under /api/v1 against real Postgres and Redis."""
import concurrent.futures

import httpx


def test_health(client):
    assert client.get("/api/v1/health/live").json() == {"status": "ok"}
    ready = client.get("/api/v1/health/ready")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ok" and body["checks"]["postgres"]["ok"] and body["checks"]["redis"]["ok"]


def test_request_id_is_propagated(client):
    assert client.get("/api/v1/health/live", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    generated = client.get("/api/v1/health/live", headers={"X-Request-ID": "bad id with spaces"}).headers["x-request-id"]
    assert generated and " " not in generated


def test_stocks_list_comes_from_the_seed(client, stack):
    body = client.get("/api/v1/stocks").json()
    symbols = {item["symbol"]: item for item in body["items"]}
    assert set(symbols) == {"GOOG", "MSFT", "SPX", "IXIC", "WTI"}
    assert body["cache"] in ("hit", "miss")
    goog = symbols["GOOG"]
    assert goog["first_date"] == "2004-08-19" and goog["last_date"] == "2013-03-01"
    assert goog["source"].startswith("backtesting==") and goog["points"] == int(
        stack.psql("SELECT count(*) FROM prices WHERE symbol='GOOG'"))


def test_prices_read_through_the_cache(client, stack):
    params = {"start": "2008-09-01", "end": "2008-09-30"}
    first = client.get("/api/v1/stocks/goog/prices", params=params)
    second = client.get("/api/v1/stocks/GOOG/prices", params=params)
    assert first.status_code == second.status_code == 200
    assert first.json()["cache"] == "miss" and first.headers["x-cache"] == "MISS"
    assert second.json()["cache"] == "hit" and second.headers["x-cache"] == "HIT"
    items = second.json()["items"]
    assert len(items) == 21 and items[0]["date"] == "2008-09-02" and items[-1]["date"] == "2008-09-30"
    assert items == first.json()["items"]
    close = float(stack.psql("SELECT close FROM prices WHERE symbol='GOOG' AND date='2008-09-30'"))
    assert items[-1]["close"] == close


def test_prices_validation(client):
    bad_range = client.get("/api/v1/stocks/GOOG/prices", params={"start": "2010-01-02", "end": "2010-01-01"})
    assert bad_range.status_code == 422 and bad_range.json()["detail"][0]["loc"] == ["query", "start"]
    bad_date = client.get("/api/v1/stocks/GOOG/prices", params={"start": "yesterday"})
    assert bad_date.status_code == 422 and bad_date.json()["detail"][0]["loc"] == ["query", "start"]
    assert client.get("/api/v1/stocks/NOPE/prices").status_code == 404
    assert client.get("/api/v1/stocks/NOPE/quote").status_code == 404
    assert client.get("/api/v1/stocks/bad symbol!/quote").status_code == 422


def test_quote(client):
    quote = client.get("/api/v1/stocks/SPX/quote").json()
    assert quote["date"] == "2018-12-31" and quote["close"] > 0
    assert abs(quote["change"] - (quote["close"] - quote["previous_close"])) < 1e-3
    assert quote["cache"] in ("hit", "miss")


def _create(client, name="tech", symbols=("GOOG", "MSFT")):
    return client.post("/api/v1/watchlists", json={"name": name, "symbols": list(symbols)})


def test_watchlist_crud_with_etags(client):
    h = {}
    created = _create(client, symbols=["goog", "MSFT"])
    assert created.status_code == 201 and created.headers["etag"] == '"1"'
    wl = created.json()
    assert wl["symbols"] == ["GOOG", "MSFT"] and wl["version"] == 1
    url = f"/api/v1/watchlists/{wl['id']}"
    assert created.headers["location"] == url

    got = client.get(url, headers=h)
    assert got.status_code == 200 and got.headers["etag"] == '"1"'
    assert client.get("/api/v1/watchlists", headers=h).json()["items"][0]["id"] == wl["id"]

    assert client.patch(url, headers=h, json={"name": "x"}).status_code == 428
    patched = client.patch(url, headers={**h, "If-Match": '"1"'}, json={"name": "tech2", "symbols": ["SPX"]})
    assert patched.status_code == 200 and patched.headers["etag"] == '"2"'
    assert patched.json()["symbols"] == ["SPX"] and patched.json()["name"] == "tech2"
    stale = client.patch(url, headers={**h, "If-Match": '"1"'}, json={"name": "lost update"})
    assert stale.status_code == 412
    assert client.patch(url, headers={**h, "If-Match": 'W/"2"'}, json={"symbols": ["SPX", "WTI"]}).status_code == 200

    added = client.post(f"{url}/items", headers=h, json={"symbol": "ixic"})
    assert added.status_code == 201 and added.json()["symbols"] == ["SPX", "WTI", "IXIC"]
    assert client.post(f"{url}/items", headers=h, json={"symbol": "IXIC"}).status_code == 409
    assert client.post(f"{url}/items", headers={**h, "If-Match": '"1"'}, json={"symbol": "GOOG"}).status_code == 412
    removed = client.delete(f"{url}/items/WTI", headers=h)
    assert removed.status_code == 200 and removed.json()["symbols"] == ["SPX", "IXIC"]
    assert client.delete(f"{url}/items/WTI", headers=h).status_code == 404

    version = client.get(url, headers=h).json()["version"]
    assert client.delete(url, headers={**h, "If-Match": f'"{version - 1}"'}).status_code == 412
    assert client.delete(url, headers={**h, "If-Match": f'"{version}"'}).status_code == 204
    assert client.get(url, headers=h).status_code == 404
    assert client.delete(url, headers=h).status_code == 404


def test_watchlist_validation(client):
    h = {}
    assert _create(client).status_code == 201
    assert _create(client).status_code == 409
    unknown = client.post("/api/v1/watchlists", headers=h, json={"name": "n", "symbols": ["GOOG", "ZZZZ"]})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "symbols", 1]
    for body in ({"name": ""}, {"name": "x" * 101}, {"name": "n", "symbols": ["GOOG", "goog"]},
                 {"name": "n", "extra": 1}, {"symbols": []}):
        response = client.post("/api/v1/watchlists", headers=h, json=body)
        assert response.status_code == 422, body
        assert response.json()["detail"][0]["loc"][0] == "body"
    assert client.get("/api/v1/watchlists/abc", headers=h).status_code == 422
    assert client.get("/api/v1/watchlists/999999999", headers=h).status_code == 404


def test_watchlists_are_per_user(client, other, stack):
    wl = _create(client).json()
    url = f"/api/v1/watchlists/{wl['id']}"
    before = stack.psql(f"SELECT user_id, name, version FROM watchlists WHERE id = {wl['id']}")
    # Another user's watchlist is exactly a missing one, for every verb.
    missing = other.get("/api/v1/watchlists/987654321")
    assert other.get(url).status_code == 404 and other.get(url).json().keys() == missing.json().keys()
    assert other.get("/api/v1/watchlists").json()["items"] == []
    assert other.patch(url, headers={"If-Match": '"1"'}, json={"name": "mine"}).status_code == 404
    assert other.patch(url, json={"name": "mine"}).status_code == 428  # as for a missing one
    assert other.delete(url).status_code == 404
    assert other.post(f"{url}/items", json={"symbol": "SPX"}).status_code == 404
    assert other.delete(f"{url}/items/GOOG").status_code == 404
    assert stack.psql(f"SELECT user_id, name, version FROM watchlists WHERE id = {wl['id']}") == before
    # The same name is fine for another user.
    assert _create(other).status_code == 201


def test_x_user_id_is_ignored(client, user_id, other):
    wl = _create(client).json()
    # Naming the owner in the old header gives another user nothing, and alone it is not a sign-in.
    assert other.get(f"/api/v1/watchlists/{wl['id']}", headers={"X-User-Id": user_id}).status_code == 404
    with httpx.Client(base_url=str(client.base_url)) as anon:
        response = anon.get("/api/v1/watchlists", headers={"X-User-Id": user_id})
        assert response.status_code == 401 and response.json() == {"detail": "sign in first"}


def test_updates_invalidate_the_cache(client):
    h = {}
    wl = _create(client).json()
    url = f"/api/v1/watchlists/{wl['id']}"
    client.get(url, headers=h)
    assert client.get(url, headers=h).headers["x-cache"] == "HIT"
    client.get("/api/v1/watchlists", headers=h)
    assert client.get("/api/v1/watchlists", headers=h).json()["cache"] == "hit"
    client.patch(url, headers={**h, "If-Match": '"1"'}, json={"symbols": ["WTI"]})
    fresh = client.get(url, headers=h)
    assert fresh.headers["x-cache"] == "MISS" and fresh.json()["symbols"] == ["WTI"]
    listed = client.get("/api/v1/watchlists", headers=h).json()
    assert listed["cache"] == "miss" and listed["items"][0]["symbols"] == ["WTI"]
    client.delete(url, headers=h)
    assert client.get(url, headers=h).status_code == 404
    assert client.get("/api/v1/watchlists", headers=h).json()["items"] == []


def test_concurrent_updates_lose_nothing(backend, client):
    """Eight writers with the same If-Match: exactly one wins, the rest get 412."""
    wl = _create(client).json()
    cookies = dict(client.cookies)

    def patch(i):
        with httpx.Client(base_url=backend.url, timeout=30, cookies=cookies) as c:
            return c.patch(f"/api/v1/watchlists/{wl['id']}", headers={"If-Match": '"1"'},
                           json={"name": f"writer-{i}"}).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(patch, range(8)))
    assert codes == [200] + [412] * 7


def test_analyses_need_a_user_and_404(client, anon):
    assert anon.get("/api/v1/analyses").status_code == 401
    assert client.get("/api/v1/analyses").json() == {"items": []}
    assert client.get("/api/v1/analyses/987654321").status_code == 404
    assert client.get("/api/v1/analyses", params={"limit": 0}).status_code == 422


def test_metrics(client, anon):
    client.get("/api/v1/stocks/GOOG/quote")
    text = anon.get("/metrics").text  # public on the backend's port (nginx never serves it)
    assert 'http_requests_total{method="GET",route="/api/v1/stocks/{symbol}/quote",status="200"}' in text
    assert "http_request_duration_seconds_bucket" in text
    assert 'cache_requests_total{cache="quote",result=' in text
    assert "sse_streams_in_flight" in text
