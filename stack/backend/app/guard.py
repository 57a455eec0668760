"""Who may do what, in front of every route: ours and ADK's (API.md, "Identity and access").

A pure ASGI middleware (no BaseHTTPMiddleware: it would buffer event streams), outside
ADK's own middleware, in this order:
1. Origin: a request whose `Origin` is neither the request's own nor in ALLOW_ORIGINS is
   refused (403), with ADK's own rule (the same function), but answered in JSON.
2. Public paths pass: /api/v1/health/*, POST /api/v1/auth/signup|signin, /metrics and
   /openapi.json (the last two are never proxied by nginx).
3. Everything else needs a live session (cookie `sa_session`, app.auth.lookup): 401
   `{"detail": "sign in first"}` otherwise, and a cookie that no longer works is cleared.
   The user goes into `scope["state"]["principal"]` for the routes (app.api.deps).
4. ADK's routes: an app other than stock_analyst is 404; a `{user}` path segment, or the
   `user_id` of a /run or /run_sse body, that is not the signed-in user is 403. The body
   is read once (at most MAX_BODY bytes), parsed with ADK's own request model (so this
   check reads exactly what ADK will act on), and replayed to ADK unchanged. State keys
   with the `app:` prefix are shared by every user of the app: setting them through the
   API (session state, state deltas) is refused (403).
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from . import auth

log = logging.getLogger("app.guard")

APP_NAME = "stock_analyst"
MAX_BODY = 1024 * 1024  # nginx's client_max_body_size
PUBLIC_EXACT = {"/api/v1/auth/signup", "/api/v1/auth/signin", "/metrics", "/openapi.json"}
PUBLIC_PREFIXES = ("/api/v1/health/",)
RUN_PATHS = {"/run", "/run_sse"}
_APPS = re.compile(r"^/apps/([^/]*)(?:/(.*))?$")
_USER = re.compile(r"^users/([^/]*)(?:/(.*))?$")
_SESSION = re.compile(r"^sessions/([^/]+)/?$")

SIGN_IN_FIRST = "sign in first"
ONLY_YOURSELF = "you can only act as yourself"
SHARED_STATE = "state keys starting with app: are shared by every user and cannot be set through the API"

Send = Callable[[dict], Awaitable[None]]
Receive = Callable[[], Awaitable[dict]]


def is_public(path: str) -> bool:
    return path in PUBLIC_EXACT or path.startswith(PUBLIC_PREFIXES)


async def send_json(send: Send, status: int, body: Any, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
        (b"cache-control", b"no-store"), *(headers or []),
    ]})
    await send({"type": "http.response.body", "body": payload})


class Refused(Exception):
    def __init__(self, status: int, detail: str | list[dict], headers: list[tuple[bytes, bytes]] | None = None) -> None:
        self.status, self.detail, self.headers = status, detail, headers or []


def _origin_checker(allow_origins: list[str]) -> Callable[[str, dict], bool]:
    """ADK's own decision (google.adk.cli.api_server), so both guards always agree."""
    from google.adk.cli import api_server as adk

    literal, regex = adk._parse_cors_origins(allow_origins) if allow_origins else ([], None)
    compiled = re.compile(regex) if regex else None

    def allowed(origin: str, scope: dict) -> bool:
        return adk._is_request_origin_allowed(origin, scope, literal, compiled, bool(allow_origins), None)

    return allowed


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _shared_keys(state: Any) -> bool:
    return isinstance(state, dict) and any(isinstance(k, str) and k.startswith("app:") for k in state)


