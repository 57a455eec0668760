"""The model API down or slow: agent runs fail fast and clearly, or are kept alive, and
the rest of the app never notices."""

import time

import httpx

from stackcheck import AgentClient, slo
from stackcheck.model import ModelMock


def test_with_the_model_api_stopped_runs_fail_fast_and_the_rest_of_the_app_serves(faults, target, accounts):
    """When the AI model service is down, an analysis fails quickly, within the time limit, with one clear
    "model unreachable" error instead of hanging, while watchlists and the sign-in page keep working. Once the
    model service is back, a new analysis works."""
    target.require("model_mock_url")
    bound = slo.section("model")["error_within_s"]
    with AgentClient(target.base_url, accounts.new("outage")) as agent, faults.stop("gemini-mock") as outage:
        started = time.monotonic()
        run = agent.run("How is GOOG doing?")
        took = time.monotonic() - started
        watchlists = agent.http.get("/api/v1/watchlists")
        page = httpx.get(f"{target.base_url}/signin", timeout=10)
    outage.notes.append(f"/run_sse ended after {took:.1f} s with {[e.text for e in run.timeline.errors]}")

    codes = [e.payload.get("errorCode") for e in run.timeline.errors]
    assert codes == ["MODEL_UNREACHABLE"], f"expected one MODEL_UNREACHABLE error:\n{run.recording.transcript()}"
    assert took < bound, f"the run took {took:.1f} s to fail without the model API (slo.yaml: {bound} s)"
    assert watchlists.status_code == 200, f"REST failed while the model API was down: {watchlists.status_code}"
    assert page.status_code == 200 and "text/html" in page.headers["content-type"], page.status_code

    with AgentClient(target.base_url, accounts.new("after-outage")) as agent:
        again = agent.run("How is GOOG doing?")
    assert not again.timeline.errors and again.timeline.texts, again.recording.transcript()


def test_a_model_that_pauses_mid_answer_is_kept_alive_through_the_proxy(target, accounts):
    """The model stops sending for longer than nginx waits for bytes (yet less than the
    backend's model timeout), then goes on: heartbeats fill the gap, the answer completes."""
    model = ModelMock(target.require("model_mock_url"))
    backend, nginx = target.env("backend"), target.env("nginx")
    proxy_timeout = float(nginx["NGINX_SSE_READ_TIMEOUT"].rstrip("s"))
    gap = proxy_timeout + 1
    assert gap < float(backend["GEMINI_TIMEOUT_SECONDS"]), "the gap must stay inside the backend's model timeout"
    with AgentClient(target.base_url, accounts.new("slow-model")) as agent:
        session = agent.create_session()
        model.use(session, "stall", after_chunks=2, seconds=gap)
        run = agent.run("How is GOOG doing?", session_id=session)
    rec = run.recording
    assert rec.transport_error is None and not run.timeline.errors, rec.summary()
    assert run.timeline.problems == [] and run.timeline.texts, rec.summary()
    data_gaps = [b.at - a.at for a, b in zip(rec.data_frames, rec.data_frames[1:])]
    assert max(data_gaps) > proxy_timeout, f"no gap longer than the proxy's {proxy_timeout} s: {data_gaps}"
    assert len(rec.heartbeats) >= len([g for g in data_gaps if g > proxy_timeout]), rec.summary()
