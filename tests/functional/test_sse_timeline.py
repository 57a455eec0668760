"""Agent messages reach the user live, through nginx, in ADK's event format.

This is the failure the suite exists for: a proxy that buffers the stream, or events that
drift from what clients parse. Every run here goes through nginx, as a browser's does.
"""

import concurrent.futures
import re

import allure
import pytest

from stackcheck import AgentClient, Run
from stackcheck.model import ModelMock


@pytest.fixture(scope="module", params=["HTTP/1.1", "HTTP/2"])
def protocol(request, target) -> str:
    """Every stream test runs over both protocols a browser may get: HTTP/2 (over TLS) changes
    framing and flow control between nginx and the client, and can buffer what HTTP/1.1 did not."""
    if request.param == "HTTP/2" and not target.https:
        pytest.skip(f"HTTP/2 needs HTTPS, and the target {target.base_url} is plain HTTP")
    return request.param


@pytest.fixture(scope="module")
def agent(target, accounts, protocol):
    with AgentClient(target.base_url, accounts.new(), http2=protocol == "HTTP/2") as client:
        yield client


def attach(run: Run, name: str = "SSE transcript") -> None:
    allure.attach(run.recording.transcript(), name=name, attachment_type=allure.attachment_type.TEXT)


@pytest.fixture(scope="module")
def goog(agent) -> Run:
    return agent.run("Analyze GOOG over the last year: trend and risk?")


def test_the_stream_is_served_as_unbuffered_uncompressed_event_stream(goog, target, accounts, protocol):
    """An analysis is delivered as a live stream that is neither compressed nor stored on the way, over the kind
    of connection (HTTP/1.1 or HTTP/2) that was asked for, and the backend tells the proxy not to hold it back.
    Otherwise users would see the answer only at the end."""
    headers = goog.recording.headers
    assert goog.recording.status == 200
    assert goog.recording.http_version == protocol, \
        f"asked for {protocol}, the stream came over {goog.recording.http_version}"
    assert headers["content-type"].startswith("text/event-stream"), headers
    assert "content-encoding" not in headers, f"the stream was compressed: {headers}"
    assert "no-cache" in headers.get("cache-control", "") and "no-transform" in headers.get("cache-control", "")
    # nginx consumes X-Accel-Buffering (it is addressed to the proxy), so look behind it.
    with AgentClient(target.base_url, accounts.new(), backend_url=target.require("backend_url")) as direct:
        behind = direct.run("Analyze GOOG")
    assert behind.recording.headers.get("x-accel-buffering") == "no", behind.recording.headers


def running_nginx_config(target) -> str:
    """The config nginx runs, as stack/nginx/start-nginx.sh rendered it, with every include
    expanded (`nginx -T` would need a writable pid file, which the read-only container refuses)."""
    files: dict[str, str] = {}  # each file read once: a remote target's exec costs an SSH round trip

    def expand(path: str) -> str:
        if path not in files:
            files[path] = target.exec("nginx", "cat", path)
        return re.sub(r"^\s*include\s+(/\S+);", lambda m: expand(m.group(1)) if "*" not in m.group(1) else m.group(0),
                      files[path], flags=re.M)
    return expand("/tmp/nginx/nginx.conf")


def test_nginx_itself_never_buffers_or_compresses_the_stream(target):
    """Not only because the backend asks: X-Accel-Buffering hides a buffering proxy config
    until a new backend route, or a second proxy, drops the header. Every server's /run_sse
    location is judged: the HTTPS server's as well as the plain one's."""
    locations = re.findall(r"location = /run_sse \{(.*?)\}", running_nginx_config(target), re.S)
    assert locations, "no `location = /run_sse` block in the running nginx config"
    for location in locations:
        directives = {" ".join(line.split()).rstrip(";") for line in location.splitlines()}
        missing = {"proxy_buffering off", "gzip off"} - directives
        assert not missing, f"a /run_sse location lacks {sorted(missing)}: nginx would buffer or " \
                            f"compress the event stream whenever the upstream omits X-Accel-Buffering"


