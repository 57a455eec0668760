"""Per-session state: the scenario, the call count, and the recorded requests.

Load runs create thousands of sessions, and an agent's requests grow with its conversation,
so the store is bounded three ways: `max_requests` per session (the oldest go first),
`max_sessions`, and `max_record_bytes` for all recorded requests together (beyond either,
the least recently used sessions go). Requests are kept as the bytes received, parsed only
when read: a parsed body takes several times the memory. Everything runs on the server's
one event loop, so no locking is needed.
"""
from __future__ import annotations

import json
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from .scenarios import NORMAL, Scenario


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    model: str
    stream: bool
    headers: dict[str, str]
    body: bytes
    at: str

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(name) + len(value) for name, value in self.headers.items())

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "model": self.model, "stream": self.stream, "headers": self.headers,
                "body": json.loads(self.body), "at": self.at}


@dataclass
class Session:
    scenario: Scenario = NORMAL
    calls: int = 0
    requests: deque[RecordedRequest] = field(default_factory=deque)
    record_bytes: int = 0


@dataclass
class SessionStore:
    max_sessions: int
    max_requests: int
    max_record_bytes: int
    _sessions: OrderedDict[str, Session] = field(default_factory=OrderedDict)
    _record_bytes: int = 0

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str) -> Session:
        """The session, created if new, and marked as the most recently used."""
        session = self._sessions.get(session_id)
        if session is None:
            session = self._sessions[session_id] = Session()
            self._evict()
        else:
            self._sessions.move_to_end(session_id)
        return session

    def find(self, session_id: str) -> Session | None:
        """The session if it is kept, without creating it or changing its place."""
        return self._sessions.get(session_id)

    def record(self, session_id: str, request: RecordedRequest) -> Session:
        session = self.get(session_id)
        session.requests.append(request)
        session.record_bytes += request.size
        self._record_bytes += request.size
        if len(session.requests) > self.max_requests:
            self._drop_oldest_request(session)
        self._evict()
        # Alone and still over the byte bound: its own oldest requests go, never the latest.
        while self._record_bytes > self.max_record_bytes and len(session.requests) > 1:
            self._drop_oldest_request(session)
        return session

    def delete(self, session_id: str) -> None:
        if session := self._sessions.pop(session_id, None):
            self._record_bytes -= session.record_bytes

    def _drop_oldest_request(self, session: Session) -> None:
        size = session.requests.popleft().size
        session.record_bytes -= size
        self._record_bytes -= size

    def _evict(self) -> None:
        """Drop the least recently used sessions while over a bound; the most recent stays."""
        while len(self) > 1 and (len(self) > self.max_sessions or self._record_bytes > self.max_record_bytes):
            _, session = self._sessions.popitem(last=False)
            self._record_bytes -= session.record_bytes
