"""Single-request latency of key endpoints through nginx (pytest-benchmark), and the proxy's cost.

Benchmarks report: each run is saved (.benchmarks/) for `--benchmark-compare`. They check
that every round got the answer it claims to measure (a cache hit is a hit), and gate only
on the seed's wide API limit. Rounds are paced to stay under nginx's per-client rate limit.
"""

import itertools
import time
import uuid
from datetime import date, timedelta
from statistics import median

import httpx
import pytest

from stackcheck import APP, SSEParser, slo
from stackcheck.accounts import behind_the_proxy

ROUNDS = 20
PACE_S = 0.03   # between rounds, untimed: keeps a benchmark under 50 requests/s
API_LIMIT_S = slo.latency_spec("api")["fail"]["p95"] / 1000


@pytest.fixture(scope="module")
def http(accounts):
    with accounts.client(timeout=15) as client:
        yield client


def bench(benchmark, summary, request, check):
    """Time `request()` over paced rounds; `check(response)` runs on every answer, untimed."""
    answers = []

    def paced():
        time.sleep(PACE_S)
        return (), {}

    benchmark.pedantic(lambda: answers.append(request()), setup=paced, rounds=ROUNDS, warmup_rounds=1)
    for response in answers:
        check(response)
    summary.add(f"Single request median: {benchmark.name.removeprefix('test_')}", benchmark.stats["median"] * 1000,
                "ms", fail=API_LIMIT_S * 1000, note=f"pytest-benchmark, {ROUNDS} rounds through nginx")
    assert benchmark.stats["median"] < API_LIMIT_S, f"median {benchmark.stats['median']:.3f} s"


def ok(response: httpx.Response, cache: str | None = None) -> None:
    assert response.is_success, f"{response.status_code} {response.text[:200]}"
    if cache:
        assert response.headers.get("x-cache") == cache, f"expected a cache {cache}: {response.headers}"


def test_health(benchmark, http, summary):
    """The basic "is the service up" request, made through the site 20 times, answers within the API's time
    limit in the typical (median) case."""
    bench(benchmark, summary, lambda: http.get("/api/v1/health/live"), ok)


def test_stock_prices_cache_hit(benchmark, http, summary):
    """Reading a stock's prices for a year that was just read comes from the cache every time, and the typical
    (median) answer over 20 reads is within the API's time limit."""
    url = "/api/v1/stocks/GOOG/prices?start=2010-01-01&end=2010-12-31"
    http.get(url)  # now cached
    bench(benchmark, summary, lambda: http.get(url), lambda r: ok(r, "HIT"))


def test_stock_prices_cache_miss(benchmark, http, summary):
    """Reading a stock's prices for a date range nobody asked for before, so from the database rather than the
    cache, still answers within the API's time limit in the typical (median) case over 20 reads."""
    # A range never asked before is a new cache key: every round reads Postgres.
    starts = (date(2000, 1, 1) + timedelta(days=i) for i in itertools.count(int(time.time()) % 2000))
    bench(benchmark, summary, lambda: http.get("/api/v1/stocks/MSFT/prices",
                                      params={"start": (s := next(starts)).isoformat(),
                                              "end": (s + timedelta(days=200)).isoformat()}),
          lambda r: ok(r, "MISS"))


def test_watchlist_read(benchmark, http, summary):
    """Opening one of the user's watchlists answers within the API's time limit in the typical (median) case
    over 20 reads."""
    created = http.post("/api/v1/watchlists", json={"name": f"bench-{uuid.uuid4().hex[:6]}", "symbols": ["GOOG"]})
    ok(created)
    path = f"/api/v1/watchlists/{created.json()['id']}"
    bench(benchmark, summary, lambda: http.get(path), ok)
    http.delete(path)


def signed_in_user(http) -> str:
    return http.get("/api/v1/auth/me").json()["username"]


def test_session_create(benchmark, http, summary):
    """Starting a new conversation with the stock analyst answers within the API's time limit in the typical
    (median) case over 20 tries."""
    user = signed_in_user(http)
    bench(benchmark, summary, lambda: http.post(f"/apps/{APP}/users/{user}/sessions", json={}), ok)


@pytest.mark.parametrize("protocol", ["HTTP/1.1", "HTTP/2"])
def test_first_sse_event(benchmark, accounts, target, summary, protocol):
    """Until the first agent event arrives; the stream is then closed (the rest is load-tested).
    Over each protocol a browser may get: HTTP/2 where the stack serves HTTPS."""
    if protocol == "HTTP/2" and not target.https:
        pytest.skip(f"HTTP/2 needs HTTPS, and the target {target.base_url} is plain HTTP")
    with accounts.client(timeout=15, http2=protocol == "HTTP/2") as http:
        first_sse_event(benchmark, http, summary, protocol)


