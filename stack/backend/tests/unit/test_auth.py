"""Identity pieces without services: hashing, the backoff curve, cookies, the access guard
(with the session lookup stubbed), the 405 Allow fix."""
import json

import httpx
import pytest
from argon2 import PasswordHasher

from app import auth, guard, passwords
from app.contract import AllowHeader


def test_hashes_are_argon2id_with_the_configured_cost():
    from app.settings import Settings, get_settings

    defaults = {name: Settings.model_fields[name].default
                for name in ("argon2_memory_kib", "argon2_time_cost", "argon2_parallelism")}
    assert defaults == {"argon2_memory_kib": 19456, "argon2_time_cost": 2, "argon2_parallelism": 1}  # OWASP's
    s = get_settings()  # the API tests lower the cost (a process-wide environment)
    stored = passwords.hash_password("correct horse battery")
    assert stored.startswith(f"$argon2id$v=19$m={s.argon2_memory_kib},t={s.argon2_time_cost},p={s.argon2_parallelism}$")
    assert passwords.verify_password(stored, "correct horse battery")
    assert not passwords.verify_password(stored, "correct horse batterY")
    assert not passwords.verify_password("not a hash", "correct horse battery")
    assert not passwords.needs_rehash(stored)
    # A hash made with other parameters is upgraded at the next sign-in.
    weaker = PasswordHasher(time_cost=1, memory_cost=9000, parallelism=1).hash("correct horse battery")
    assert passwords.verify_password(weaker, "correct horse battery") and passwords.needs_rehash(weaker)
    # Salted: the same password never hashes the same.
    assert passwords.hash_password("correct horse battery") != stored
    assert passwords.dummy_hash().startswith("$argon2id$")


@pytest.mark.parametrize("name, ok", [
    ("abc", True), ("a" * 32, True), ("a.b_c-9", True), ("9lives", True),
    ("ab", False), ("a" * 33, False), ("Abc", False), ("_abc", False), (".abc", False), ("a b", False),
    ("ab/c", False), ("abç", False),
])
def test_username_rules(name, ok):
    assert (passwords.username_problem(name) is None) == ok


def test_password_rules():
    assert passwords.password_problem("x" * 10) is None and passwords.password_problem("x" * 128) is None
    assert passwords.password_problem("x" * 9) and passwords.password_problem("x" * 129)


def test_backoff_doubles_from_the_fifth_failure_and_is_capped():
    assert [auth.backoff_seconds(n) for n in range(0, 16)] == [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900]
    assert auth.backoff_seconds(10_000) == 900


def test_cookies(monkeypatch):
    from app.settings import get_settings

    token = "a" * 43
    assert auth.session_cookie(token) == f"sa_session={token}; HttpOnly; Max-Age=43200; Path=/; SameSite=Lax"
    assert auth.clearing_cookie() == "sa_session=; HttpOnly; Max-Age=0; Path=/; SameSite=Lax"
    monkeypatch.setattr(get_settings(), "cookie_secure", True)
    assert auth.session_cookie(token).endswith("; SameSite=Lax; Secure")
    assert auth.cookie_token(f"theme=dark; sa_session={token}") == token
    assert auth.cookie_token("sa_session=short") is None and auth.cookie_token(None) is None
    assert auth.cookie_token("sa_session=" + "a" * 42 + "!") is None
    assert auth.token_hash(token) == __import__("hashlib").sha256(token.encode()).hexdigest()


RUN = {"app_name": "stock_analyst", "session_id": "s", "new_message": {"role": "user", "parts": [{"text": "x"}]}}


@pytest.mark.parametrize("body, status", [
    ({**RUN, "user_id": "alice"}, None),
    ({**RUN, "user_id": "bob"}, 403),
    ({**RUN, "userId": "bob"}, 403),
    ({**RUN, "appName": "other", "user_id": "alice"}, 404),
    ({**RUN, "app_name": "other", "user_id": "bob"}, 404),
    ({**RUN, "user_id": "alice", "state_delta": {"app:x": 1}}, 403),
    ({**RUN, "user_id": "alice", "stateDelta": {"user:x": 1}}, None),
    ({**RUN}, None),  # no user_id: ADK's own 422
    ({**RUN, "user_id": 5}, None),  # not a string: ADK's own 422
])
def test_run_bodies_are_read_as_adk_reads_them(body, status):
    try:
        guard._check_request("run", body, "alice")
    except guard.Refused as refused:
        assert refused.status == status
    else:
        assert status is None


def test_shared_state_is_refused_in_every_body():
    for kind, body in (("create", {"state": {"app:x": 1}}), ("update", {"state_delta": {"app:x": 1}}),
                       ("update", {"stateDelta": {"app:x": 1}}), ("create_with_id", {"app:x": 1})):
        with pytest.raises(guard.Refused):
            guard._check_request(kind, body, "alice")
    guard._check_request("create", {"state": {"user:x": 1, "x": 2}}, "alice")


class Recorder:
    """A downstream app that records what reached it, and answers 200 with it."""

    def __init__(self):
        self.calls = []

    async def __call__(self, scope, receive, send):
        message = await receive()
        principal = scope.get("state", {}).get("principal")
        self.calls.append((scope["path"], message.get("body", b""), principal))
        body = json.dumps({"user": principal.username if principal else None}).encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})


