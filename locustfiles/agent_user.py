"""An agent user: opens a session, asks the stock agent a question and reads the whole stream.

Each run reports three entries: `sse_ttfb` (response headers), `sse_first_event` (the first
agent event) and `sse_full_run` (the stream closed, the run complete and without error).
Debug it alone: python locustfiles/agent_user.py --host http://127.0.0.1:8080
"""

import random
import time

from _common import StackUser
from locust import between, run_single_user, task

from stackcheck.agent import APP
from stackcheck.load import request_name
from stackcheck.sse import SSEParser

QUESTIONS = (
    "Analyze GOOG over the last year: trend and risk?",
    "Compare MSFT and SPX in 2010",
    "How did oil (WTI) perform from 2007 to 2009?",
    "Show the price history of the Nasdaq in 2012",
)


class AgentUser(StackUser):
    slos = ("api", "signin", "sse_ttfb", "sse_first_event", "sse_full_run")
    weight = 1
    wait_time = between(2, 4)

    def on_start(self) -> None:
        self.user_id = self.sign_in()

    @task
    def ask(self) -> None:
        if self.user_id is None:  # sign-in failed (reported): nothing to ask as
            return self.wait()
        session = self.client.post(f"/apps/{APP}/users/{self.user_id}/sessions", json={},
                                   name=request_name("api", "/apps/[app]/users/[user]/sessions"))
        if session.status_code == 200:  # not .ok: on a refused connection it raises
            self.run_sse(session.json()["id"], random.choice(QUESTIONS))

    def run_sse(self, session_id: str, question: str) -> None:
        body = {"app_name": APP, "user_id": self.user_id, "session_id": session_id, "streaming": True,
                "new_message": {"role": "user", "parts": [{"text": question}]}}
        started, sent_at = time.perf_counter(), time.time()
        first_event, error = None, None  # first_event: seconds after the request was sent
        # Locust times this request to its response headers (stream=True): the TTFB entry.
        with self.client.post("/run_sse", json=body, stream=True, catch_response=True,
                              headers={"Accept": "text/event-stream"},
                              name=request_name("sse_ttfb", "/run_sse")) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return
            parser = SSEParser()  # the suite's recorder parser (stackcheck.sse)

            def frames():
                # chunk_size=None: each chunk as it arrives, never waiting to fill a buffer.
                for chunk in response.iter_content(chunk_size=None):
                    yield from parser.feed(chunk, time.perf_counter() - started)
                yield from parser.close(time.perf_counter() - started)

            try:
                for frame in frames():
                    if frame.data is not None:  # not a heartbeat
                        first_event = first_event if first_event is not None else frame.at
                        error = error or in_stream_error(frame.json(), frame.data)
                if parser.pending:
                    error = error or f"the stream ended inside a frame: {parser.pending[:200]}"
            except Exception as exc:  # a reset, a timeout or a non-JSON event fails the run, not the user
                error = error or f"stream broken: {exc!r}"
        ended = time.perf_counter() - started
        self.report("sse_first_event", sent_at, ended if first_event is None else first_event,
                    None if first_event is not None else "the stream closed before any event")
        self.report("sse_full_run", sent_at, ended, error)

    def report(self, slo: str, sent_at: float, seconds: float, error: str | None) -> None:
        self.environment.events.request.fire(
            request_type="SSE", name=request_name(slo, "/run_sse"), response_time=seconds * 1000,
            response_length=0, exception=RuntimeError(error) if error else None, context={}, start_time=sent_at)


def in_stream_error(event: dict, data: str) -> str | None:
    """ADK reports a failure after the 200 inside the stream: `errorCode` on an event, or a
    last `{"error": ...}` frame. Either fails the run."""
    if "errorCode" in event or "error" in event:
        return f"error in the stream: {data[:200]}"
    return None


if __name__ == "__main__":
    run_single_user(AgentUser)
