"""HTTP errors with FastAPI's `{"detail": ...}` shape."""
from __future__ import annotations

from typing import Any

from fastapi import HTTPException


class NotFound(HTTPException):
    def __init__(self, detail: str) -> None:
        super().__init__(404, detail)


class Conflict(HTTPException):
    def __init__(self, detail: str) -> None:
        super().__init__(409, detail)


class PreconditionFailed(HTTPException):
    def __init__(self, current_version: int) -> None:
        super().__init__(
            412, f"the watchlist has changed (now version {current_version}); re-read it and retry",
            headers={"ETag": f'"{current_version}"'},
        )


class PreconditionRequired(HTTPException):
    def __init__(self) -> None:
        super().__init__(428, 'this update needs an If-Match header with the watchlist ETag, e.g. If-Match: "3"')


def field_error(loc: list[Any], msg: str, kind: str = "value_error", value: Any = None) -> HTTPException:
    """A 422 shaped like FastAPI's own validation errors."""
    item: dict[str, Any] = {"type": kind, "loc": loc, "msg": msg}
    if value is not None:
        item["input"] = value
    return HTTPException(422, [item])
