"""One place for what every event stream needs on its way through proxies.

A pure ASGI middleware (no BaseHTTPMiddleware, which would add a buffering hop). For each
response whose Content-Type is text/event-stream it
  - sets `Cache-Control: no-cache, no-transform` and `X-Accel-Buffering: no`, and drops any
    Content-Length / Content-Encoding, so no proxy buffers, caches or compresses the stream;
  - sends a `: ping` comment whenever the stream has been idle for `heartbeat` seconds, so
    that proxies and browsers keep the connection open during long pauses (e.g. a slow
    model). A ping only ever goes between whole frames, never inside one.
Other responses pass through untouched.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from . import metrics

log = logging.getLogger("app.sse")

PING = b": ping\n\n"
_DROP = {b"cache-control", b"x-accel-buffering", b"content-length", b"content-encoding"}


class SSEMiddleware:
    def __init__(self, app: Any, heartbeat_seconds: float = 15.0) -> None:
        self.app = app
        self.heartbeat = heartbeat_seconds

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        lock = asyncio.Lock()
        state = {"sse": False, "closed": False, "last": time.monotonic(), "at_boundary": True}
        pinger: asyncio.Task | None = None

        async def heartbeat() -> None:
            try:
                while not state["closed"]:
                    await asyncio.sleep(max(0.0, state["last"] + self.heartbeat - time.monotonic()))
                    if state["closed"]:
                        return
                    if time.monotonic() - state["last"] < self.heartbeat:
                        continue
                    async with lock:
                        if state["closed"]:
                            return
                        if not state["at_boundary"]:
                            # Mid-frame: a comment here would corrupt the frame; wait for the rest.
                            state["last"] = time.monotonic()
                            continue
                        await send({"type": "http.response.body", "body": PING, "more_body": True})
                        state["last"] = time.monotonic()
                    metrics.SSE_PINGS.inc()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # client gone: the app's own send will notice too
                log.debug("heartbeat stopped", extra={"error": repr(exc)})

        async def send_wrapper(message: dict) -> None:
            nonlocal pinger
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                if any(n.lower() == b"content-type" and v.startswith(b"text/event-stream") for n, v in headers):
                    state["sse"] = True
                    headers = [(n, v) for n, v in headers if n.lower() not in _DROP]
                    headers += [(b"cache-control", b"no-cache, no-transform"), (b"x-accel-buffering", b"no")]
                    message = {**message, "headers": headers}
                await send(message)
                if state["sse"]:
                    state["last"] = time.monotonic()
                    pinger = asyncio.create_task(heartbeat())
                return
            if not state["sse"] or message["type"] != "http.response.body":
                await send(message)
                return
            async with lock:
                body = message.get("body", b"")
                if not message.get("more_body", False):
                    state["closed"] = True
                await send(message)
                if body:
                    state["last"] = time.monotonic()
                    state["at_boundary"] = body.endswith(b"\n\n") or body.endswith(b"\r\n\r\n")

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            state["closed"] = True
            if pinger is not None:
                pinger.cancel()
                try:
                    await pinger
                except (asyncio.CancelledError, Exception):
                    pass
