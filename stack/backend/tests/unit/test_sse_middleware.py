"""The SSE middleware, driven as plain ASGI: headers, heartbeats, frame boundaries."""
import asyncio
import time

from starlette.applications import Starlette
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from app.sse import PING, SSEMiddleware


def make_app(chunks, pause: float):
    async def stream(request):
        async def gen():
            for chunk in chunks:
                yield chunk
                await asyncio.sleep(pause)
        return StreamingResponse(gen(), media_type="text/event-stream", headers={"Cache-Control": "max-age=60"})

    async def plain(request):
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/stream", stream), Route("/plain", plain)])


async def call(app, path: str):
    messages = []
    started = time.monotonic()
    disconnect = asyncio.Event()

    async def receive():
        await disconnect.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        messages.append((time.monotonic() - started, message))

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [], "http_version": "1.1", "scheme": "http", "server": ("t", 80), "client": ("c", 1),
             "root_path": ""}
    await app(scope, receive, send)
    disconnect.set()
    return messages


def bodies(messages):
    return [m["body"] for _, m in messages if m["type"] == "http.response.body" and m.get("body")]


async def test_event_stream_gets_headers_and_pings():
    app = SSEMiddleware(make_app([b"data: 1\n\n", b"data: 2\n\n"], 0.35), heartbeat_seconds=0.1)
    messages = await call(app, "/stream")
    start = messages[0][1]
    headers = dict(start["headers"])
    assert headers[b"cache-control"] == b"no-cache, no-transform"
    assert headers[b"x-accel-buffering"] == b"no"
    assert sum(1 for name, _ in start["headers"] if name == b"cache-control") == 1
    out = bodies(messages)
    assert out[0] == b"data: 1\n\n"
    pings_between = out[1:out.index(b"data: 2\n\n")]
    assert len(pings_between) >= 2 and all(p == PING for p in pings_between)
    assert messages[-1][1].get("more_body", False) is False


async def test_no_ping_when_events_flow():
    app = SSEMiddleware(make_app([b"data: %d\n\n" % i for i in range(6)], 0.03), heartbeat_seconds=0.2)
    assert PING not in bodies(await call(app, "/stream"))


async def test_never_pings_inside_a_frame():
    app = SSEMiddleware(make_app([b"data: a", b"bc\n\n", b"data: d\n\n"], 0.3), heartbeat_seconds=0.1)
    out = bodies(await call(app, "/stream"))
    assert out[0] == b"data: a" and out[1] == b"bc\n\n"
    assert PING in out[2:]


async def test_other_responses_untouched():
    app = SSEMiddleware(make_app([], 0), heartbeat_seconds=0.05)
    messages = await call(app, "/plain")
    headers = dict(messages[0][1]["headers"])
    assert b"x-accel-buffering" not in headers and headers[b"content-length"] == b"11"
    assert bodies(messages) == [b'{"ok":true}']
