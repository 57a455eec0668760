"""Request pieces shared by the routers."""
from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Request, Response, Security
from fastapi.security import APIKeyCookie

from ..auth import COOKIE_NAME, Principal
from ..errors import field_error

# Documents the cookie in the OpenAPI (security scheme `session`); the check itself is
# app.guard's, in front of every route, which puts the signed-in user into the scope.
session_cookie = APIKeyCookie(
    name=COOKIE_NAME, scheme_name="session", auto_error=False,
    description="The session cookie set by POST /api/v1/auth/signin or /signup (HttpOnly).",
)


def current_user(request: Request, _cookie: Annotated[str | None, Security(session_cookie)] = None) -> Principal:
    """The signed-in user. Only ever from the session: no header or parameter names a user."""
    principal = request.scope.get("state", {}).get("principal")
    if not isinstance(principal, Principal):
        raise HTTPException(401, "sign in first")
    return principal


def current_username(user: Annotated[Principal, Depends(current_user)]) -> str:
    return user.username


CurrentUser = Annotated[Principal, Depends(current_user)]
# The user id of every row the app keeps (watchlists, analyses, ADK sessions): the username.
UserId = Annotated[str, Depends(current_username)]

ERROR = "Error"
SET_COOKIE = {"Set-Cookie": {"description": "sa_session=...; HttpOnly; Max-Age=...; Path=/; SameSite=Lax[; Secure]",
                             "schema": {"type": "string"}}}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}


def json_error(description: str, retry_after: bool = False) -> dict[str, Any]:
    """An OpenAPI response whose body is the JSON error `{"detail": "..."}`."""
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR}"}}},
    }
    if retry_after:
        response["headers"] = RETRY_AFTER
    return response

SymbolPath = Annotated[str, Path(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9.^=-]+$")]

_ETAG = re.compile(r'^\s*(?:W/)?"(\d{1,9})"\s*$')


def parse_if_match(value: str | None) -> int | None:
    """The version an If-Match names: `"3"`, `W/"3"` or `3`. `*` matches any (None)."""
    if value is None or value.strip() == "*":
        return None
    match = _ETAG.match(value)
    if match:
        return int(match.group(1))
    if value.strip().isdigit():
        return int(value.strip())
    raise field_error(["header", "If-Match"], 'expected an ETag such as "3"', "etag_format", value)


def set_cache_header(response: Response, status: str) -> None:
    response.headers["X-Cache"] = status.upper()
