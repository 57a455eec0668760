from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from .. import market
from ..errors import NotFound, field_error
from .deps import SymbolPath, current_user, json_error, set_cache_header

# Signed-in users only, like everything but health and sign-in (API.md says why).
router = APIRouter(tags=["stocks"], dependencies=[Depends(current_user)])
UNKNOWN = json_error("Unknown symbol")


@router.get("/stocks")
async def list_stocks(response: Response) -> dict:
    items, status = await market.list_symbols()
    set_cache_header(response, status)
    return {"items": items, "cache": status}


@router.get("/stocks/{symbol}/prices", responses={404: UNKNOWN})
async def prices(
    symbol: SymbolPath,
    response: Response,
    start: Annotated[dt.date | None, Query(description="first day, YYYY-MM-DD")] = None,
    end: Annotated[dt.date | None, Query(description="last day, YYYY-MM-DD")] = None,
) -> dict:
    if start and end and start > end:
        raise field_error(["query", "start"], "start must not be after end", "date_range", start.isoformat())
    items, status = await market.get_prices(symbol, start, end)
    if items is None:
        raise NotFound(f"unknown symbol {symbol.upper()!r}")
    set_cache_header(response, status)
    return {
        "symbol": symbol.upper(), "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None, "count": len(items), "items": items, "cache": status,
    }


@router.get("/stocks/{symbol}/quote", responses={404: UNKNOWN})
async def quote(symbol: SymbolPath, response: Response) -> dict:
    value, status = await market.get_quote(symbol)
    if value is None:
        raise NotFound(f"unknown symbol {symbol.upper()!r}")
    set_cache_header(response, status)
    return {**value, "cache": status}
