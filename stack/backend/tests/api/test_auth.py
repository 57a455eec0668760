"""Accounts, sign-in sessions and who may see what, against real Postgres (API.md, "Identity
and access")."""
import contextlib
import hashlib
import logging
import os
import statistics
import subprocess
import sys
import time

import httpx
import pytest

from ..conftest import BACKEND_DIR
from .conftest import PASSWORD, new_username, signed_in, signed_up
from .sse_client import new_session, run_sse

SIGNIN = "/api/v1/auth/signin"
SIGNUP = "/api/v1/auth/signup"


def cookie_of(response: httpx.Response) -> dict[str, str]:
    """The Set-Cookie of sa_session as {attribute: value}, the value under "sa_session"."""
    header = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("sa_session="))
    parts = [p.strip() for p in header.split(";")]
    return {p.split("=", 1)[0]: (p.split("=", 1)[1] if "=" in p else True) for p in parts}


def cli(*args: str, password: str | None = None) -> subprocess.CompletedProcess:
    """The operators' command (python -m app.users), as stack/scripts/stack user runs it."""
    return subprocess.run([sys.executable, "-m", "app.users", *args], cwd=BACKEND_DIR, env=os.environ.copy(),
                          input=None if password is None else password + "\n", capture_output=True, text=True,
                          timeout=60)


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@contextlib.contextmanager
def setting(name: str, value):
    """Changes a setting of the running backend (same process) for the block."""
    from app.settings import get_settings

    settings = get_settings()
    before = getattr(settings, name)
    setattr(settings, name, value)
    try:
        yield
    finally:
        setattr(settings, name, before)


def test_signup_signs_in_with_a_safe_cookie(anon, stack):
    name = new_username()
    response = anon.post(SIGNUP, json={"username": name, "password": PASSWORD})
    assert response.status_code == 201 and response.json() == {"username": name}
    cookie = cookie_of(response)
    assert cookie["HttpOnly"] is True and cookie["SameSite"] == "Lax" and cookie["Path"] == "/"
    assert cookie["Max-Age"] == "43200" and "Secure" not in cookie
    assert anon.get("/api/v1/auth/me").json() == {"username": name}
    # Only the token's sha256 is stored; the password only as an Argon2id hash.
    token = cookie["sa_session"]
    assert stack.psql(f"SELECT count(*) FROM auth_sessions WHERE token_hash = '{sha256(token)}'") == "1"
    assert stack.psql(f"SELECT count(*) FROM auth_sessions WHERE token_hash = '{token}'") == "0"
    assert stack.psql(f"SELECT password_hash FROM users WHERE username = '{name}'").startswith("$argon2id$")
    with setting("cookie_secure", True):
        secure = signed_in(str(anon.base_url), name)
        assert secure.get("/api/v1/auth/me").status_code == 401  # httpx keeps Secure cookies for https only
        assert cookie_of(anon.post(SIGNIN, json={"username": name, "password": PASSWORD}))["Secure"] is True


@pytest.mark.parametrize("username", ["ab", "x" * 33, "Alice", "al ice", "-alice", "al!ce", "álice", ""])
def test_signup_refuses_bad_usernames(anon, username):
    response = anon.post(SIGNUP, json={"username": username, "password": PASSWORD})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "username"]


def test_signup_validation_never_echoes_the_password(anon):
    for body in ({"username": new_username(), "password": "short-pw"},
                 {"username": new_username(), "password": "p" * 129},
                 {"password": "a-secret-password"}):
        response = anon.post(SIGNUP, json=body)
        assert response.status_code == 422
        assert body["password"] not in response.text and "input" not in response.text
    response = anon.post(SIGNIN, json={"password": "a-secret-password"})
    assert response.status_code == 422 and "a-secret-password" not in response.text


