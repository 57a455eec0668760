"""Sign-in holds as a public site needs it: a session cookie scripts cannot read, a new id at
every sign-in, revoked at sign-out and at expiry, no cross-site writes, backoff against
password guessing, and no password or session id in logs or answers."""

import hashlib
import time

import httpx
import pytest

from stackcheck import Account
from stackcheck.accounts import AUTH, SESSION_COOKIE, client, sign_in

BACKOFF_AFTER = 5   # failures before the backend backs off (stack/backend/API.md)


def session_cookie(response: httpx.Response) -> dict[str, str]:
    """The session's Set-Cookie: its value and attributes (names lower-cased; '' for flags)."""
    for header in response.headers.get_list("set-cookie"):
        name, _, value = header.split(";")[0].partition("=")
        if name.strip() == SESSION_COOKIE:
            attributes = (part.strip().partition("=") for part in header.split(";")[1:])
            return {"value": value, **{k.lower(): v for k, _, v in attributes}}
    raise AssertionError(f"no {SESSION_COOKIE} cookie set: {response.headers.get_list('set-cookie')}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@pytest.fixture
def account(accounts) -> Account:
    return accounts.new("id")


def test_the_session_cookie_is_http_only_same_site_lax_and_secure_over_https(target, account):
    """The cookie that keeps a user signed in cannot be read by scripts on the page, is held back from most
    requests other sites start, and, when the site is on HTTPS, is only sent over encrypted connections. This
    makes a user's session hard to steal or misuse."""
    with client(target.base_url) as http:
        cookie = session_cookie(sign_in(http, account))
    cookie["value"] = "[the session id]"   # a failure message must not show it
    assert "httponly" in cookie, f"scripts can read the session cookie: {cookie}"
    assert cookie.get("samesite", "").lower() == "lax", f"SameSite is not Lax: {cookie}"
    assert cookie.get("path") == "/", cookie
    if target.base_url.startswith("https://"):
        assert "secure" in cookie, f"the session cookie may travel over plain HTTP: {cookie}"


def test_every_sign_in_issues_a_new_session_id_and_a_planted_one_is_never_adopted(target, account):
    """Every sign-in gives the user a brand-new session, different from the one before, and a session id planted
    in the browser by an attacker is never accepted. So an attacker cannot prepare a session and use it once the
    user signs in."""
    with client(target.base_url) as http:
        http.cookies.set(SESSION_COOKIE, "planted-by-an-attacker")
        first = session_cookie(sign_in(http, account))["value"]
        second = session_cookie(sign_in(http, account))["value"]
    assert first != "planted-by-an-attacker" and second != first, "the session id did not change at sign-in"
    with client(target.base_url) as planted:
        planted.cookies.set(SESSION_COOKIE, "planted-by-an-attacker")
        assert planted.get(f"{AUTH}/me").status_code == 401


def test_sign_out_revokes_the_session_on_the_server(target, account):
    """After a user signs out, their old session no longer works, even for someone who kept a copy of its
    cookie: sign-out ends the session on the server, not only in the browser."""
    with client(target.base_url) as http:
        token = session_cookie(sign_in(http, account))["value"]
        assert http.get(f"{AUTH}/me").json()["username"] == account.username
        assert http.post(f"{AUTH}/signout").status_code == 204
    with client(target.base_url) as replay:  # the cookie, kept by someone after sign-out
        replay.cookies.set(SESSION_COOKIE, token)
        answer = replay.get(f"{AUTH}/me")
    assert answer.status_code == 401, f"a signed-out session still works: {answer.status_code} {answer.text[:200]}"


@pytest.mark.parametrize("column", ["last_seen_at", "created_at"], ids=["idle", "absolute"])
def test_a_session_expires_when_idle_and_at_its_absolute_lifetime(target, account, column):
    """A session stops working once it has gone unused for too long, and also once it is older than its maximum
    lifetime, however active it is. The test ages the session by a year and expects the server to refuse it."""
    db = target.require("db")
    with client(target.base_url) as http:
        token = session_cookie(sign_in(http, account))["value"]
        assert http.get(f"{AUTH}/me").status_code == 200
        # A year is past any lifetime the settings allow: expiry is the server's own check.
        db.execute(f"UPDATE auth_sessions SET {column} = {column} - interval '365 days' WHERE token_hash = %s",
                   (token_hash(token),))
        answer = http.get(f"{AUTH}/me")
    assert answer.status_code == 401, f"a session past its {column} limit still works: {answer.status_code}"


def test_a_cross_site_write_is_refused_and_changes_nothing(target, accounts, account):
    """A request to create a watchlist that comes from another website, carrying the user's sign-in, is refused
    and nothing is saved. This stops a malicious site from acting in a user's name."""
    db = target.require("db")
    with accounts.client(account) as http:
        answer = http.post("/api/v1/watchlists", json={"name": "csrf", "symbols": ["GOOG"]},
                           headers={"Origin": "https://evil.example"})
        assert answer.status_code == 403, f"a cross-site POST got {answer.status_code}: {answer.text[:200]}"
    stored = db.rows("SELECT w.name FROM watchlists w WHERE w.user_id = %s AND w.name = 'csrf'", (account.username,))
    assert stored == [], f"the refused cross-site POST stored {stored}"


def test_repeated_wrong_passwords_back_off_and_another_user_still_signs_in(target, accounts):
    """After five wrong passwords for one account, further sign-in attempts on it are refused for a while, with
    a time to wait, even with the right password, so passwords cannot be guessed quickly. Another user can still
    sign in meanwhile."""
    if (pair := accounts.pair()) is None:
        pytest.skip("needs two accounts: sign-up is closed and STACKCHECK_USER_A/B are not both set")
    victim, bystander = pair
    wrong = Account(victim.username, "not-the-password-1")
    with client(target.base_url) as http, client(target.base_url) as other:
        answers = [sign_in(http, wrong).status_code for _ in range(BACKOFF_AFTER)]
        refused = sign_in(http, wrong)
        right_during_backoff = sign_in(http, victim).status_code
        bystanders = sign_in(other, bystander).status_code
        # The backoff ends by itself: wait it out, then the right password clears the count
        # (the account may be an operator's, which later tests sign in as).
        time.sleep(min(int(refused.headers.get("retry-after", "0")), 20) + 0.5)
        sign_in(http, victim)
    assert answers == [401] * BACKOFF_AFTER, answers
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1, \
        f"guessing goes on unchecked: {refused.status_code} {dict(refused.headers)}"
    assert right_during_backoff == 429, "the right password during backoff is an oracle"
    assert bystanders == 200, "one account's backoff locked out another user"


def test_passwords_and_session_ids_appear_in_no_answer_and_no_log(target, account):
    """A user's password and session id appear in none of the server's answers (to sign-in, to a wrong password,
    or to asking who is signed in) and in no service's logs, so they cannot leak that way."""
    with client(target.base_url) as http:
        answers = [sign_in(http, account), http.get(f"{AUTH}/me")]
        token = http.cookies[SESSION_COOKIE]
        answers.append(http.post(f"{AUTH}/signin", json={"username": account.username, "password": "wrong-password-x"}))
    for answer in answers:
        assert account.password not in answer.text and token not in answer.text, \
            f"{answer.request.method} {answer.request.url.path} answers with a secret"
    logs = {s.service: s.logs for s in target.evidence().services}
    leaked = sorted(svc for svc, text in logs.items() if account.password in text or token in text)
    assert not leaked, f"a password or session id is in the logs of {leaked}"
