"""The ADK agent over /run_sse, served by ADK's own FastAPI server, sessions in Postgres."""
import asyncio
import time

import pytest
from stock_analyst.offline_llm import OfflineLlm

from .sse_client import new_session, run_sse


class FaultyLlm(OfflineLlm):
    """The offline model with a fault: it pauses before its first chunk, or fails after N chunks."""

    pause_seconds: float = 0
    fail_after_chunks: int | None = None

    async def generate_content_async(self, llm_request, stream=False):
        chunks = 0
        async for response in super().generate_content_async(llm_request, stream):
            if response.partial:
                if chunks == 0:
                    await asyncio.sleep(self.pause_seconds)
                if chunks == self.fail_after_chunks:
                    raise RuntimeError("the model failed mid-stream")
                chunks += 1
            yield response


@pytest.fixture
def agent_model(monkeypatch):
    """Swap the served agent's model for this test only."""
    from stock_analyst.agent import root_agent

    return lambda model: monkeypatch.setattr(root_agent, "model", model)


def parts(event, kind):
    return [p[kind] for p in (event.get("content") or {}).get("parts", []) if kind in p]


def test_a_run_streams_call_response_paced_chunks_and_final(client, user_id, stack, other):
    session = new_session(client, user_id)
    run = run_sse(client, user_id, session, "How is GOOG doing?")
    assert run.status == 200
    assert run.headers["content-type"].startswith("text/event-stream")
    assert run.headers["cache-control"] == "no-cache, no-transform" and run.headers["x-accel-buffering"] == "no"

    call, response, *rest = run.events
    assert parts(call, "functionCall")[0]["name"] == "compute_indicators"
    assert parts(call, "functionCall")[0]["args"] == {"symbol": "GOOG"}
    result = parts(response, "functionResponse")[0]["response"]
    assert result["symbol"] == "GOOG" and result["end"] == "2013-03-01" and result["rsi_14"] is not None
    chunks = [e for e in rest if e.get("partial")]
    assert len(chunks) == 5  # OFFLINE_CHUNKS in the test settings
    final = run.final
    assert final["partial"] is False if "partial" in final else True
    assert final.get("finishReason") == "STOP"
    assert run.partial_text == parts(final, "text")[0]
    assert {e["id"] for e in chunks} == {final["id"]}
    assert "806.19" in run.partial_text  # the real last close of GOOG in the data

    # Paced: the first event well before the end, chunks spread out (40 ms apart).
    chunk_times = [t for t, e in zip(run.times, run.events) if e.get("partial")]
    assert run.times[0] < run.total - 0.15
    assert all(b - a >= 0.025 for a, b in zip(chunk_times, chunk_times[1:]))

    # The session and its events are in Postgres (ADK's tables).
    stored = client.get(f"/apps/stock_analyst/users/{user_id}/sessions/{session}").json()
    assert len(stored["events"]) == 4  # question, call, response, final text (partials are not stored)
    assert int(stack.psql(f"SELECT count(*) FROM events WHERE session_id = '{session}'")) == 4

    # ... and the run is an analysis.
    analyses = client.get("/api/v1/analyses").json()["items"]
    assert len(analyses) == 1
    analysis = analyses[0]
    assert analysis["status"] == "ok" and analysis["symbols"] == ["GOOG"]
    assert analysis["question"] == "How is GOOG doing?" and analysis["final_text"] == run.partial_text
    assert analysis["tool_calls"][0]["name"] == "compute_indicators" and analysis["tool_calls"][0]["ok"] is True
    assert analysis["session_id"] == session and analysis["duration_ms"] > 0
    one = client.get(f"/api/v1/analyses/{analysis['id']}").json()
    assert one == analysis
    assert other.get(f"/api/v1/analyses/{analysis['id']}").status_code == 404
    assert other.get("/api/v1/analyses", params={"session_id": session}).json()["items"] == []


def test_several_symbols_and_unknown_ones(client, user_id):
    session = new_session(client, user_id)
    run = run_sse(client, user_id, session, "Compare MSFT, google and TSLA in 2010")
    call = parts(run.events[0], "functionCall")[0]
    assert call["name"] == "compare_symbols" and call["args"]["symbols"] == ["MSFT", "GOOG", "TSLA"]
    response = parts(run.events[1], "functionResponse")[0]["response"]
    assert [i["symbol"] for i in response["items"]] == ["MSFT", "GOOG"] and response["unknown"] == ["TSLA"]
    assert response["start"] == "2010-01-01" and response["end"] == "2010-12-31"
    assert "no price data for TSLA" in run.partial_text

    run = run_sse(client, user_id, session, "and how is ZZZZ?")
    response = parts(run.events[1], "functionResponse")[0]["response"]
    assert response == {"error": "unknown symbol", "symbol": "ZZZZ", "known": ["GOOG", "IXIC", "MSFT", "SPX", "WTI"]}


