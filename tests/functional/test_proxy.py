"""nginx as the one public entry point: headers, compression, limits, hidden routes."""

import concurrent.futures
import time

import httpx
import pytest

from stackcheck import compose_model

SECURITY_HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}


@pytest.fixture(scope="module")
def http(accounts):
    with accounts.client(timeout=15) as client:
        yield client


@pytest.fixture(scope="module")
def nginx_env(target) -> dict[str, str]:
    return target.env("nginx")


@pytest.mark.parametrize("path", ["/", "/api/v1/health/live"])
def test_security_headers_on_pages_and_api(http, path):
    """Pages and the API come with the browser protections that stop the site being shown inside another site,
    stop browsers guessing file types, limit what is shared with other sites and allow content from the site
    itself only. The web server does not reveal its version."""
    response = http.get(path)
    missing = {k: v for k, v in SECURITY_HEADERS.items() if response.headers.get(k) != v}
    assert not missing, f"{path}: expected {missing}, got {dict(response.headers)}"
    csp = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, csp
    assert response.headers.get("server") == "nginx", "server_tokens must hide the version"


@pytest.mark.parametrize("path,kind", [("/", "text/html"), ("/api/v1/stocks", "application/json")])
def test_documents_are_gzipped(http, path, kind):
    """The home page and the list of stocks are sent compressed, so they load faster, especially on slow
    connections."""
    response = http.get(path, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(kind)
    assert response.headers.get("content-encoding") == "gzip", dict(response.headers)


def test_static_assets_are_cached_for_a_year(http):
    """A script or style file the home page uses is marked to be kept by the browser for a year, so returning
    visitors do not download it again."""
    page = http.get("/").text
    asset = page.split('/_next/static/', 1)[1].split('"', 1)[0]
    response = http.get(f"/_next/static/{asset}")
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers.get("cache-control", ""), dict(response.headers)


def test_request_id_is_generated_and_a_client_id_is_kept(http):
    """An API answer carries a tracking id, and a tracking id the caller sends is kept as it is, so a reported
    problem can be matched to the server's logs."""
    generated = http.get("/api/v1/health/live").headers.get("x-request-id", "")
    assert len(generated) >= 16
    assert http.get("/api/v1/health/live", headers={"X-Request-ID": "trace-abc-123"}) \
        .headers.get("x-request-id") == "trace-abc-123"


def test_metrics_are_not_reachable_through_the_proxy(http, target):
    """The server's internal metrics page cannot be reached from outside through the site (it answers "not
    found"), while it still works inside the stack for monitoring."""
    assert http.get("/metrics").status_code == 404
    # ...while the backend does serve them inside the stack.
    inside = httpx.get(f"{target.require('backend_url')}/metrics", timeout=10)
    assert inside.status_code == 200 and "# TYPE" in inside.text


def test_an_oversize_body_gets_413(http):
    """A 2 MB request to create a watchlist is refused with a clear "too large" answer (413), so oversized
    requests cannot tie up the server."""
    response = http.post("/api/v1/watchlists", content=b"x" * (2 * 1024 * 1024),
                         headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["status"] == "payload_too_large"


@pytest.mark.destructive  # a flood: other clients of a shared host would see 429s too
def test_over_the_api_rate_limit_answers_429_with_retry_after(target, nginx_env):
    """When one client sends far more API requests at once than the limit allows, some are refused with "too
    many requests" (429) and a number of seconds to wait, and the rest succeed. This keeps one client's flood
    from overwhelming the service for everyone."""
    rate, unit = nginx_env["NGINX_API_RATE"].split("r/")
    per_second = int(rate) / (60 if unit == "m" else 1)
    # More than the burst plus one second's allowance, sent at once: some must be refused.
    flood = int(nginx_env["NGINX_API_BURST"]) + int(per_second) * 2 + 20
    with httpx.Client(base_url=target.base_url, timeout=15,
                      limits=httpx.Limits(max_connections=50)) as client, \
            concurrent.futures.ThreadPoolExecutor(50) as pool:
        responses = list(pool.map(lambda _: client.get("/api/v1/health/live"), range(flood)))
    limited = [r for r in responses if r.status_code == 429]
    assert limited, f"{flood} requests at once, none refused: {nginx_env['NGINX_API_RATE']} is not enforced"
    assert int(limited[0].headers["retry-after"]) >= 1
    assert limited[0].json()["status"] == "rate_limited"
    assert {r.status_code for r in responses} <= {200, 429}
    wait_until_not_limited(target.base_url)


def wait_until_not_limited(base_url: str, timeout: float = 10) -> None:
    """Let the bucket refill, so later tests are not refused."""
    deadline = time.monotonic() + timeout
    while httpx.get(f"{base_url}/api/v1/health/live").status_code == 429:
        assert time.monotonic() < deadline, "still rate limited after the flood"
        time.sleep(0.5)


def test_the_base_compose_file_keeps_the_seed_rate_limits():
    """The test stack raises the limits; production must keep the seed's figures."""
    env = compose_model("compose.yml")["services"]["nginx"]["environment"]
    assert env["NGINX_API_RATE"] == "${NGINX_API_RATE:-60r/m}", env
    assert env["NGINX_AGENT_RATE"] == "${NGINX_AGENT_RATE:-10r/m}", env
