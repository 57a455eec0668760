"""The admin API: scenarios per session, the record of what the model received, bounds."""
from __future__ import annotations

import datetime as dt

import pytest

from gemini_mock.scenarios import SPECS, Effects, parse_scenario
from gemini_mock.sessions import RecordedRequest, SessionStore

from .conftest import API_KEY
from .conversation import MODEL, QUESTION, generate, question, stream


async def test_requests_are_recorded_in_order_as_received(mock, session):
    client = mock.client(session)
    await stream(client, question())
    await generate(client, question())

    first, second = mock.requests(session)
    assert first["path"] == f"/v1beta/models/{MODEL}:streamGenerateContent"
    assert second["path"] == f"/v1beta/models/{MODEL}:generateContent"
    assert (first["model"], first["stream"], second["stream"]) == (MODEL, True, False)
    headers = first["headers"]
    assert all(name == name.lower() for name in headers)
    assert headers["x-goog-api-key"] == API_KEY
    assert headers["x-stock-analyst-session"] == session
    body = first["body"]
    assert body["contents"] == [{"role": "user", "parts": [{"text": QUESTION}]}]
    assert body["systemInstruction"]["parts"] == [{"text": "You are a stock analyst."}]
    assert "compute_indicators" in {d["name"] for d in body["tools"][0]["functionDeclarations"]}
    assert dt.datetime.fromisoformat(first["at"]) <= dt.datetime.fromisoformat(second["at"])


def test_a_session_without_requests_has_an_empty_record(mock, session):
    assert mock.requests(session) == []


def test_put_fills_in_the_defaults(mock, session):
    response = mock.admin.put(f"/admin/sessions/{session}/scenario", json={"name": "stall", "seconds": 3})

    assert response.status_code == 200
    assert response.json() == {"session": session, "scenario": {"name": "stall", "after_chunks": 2, "seconds": 3.0}}


@pytest.mark.parametrize(("body", "says"), [
    ({"name": "flaky"}, "unknown scenario 'flaky'"),
    ({"name": "stall", "after": 2}, "unknown parameter(s) after for 'stall'"),
    ({"name": "stall", "seconds": "long"}, "stall.seconds must be a number"),
    ({"name": "slow_chunks", "seconds": -1}, "slow_chunks.seconds must be seconds from 0"),
    ({"name": "cut", "after_chunks": 1.5}, "cut.after_chunks must be a whole number"),
    ({"name": "rate_limited_then_ok", "failures": True}, "must be a number"),
    ({"name": "unknown_tool", "tool": "no spaces"}, "must be a function name"),
    ({"seconds": 3}, '"name"'),
    ([], '"name"'),
])
def test_put_refuses_unknown_scenarios_and_bad_parameters(mock, session, body, says):
    response = mock.admin.put(f"/admin/sessions/{session}/scenario", json=body)

    assert response.status_code == 400
    assert says in response.json()["error"]


def test_put_refuses_a_body_that_is_not_json(mock, session):
    response = mock.admin.put(f"/admin/sessions/{session}/scenario", content=b"stall")

    assert response.status_code == 400
    assert "not JSON" in response.json()["error"]


def test_scenarios_are_listed_with_their_parameters(mock):
    listed = {s["name"]: s for s in mock.admin.get("/admin/scenarios").json()}

    assert set(listed) == {"normal", "slow_first_token", "slow_chunks", "rate_limited_then_ok", "rate_limited",
                           "server_error", "unavailable", "stall", "cut", "malformed", "unknown_tool", "safety"}
    assert listed["stall"]["params"] == {"after_chunks": 2, "seconds": 120.0}
    assert all(s["description"] for s in listed.values())


async def test_delete_forgets_the_scenario_and_the_record(mock, session):
    mock.scenario(session, "rate_limited")

    assert mock.admin.delete(f"/admin/sessions/{session}").status_code == 204
    streamed = await stream(mock.client(session), question())
    assert streamed.chunks[0].function_calls
    assert len(mock.requests(session)) == 1


def test_healthz(mock):
    response = mock.admin.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def _request(size: int) -> RecordedRequest:
    return RecordedRequest(path="/p", model="m", stream=True, headers={}, body=b"x" * size, at="")


def test_the_store_keeps_the_most_recently_used_sessions():
    store = SessionStore(max_sessions=2, max_requests=10, max_record_bytes=10_000)
    store.get("a")
    store.get("b")
    store.get("a")  # now b is the least recently used
    store.get("c")

    assert store.find("a") and store.find("c")
    assert store.find("b") is None and len(store) == 2


def test_the_store_keeps_a_session_s_latest_requests():
    store = SessionStore(max_sessions=10, max_requests=3, max_record_bytes=10_000)
    for size in range(1, 6):
        store.record("a", _request(size))

    assert [r.size for r in store.find("a").requests] == [3, 4, 5]


def test_the_store_bounds_the_bytes_recorded_across_sessions():
    store = SessionStore(max_sessions=10, max_requests=10, max_record_bytes=1000)
    store.record("a", _request(400))
    store.record("b", _request(400))
    store.record("c", _request(400))  # over 1000 bytes: a, the least recently used, goes
    assert store.find("a") is None and store.find("b") and store.find("c")

    for _ in range(3):
        store.record("c", _request(400))  # c alone is over: its oldest go, its latest stays
    assert store.find("b") is None
    assert [r.size for r in store.find("c").requests] == [400, 400]

    store.delete("c")
    store.record("d", _request(900))
    assert [r.size for r in store.find("d").requests] == [900]


def test_every_scenario_has_effects_for_a_call():
    """A scenario added to SPECS must be handled by Scenario.effects (normal has none)."""
    for name in SPECS:
        effects = parse_scenario({"name": name}).effects(call_number=1)
        assert (effects == Effects()) == (name == "normal"), name
