"""Text with a NUL character (U+0000), in a body, a path or a query, is refused at the door
with a 422.

Postgres can store NUL in neither `text` nor `jsonb`, so such input could only fail later,
deep in a write: as a 503 that blames the database, or as ADK's 500 that quotes the SQL.
Bad input gets a clear client error instead, before anything is written.
"""
from __future__ import annotations

import json
from typing import Any

from .guard import Receive, Send, read_body, Refused, replay_receive, send_json

MESSAGE = "text must not contain the NUL character (U+0000)"


def refusal(where: str) -> dict[str, Any]:
    """A 422 body of the same shape as FastAPI's validation errors (the documented schema)."""
    return {"detail": [{"type": "string_nul", "loc": [where], "msg": MESSAGE}]}


def has_nul(value: Any) -> bool:
    """Whether a decoded JSON value holds a NUL in any string, keys included."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False


def body_has_nul(body: bytes) -> bool:
    # Most bodies hold neither a raw NUL nor its JSON escape: only those are decoded.
    if b"\x00" in body:
        return True
    if b"\\u0000" not in body.lower():
        return False
    try:
        return has_nul(json.loads(body))
    except ValueError:
        return False  # not JSON: the route's own parsing answers it


class RefuseNul:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif "\x00" in scope.get("path", ""):
            await send_json(send, 422, refusal("path"))
        elif b"%00" in scope.get("query_string", b""):
            await send_json(send, 422, refusal("query"))
        elif scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
        else:
            try:
                body, pending = await read_body(receive)
            except Refused as refused:
                await send_json(send, refused.status, {"detail": refused.detail})
                return
            if body_has_nul(body):
                await send_json(send, 422, refusal("body"))
                return
            await self.app(scope, replay_receive(body, pending, receive), send)