def test_signup_taken_and_closed(anon, client, user_id):
    taken = anon.post(SIGNUP, json={"username": user_id, "password": PASSWORD})
    assert taken.status_code == 409 and taken.json() == {"detail": "username taken"}
    with setting("signup_open", False):
        closed = anon.post(SIGNUP, json={"username": new_username(), "password": PASSWORD})
        assert closed.status_code == 403 and closed.json() == {"detail": "sign-up is closed"}
        # Closed says so before looking at the body.
        assert anon.post(SIGNUP, json={"username": "X"}).status_code == 403
        # Sign-in still works.
        assert anon.post(SIGNIN, json={"username": user_id, "password": PASSWORD}).status_code == 200


def test_every_signin_is_a_new_session_and_ends_the_one_it_replaces(backend, client, user_id, stack):
    first = client.cookies["sa_session"]
    response = client.post(SIGNIN, json={"username": user_id, "password": PASSWORD})
    second = cookie_of(response)["sa_session"]
    assert response.status_code == 200 and second != first
    assert client.get("/api/v1/auth/me").status_code == 200
    with httpx.Client(base_url=backend.url, cookies={"sa_session": first}) as old:
        assert old.get("/api/v1/auth/me").status_code == 401
    # A token the client makes up is never adopted.
    planted = "A" * 43
    with httpx.Client(base_url=backend.url, cookies={"sa_session": planted}) as c:
        issued = cookie_of(c.post(SIGNIN, json={"username": user_id, "password": PASSWORD}))["sa_session"]
    assert issued != planted and len(issued) == 43
    assert stack.psql(f"SELECT count(*) FROM auth_sessions WHERE token_hash = '{sha256(planted)}'") == "0"


def test_wrong_password_unknown_user_and_disabled_account_get_one_answer(backend, anon, client, user_id):
    other = new_username()
    signed_up(backend.url, other).close()
    wrong = anon.post(SIGNIN, json={"username": user_id, "password": "not the password"})
    unknown = anon.post(SIGNIN, json={"username": new_username("nobody"), "password": PASSWORD})
    assert cli("disable", other).returncode == 0
    disabled = anon.post(SIGNIN, json={"username": other, "password": PASSWORD})
    for response in (wrong, unknown, disabled):
        assert response.status_code == 401 and response.json() == {"detail": "wrong username or password"}
        assert "set-cookie" not in response.headers


def test_an_unknown_name_costs_a_hash_too(backend, anon):
    from app import passwords

    def timed(name):
        started = time.perf_counter()
        assert anon.post(SIGNIN, json={"username": name, "password": "not the password"}).status_code == 401
        return time.perf_counter() - started

    # At the production cost, so that hashing, not the database, is most of the time.
    with setting("argon2_memory_kib", 19456), setting("argon2_time_cost", 2):
        passwords.hasher.cache_clear()
        passwords.dummy_hash.cache_clear()
        try:
            name, ghost = new_username(), new_username("nobody")
            signed_up(backend.url, name).close()
            samples = [(timed(name), timed(ghost)) for _ in range(5)]  # 5: no backoff yet
            known, unknown = (statistics.median(s) for s in zip(*samples))
        finally:
            passwords.hasher.cache_clear()
            passwords.dummy_hash.cache_clear()
    print(f"failed sign-in: known name {known * 1000:.1f} ms, unknown name {unknown * 1000:.1f} ms")
    # The same work on both paths (a dummy hash for unknown names).
    assert 0.6 < unknown / known < 1.6, (known, unknown)


def test_signout_ends_the_session_on_the_server(backend, client, stack):
    token = client.cookies["sa_session"]
    response = client.post("/api/v1/auth/signout")
    assert response.status_code == 204
    assert cookie_of(response)["Max-Age"] == "0" and cookie_of(response)["sa_session"] == ""
    assert stack.psql(f"SELECT revoked_at IS NOT NULL FROM auth_sessions WHERE token_hash = '{sha256(token)}'") == "t"
    # The old cookie, replayed, is refused on the very next request (and told to go away).
    with httpx.Client(base_url=backend.url, cookies={"sa_session": token}) as replay:
        refused = replay.get("/api/v1/watchlists")
        assert refused.status_code == 401 and refused.json() == {"detail": "sign in first"}
        assert cookie_of(refused)["Max-Age"] == "0"
        assert replay.post("/api/v1/auth/signout").status_code == 401


