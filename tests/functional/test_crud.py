"""Watchlists and ADK sessions through nginx, checked against Postgres and Redis directly."""

import uuid

import httpx
import pytest
import redis

from stackcheck import AgentClient


@pytest.fixture
def account(accounts):
    return accounts.new("crud")


@pytest.fixture
def user(account) -> str:
    return account.username


@pytest.fixture
def api(accounts, account, target):
    with accounts.client(account) as client:
        client.base_url = f"{target.base_url}/api/v1"
        yield client


@pytest.fixture(scope="module")
def db(target):
    return target.require("db")


@pytest.fixture(scope="module")
def cache(target):
    client = redis.Redis(**target.require("redis"), decode_responses=True)
    yield client
    client.close()


def cached_keys(cache: redis.Redis, user: str, watchlist_id) -> list[str]:
    """The user's cache keys that name this watchlist (one `:`-separated part is its id)."""
    return [k for k in cache.scan_iter(match=f"*{user}*", count=1000) if str(watchlist_id) in k.split(":")]


def unique(name: str) -> str:
    """A name no other test uses: on a deployed host every test shares one account."""
    return f"{name} {uuid.uuid4().hex[:6]}"


def create(api, name: str | None = None, symbols=("GOOG", "MSFT")) -> httpx.Response:
    return api.post("/watchlists", json={"name": name or unique("Tech"), "symbols": list(symbols)})


def test_a_watchlist_round_trips_and_is_stored_in_postgres(api, db, user):
    """A user who creates a watchlist with two stocks gets it back with its name, its stocks in order and a
    version number, finds it in their list of watchlists, and it is stored in the database."""
    name = unique("Tech")
    created = create(api, name)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == name and body["symbols"] == ["GOOG", "MSFT"] and body["version"] >= 1
    assert created.headers["etag"] == f'"{body["version"]}"'
    assert api.get(f"/watchlists/{body['id']}").json()["symbols"] == ["GOOG", "MSFT"]
    assert body["id"] in [w["id"] for w in api.get("/watchlists").json()["items"]]
    assert db.rows("SELECT name FROM watchlists WHERE id::text = %s", (str(body["id"]),)) == [(name,)]


def stored(db, watchlist_id) -> tuple[str, list[str]] | None:
    """The watchlist as Postgres holds it: (name, symbols in order); None when it is gone."""
    rows = db.rows("SELECT w.name, coalesce(array_agg(i.symbol ORDER BY i.position) FILTER "
                   "(WHERE i.symbol IS NOT NULL), '{}') FROM watchlists w LEFT JOIN watchlist_items i "
                   "ON i.watchlist_id = w.id WHERE w.id::text = %s GROUP BY w.name", (str(watchlist_id),))
    return (rows[0][0], rows[0][1]) if rows else None


def test_items_are_added_and_removed_in_postgres_too(api, db):
    """A stock added to a watchlist or removed from it shows in the answer at once and is saved in the database.
    Adding a stock that is already there is refused, and removing one that is not there is answered "not
    found"."""
    wl = create(api, symbols=["GOOG"]).json()
    added = api.post(f"/watchlists/{wl['id']}/items", json={"symbol": "SPX"})
    assert added.status_code == 201 and added.json()["symbols"] == ["GOOG", "SPX"]
    assert stored(db, wl["id"]) == (wl["name"], ["GOOG", "SPX"]), "the added item never reached Postgres"
    assert api.post(f"/watchlists/{wl['id']}/items", json={"symbol": "SPX"}).status_code == 409
    removed = api.delete(f"/watchlists/{wl['id']}/items/GOOG")
    assert removed.status_code == 200 and removed.json()["symbols"] == ["SPX"]
    assert stored(db, wl["id"]) == (wl["name"], ["SPX"]), "the removed item is still in Postgres"
    assert api.delete(f"/watchlists/{wl['id']}/items/GOOG").status_code == 404


def test_reads_are_cached_and_writes_invalidate_the_cache(api, cache, db, user):
    """Opening a watchlist again is served from the cache, yet after the user renames it they see the new name
    at once, and it is saved in the database, not only in the cache. After they delete it, it is gone from the
    database, from the cache and from what the app shows."""
    wl = create(api).json()
    path = f"/watchlists/{wl['id']}"
    assert api.get(path).headers["x-cache"] == "MISS"
    hit = api.get(path)
    assert hit.headers["x-cache"] == "HIT" and hit.json()["name"] == wl["name"]
    assert cached_keys(cache, user, wl["id"]), "a cache hit, but no key for the watchlist in Redis"

    new_name = unique("Renamed")
    renamed = api.patch(path, json={"name": new_name}, headers={"If-Match": hit.headers["etag"]})
    assert renamed.status_code == 200, renamed.text
    # Postgres first: an update that only reached the cache is a lost write, not a cache bug.
    assert stored(db, wl["id"])[0] == new_name, f"the update never reached Postgres: {stored(db, wl['id'])}"
    after = api.get(path)
    assert after.headers["x-cache"] == "MISS", "the update did not invalidate the cached watchlist"
    assert after.json()["name"] == new_name

    assert api.delete(path, headers={"If-Match": renamed.headers["etag"]}).status_code == 204
    assert stored(db, wl["id"]) is None, "the deleted watchlist is still in Postgres"
    assert api.get(path).status_code == 404, "a deleted watchlist is still served (stale cache?)"
    assert not cached_keys(cache, user, wl["id"]), "the deleted watchlist is still cached in Redis"