def test_the_timeline_is_call_response_partials_then_one_final_text(goog):
    """An analysis of one stock shows its steps in a sensible order: each tool the analyst calls (one of them
    about that stock) gets its result before the answer starts, then one final answer arrives in several pieces
    and names the stock. No errors appear."""
    tl = goog.timeline
    assert tl.problems == [], tl.problems
    assert not tl.errors, [e.text for e in tl.errors]
    kinds = tl.kinds
    assert kinds[0] == "tool_call", kinds
    assert kinds[-1] == "text" and kinds.count("text") == 1, kinds
    pending: list[str] = []
    for item in tl.items[:-1]:
        assert item.kind in ("tool_call", "tool_response"), f"text before the tools finished: {kinds}"
        if item.kind == "tool_call":
            pending.append(item.name)
        else:
            assert item.name in pending, f"response to {item.name} without a call: {kinds}"
            pending.remove(item.name)
    assert not pending, f"calls without a response: {pending}"
    assert tl.texts[0].chunks >= 3, "the answer must stream as several partial chunks"
    assert "GOOG" in tl.texts[0].text
    calls = {i.payload.get("symbol") for i in tl.of("tool_call") if isinstance(i.payload, dict)}
    assert "GOOG" in calls, f"tool calls: {[(i.name, i.payload) for i in tl.of('tool_call')]}"


def test_every_event_follows_the_adk_schema(goog):
    """Every message in the stream has the shape the app and other clients of the agent framework (ADK) expect:
    an id, an author, a time and content. The answer's pieces are marked as partial except the last, and all
    share one id so they can be joined into one answer."""
    for event in goog.recording.events:
        assert isinstance(event.get("id"), str) and event["id"], event
        assert isinstance(event.get("invocationId"), str), event
        assert isinstance(event.get("author"), str), event
        assert isinstance(event.get("timestamp"), (int, float)), event
        parts = event["content"]["parts"]
        assert isinstance(parts, list) and parts, event
        for part in parts:
            assert {"text", "functionCall", "functionResponse"} & set(part), part
    # The final aggregate repeats the id of the chunks it aggregates.
    texts = [e for e in goog.recording.events if any("text" in p for p in e["content"]["parts"])]
    assert not texts[-1].get("partial") and all(e.get("partial") for e in texts[:-1])
    assert len({e["id"] for e in texts}) == 1, "chunks and final text must share one event id"


def test_delivery_is_incremental_not_one_burst(goog, pacing):
    """The answer reaches the user piece by piece as the AI writes it, not all at once at the end: the first
    message arrives in the first half of the run, and the pieces come about as far apart as the AI produced
    them."""
    rec = goog.recording
    chunks = goog.timeline.texts[0].chunks
    assert rec.first_event_at < rec.total / 2, rec.summary()
    expected_spread = (chunks - 1) * pacing["chunk_delay"]
    assert rec.is_incremental(min_spread=expected_spread * 0.6), \
        f"events arrived in a burst (spread {rec.spread:.3f} s, expected about {expected_spread:.3f} s): {rec.summary()}"
    text_gaps = rec.gaps[-chunks:-1]
    assert min(text_gaps) >= pacing["chunk_delay"] * 0.5, \
        f"chunk gaps {text_gaps} do not match the model's pacing of {pacing['chunk_delay']} s"


@pytest.mark.slow
def test_heartbeats_keep_a_slow_run_alive_past_the_proxy_read_timeout(agent, target, pacing):
    """The model takes longer to start answering than nginx waits for bytes: only the
    backend's `: ping` comments keep the stream open."""
    model = ModelMock(target.require("model_mock_url"))
    pause = pacing["proxy_read_timeout"] + 2
    if not pacing["heartbeat"] < pacing["proxy_read_timeout"] < pause < pacing["model_timeout"]:
        pytest.skip(f"needs heartbeat < proxy read timeout < a pause < the model timeout, as the test "
                    f"override sets; this target runs {pacing}")
    session = agent.create_session()
    model.use(session, "slow_first_token", seconds=pause)
    run = agent.run("Analyze MSFT", session_id=session)
    attach(run, "slow run")
    rec = run.recording
    assert rec.transport_error is None, f"the proxy cut the slow run: {rec.summary()}"
    # What a client cannot read first: a heartbeat sent as an event is named as such.
    assert run.timeline.problems == [] and not run.timeline.errors, \
        f"the slow run's stream holds what a client cannot read: {run.timeline.problems or run.timeline.errors}; {rec.summary()}"
    needed = pause // pacing["heartbeat"] - 1
    assert len(rec.heartbeats) >= needed, \
        f"{len(rec.heartbeats)} ': ping' comments during a {pause:.0f} s pause, expected at least {needed:.0f}: {rec.summary()}"
    assert max(rec.gaps) > pacing["proxy_read_timeout"], "the run was not slow enough to prove anything"
    assert run.timeline.texts and run.timeline.texts[0].text


