"""An ADK client as a browser uses it: sign in, create a session, POST /run_sse, record the stream."""

from __future__ import annotations

from dataclasses import dataclass

from .accounts import Account, behind_the_proxy, signed_in
from . import slo
from .sse import Recording, Timeline, build_timeline, record

APP = "stock_analyst"


class StreamNeverEnded(AssertionError):
    """An agent run's stream went on past its deadline (slo.yaml agent.run_deadline_s)."""


@dataclass
class Run:
    user: str
    session_id: str
    message: str
    recording: Recording
    timeline: Timeline


class AgentClient:
    """The agent, as a signed-in user's page talks to it (same origin, session cookie)."""

    def __init__(self, base_url: str, account: Account, timeout: float = 60, http2: bool = False,
                 backend_url: str | None = None) -> None:
        """Signed in through `base_url` (nginx); with `backend_url`, runs go to the backend directly."""
        self.user = account.username
        self.http = signed_in(base_url, account, timeout=timeout, http2=http2)
        if backend_url:
            with self.http as proxied:
                self.http = behind_the_proxy(proxied, backend_url)
                self.http.headers["Origin"] = backend_url

    def __enter__(self) -> AgentClient:
        return self

    def __exit__(self, *exc) -> None:
        self.http.close()

    def sessions_url(self, session_id: str = "") -> str:
        return f"/apps/{APP}/users/{self.user}/sessions" + (f"/{session_id}" if session_id else "")

    def create_session(self) -> str:
        response = self.http.post(self.sessions_url(), json={})
        response.raise_for_status()
        return response.json()["id"]

    def analysis(self, session_id: str) -> dict:
        """The stored analysis of the latest run in this session (the History's record)."""
        items = self.http.get("/api/v1/analyses", params={"limit": 200}).json()["items"]
        mine = [a for a in items if a["session_id"] == session_id]
        assert mine, f"no analysis stored for session {session_id}"
        return mine[0]

    def run(self, message: str, session_id: str | None = None, streaming: bool = True,
            deadline: float | None = None) -> Run:
        """One run, read to its end; StreamNeverEnded after `deadline` seconds (slo.yaml's
        agent.run_deadline_s unless given)."""
        session_id = session_id or self.create_session()
        body = {"app_name": APP, "user_id": self.user, "session_id": session_id,
                "new_message": {"role": "user", "parts": [{"text": message}]}, "streaming": streaming}
        rec = record(self.http, "POST", "/run_sse", json=body, headers={"Accept": "text/event-stream"},
                     deadline=deadline or slo.section("agent")["run_deadline_s"])
        if rec.never_ended:
            raise StreamNeverEnded(f"{rec.never_ended}\n{rec.transcript()[-3000:]}")
        return Run(self.user, session_id, message, rec, build_timeline(rec.frames))
