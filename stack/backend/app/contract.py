"""The HTTP contract around the routes: which of ADK's routes are served, a correct `Allow`
on 405s, validation errors that never echo a password, and an OpenAPI document that lists
every status each route can answer."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.routing import compile_path

from .api.deps import ERROR, RETRY_AFTER, json_error
from .guard import is_public

# ADK's routes the app uses; every other route ADK adds (now or in a later version) is a
# developer route, served only with ADK_DEV_ROUTES=true. The page runs the agent through
# /run_sse alone, so the unstreamed /run (which nginx does not proxy) is a developer route.
ADK_ROUTES_KEPT = {
    "create_session", "create_session_with_id", "list_sessions", "get_session", "update_session",
    "delete_session", "run_agent_sse",
}
OURS = {"openapi", "metrics_endpoint"}
DEV_ONLY_OURS = {"swagger_ui_html", "swagger_ui_redirect", "redoc_html"}
UNSAFE = {"post", "put", "patch", "delete"}


def route_table(app: FastAPI) -> list[tuple[str, str, set[str] | None, str]]:
    """(kind, path, methods, name) of every route the app serves, included routers flattened."""
    rows = []
    for ctx in iter_route_contexts(app.routes):
        path = getattr(ctx, "path", None)
        if path is None:
            continue
        kind = type(ctx.original_route).__name__
        rows.append((kind, path, set(ctx.methods) if ctx.methods else None, ctx.name or ""))
    return rows


def drop_dev_routes(app: FastAPI, ours: set[str]) -> list[str]:
    """Removes ADK's developer routes (and the docs pages); the names removed."""
    keep = ADK_ROUTES_KEPT | OURS | ours
    removed, kept = [], []
    for route in app.router.routes:
        name = getattr(route, "name", None)
        if name is None or name in keep:  # included routers (ours) have no name
            kept.append(route)
        else:
            removed.append(name)
    app.router.routes[:] = kept
    mark = getattr(app.router, "_mark_routes_changed", None)
    if mark:
        mark()
    return removed


class AllowHeader:
    """Starlette answers a 405 with the methods of the first route whose path matched; a path
    served by several routes (GET and POST of /api/v1/watchlists) needs all of them."""

    def __init__(self, app: Any, routes: Callable[[], list[tuple[str, str, set[str] | None, str]]]) -> None:
        self.app = app
        self._routes = routes
        self._table: list[tuple[re.Pattern[str], set[str]]] | None = None

    def allow(self, path: str) -> str:
        if self._table is None:
            self._table = [(compile_path(p)[0], m) for kind, p, m, _ in self._routes() if m]
        methods = set().union(*(m for regex, m in self._table if regex.match(path)))
        return ", ".join(sorted(methods))

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message: dict) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                allow = self.allow(scope.get("path", ""))
                if allow:
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                    message = {**message, "headers": [*headers, (b"allow", allow.encode())]}
            await send(message)

        await self.app(scope, receive, send_wrapper)


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's 422, except that on /api/v1/auth/* no error carries the `input`: it would
    echo the password (a too-short one, or the whole body of a missing-field error)."""
    errors = jsonable_encoder(exc.errors())
    if request.url.path.startswith("/api/v1/auth/"):
        errors = [{k: v for k, v in e.items() if k != "input"} for e in errors]
    return JSONResponse({"detail": errors}, status_code=422)


# --- OpenAPI ------------------------------------------------------------------------------

_ADK_ERRORS: dict[tuple[str, str], dict[int, str]] = {
    ("post", "/apps/{app_name}/users/{user_id}/sessions"): {
        400: "An initial event ADK refuses", 409: "A session with that id exists (yours)"},
    ("post", "/apps/{app_name}/users/{user_id}/sessions/{session_id}"): {409: "A session with that id exists (yours)"},
    ("get", "/apps/{app_name}/users/{user_id}/sessions/{session_id}"): {404: "No such session of yours"},
    ("patch", "/apps/{app_name}/users/{user_id}/sessions/{session_id}"): {404: "No such session of yours"},
    ("post", "/run_sse"): {400: "app_name is missing", 404: "No such session of yours, or an unknown app"},
    ("post", "/run"): {400: "app_name is missing", 404: "No such session of yours, or an unknown app"},
}


def _add(op: dict, status: int, response: dict) -> None:
    op.setdefault("responses", {}).setdefault(str(status), response)


def augment_openapi(schema: dict) -> dict:
    schema.setdefault("components", {}).setdefault("schemas", {})[ERROR] = {
        "title": ERROR, "type": "object", "required": ["detail"],
        "properties": {"detail": {"type": "string", "title": "Detail"}},
    }
    schemes = schema["components"].setdefault("securitySchemes", {})
    schemes.setdefault("session", {"type": "apiKey", "in": "cookie", "name": "sa_session"})
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete", "head", "options"}:
                continue
            public = is_public(path)
            adk = path.startswith("/apps/") or path in ("/run", "/run_sse")
            refused = "Cross-origin request refused (an Origin that is neither this origin nor allow-listed)"
            if "{user_id}" in path or path in ("/run", "/run_sse"):
                refused += "; or the request names another user: you can only act as yourself"
            if adk and method in ("post", "patch"):
                refused += "; or it sets app: state keys, which every user shares"
            _add(op, 403, json_error(refused))
            _add(op, 429, json_error("Too many requests from this address: nginx's rate limit", retry_after=True))
            if not public:
                op["security"] = [{"session": []}]
                _add(op, 401, json_error("Not signed in, or the session ended (revoked, idle, too old)"))
            if path not in ("/metrics", "/openapi.json", "/api/v1/health/live"):
                _add(op, 503, json_error("Postgres unreachable: retry shortly", retry_after=True))
            if adk:
                _add(op, 404, json_error("An app other than stock_analyst"))
                for status, text in _ADK_ERRORS.get((method, path), {}).items():
                    op["responses"].setdefault(str(status), json_error(text))
                if method in ("post", "patch") and (path in ("/run", "/run_sse") or "/sessions" in path):
                    _add(op, 413, json_error("Body over 1 MiB"))
            if path == "/api/v1/watchlists/{watchlist_id}" and method == "patch":
                for param in op.get("parameters", []):
                    if param.get("in") == "header" and param.get("name") == "If-Match":
                        param["required"] = True
                        param["schema"] = {"type": "string", "title": "If-Match"}
            if op.get("requestBody"):
                _add(op, 400, json_error("The body is not JSON (it cannot be parsed)"))
            if "422" in op.get("responses", {}) and not path.startswith("/api/v1/auth/"):
                continue
            if op.get("requestBody") or op.get("parameters"):
                _add(op, 422, {"description": "Validation Error", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}})
    for op in (schema.get("paths", {}).get("/api/v1/auth/signin", {}).get("post"),):
        if op:
            op["responses"]["429"].setdefault("headers", RETRY_AFTER)
    return schema


def install_openapi(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict:
        if getattr(app, "_augmented_openapi", None) is None:
            app._augmented_openapi = augment_openapi(generate())  # type: ignore[attr-defined]
        return app._augmented_openapi  # type: ignore[attr-defined]

    app.openapi = openapi  # type: ignore[method-assign]
