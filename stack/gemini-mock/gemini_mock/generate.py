"""The model endpoints: POST /v1beta/models/{model}:generateContent and
:streamGenerateContent?alt=sse, paced and faulted by the session's scenario."""
from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import json
import logging
import secrets
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from .model import take_turn
from .protocol import (
    API_KEY_HEADER,
    BAD_KEY_MESSAGE,
    SESSION_HEADER,
    RequestError,
    Turn,
    error_payload,
    read_conversation,
    sse_frame,
    stream_payloads,
    unary_payload,
)
from .scenarios import NORMAL, Effects, Fault
from .sessions import RecordedRequest, SessionStore
from .settings import Settings

log = logging.getLogger("gemini_mock")
METHODS = {"generateContent": False, "streamGenerateContent": True}  # method -> streams
# The frame a `malformed` answer breaks off with: JSON cut short.
MALFORMED_FRAME = b'data: {"candidates": [{"content": {"role": "model", "parts": [{"text": \r\n\r\n'


class ConnectionCut(Exception):
    """Raised mid-body on purpose: uvicorn then closes the connection without ending the
    chunked body, as a dropped upstream connection would (app.py keeps it out of the log)."""


def _log_call(session: str | None, model: str, method: str, scenario: str, status: int, turn: str) -> None:
    # The key never appears here: only these fields are logged.
    log.info(json.dumps({"event": "model_request", "session": session, "model": model, "method": method,
                         "scenario": scenario, "status": status, "turn": turn}))


def _error(status: int, message: str | None = None) -> JSONResponse:
    return JSONResponse(error_payload(status, message), status_code=status)


def _answer_fault(turn: Turn, effects: Effects) -> Fault | None:
    """Stream faults break the answer, never a function call; always before its last chunk,
    so the client never sees the finishReason."""
    fault = effects.fault
    if fault is None or turn.kind != "answer":
        return None
    return Fault(fault.kind, min(fault.after_chunks, len(turn.chunks) - 1), fault.seconds)


async def _sse(payloads: list[dict[str, Any]], gap: float, fault: Fault | None) -> AsyncIterator[bytes]:
    for index, payload in enumerate(payloads):
        if fault and index == fault.after_chunks:
            if fault.kind == "cut":
                raise ConnectionCut
            if fault.kind == "malformed":
                yield MALFORMED_FRAME
                return
            await asyncio.sleep(fault.seconds)
        elif index:
            await asyncio.sleep(gap)
        yield sse_frame(payload)


async def _faulty_body(body: bytes, fault: Fault) -> AsyncIterator[bytes]:
    """A unary response under a stream fault: late, cut off, or truncated JSON."""
    if fault.kind == "stall":
        await asyncio.sleep(fault.seconds)
        yield body
        return
    yield body[: len(body) // 2]
    if fault.kind == "cut":
        raise ConnectionCut


def _record(request: Request, model: str, stream: bool, body: bytes) -> RecordedRequest:
    return RecordedRequest(path=request.url.path, model=model, stream=stream, headers=dict(request.headers),
                           body=body, at=dt.datetime.now(dt.UTC).isoformat())


async def generate(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    sessions: SessionStore = request.app.state.sessions
    model, _, method = request.path_params["target"].partition(":")
    session_id = request.headers.get(SESSION_HEADER) or None
    session = sessions.find(session_id) if session_id else None
    scenario = session.scenario if session else NORMAL

    def refuse(status: int, message: str | None = None) -> JSONResponse:
        _log_call(session_id, model, method, scenario.name, status, "error")
        return _error(status, message)

    if method not in METHODS:
        return refuse(404, f"models/{model} does not support {method or 'this method'}: "
                           "use generateContent or streamGenerateContent")
    stream = METHODS[method]
    supplied_key = request.headers.get(API_KEY_HEADER, "")
    if not hmac.compare_digest(supplied_key.encode(), settings.api_key.encode()):
        return refuse(400, BAD_KEY_MESSAGE)
    if stream and request.query_params.get("alt") != "sse":
        return refuse(400, "this server streams Server-Sent Events only: add ?alt=sse")
    raw_body = await request.body()
    try:
        conversation = read_conversation(json.loads(raw_body))
    except json.JSONDecodeError as exc:
        return refuse(400, f"Invalid JSON payload received. {exc.msg} at position {exc.pos}.")
    except RequestError as exc:
        return refuse(400, str(exc))

    if session_id:
        session = sessions.record(session_id, _record(request, model, stream, raw_body))
        session.calls += 1
    effects = scenario.effects(session.calls if session else 1)
    if effects.error_status:
        return refuse(effects.error_status)

    turn = take_turn(conversation, effects, settings.chunks)
    _log_call(session_id, model, method, scenario.name, 200, turn.kind)
    return await _respond(turn, effects, settings, model, stream)


async def _respond(turn: Turn, effects: Effects, settings: Settings, model: str, stream: bool) -> Response:
    """The turn at the configured pace, unless the scenario changes the pace or breaks it."""
    first_token = settings.first_token_ms / 1000 if effects.first_token_s is None else effects.first_token_s
    gap = settings.chunk_ms / 1000 if effects.chunk_gap_s is None else effects.chunk_gap_s
    fault = _answer_fault(turn, effects)
    response_id = secrets.token_urlsafe(15)
    await asyncio.sleep(first_token)
    if stream:
        return StreamingResponse(_sse(stream_payloads(turn, model, response_id), gap, fault),
                                 media_type="text/event-stream")
    # Unary: the whole answer once it would have finished streaming.
    await asyncio.sleep(gap * max(0, len(turn.chunks) - 1))
    payload = unary_payload(turn, model, response_id)
    if fault:
        return StreamingResponse(_faulty_body(json.dumps(payload).encode(), fault), media_type="application/json")
    return JSONResponse(payload)
