import pytest


@pytest.fixture(scope="session")
def pacing(target) -> dict[str, float]:
    """The answering model's chunk pacing, the backend's heartbeats and model timeout, and
    nginx's read timeout, as the stack runs them."""
    backend, nginx = target.env("backend"), target.env("nginx")
    if backend.get("MODEL") == "gemini":
        chunk_delay = int(target.env("gemini-mock")["GEMINI_MOCK_CHUNK_MS"]) / 1000
    else:
        chunk_delay = int(backend["OFFLINE_CHUNK_DELAY_MS"]) / 1000
    return {"chunk_delay": chunk_delay,
            "heartbeat": float(backend["SSE_HEARTBEAT_SECONDS"]),
            "model_timeout": float(backend.get("GEMINI_TIMEOUT_SECONDS", 30)),
            "proxy_read_timeout": float(nginx["NGINX_SSE_READ_TIMEOUT"].rstrip("s"))}
