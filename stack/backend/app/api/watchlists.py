from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .. import watchlists
from ..errors import PreconditionRequired
from .deps import SymbolPath, UserId, current_user, json_error, parse_if_match, set_cache_header

router = APIRouter(tags=["watchlists"], dependencies=[Depends(current_user)])

NOT_FOUND = json_error("No such watchlist of yours (another user's is not found either)")
STALE = json_error("If-Match names an older version: re-read and retry (the current ETag is in the answer)")

WatchlistId = Annotated[int, Path(ge=1, le=2**62)]
IfMatch = Annotated[str | None, Header(alias="If-Match", description='The ETag read, e.g. "3" (W/"3", 3 and * also work)')]
Name = Annotated[str, Field(min_length=1, max_length=100)]
SymbolStr = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9.^=-]+$")]


def _norm_symbols(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    upper = [v.strip().upper() for v in values]
    if len(set(upper)) != len(upper):
        raise ValueError("symbols must not repeat")
    return upper


class WatchlistCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Name
    symbols: Annotated[list[SymbolStr], Field(max_length=50)] = []

    @field_validator("symbols")
    @classmethod
    def _symbols(cls, values: list[str] | None) -> list[str] | None:
        return _norm_symbols(values)


class WatchlistPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Name | None = None
    symbols: Annotated[list[SymbolStr] | None, Field(max_length=50)] = None

    @field_validator("symbols")
    @classmethod
    def _symbols(cls, values: list[str] | None) -> list[str] | None:
        return _norm_symbols(values)


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    symbol: SymbolStr

    @field_validator("symbol")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


def _etag(response: Response, body: dict) -> dict:
    response.headers["ETag"] = f'"{body["version"]}"'
    return body


@router.get("/watchlists")
async def list_watchlists(user_id: UserId, response: Response) -> dict:
    items, status = await watchlists.list_watchlists(user_id)
    set_cache_header(response, status)
    return {"items": items, "cache": status}


@router.post("/watchlists", status_code=201, responses={409: json_error("You have a watchlist of that name")})
async def create_watchlist(user_id: UserId, body: WatchlistCreate, response: Response) -> dict:
    created = await watchlists.create(user_id, body.name, body.symbols)
    response.headers["Location"] = f"/api/v1/watchlists/{created['id']}"
    return _etag(response, created)


@router.get("/watchlists/{watchlist_id}", responses={404: NOT_FOUND})
async def get_watchlist(user_id: UserId, watchlist_id: WatchlistId, response: Response) -> dict:
    value, status = await watchlists.get_watchlist(user_id, watchlist_id)
    set_cache_header(response, status)
    return _etag(response, value)


@router.patch("/watchlists/{watchlist_id}", responses={
    404: NOT_FOUND, 409: json_error("You have a watchlist of that name"), 412: STALE,
    428: json_error("If-Match is missing (it is required)"),
})
async def patch_watchlist(
    user_id: UserId, watchlist_id: WatchlistId, body: WatchlistPatch, response: Response, if_match: IfMatch = None,
) -> dict:
    if if_match is None:
        raise PreconditionRequired()
    updated = await watchlists.update(user_id, watchlist_id, parse_if_match(if_match), body.name, body.symbols)
    return _etag(response, updated)


@router.delete("/watchlists/{watchlist_id}", status_code=204, responses={404: NOT_FOUND, 412: STALE})
async def delete_watchlist(user_id: UserId, watchlist_id: WatchlistId, if_match: IfMatch = None) -> Response:
    await watchlists.delete(user_id, watchlist_id, parse_if_match(if_match))
    return Response(status_code=204)


@router.post("/watchlists/{watchlist_id}/items", status_code=201, responses={
    404: NOT_FOUND, 409: json_error("The symbol is already in the watchlist"), 412: STALE,
})
async def add_item(
    user_id: UserId, watchlist_id: WatchlistId, body: ItemCreate, response: Response, if_match: IfMatch = None,
) -> dict:
    updated = await watchlists.add_item(user_id, watchlist_id, body.symbol, parse_if_match(if_match))
    return _etag(response, updated)


@router.delete("/watchlists/{watchlist_id}/items/{symbol}", responses={
    404: json_error("No such watchlist of yours, or the symbol is not in it"), 412: STALE,
})
async def remove_item(
    user_id: UserId, watchlist_id: WatchlistId, symbol: SymbolPath, response: Response, if_match: IfMatch = None,
) -> dict:
    updated = await watchlists.remove_item(user_id, watchlist_id, symbol.upper(), parse_if_match(if_match))
    return _etag(response, updated)
