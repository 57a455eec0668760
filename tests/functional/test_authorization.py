"""Who may do what, for every operation the running backend's OpenAPI lists: anonymous
visitors get 401, the owner succeeds, and another user can neither read nor change the
owner's watchlists, analyses, sessions and events (checked through nginx, and in Postgres:
no row of the owner's changes)."""

import uuid

import allure
import pytest

from stackcheck import AgentClient, authz

ADK_APP = "stock_analyst"
QUESTION = {"role": "user", "parts": [{"text": "How is GOOG doing?"}]}
# The request bodies, by operation; a new operation with a body needs one here, or the
# matrix fails and says so.
BODIES = {
    "POST /api/v1/watchlists": lambda o: {"name": f"owner-{uuid.uuid4().hex[:8]}", "symbols": ["GOOG"]},
    "PATCH /api/v1/watchlists/{watchlist_id}": lambda o: {"name": f"renamed-{uuid.uuid4().hex[:8]}"},
    "POST /api/v1/watchlists/{watchlist_id}/items": lambda o: {"symbol": "MSFT"},
    "POST /api/v1/auth/signup": lambda o: {"username": f"mx-{uuid.uuid4().hex[:10]}", "password": uuid.uuid4().hex},
    "POST /api/v1/auth/signin": lambda o: o.account.credentials,
    "POST /apps/{app_name}/users/{user_id}/sessions": lambda o: {},
    "POST /apps/{app_name}/users/{user_id}/sessions/{session_id}": lambda o: {},
    "PATCH /apps/{app_name}/users/{user_id}/sessions/{session_id}": lambda o: {"stateDelta": {"seen": True}},
    "POST /run_sse": lambda o: {"app_name": ADK_APP, "user_id": o.account.username, "session_id": o.session_id,
                                "new_message": QUESTION, "streaming": True},
    "POST /run": lambda o: {"app_name": ADK_APP, "user_id": o.account.username, "session_id": o.session_id,
                            "new_message": QUESTION},
}


class Owner:
    """The owner's account and a fresh set of its objects for one operation."""

    def __init__(self, target, accounts, account, analysis_id: int) -> None:
        self.account, self.analysis_id = account, analysis_id
        with accounts.client(account) as http:
            self.watchlist_name = f"owner-{uuid.uuid4().hex[:8]}"
            self.watchlist_id = http.post("/api/v1/watchlists", json={"name": self.watchlist_name,
                                                                       "symbols": ["GOOG"]}).json()["id"]
            sessions = f"/apps/{ADK_APP}/users/{account.username}/sessions"
            self.session_id = http.post(sessions, json={}).json()["id"]

    @property
    def markers(self) -> tuple[str, ...]:
        """What only the owner's data contains: another user must never be shown it."""
        return self.watchlist_name, self.session_id

    def path_values(self, op: authz.Operation) -> dict[str, str]:
        # Creating a session under a given id needs an id that is not taken yet.
        creates = op.method == "POST" and op.path.endswith("{session_id}")
        return {"app_name": ADK_APP, "user_id": self.account.username, "symbol": "GOOG",
                "watchlist_id": str(self.watchlist_id), "analysis_id": str(self.analysis_id),
                "session_id": str(uuid.uuid4()) if creates else self.session_id}


def owners_rows(db, username: str) -> list:
    """Every row of the owner's, in every table that holds user data, as text."""
    return db.rows("""
        SELECT 'watchlist', w::text FROM watchlists w WHERE w.user_id = %s
        UNION ALL SELECT 'item', i::text FROM watchlist_items i JOIN watchlists w ON w.id = i.watchlist_id WHERE w.user_id = %s
        UNION ALL SELECT 'analysis', a::text FROM analyses a WHERE a.user_id = %s
        UNION ALL SELECT 'session', s::text FROM sessions s WHERE s.user_id = %s
        UNION ALL SELECT 'event', e::text FROM events e WHERE e.user_id = %s
        ORDER BY 1, 2""", (username,) * 5)


@pytest.fixture(scope="module")
def pair(accounts):
    found = accounts.pair()
    if found is None:
        pytest.skip("needs two accounts: sign-up is closed and STACKCHECK_USER_A/B are not both set")
    return found


@pytest.fixture(scope="module")
def analysis_id(target, pair) -> int:
    owner = pair[0]
    with AgentClient(target.base_url, owner) as agent:
        run = agent.run("Analyze GOOG")
        assert not run.timeline.errors, run.recording.transcript()
        [mine] = [a for a in agent.http.get("/api/v1/analyses").json()["items"] if a["session_id"] == run.session_id]
    return mine["id"]


def request(http, op: authz.Operation, owner: Owner):
    path = op.path.format(**owner.path_values(op))
    headers = {"If-Match": "*"} if op.method in ("PATCH", "DELETE") else {}
    if not op.takes_body:
        return http.request(op.method, path, headers=headers)
    body = BODIES.get(str(op))
    assert body is not None, f"{op} takes a body and the matrix has none for it: add one to BODIES"
    return http.request(op.method, path, json=body(owner), headers=headers)


def test_every_operation_answers_each_role_as_the_rules_say(target, accounts, pair, analysis_id, backend_openapi):
    """For every action the API offers, a visitor who is not signed in, another signed-in user and the owner
    each get exactly the answer the access rules set. Another user is never shown the owner's watchlist or
    conversation, and, where the database can be checked, their attempts change none of the owner's data."""
    owner_account, other_account = pair
    db = target.db
    ops = authz.operations(backend_openapi)
    problems, matrix = [], []
    for op in ops:
        owner = Owner(target, accounts, owner_account, analysis_id)
        before = owners_rows(db, owner_account.username) if db else None
        with accounts.anonymous() as anonymous, accounts.client(other_account) as other, \
                accounts.client(owner_account) as mine:
            for role, http in (("anonymous", anonymous), ("other", other), ("owner", mine)):
                if role == "owner" and db:   # the others' attempts are over: nothing of the owner's moved
                    if (after := owners_rows(db, owner_account.username)) != before:
                        problems.append(f"{op}: the owner's rows changed after anonymous and other requests: "
                                        f"{set(map(tuple, after)) ^ set(map(tuple, before))}")
                answer = request(http, op, owner)
                matrix.append(f"{op} | {role} | {answer.status_code}")
                problem = authz.judge(op, role, answer.status_code, answer.text, owner.markers,
                                      signup_open=accounts.signup_open is not False)
                problems += [problem] if problem else []
    allure.attach("\n".join(matrix), name=f"authorization matrix: {len(ops)} operations x 3 roles",
                  attachment_type=allure.attachment_type.TEXT)
    assert not problems, "\n".join(problems)


def test_a_run_on_the_owners_session_as_another_user_is_not_found(target, accounts, pair):
    """A signed-in user cannot run the stock analyst inside another user's conversation: the attempt is answered
    "not found", as if that conversation did not exist."""
    owner_account, other_account = pair
    with AgentClient(target.base_url, owner_account) as owner:
        session_id = owner.create_session()
    with AgentClient(target.base_url, other_account) as other:
        run = other.run("Analyze GOOG", session_id=session_id)
    assert run.recording.status == 404, f"another user ran the owner's session: {run.recording.summary()}"