def test_idle_and_absolute_expiry(backend, client, user_id, stack):
    token = client.cookies["sa_session"]
    digest = sha256(token)
    where = f"WHERE token_hash = '{digest}'"
    # Idle: unused for longer than SESSION_IDLE_SECONDS (1800).
    stack.psql(f"UPDATE auth_sessions SET last_seen_at = now() - interval '1799 seconds' {where}")
    assert client.get("/api/v1/auth/me").status_code == 200  # just inside, and it is refreshed
    assert stack.psql(f"SELECT now() - last_seen_at < interval '5 seconds' FROM auth_sessions {where}") == "t"
    stack.psql(f"UPDATE auth_sessions SET last_seen_at = now() - interval '1801 seconds' {where}")
    assert client.get("/api/v1/auth/me").status_code == 401
    # Absolute: signed in longer ago than SESSION_MAX_SECONDS (43200), though used just now.
    fresh = signed_in(backend.url, user_id)
    where = f"WHERE token_hash = '{sha256(fresh.cookies['sa_session'])}'"
    stack.psql(f"UPDATE auth_sessions SET created_at = now() - interval '43199 seconds' {where}")
    assert fresh.get("/api/v1/auth/me").status_code == 200
    stack.psql(f"UPDATE auth_sessions SET created_at = now() - interval '43201 seconds' {where}")
    assert fresh.get("/api/v1/auth/me").status_code == 401
    fresh.close()


def test_last_seen_is_written_at_most_every_30_seconds(client, stack):
    where = f"WHERE token_hash = '{sha256(client.cookies['sa_session'])}'"
    stack.psql(f"UPDATE auth_sessions SET last_seen_at = now() - interval '10 seconds' {where}")
    before = stack.psql(f"SELECT last_seen_at FROM auth_sessions {where}")
    client.get("/api/v1/auth/me")
    assert stack.psql(f"SELECT last_seen_at FROM auth_sessions {where}") == before
    stack.psql(f"UPDATE auth_sessions SET last_seen_at = now() - interval '31 seconds' {where}")
    client.get("/api/v1/auth/me")
    assert stack.psql(f"SELECT now() - last_seen_at < interval '5 seconds' FROM auth_sessions {where}") == "t"


def test_the_operators_command(backend, anon, client, user_id):
    # disable: the account's session is refused on its very next request, sign-in too.
    disabled = cli("disable", user_id)
    assert disabled.returncode == 0 and "1 session(s) ended" in disabled.stdout
    assert client.get("/api/v1/auth/me").status_code == 401
    assert anon.post(SIGNIN, json={"username": user_id, "password": PASSWORD}).status_code == 401
    assert cli("enable", user_id).returncode == 0
    again = signed_in(backend.url, user_id)
    assert again.get("/api/v1/auth/me").status_code == 200
    # reset: a new password from stdin (never argv); every session ends.
    assert cli("reset", user_id, password="short").returncode == 1
    reset = cli("reset", user_id, password="a brand new password")
    assert reset.returncode == 0, reset.stderr
    assert again.get("/api/v1/auth/me").status_code == 401
    signed_in(backend.url, user_id, "a brand new password").close()
    again.close()
    # add, then list; errors exit 1, usage 2.
    name = new_username("op")
    added = cli("add", name, password="an operator's password")
    assert added.returncode == 0 and added.stdout.strip() == f"added {name}"
    assert "an operator's password" not in added.stdout + added.stderr
    signed_in(backend.url, name, "an operator's password").close()
    assert cli("add", name, password="an operator's password").returncode == 1
    assert cli("add", "Bad Name", password="an operator's password").returncode == 1
    assert cli("disable", new_username("nobody")).returncode == 1
    assert cli("frobnicate", name).returncode == 2
    listed = cli("list")
    assert listed.returncode == 0
    line = next(line for line in listed.stdout.splitlines() if line.startswith(name + " "))
    assert "enabled" in line and "$argon2" not in listed.stdout


