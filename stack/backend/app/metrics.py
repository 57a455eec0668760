"""Prometheus metrics, and the pure ASGI middleware that records them per route.

With several uvicorn workers, set PROMETHEUS_MULTIPROC_DIR (the entrypoint does) and
/metrics aggregates all worker processes.
"""
from __future__ import annotations

import os
import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response

_MULTIPROC = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests by route template, method and status", ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds", "Time to the response headers, by route template", ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SSE_IN_FLIGHT = Gauge(
    "sse_streams_in_flight", "Event streams (agent runs over SSE) being served now", ["route"],
    multiprocess_mode="livesum",
)
SSE_DURATION = Histogram(
    "sse_stream_duration_seconds", "Whole event-stream duration", ["route"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300),
)
SSE_FIRST_EVENT = Histogram(
    "sse_time_to_first_event_seconds", "From request to the first event frame", ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SSE_PINGS = Counter("sse_heartbeats_total", "': ping' comments sent on idle event streams")
CACHE_REQUESTS = Counter(
    "cache_requests_total", "Read-through cache lookups: hit, miss, or bypass (Redis unavailable)",
    ["cache", "result"],
)
CACHE_ERRORS = Counter("cache_errors_total", "Redis operations that failed", ["op"])
AGENT_RUNS = Counter("agent_runs_total", "Finished agent runs by status", ["status"])
AGENT_RUN_DURATION = Histogram(
    "agent_run_duration_seconds", "Agent run duration", buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120),
)
TOOL_CALLS = Counter("agent_tool_calls_total", "Agent tool calls by tool and outcome", ["tool", "outcome"])
MODEL_FIRST_TOKEN = Histogram(
    "model_time_to_first_token_seconds", "From a model call to its first response (a chunk or a function call)",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
MODEL_CALL_DURATION = Histogram(
    "model_call_duration_seconds", "Whole model calls, retries included, by outcome", ["outcome"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120),
)
MODEL_TOKENS = Counter("model_tokens_total", "Tokens the model reported in usageMetadata", ["kind"])
MODEL_ERRORS = Counter("model_errors_total", "Model calls that ended in an error the user saw, by errorCode", ["code"])
MODEL_HTTP_RESPONSES = Counter(
    "model_http_responses_total", "HTTP responses from the model API, retried ones included, by status", ["status"],
)


def route_template(scope: dict[str, Any]) -> str:
    """The matched route's full path template, e.g. /api/v1/watchlists/{watchlist_id}
    ("unmatched" for 404s, so label values stay bounded). FastAPI keeps an included
    router's route with its relative path, so the prefix is recovered from the real path."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not template:
        return "unmatched"
    path = scope.get("path", "")
    try:
        concrete = template.format(**{k: str(v) for k, v in (scope.get("path_params") or {}).items()})
    except (KeyError, IndexError, ValueError):
        return template
    if path.endswith(concrete):
        return path[: len(path) - len(concrete)] + template
    return template


class MetricsMiddleware:
    """Counts and times every HTTP request by its route template (bounded label values)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state: dict[str, Any] = {"status": 500, "sse": False, "first": None, "headers_at": None}

        async def send_wrapper(message: dict) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                state["headers_at"] = time.perf_counter()
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type" and value.startswith(b"text/event-stream"):
                        state["sse"] = True
                        SSE_IN_FLIGHT.labels(route=route_template(scope)).inc()
            elif (
                message["type"] == "http.response.body" and state["sse"] and state["first"] is None
                and message.get("body", b"").startswith(b"data:")
            ):
                state["first"] = time.perf_counter()
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = route_template(scope)
            method = scope.get("method", "GET")
            ended = time.perf_counter()
            HTTP_REQUESTS.labels(method=method, route=route, status=str(state["status"])).inc()
            HTTP_LATENCY.labels(method=method, route=route).observe((state["headers_at"] or ended) - started)
            if state["sse"]:
                SSE_IN_FLIGHT.labels(route=route).dec()
                SSE_DURATION.labels(route=route).observe(ended - started)
                if state["first"] is not None:
                    SSE_FIRST_EVENT.labels(route=route).observe(state["first"] - started)


async def metrics_endpoint(request: Request) -> Response:
    if _MULTIPROC:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
