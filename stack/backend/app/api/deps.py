"""Request pieces shared by the routers."""
from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header, Path, Response

from ..errors import field_error

UserId = Annotated[
    str,
    Header(
        alias="X-User-Id", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$",
        description="The user the request acts for (no real auth: out of scope).",
    ),
]
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