def test_backoff_per_account(backend, anon, client, user_id, stack):
    def attempt(password, name=user_id):
        return anon.post(SIGNIN, json={"username": name, "password": password})

    for _ in range(5):
        assert attempt("wrong password").status_code == 401
    # Five failures: 1 s of 429, even for the right password (no oracle).
    locked = attempt(PASSWORD)
    assert locked.status_code == 429 and locked.headers["retry-after"] == "1"
    assert "retry" in locked.json()["detail"]
    # Another account signs in meanwhile.
    bystander = new_username()
    signed_up(backend.url, bystander).close()
    signed_in(backend.url, bystander).close()
    time.sleep(1.1)
    # Each further failure doubles it: 2 s, then 4 s.
    assert attempt("wrong password").status_code == 401
    assert attempt(PASSWORD).headers["retry-after"] == "2"
    time.sleep(2.1)
    assert attempt("wrong password").status_code == 401
    assert attempt(PASSWORD).headers["retry-after"] == "4"
    assert stack.psql(f"SELECT failed_signins FROM users WHERE username = '{user_id}'") == "7"
    # It always ends; a success resets the count.
    stack.psql(f"UPDATE users SET locked_until = now() WHERE username = '{user_id}'")
    assert attempt(PASSWORD).status_code == 200
    assert stack.psql(f"SELECT failed_signins, locked_until IS NULL FROM users WHERE username = '{user_id}'") == "0|t"
    assert attempt("wrong password").status_code == 401  # one failure after a reset: no 429 yet


def test_backoff_is_capped_at_15_minutes(anon, user_id, client, stack):
    stack.psql(f"UPDATE users SET failed_signins = 40 WHERE username = '{user_id}'")
    assert anon.post(SIGNIN, json={"username": user_id, "password": "wrong password"}).status_code == 401
    retry = int(anon.post(SIGNIN, json={"username": user_id, "password": PASSWORD}).headers["retry-after"])
    assert 890 <= retry <= 900


def test_unknown_names_back_off_the_same_way(anon):
    name = new_username("ghost")
    for _ in range(5):
        assert anon.post(SIGNIN, json={"username": name, "password": "any password"}).status_code == 401
    locked = anon.post(SIGNIN, json={"username": name, "password": "any password"})
    assert locked.status_code == 429 and locked.headers["retry-after"] == "1"
    # Signing that name up later starts clean.
    response = anon.post(SIGNUP, json={"username": name, "password": PASSWORD})
    assert response.status_code == 201
    assert anon.post(SIGNIN, json={"username": name, "password": PASSWORD}).status_code == 200


def test_every_route_but_health_and_signin_needs_a_session(anon):
    for method, path in [("GET", "/api/v1/stocks"), ("GET", "/api/v1/stocks/GOOG/quote"),
                         ("GET", "/api/v1/watchlists"), ("POST", "/api/v1/watchlists"),
                         ("GET", "/api/v1/analyses"), ("GET", "/api/v1/auth/me"), ("POST", "/api/v1/auth/signout"),
                         ("GET", "/apps/stock_analyst/users/x/sessions"), ("POST", "/run_sse"), ("POST", "/run"),
                         ("GET", "/list-apps"), ("GET", "/nowhere")]:
        response = anon.request(method, path, json={})
        assert response.status_code == 401 and response.json() == {"detail": "sign in first"}, (method, path)
    assert anon.get("/api/v1/health/live").status_code == 200
    assert anon.get("/api/v1/health/ready").status_code == 200
    assert anon.get("/metrics").status_code == 200 and anon.get("/openapi.json").status_code == 200
    # A cookie that is no session at all is no better.
    anon.cookies.set("sa_session", "x" * 43)
    assert anon.get("/api/v1/stocks").status_code == 401


