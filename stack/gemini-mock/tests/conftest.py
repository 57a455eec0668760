"""The server on a free 127.0.0.1 port, in a thread, and the real google-genai client."""
from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from google import genai
from google.genai import types

from gemini_mock.app import create_app
from gemini_mock.protocol import SESSION_HEADER
from gemini_mock.settings import Settings

API_KEY = "test-key-" + uuid.uuid4().hex
# Quick, but slow enough that pacing is measurable.
SETTINGS = Settings(api_key=API_KEY, first_token_ms=50, chunk_ms=40, chunks=4)


@dataclass
class MockServer:
    base_url: str
    admin: httpx.Client

    def client(self, session: str | None = None, *, key: str = API_KEY, timeout_ms: int = 10_000,
               retry: types.HttpRetryOptions | None = None) -> genai.Client:
        """google-genai as the backend configures it, with the session header on every call."""
        return genai.Client(api_key=key, http_options=types.HttpOptions(
            base_url=self.base_url, timeout=timeout_ms, retry_options=retry,
            headers={SESSION_HEADER: session} if session else None,
        ))

    def scenario(self, session: str, name: str, /, **params) -> None:
        self.admin.put(f"/admin/sessions/{session}/scenario", json={"name": name, **params}).raise_for_status()

    def requests(self, session: str) -> list[dict]:
        return self.admin.get(f"/admin/sessions/{session}/requests").raise_for_status().json()


@pytest.fixture(scope="session")
def mock() -> Iterator[MockServer]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(SETTINGS), log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    base_url = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base_url, timeout=5) as admin:
        yield MockServer(base_url, admin)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def session() -> str:
    """A fresh ADK session id: scenarios and records never leak between tests."""
    return str(uuid.uuid4())