def test_the_watchlist_tool_chains_a_comparison(client, user_id):
    client.post("/api/v1/watchlists", json={"name": "w", "symbols": ["SPX", "IXIC"]})
    run = run_sse(client, user_id, new_session(client, user_id), "How is my watchlist doing?")
    names = [parts(e, "functionCall")[0]["name"] for e in run.events if parts(e, "functionCall")]
    assert names == ["get_watchlist", "compare_symbols"]
    assert "SPX" in run.partial_text and "IXIC" in run.partial_text
    analysis = client.get("/api/v1/analyses").json()["items"][0]
    assert analysis["symbols"] == ["SPX", "IXIC"]


def test_a_model_failure_mid_stream_gives_an_in_stream_error(client, user_id, agent_model):
    agent_model(FaultyLlm(fail_after_chunks=2))
    run = run_sse(client, user_id, new_session(client, user_id), "How is GOOG doing?")
    assert run.status == 200
    assert any(e.get("errorCode") for e in run.events), run.events
    analysis = client.get("/api/v1/analyses").json()["items"][0]
    assert analysis["status"] == "error" and analysis["error"]


def test_a_slow_model_gets_heartbeats(client, user_id, agent_model):
    agent_model(FaultyLlm(pause_seconds=1))
    run = run_sse(client, user_id, new_session(client, user_id), "How is GOOG doing?")
    assert run.status == 200
    assert len(run.comments) >= 2 and all(c == "ping" for _, c in run.comments)  # `: ping` lines
    response_at = run.times[1]
    first_chunk_at = next(t for t, e in zip(run.times, run.events) if e.get("partial"))
    assert first_chunk_at - response_at >= 0.95
    assert all(response_at < t < first_chunk_at for t, _ in run.comments)
    assert run.partial_text == parts(run.final, "text")[0]


def test_missing_session_is_404_before_the_stream(client, user_id):
    run = run_sse(client, user_id, "no-such-session", "GOOG")
    assert run.status == 404 and "Session not found" in run.body


def test_origin_guard(client, user_id):
    session_url = f"/apps/stock_analyst/users/{user_id}/sessions"
    assert client.post(session_url, json={}, headers={"Origin": "http://evil.example"}).status_code == 403
    same = client.base_url.scheme + "://" + client.base_url.netloc.decode()
    assert client.post(session_url, json={}, headers={"Origin": same}).status_code == 200
    # Behind a proxy that keeps the browser's Host (nginx: proxy_set_header Host $http_host).
    assert client.post(session_url, json={}, headers={"Origin": "http://127.0.0.1:43210",
                                                       "Host": "127.0.0.1:43210"}).status_code == 200
    assert client.post(session_url, json={}, headers={"Origin": "http://allowed.example"}).status_code == 200
    post = client.post("/api/v1/watchlists", headers={"Origin": "http://evil.example"}, json={"name": "x"})
    assert post.status_code == 403 and post.json() == {"detail": "cross-origin request refused"}
    signin = client.post("/api/v1/auth/signin", headers={"Origin": "http://evil.example"},
                         json={"username": user_id, "password": "whatever-it-is"})
    assert signin.status_code == 403 and "set-cookie" not in signin.headers
    session = new_session(client, user_id)
    assert run_sse(client, user_id, session, "GOOG", headers={"Origin": "http://evil.example"}).status == 403


def test_sse_metrics(client, user_id):
    run_sse(client, user_id, new_session(client, user_id), "MSFT")
    # The server finishes its bookkeeping a moment after the last byte leaves.
    deadline = time.monotonic() + 2
    while True:
        text = client.get("/metrics").text
        if 'sse_streams_in_flight{route="/run_sse"} 0.0' in text or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert 'sse_streams_in_flight{route="/run_sse"} 0.0' in text
    assert 'sse_time_to_first_event_seconds_count{route="/run_sse"}' in text
    assert 'agent_runs_total{status="ok"}' in text
    assert 'agent_tool_calls_total{outcome="ok",tool="compute_indicators"}' in text