def test_adk_routes_answer_404_for_others_objects_and_403_for_naming_others(client, user_id, other, stack):
    other_name = other.get("/api/v1/auth/me").json()["username"]
    theirs = new_session(other, other_name)
    mine = f"/apps/stock_analyst/users/{user_id}/sessions"
    # Naming another user: 403, whatever the verb.
    for method in ("GET", "POST"):
        response = client.request(method, f"/apps/stock_analyst/users/{other_name}/sessions", json={})
        assert response.status_code == 403 and response.json() == {"detail": "you can only act as yourself"}
    assert client.get(f"/apps/stock_analyst/users/{other_name}/sessions/{theirs}").status_code == 403
    assert client.delete(f"/apps/stock_analyst/users/{other_name}/sessions/{theirs}").status_code == 403
    # Their session's id under my name: exactly a missing session.
    assert client.get(f"{mine}/{theirs}").status_code == 404
    assert client.patch(f"{mine}/{theirs}", json={"state_delta": {"k": 1}}).status_code == 404
    assert client.delete(f"{mine}/{theirs}").status_code == 200  # idempotent in ADK, and only ever mine
    assert other.get(f"/apps/stock_analyst/users/{other_name}/sessions/{theirs}").status_code == 200
    assert run_sse(client, user_id, theirs, "GOOG").status == 404
    # Another app: 404.
    assert client.get(f"/apps/other_app/users/{user_id}/sessions").status_code == 404
    # /run_sse and /run: the body's user must be the signed-in one (snake or camel case, as ADK reads it).
    body = {"app_name": "stock_analyst", "session_id": theirs, "new_message": {"role": "user", "parts": [{"text": "x"}]}}
    for path in ("/run_sse", "/run"):
        for named in ({"user_id": other_name}, {"userId": other_name}, {"user_id": user_id, "userId": other_name}):
            response = client.post(path, json={**body, **named})
            if "userId" in named and "user_id" in named and response.status_code != 403:
                # pydantic reads one of the two; whichever it is must be the signed-in user
                assert response.status_code == 404, response.text
                continue
            assert response.status_code == 403, (path, named, response.text)
        assert client.post(path, json={**body, "user_id": user_id, "app_name": "other"}).status_code == 404
    assert stack.psql(f"SELECT count(*) FROM events WHERE session_id = '{theirs}'") == "0"


def test_app_state_is_not_writable(client, user_id):
    mine = f"/apps/stock_analyst/users/{user_id}/sessions"
    assert client.post(mine, json={"state": {"app:note": "for everyone"}}).status_code == 403
    assert client.post(f"{mine}/custom-id", json={"app:note": "x"}).status_code == 403
    session = new_session(client, user_id)
    assert client.patch(f"{mine}/{session}", json={"state_delta": {"app:note": "x"}}).status_code == 403
    assert client.patch(f"{mine}/{session}", json={"stateDelta": {"app:note": "x"}}).status_code == 403
    run = client.post("/run", json={"app_name": "stock_analyst", "user_id": user_id, "session_id": session,
                                    "state_delta": {"app:note": "x"}})
    assert run.status_code == 403
    assert client.patch(f"{mine}/{session}", json={"state_delta": {"user:note": "mine"}}).status_code == 200


def test_run_sse_as_yourself_streams(client, user_id):
    run = run_sse(client, user_id, new_session(client, user_id), "How is MSFT doing?")
    assert run.status == 200 and run.partial_text and len(run.events) >= 4


def test_the_watchlist_tool_sees_only_the_sessions_owner(client, user_id, other):
    client.post("/api/v1/watchlists", json={"name": "secret", "symbols": ["SPX", "IXIC"]})
    other_name = other.get("/api/v1/auth/me").json()["username"]
    run = run_sse(other, other_name, new_session(other, other_name), "How is my watchlist doing?")
    responses = [p["functionResponse"] for e in run.events for p in (e.get("content") or {}).get("parts", [])
                 if "functionResponse" in p]
    assert responses[0]["name"] == "get_watchlist" and responses[0]["response"] == {"items": []}


