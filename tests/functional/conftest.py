import pytest


@pytest.fixture(scope="session")
def pacing(target) -> dict[str, float]:
    """The offline model's pacing, heartbeats and nginx's read timeout, as the stack runs them."""
    backend, nginx = target.env("backend"), target.env("nginx")
    heartbeat = float(backend["SSE_HEARTBEAT_SECONDS"])
    return {"chunk_delay": int(backend["OFFLINE_CHUNK_DELAY_MS"]) / 1000,
            "heartbeat": heartbeat,
            # unset: the backend pauses for 2.5 heartbeats (stack/backend/API.md)
            "slow_pause": float(backend.get("OFFLINE_SLOW_SECONDS", heartbeat * 2.5)),
            "proxy_read_timeout": float(nginx["NGINX_SSE_READ_TIMEOUT"].rstrip("s"))}