class AccessGuard:
    def __init__(self, app: Any, *, allow_origins: list[str], dev_routes: bool) -> None:
        self.app = app
        self.dev_routes = dev_routes
        self.origin_allowed = _origin_checker(allow_origins)

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            origin = _header(scope, b"origin")
            if origin is not None and not self.origin_allowed(origin, scope):
                raise Refused(403, "cross-origin request refused")
            path = scope.get("path", "")
            if is_public(path) or self._preflight(scope):
                await self.app(scope, receive, send)
                return
            principal = await self._principal(scope)
            receive = await self._check_adk(scope, receive, principal)
        except Refused as refused:
            await send_json(send, refused.status, {"detail": refused.detail}, refused.headers)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _preflight(scope: dict) -> bool:
        """A CORS preflight carries no cookie; ADK's CORS middleware (ALLOW_ORIGINS) answers it."""
        return scope.get("method") == "OPTIONS" and _header(scope, b"access-control-request-method") is not None

    async def _principal(self, scope: dict) -> auth.Principal:
        cookie = _header(scope, b"cookie")
        token = auth.cookie_token(cookie)
        principal = None
        if token is not None:
            try:
                principal = await auth.lookup(token)
            except (DBAPIError, PoolTimeout, OSError, asyncio.TimeoutError) as exc:
                log.warning("database unavailable", extra={"error": type(exc).__name__})
                raise Refused(503, "database unavailable, retry shortly", [(b"retry-after", b"1")]) from exc
        if principal is None:
            sent = cookie is not None and f"{auth.COOKIE_NAME}=" in cookie
            clear = [(b"set-cookie", auth.clearing_cookie().encode())] if sent else []
            raise Refused(401, SIGN_IN_FIRST, clear)
        scope.setdefault("state", {})["principal"] = principal
        return principal

    async def _check_adk(self, scope: dict, receive: Receive, principal: auth.Principal) -> Receive:
        """Checks ADK's routes; the receive to go on with (the body replayed, when it was read)."""
        path, method = scope.get("path", ""), scope.get("method", "GET")
        match = _APPS.match(path)
        if match:
            if match.group(1) != APP_NAME:
                raise Refused(404, "app not found")
            user = _USER.match(match.group(2) or "")
            if user:
                if user.group(1) != principal.username:
                    raise Refused(403, ONLY_YOURSELF)
                rest = user.group(2) or ""
                if rest.rstrip("/") == "sessions" and method == "POST":
                    return await self._check_body(scope, receive, principal, "create")
                if _SESSION.match(rest) and method in ("POST", "PATCH"):
                    return await self._check_body(scope, receive, principal,
                                                  "create_with_id" if method == "POST" else "update")
        elif path in RUN_PATHS and method == "POST":
            return await self._check_body(scope, receive, principal, "run")
        return receive

    async def _check_body(self, scope: dict, receive: Receive, principal: auth.Principal, kind: str) -> Receive:
        body, rest = await read_body(receive)
        try:
            data = json.loads(body) if body else None
        except ValueError:
            data = None  # ADK answers 422 for it
        if data is not None:
            _check_request(kind, data, principal.username)
        return replay_receive(body, rest, receive)

    async def _websocket(self, scope: dict, receive: Receive, send: Send) -> None:
        """Live runs (/run_live) exist only with ADK_DEV_ROUTES; then the same checks apply,
        to the query's app_name and user_id."""
        if self.dev_routes:
            from urllib.parse import parse_qs

            try:
                principal = await self._principal(scope)
                query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
                if query.get("app_name", [APP_NAME])[-1] != APP_NAME:
                    raise Refused(404, "app not found")
                if query.get("user_id", [principal.username])[-1] != principal.username:
                    raise Refused(403, ONLY_YOURSELF)
            except Refused:
                pass
            else:
                await self.app(scope, receive, send)
                return
        await send({"type": "websocket.close", "code": 1008})


def _check_request(kind: str, data: Any, username: str) -> None:
    """Raises Refused for a request body that names another user or app, or shared state.
    A body ADK's model refuses passes through: ADK answers it with its own 422."""
    from google.adk.cli import api_server as adk

    try:
        if kind == "run":
            run = adk.RunAgentRequest.model_validate(data)
            if run.app_name is not None and run.app_name != APP_NAME:
                raise Refused(404, "app not found")
            if run.user_id != username:
                raise Refused(403, ONLY_YOURSELF)
            state = run.state_delta
        elif kind == "create":
            state = adk.CreateSessionRequest.model_validate(data).state
        elif kind == "update":
            state = adk.UpdateSessionRequest.model_validate(data).state_delta
        else:  # create_with_id: the body is the state itself
            state = data
    except ValidationError:
        return
    except (ValueError, TypeError, AttributeError) as exc:
        # google-genai's types fail some invalid values with plain errors, which ADK would let
        # out as a 500 (found by fuzzing: `"mediaProcessing": {}` in a part).
        raise Refused(422, [{"type": "value_error", "loc": ["body"],
                             "msg": f"not a valid {kind} request ({type(exc).__name__})"}]) from None
    if _shared_keys(state):
        raise Refused(403, SHARED_STATE)


async def read_body(receive: Receive) -> tuple[bytes, list[dict]]:
    """The whole request body; the messages after it (a disconnect) are kept for the app."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), [message]
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise Refused(413, "request body too large")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), []


def replay_receive(body: bytes, pending: list[dict], original: Receive) -> Receive:
    """A receive that gives the body once, then what came after it, then the real channel:
    the app still hears a client that hangs up (a stream stops when it does)."""
    queue = [{"type": "http.request", "body": body, "more_body": False}, *pending]

    async def receive() -> dict:
        if queue:
            return queue.pop(0)
        return await original()

    return receive