def test_developer_routes_are_gone(client, user_id, anon):
    for path in ("/list-apps", "/version", "/health", "/docs", "/redoc", "/apps/stock_analyst/app-info",
                 f"/apps/stock_analyst/users/{user_id}/sessions/s/artifacts", "/debug/trace/x",
                 "/dev-ui/", "/builder/app/x"):
        assert client.get(path).status_code == 404, path
    assert client.patch(f"/apps/stock_analyst/users/{user_id}/memory", json={}).status_code in (404, 405)
    paths = anon.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if "artifact" in p or "memory" in p or p in ("/list-apps", "/version", "/health")]


def test_405_lists_every_method_of_the_path(client, user_id, anon):
    cases = {
        "/api/v1/watchlists": "GET, POST",
        "/api/v1/watchlists/1": "DELETE, GET, PATCH",
        "/api/v1/watchlists/1/items": "POST",
        f"/apps/stock_analyst/users/{user_id}/sessions": "GET, POST",
        f"/apps/stock_analyst/users/{user_id}/sessions/abc": "DELETE, GET, PATCH, POST",
        "/run_sse": "POST",
    }
    for path, allow in cases.items():
        response = client.put(path, json={})
        assert response.status_code == 405 and response.headers["allow"] == allow, (path, response.headers)
        assert response.json() == {"detail": "Method Not Allowed"}
    assert anon.get(SIGNIN).headers["allow"] == "POST"


def test_openapi_documents_the_statuses_and_the_required_if_match(anon):
    spec = anon.get("/openapi.json").json()
    paths = spec["paths"]
    expect = {
        ("post", "/api/v1/auth/signup"): {"201", "403", "409", "422", "503"},
        ("post", "/api/v1/auth/signin"): {"200", "401", "403", "422", "429", "503"},
        ("post", "/api/v1/auth/signout"): {"204", "401"},
        ("get", "/api/v1/auth/me"): {"200", "401"},
        ("get", "/api/v1/stocks/{symbol}/quote"): {"200", "401", "404", "422", "503"},
        ("post", "/api/v1/watchlists"): {"201", "401", "403", "409", "422", "503"},
        ("patch", "/api/v1/watchlists/{watchlist_id}"): {"200", "401", "403", "404", "409", "412", "422", "428", "503"},
        ("delete", "/api/v1/watchlists/{watchlist_id}"): {"204", "401", "404", "412"},
        ("post", "/api/v1/watchlists/{watchlist_id}/items"): {"201", "401", "404", "409", "412", "422"},
        ("get", "/api/v1/analyses/{analysis_id}"): {"200", "401", "404", "422"},
        ("get", "/apps/{app_name}/users/{user_id}/sessions/{session_id}"): {"200", "401", "403", "404", "422"},
        ("post", "/run_sse"): {"200", "401", "403", "404", "413", "422", "503"},
    }
    for (method, path), statuses in expect.items():
        responses = paths[path][method]["responses"]
        assert statuses <= set(responses), (method, path, sorted(responses))
        for status, response in responses.items():
            if status >= "400":
                assert "application/json" in response.get("content", {}), (method, path, status)
    patch = paths["/api/v1/watchlists/{watchlist_id}"]["patch"]
    if_match = next(p for p in patch["parameters"] if p["name"] == "If-Match")
    assert if_match["required"] is True and if_match["in"] == "header"
    assert paths["/api/v1/auth/signin"]["post"]["responses"]["429"]["headers"]["Retry-After"]
    scheme = spec["components"]["securitySchemes"]["session"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "cookie", "sa_session")
    for path, item in paths.items():
        for method, op in item.items():
            public = path.startswith("/api/v1/health/") or path in (SIGNIN, SIGNUP)
            if public:
                assert "security" not in op, (method, path)
            else:
                assert "401" in op["responses"] and op.get("security") == [{"session": []}], (method, path)
    assert not any(p["name"] == "X-User-Id" for item in paths.values() for op in item.values()
                   for p in op.get("parameters", []))


