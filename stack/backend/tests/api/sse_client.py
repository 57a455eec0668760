"""The tests' SSE client: /run_sse recorded by the suite's one SSE parser (stackcheck.sse, a
dev dependency: see pyproject.toml), seen as the events, their arrival times and the comments."""
from __future__ import annotations

from dataclasses import dataclass

import httpx
from stackcheck.sse import Recording, record


@dataclass
class Run:
    recording: Recording

    @property
    def status(self) -> int:
        return self.recording.status

    @property
    def headers(self) -> dict[str, str]:
        return self.recording.headers

    @property
    def body(self) -> str:
        """The answer when it was not a success (a 404 before the stream, a 403)."""
        return self.recording.body

    @property
    def total(self) -> float:
        return self.recording.total

    @property
    def events(self) -> list[dict]:
        return self.recording.events

    @property
    def times(self) -> list[float]:
        """When each event arrived, in seconds after the request was sent."""
        return [f.at for f in self.recording.data_frames]

    @property
    def comments(self) -> list[tuple[float, str]]:
        """Comment lines (heartbeats) with their arrival times; `: ping` is ("ping")."""
        return [(f.at, f.comment) for f in self.recording.heartbeats]

    @property
    def partial_text(self) -> str:
        return "".join(_text(e) for e in self.events if e.get("partial"))

    @property
    def final(self) -> dict:
        return [e for e in self.events if _text(e) and not e.get("partial")][-1]


def _text(event: dict) -> str:
    return "".join(p.get("text", "") for p in (event.get("content") or {}).get("parts", []))


def run_sse(client: httpx.Client, user: str, session: str, text: str, headers: dict | None = None) -> Run:
    body = {"app_name": "stock_analyst", "user_id": user, "session_id": session, "streaming": True,
            "new_message": {"role": "user", "parts": [{"text": text}]}}
    run = Run(record(client, "POST", "/run_sse", json=body, headers=headers or {}))
    rec = run.recording
    assert rec.transport_error is None and not rec.unterminated, f"the stream was cut:\n{rec.transcript()}"
    return run


def new_session(client: httpx.Client, user: str) -> str:
    response = client.post(f"/apps/stock_analyst/users/{user}/sessions", json={})
    response.raise_for_status()
    return response.json()["id"]
