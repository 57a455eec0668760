"""The backend served for real by uvicorn (in a thread, on a free 127.0.0.1 port), against
the Postgres and Redis that the `stack` fixture started."""
from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

TEST_SETTINGS = {
    "MODEL": "offline",
    "OFFLINE_CHUNK_DELAY_MS": "40",
    "OFFLINE_CHUNKS": "5",
    "SSE_HEARTBEAT_SECONDS": "0.3",
    "REDIS_RETRY_SECONDS": "0.2",
    "REDIS_TIMEOUT_SECONDS": "0.3",
    "ALLOW_ORIGINS": "http://allowed.example",
    "LOG_LEVEL": "WARNING",
    "SIGNUP_OPEN": "true",
    # The cheapest Argon2id the settings allow: many accounts, and hashing is tested apart.
    "ARGON2_MEMORY_KIB": "8192",
    "ARGON2_TIME_COST": "1",
}
PASSWORD = "correct horse battery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)

    def restart(self) -> None:
        """Stop this backend and start a new one in its place, as a container restart would."""
        self.stop()
        fresh = start_server()
        self.url, self.server, self.thread = fresh.url, fresh.server, fresh.thread


def start_server() -> Server:
    """A fresh app (new engines, new ADK runner): what a restarted backend would be."""
    from app.main import create_app
    from app.settings import get_settings

    get_settings.cache_clear()
    port = _free_port()
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_config=None, access_log=False,
                            lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the backend did not start")
        time.sleep(0.05)
    return Server(f"http://127.0.0.1:{port}", server, thread)


@pytest.fixture(scope="session")
def backend(stack) -> Iterator[Server]:
    os.environ.update(TEST_SETTINGS)
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


def new_username(prefix: str = "user") -> str:
    import secrets

    return f"{prefix}-{secrets.token_hex(4)}"


def signed_up(base_url: str, username: str, password: str = PASSWORD) -> httpx.Client:
    """A client signed in as a new account (its cookie jar holds the session)."""
    client = httpx.Client(base_url=base_url, timeout=30)
    response = client.post("/api/v1/auth/signup", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    return client


def signed_in(base_url: str, username: str, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=30)
    response = client.post("/api/v1/auth/signin", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return client


@pytest.fixture
def user_id() -> str:
    """The signed-in user of `client`: usernames are the user ids of watchlists, analyses, ADK sessions."""
    return new_username()


@pytest.fixture
def client(backend, user_id) -> Iterator[httpx.Client]:
    client = signed_up(backend.url, user_id)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def anon(backend) -> Iterator[httpx.Client]:
    """Nobody signed in."""
    with httpx.Client(base_url=backend.url, timeout=30) as client:
        yield client


@pytest.fixture
def other(backend) -> Iterator[httpx.Client]:
    """A second user, signed in."""
    client = signed_up(backend.url, new_username("other"))
    try:
        yield client
    finally:
        client.close()