def test_a_bug_is_a_json_500(client, monkeypatch):
    from app import market

    async def broken():
        raise RuntimeError("a bug with a secret in its message")

    monkeypatch.setattr(market, "list_symbols", broken)
    response = client.get("/api/v1/stocks")
    assert response.status_code == 500 and response.json() == {"detail": "internal error"}


def test_passwords_and_tokens_never_reach_the_logs(backend, anon, caplog):
    name, secret = new_username(), "log-canary-password-123"
    with caplog.at_level(logging.DEBUG):
        signup = anon.post(SIGNUP, json={"username": name, "password": secret})
        token = cookie_of(signup)["sa_session"]
        anon.post(SIGNIN, json={"username": name, "password": "log-canary-wrong-pw"})
        anon.post(SIGNUP, json={"username": name, "password": "short"})
        anon.get("/api/v1/watchlists")
    # The server's records (it runs in this process); the test's own HTTP client logs its headers.
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    text = "\n".join(r.getMessage() + str(r.__dict__) for r in server)
    assert any(r.name == "app.access" for r in server)
    for value in (secret, "log-canary-wrong-pw", token):
        assert value not in text


def test_the_unstreamed_run_is_a_developer_route(client, user_id):
    """The page runs the agent through /run_sse only; nginx does not proxy /run."""
    session = new_session(client, user_id)
    body = {"app_name": "stock_analyst", "user_id": user_id, "session_id": session,
            "new_message": {"role": "user", "parts": [{"text": "How is MSFT doing?"}]}}
    assert client.post("/run", json=body).status_code == 404
    assert "/run" not in client.get("/openapi.json").json()["paths"]


def test_every_operation_with_a_body_documents_the_400_of_a_body_that_is_not_json(client):
    paths = client.get("/openapi.json").json()["paths"]
    undocumented = [f"{m.upper()} {p}" for p, item in paths.items() for m, op in item.items()
                    if isinstance(op, dict) and op.get("requestBody") and "400" not in op["responses"]]
    assert not undocumented, undocumented
    answer = client.post("/api/v1/watchlists", content=b"\xff{not json", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json()["detail"], answer.text


def test_text_with_a_nul_character_is_refused_with_422_before_anything_is_written(client, user_id, stack):
    """Postgres stores NUL in neither text nor jsonb: found by fuzzing as 503s and a 500 that quoted SQL."""
    session = new_session(client, user_id)
    mine = f"/apps/stock_analyst/users/{user_id}/sessions"
    attempts = [("PATCH", f"{mine}/{session}", {"state_delta": {"k": "a\u0000b"}}),
                ("POST", mine, {"state": {"k\u0000": 1}}),
                ("POST", "/api/v1/watchlists", {"name": "a\u0000b", "symbols": ["GOOG"]}),
                ("POST", "/run_sse", {"app_name": "stock_analyst", "user_id": user_id, "session_id": session,
                                      "new_message": {"role": "user", "parts": [{"text": "a\u0000b"}]}})]
    for method, path, body in attempts:
        answer = client.request(method, path, json=body)
        assert answer.status_code == 422 and "NUL" in answer.json()["detail"][0]["msg"], (method, path, answer.text[:200])
    assert stack.psql(f"SELECT count(*) FROM events WHERE session_id = '{session}'") == "0"
    assert client.post("/api/v1/watchlists", json={"name": "a\\u0000b as text", "symbols": ["GOOG"]}).status_code == 201


def test_a_run_body_that_genai_cannot_read_is_a_422_not_a_500(client, user_id):
    """Found by fuzzing: google-genai fails `"mediaProcessing": {}` with an AttributeError."""
    body = {"app_name": "stock_analyst", "user_id": user_id, "session_id": new_session(client, user_id),
            "new_message": {"role": "user", "parts": [{"mediaProcessing": {}, "text": None}]}}
    answer = client.post("/run_sse", json=body)
    assert answer.status_code == 422, answer.text[:300]
    assert client.get("/api/v1/analyses", params={"session_id": "a\u0000b"}).status_code == 422
