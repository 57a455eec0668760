"""Price data: Postgres as the source of truth, Redis as a read-through cache.

Shared by the REST API and the agent's tools. Every read returns (value, cache_status).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from . import cache
from .db import sessionmaker
from .models import Price, Symbol
from .settings import get_settings

_KEY = "stocks:v1"


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


async def _load_symbols() -> list[dict[str, Any]]:
    async with sessionmaker()() as session:
        rows = (await session.scalars(select(Symbol).order_by(Symbol.symbol))).all()
    return [
        {
            "symbol": r.symbol, "name": r.name, "kind": r.kind, "currency": r.currency,
            "first_date": _iso(r.first_date), "last_date": _iso(r.last_date), "points": r.points,
            "source": r.source, "notes": r.notes,
        }
        for r in rows
    ]


async def list_symbols() -> tuple[list[dict[str, Any]], cache.CacheStatus]:
    return await cache.read_through("symbols", f"{_KEY}:symbols", get_settings().cache_ttl_seconds, _load_symbols)


async def get_symbol(symbol: str) -> dict[str, Any] | None:
    items, _ = await list_symbols()
    symbol = symbol.upper()
    return next((item for item in items if item["symbol"] == symbol), None)


async def known_symbols() -> list[str]:
    items, _ = await list_symbols()
    return [item["symbol"] for item in items]


async def get_prices(
    symbol: str, start: dt.date | None = None, end: dt.date | None = None,
) -> tuple[list[dict[str, Any]] | None, cache.CacheStatus]:
    """Daily rows oldest first, or None for an unknown symbol."""
    symbol = symbol.upper()

    async def load() -> list[dict[str, Any]] | None:
        async with sessionmaker()() as session:
            if await session.get(Symbol, symbol) is None:
                return None
            query = select(Price).where(Price.symbol == symbol)
            if start:
                query = query.where(Price.date >= start)
            if end:
                query = query.where(Price.date <= end)
            rows = (await session.scalars(query.order_by(Price.date))).all()
        return [
            {"date": r.date.isoformat(), "open": r.open, "high": r.high, "low": r.low, "close": r.close,
             "volume": r.volume}
            for r in rows
        ]

    key = f"{_KEY}:prices:{symbol}:{_iso(start) or '-'}:{_iso(end) or '-'}"
    return await cache.read_through("prices", key, get_settings().cache_ttl_seconds, load)


async def get_quote(symbol: str) -> tuple[dict[str, Any] | None, cache.CacheStatus]:
    symbol = symbol.upper()

    async def load() -> dict[str, Any] | None:
        async with sessionmaker()() as session:
            if await session.get(Symbol, symbol) is None:
                return None
            rows = (
                await session.scalars(select(Price).where(Price.symbol == symbol).order_by(Price.date.desc()).limit(2))
            ).all()
        if not rows:
            return None
        last = rows[0]
        previous = rows[1] if len(rows) > 1 else None
        change = last.close - previous.close if previous else None
        return {
            "symbol": symbol, "date": last.date.isoformat(), "open": last.open, "high": last.high, "low": last.low,
            "close": last.close, "volume": last.volume,
            "previous_close": previous.close if previous else None,
            "change": round(change, 4) if change is not None else None,
            "change_pct": round(change / previous.close * 100, 4) if previous and previous.close else None,
        }

    return await cache.read_through("quote", f"{_KEY}:quote:{symbol}", get_settings().cache_ttl_seconds, load)