def first_sse_event(benchmark, http, summary, protocol: str) -> None:
    user = signed_in_user(http)
    sessions = iter([http.post(f"/apps/{APP}/users/{user}/sessions", json={}).json()["id"]
                     for _ in range(ROUNDS + 1)])

    def first_event():
        body = {"app_name": APP, "user_id": user, "session_id": next(sessions), "streaming": True,
                "new_message": {"role": "user", "parts": [{"text": "Analyze GOOG"}]}}
        parser = SSEParser()
        with http.stream("POST", "/run_sse", json=body, headers={"Accept": "text/event-stream"}) as response:
            assert response.http_version == protocol, f"asked for {protocol}, got {response.http_version}"
            for chunk in response.iter_text():
                if frames := [f for f in parser.feed(chunk, 0) if f.data is not None]:
                    return frames[0].json()
        return None

    bench(benchmark, summary, first_event, lambda event: event is not None and "errorCode" not in event)


PROXY_PAIRS = 150


def test_the_proxy_cost_is_measured_on_the_same_endpoint(target, accounts, summary):
    """The same cached read through nginx and directly on the backend, interleaved in one run,
    by one signed-in user. Through nginx is what users get: over HTTPS where the stack serves it."""
    url = "/api/v1/stocks/GOOG/quote"
    times: dict[str, list[float]] = {"nginx": [], "direct": []}
    account = accounts.new("proxy")
    with accounts.client(account) as proxied, behind_the_proxy(proxied, target.require("backend_url")) as direct:
        for client in (proxied, direct):
            ok(client.get(url))  # warm: connection open, cache filled
        for _ in range(PROXY_PAIRS):
            for name, client in (("nginx", proxied), ("direct", direct)):
                started = time.perf_counter()
                ok(client.get(url))
                times[name].append((time.perf_counter() - started) * 1000)
            time.sleep(PACE_S)
    through, behind = median(times["nginx"]), median(times["direct"])
    limit = slo.section("proxy")["max_added_ms"]
    summary.add("nginx overhead ratio (median via nginx / direct)", through / behind, "x",
                note=f"{url}: {through:.1f} ms via nginx, {behind:.1f} ms direct, {PROXY_PAIRS} pairs")
    summary.add("nginx added latency (median)", through - behind, "ms", fail=limit)
    assert through - behind < limit, f"nginx adds {through - behind:.1f} ms per request (limit {limit} ms)"


TLS_SAMPLES = 60


def test_what_tls_costs_beside_plain_http(target, summary):
    """What HTTPS adds to a new connection (the handshake) and to a request on a kept-alive
    one, against plain HTTP to the same nginx in the same run, interleaved. Both answers come
    from nginx itself (its health on HTTPS, port 80's redirect), so only TLS differs.
    Catches: a handshake gone slow (a huge key, a cipher without hardware support)."""
    if not target.https:
        pytest.skip(f"the target {target.base_url} is not served over HTTPS")
    urls = {"https": f"{target.base_url}/nginx-health", "http": f"{target.require('http_url')}/nginx-health"}
    first: dict[str, list[float]] = {"https": [], "http": []}
    again: dict[str, list[float]] = {"https": [], "http": []}
    for _ in range(TLS_SAMPLES):
        for scheme, url in urls.items():
            with httpx.Client(timeout=10) as client:  # its TLS context is made here, untimed
                for times in (first, again):
                    started = time.perf_counter()
                    response = client.get(url)
                    times[scheme].append((time.perf_counter() - started) * 1000)
                    assert response.status_code == (200 if scheme == "https" else 301), response
    limits = slo.section("tls")
    handshake = median(first["https"]) - median(first["http"])
    per_request = median(again["https"]) - median(again["http"])
    summary.add("TLS: added to a new connection (handshake)", handshake, "ms", fail=limits["handshake_added_ms"],
                note=f"median of {TLS_SAMPLES}: {median(first['https']):.2f} ms HTTPS, {median(first['http']):.2f} ms HTTP")
    summary.add("TLS: added to a kept-alive request", per_request, "ms", fail=limits["request_added_ms"],
                note=f"median of {TLS_SAMPLES}: {median(again['https']):.2f} ms HTTPS, {median(again['http']):.2f} ms HTTP")
    assert handshake < limits["handshake_added_ms"], f"a TLS handshake adds {handshake:.1f} ms"
    assert per_request < limits["request_added_ms"], f"TLS adds {per_request:.1f} ms to a kept-alive request"