def test_lost_updates_are_refused(api, db):
    """When two edits of the same watchlist start from the same version, the second is refused instead of
    silently overwriting the first, and an edit that does not say which version it starts from is refused too.
    The first edit's name is the one kept, in the app and in the database."""
    wl = create(api).json()
    path = f"/watchlists/{wl['id']}"
    etag = api.get(path).headers["etag"]
    first_name = unique("First")
    first = api.patch(path, json={"name": first_name}, headers={"If-Match": etag})
    assert first.status_code == 200
    second = api.patch(path, json={"name": unique("Second")}, headers={"If-Match": etag})
    assert second.status_code == 412, f"a stale write was accepted: {second.status_code} {second.text}"
    assert api.patch(path, json={"name": unique("Blind")}).status_code == 428
    assert api.get(path).json()["name"] == first_name
    assert stored(db, wl["id"])[0] == first_name, f"Postgres holds {stored(db, wl['id'])}"


@pytest.mark.parametrize("body,field", [
    ({"name": "", "symbols": []}, "name"),
    ({"name": "x" * 500, "symbols": []}, "name"),
    ({"symbols": ["GOOG"]}, "name"),
    ({"name": "ok", "symbols": "GOOG"}, "symbols"),
])
def test_invalid_bodies_get_422_naming_the_field(api, body, field):
    """Creating a watchlist with a missing, empty or too long name, or with stocks not given as a list, is
    refused with an answer that names the field at fault, so the app can tell the user what to fix."""
    response = api.post("/watchlists", json=body)
    assert response.status_code == 422, response.text
    locations = [d["loc"] for d in response.json()["detail"]]
    assert any(field in loc for loc in locations), locations


def test_unknown_ids_and_symbols_and_duplicates(api):
    """Asking for a watchlist or a stock that does not exist is answered "not found" (or "invalid"), not with an
    error. A second watchlist with the same name is refused with a reason, and a watchlist with an unknown stock
    is refused with a message naming that stock."""
    assert api.get(f"/watchlists/{uuid.uuid4()}").status_code in (404, 422)
    assert api.get("/watchlists/999999999").status_code in (404, 422)
    assert api.get("/stocks/NOPE/prices").status_code == 404
    name = unique("Dup")
    assert create(api, name=name).status_code == 201
    dup = create(api, name=name)
    assert dup.status_code == 409 and dup.json()["detail"]
    unknown = create(api, symbols=["ZZZZQ"])
    assert unknown.status_code in (404, 422) and "ZZZZQ" in unknown.text


def test_a_request_without_a_session_is_refused_with_401(target):
    """Without signing in, asking for watchlists is refused with "sign-in required" (401) and a reason."""
    response = httpx.get(f"{target.base_url}/api/v1/watchlists", timeout=10)
    assert response.status_code == 401 and response.json()["detail"], response.text[:300]


def test_the_old_user_header_acts_for_nobody(target, api):
    """Naming a user in a request header, an older way of saying who is asking, no longer opens their data:
    without a signed-in session the request for their watchlist is refused."""
    wl = create(api).json()
    response = httpx.get(f"{target.base_url}/api/v1/watchlists/{wl['id']}", timeout=10,
                         headers={"X-User-Id": api.get("/auth/me").json()["username"]})
    assert response.status_code == 401, f"X-User-Id still identifies a user: {response.status_code}"


def test_unicode_names_survive_the_round_trip(api, db):
    """A watchlist name with accents, an emoji, Japanese characters and typographic quotes comes back exactly as
    typed and is stored that way in the database."""
    name = "Ünïcødé 📈 株式 — ‘quotes’"
    wl = create(api, name=name).json()
    assert api.get(f"/watchlists/{wl['id']}").json()["name"] == name
    assert db.rows("SELECT name FROM watchlists WHERE id::text = %s", (str(wl["id"]),)) == [(name,)]


def test_a_large_but_allowed_body_is_handled(api):
    """A large request (a watchlist listing the same stock 5,000 times) gets no server error: it is either
    accepted, keeping the stock only once, or refused cleanly."""
    name = "L" * 100
    many = api.post("/watchlists", json={"name": name, "symbols": ["GOOG"] * 5000})
    assert many.status_code in (201, 409, 422), many.text[:300]
    assert many.status_code != 201 or many.json()["symbols"] == ["GOOG"]


def test_adk_sessions_can_be_created_read_listed_and_deleted(target, account):
    """A user can start a conversation with the stock analyst, open it, find it in their list of conversations
    and delete it, after which it is gone; its id can then be used for a new conversation."""
    with AgentClient(target.base_url, account) as agent:
        sid = agent.create_session()
        assert agent.http.get(agent.sessions_url(sid)).json()["id"] == sid
        assert sid in [s["id"] for s in agent.http.get(agent.sessions_url()).json()]
        assert agent.http.delete(agent.sessions_url(sid)).status_code in (200, 204)
        assert agent.http.get(agent.sessions_url(sid)).status_code == 404
        assert agent.http.post(agent.sessions_url(), json={"session_id": sid}).status_code in (200, 201)