@pytest.fixture
def guarded(monkeypatch):
    sessions = {"t" * 43: auth.Principal(1, "alice", auth.token_hash("t" * 43))}

    async def lookup(token):
        return sessions.get(token)

    monkeypatch.setattr(auth, "lookup", lookup)
    inner = Recorder()
    app = guard.AccessGuard(inner, allow_origins=["http://allowed.example"], dev_routes=False)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    return client, inner


async def test_the_guard(guarded):
    client, inner = guarded
    alice = {"Cookie": "sa_session=" + "t" * 43}
    # Public paths, no session.
    assert (await client.get("/api/v1/health/live")).status_code == 200
    assert (await client.post("/api/v1/auth/signin", json={})).status_code == 200
    # Everything else: 401 JSON, and a dead cookie is cleared.
    refused = await client.get("/api/v1/stocks", headers={"Cookie": "sa_session=" + "u" * 43})
    assert refused.status_code == 401 and refused.json() == {"detail": "sign in first"}
    assert refused.headers["set-cookie"].startswith("sa_session=; HttpOnly; Max-Age=0")
    assert "set-cookie" not in (await client.get("/api/v1/stocks")).headers
    # The signed-in user reaches the routes, in the scope.
    assert (await client.get("/api/v1/stocks", headers=alice)).json() == {"user": "alice"}
    # Origins: foreign refused (JSON), own and allow-listed pass.
    foreign = await client.post("/api/v1/auth/signin", json={}, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403 and foreign.json() == {"detail": "cross-origin request refused"}
    assert (await client.post("/api/v1/watchlists", headers={**alice, "Origin": "http://testserver"})).status_code == 200
    assert (await client.post("/api/v1/watchlists", headers={**alice, "Origin": "http://allowed.example"})).status_code == 200
    # ADK's paths.
    assert (await client.get("/apps/stock_analyst/users/bob/sessions", headers=alice)).status_code == 403
    assert (await client.get("/apps/other/users/alice/sessions", headers=alice)).status_code == 404
    assert (await client.get("/apps/stock_analyst/users/alice/sessions", headers=alice)).status_code == 200
    # The body of a run is checked, then reaches ADK byte for byte.
    raw = json.dumps({**RUN, "user_id": "alice"}, indent=1).encode()
    assert (await client.post("/run_sse", content=raw, headers=alice)).status_code == 200
    assert inner.calls[-1][:2] == ("/run_sse", raw)
    bob = await client.post("/run_sse", json={**RUN, "user_id": "bob"}, headers=alice)
    assert bob.status_code == 403 and bob.json() == {"detail": "you can only act as yourself"}
    assert inner.calls[-1][0] != "/run_sse" or inner.calls[-1][1] == raw
    # Not JSON: ADK says what is wrong with it.
    assert (await client.post("/run_sse", content=b"{nope", headers=alice)).status_code == 200
    too_big = await client.post("/run_sse", content=b"x" * (guard.MAX_BODY + 1), headers=alice)
    assert too_big.status_code == 413


async def test_allow_lists_every_method_of_the_path():
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 405, "headers": [(b"allow", b"GET")]})
        await send({"type": "http.response.body", "body": b"{}"})

    routes = [("APIRoute", "/w", {"GET"}, "a"), ("APIRoute", "/w", {"POST"}, "b"),
              ("APIRoute", "/w/{id}", {"PATCH"}, "c"), ("APIRoute", "/w/{id}", {"DELETE"}, "d")]
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=AllowHeader(app, lambda: routes)),
                               base_url="http://t")
    assert (await client.put("/w")).headers.get_list("allow") == ["GET, POST"]
    assert (await client.put("/w/3")).headers["allow"] == "DELETE, PATCH"


def test_adk_developer_routes_only_with_the_setting(monkeypatch):
    from app import contract, main
    from app.settings import get_settings

    def names(app):
        return {name for _, _, _, name in contract.route_table(app)}

    served = names(main.create_app())
    assert served == contract.ADK_ROUTES_KEPT | contract.OURS | {
        "live", "ready", "signup", "signin", "signout", "me", "list_stocks", "prices", "quote", "list_watchlists",
        "create_watchlist", "get_watchlist", "patch_watchlist", "delete_watchlist", "add_item", "remove_item",
        "list_analyses", "get_analysis"}
    monkeypatch.setattr(get_settings(), "adk_dev_routes", True)
    dev = names(main.create_app())
    assert {"list_apps", "get_adk_app_info", "load_artifact", "patch_memory", "version", "swagger_ui_html"} <= dev


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_live_runs_are_closed_without_the_developer_routes():
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

    async def app(scope, receive, send):  # would accept, if it were reached
        await send({"type": "websocket.accept"})

    client = TestClient(guard.AccessGuard(app, allow_origins=[], dev_routes=False))  # no lifespan
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect("/run_live?app_name=stock_analyst&user_id=alice",
                                      headers={"Cookie": "sa_session=" + "t" * 43}):
            pass
    assert closed.value.code == 1008
