"""A small SSE reader for the tests: frames with their arrival times, comments included."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import httpx


@dataclass
class Run:
    status: int
    headers: httpx.Headers
    events: list[dict] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    comments: list[tuple[float, str]] = field(default_factory=list)
    total: float = 0.0
    body: str = ""

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
    started = time.monotonic()
    with client.stream("POST", "/run_sse", json=body, headers=headers or {}) as response:
        run = Run(response.status_code, response.headers)
        if response.status_code != 200:
            run.body = response.read().decode()
            return run
        buffer = ""
        for chunk in response.iter_text():
            buffer += chunk
            while "\n\n" in buffer:
                frame, buffer = buffer.split("\n\n", 1)
                now = time.monotonic() - started
                for line in frame.split("\n"):
                    if line.startswith(":"):
                        run.comments.append((now, line))
                    elif line.startswith("data:"):
                        run.events.append(json.loads(line[5:].strip()))
                        run.times.append(now)
    run.total = time.monotonic() - started
    return run


def new_session(client: httpx.Client, user: str) -> str:
    response = client.post(f"/apps/stock_analyst/users/{user}/sessions", json={})
    response.raise_for_status()
    return response.json()["id"]
