"""The authorization matrix's rules: what each role must get, and that it fails on an
unguarded route."""

import pytest

from stackcheck.authz import Operation, expected, judge, operations

WATCHLIST = Operation("GET", "/api/v1/watchlists/{watchlist_id}")
SESSIONS = Operation("GET", "/apps/{app_name}/users/{user_id}/sessions")
RUN = Operation("POST", "/run_sse")
QUOTE = Operation("GET", "/api/v1/stocks/{symbol}/quote")
HEALTH = Operation("GET", "/api/v1/health/live")


def test_operations_come_from_every_path_and_method_of_the_openapi():
    spec = {"paths": {"/a": {"get": {}, "post": {"requestBody": {}}, "parameters": []}, "/b/{watchlist_id}": {"delete": {}}}}
    assert [str(o) for o in operations(spec)] == ["GET /a", "POST /a", "DELETE /b/{watchlist_id}"]
    assert [o.takes_body for o in operations(spec)] == [False, True, False]


@pytest.mark.parametrize("op, role, status", [
    (WATCHLIST, "anonymous", 401), (WATCHLIST, "owner", None), (WATCHLIST, "other", 404),
    (SESSIONS, "other", 403), (RUN, "other", 403), (QUOTE, "other", None), (QUOTE, "anonymous", 401),
    (HEALTH, "anonymous", None), (HEALTH, "other", None),
])
def test_each_role_has_one_expected_outcome(op, role, status):
    assert expected(op, role) == status


def test_a_host_with_sign_up_closed_refuses_every_sign_up():
    signup = Operation("POST", "/api/v1/auth/signup", takes_body=True)
    assert expected(signup, "anonymous") is None
    assert all(expected(signup, role, signup_open=False) == 403 for role in ("anonymous", "owner", "other"))
    assert "expected 403, got 201" in judge(signup, "anonymous", 201, signup_open=False)


def test_an_unguarded_route_fails_the_matrix():
    unguarded = Operation("GET", "/api/v1/newly-added/{watchlist_id}")
    assert "expected 401, got 200" in judge(unguarded, "anonymous", 200)
    assert "expected 404, got 200" in judge(unguarded, "other", 200)


def test_another_users_list_must_not_show_the_owners_objects():
    mine = Operation("GET", "/api/v1/watchlists")
    assert judge(mine, "other", 200, '{"items": []}', owners_ids=("41",)) is None
    assert "shows the owner's ['41']" in judge(mine, "other", 200, '{"items": [{"id": 41}]}', owners_ids=("41",))


def test_a_forbidden_answer_is_not_a_not_found_one():
    assert "expected 403, got 404" in judge(SESSIONS, "other", 404)
    assert judge(SESSIONS, "other", 403) is None
    assert "expected success, got 500" in judge(QUOTE, "owner", 500, "boom")
