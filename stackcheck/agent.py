"""An ADK client as a browser uses it: create a session, POST /run_sse, record the stream."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

from .sse import Recording, Timeline, build_timeline, record

APP = "stock_analyst"


@dataclass
class Run:
    user: str
    session_id: str
    message: str
    recording: Recording
    timeline: Timeline


class AgentClient:
    def __init__(self, base_url: str, user: str | None = None, timeout: float = 60) -> None:
        self.user = user or f"sc-{uuid.uuid4().hex[:10]}"
        # Same-origin, as the page served by nginx sends it.
        self.http = httpx.Client(base_url=base_url, timeout=timeout, headers={"Origin": base_url})

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

    def run(self, message: str, session_id: str | None = None, streaming: bool = True) -> Run:
        session_id = session_id or self.create_session()
        body = {"app_name": APP, "user_id": self.user, "session_id": session_id,
                "new_message": {"role": "user", "parts": [{"text": message}]}, "streaming": streaming}
        rec = record(self.http, "POST", "/run_sse", json=body, headers={"Accept": "text/event-stream"})
        return Run(self.user, session_id, message, rec, build_timeline(rec.frames))