def test_several_symbols_are_compared(agent):
    """Asking to compare three stocks makes the analyst use its comparison tool, and the answer mentions all
    three."""
    run = agent.run("Compare GOOG, MSFT and SPX")
    attach(run)
    names = [i.name for i in run.timeline.of("tool_call")]
    assert "compare_symbols" in names, names
    text = run.timeline.texts[0].text
    assert all(s in text for s in ("GOOG", "MSFT", "SPX")), text


def test_an_unknown_symbol_is_answered_not_crashed(agent):
    """Asking about a stock that does not exist gets a normal answer that names it, not a failed run: the
    analyst's tool reports a problem with that stock, and the analysis still ends cleanly."""
    run = agent.run("Analyze ZZZZQ")
    attach(run)
    assert not run.timeline.errors and run.timeline.problems == []
    responses = [i.payload for i in run.timeline.of("tool_response")]
    assert any(isinstance(r, dict) and r.get("error") for r in responses), responses
    assert "ZZZZQ" in run.timeline.texts[0].text


def test_concurrent_runs_do_not_mix(target, accounts):
    """Four users analysing four different stocks at the same time each get only their own stock: no tool call
    or answer mentions another user's stock."""
    symbols = ["GOOG", "MSFT", "SPX", "IXIC"]

    def one(symbol: str) -> Run:
        with AgentClient(target.base_url, accounts.new()) as client:
            return client.run(f"Analyze {symbol}")

    with concurrent.futures.ThreadPoolExecutor(len(symbols)) as pool:
        runs = list(pool.map(one, symbols))
    for symbol, run in zip(symbols, runs):
        assert run.timeline.problems == [] and not run.timeline.errors
        args = [i.payload.get("symbol") for i in run.timeline.of("tool_call")]
        assert set(args) == {symbol}, f"{symbol} run saw calls for {args}"
        others = [s for s in symbols if s != symbol and s in run.timeline.texts[0].text]
        assert not others, f"{symbol} run mentions {others}"


def test_the_run_is_stored_in_the_session_and_in_the_history(agent, goog, target):
    """A finished analysis is saved: its tool calls and final answer are kept in the conversation, it appears in
    the user's History with the same answer, a success status and the stock, and it is stored in the
    database."""
    session = agent.http.get(agent.sessions_url(goog.session_id)).json()
    stored = [e for e in session["events"] if not e.get("partial")]
    assert any("functionCall" in p for e in stored for p in e["content"]["parts"]), "tool call not stored"
    final = goog.timeline.texts[0].text
    assert any(p.get("text") == final for e in stored for p in e["content"]["parts"]), "final text not stored"

    history = agent.http.get("/api/v1/analyses").json()["items"]
    mine = [a for a in history if a["session_id"] == goog.session_id]
    assert mine, f"session {goog.session_id} not in the history: {history[:3]}"
    assert mine[0]["final_text"] == final
    assert mine[0]["status"] == "ok" and "GOOG" in mine[0]["symbols"], mine[0]

    db = target.require("db")
    rows = db.rows("SELECT final_text FROM analyses WHERE session_id = %s", (goog.session_id,))
    [(events,)] = db.rows("SELECT count(*) FROM events WHERE session_id = %s", (goog.session_id,))
    assert rows == [(final,)], "analysis row missing or different in Postgres"
    assert events >= len(stored) - 1, f"{events} events in Postgres for {len(stored)} in the session"
