"""Watchlists per user: Postgres with optimistic concurrency, reads cached in Redis."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from . import cache
from .db import session_scope, sessionmaker
from .errors import Conflict, NotFound, PreconditionFailed, field_error
from .models import Symbol, Watchlist, WatchlistItem
from .settings import get_settings


def _list_key(user_id: str) -> str:
    return f"wl:v1:{user_id}:list"


def _item_key(user_id: str, watchlist_id: int) -> str:
    return f"wl:v1:{user_id}:{watchlist_id}"


def to_dict(wl: Watchlist) -> dict[str, Any]:
    return {
        "id": wl.id, "name": wl.name, "symbols": [item.symbol for item in wl.items], "version": wl.version,
        "created_at": wl.created_at.isoformat(), "updated_at": wl.updated_at.isoformat(),
    }


async def list_watchlists(user_id: str) -> tuple[list[dict[str, Any]], cache.CacheStatus]:
    async def load() -> list[dict[str, Any]]:
        async with sessionmaker()() as session:
            rows = (
                await session.scalars(select(Watchlist).where(Watchlist.user_id == user_id).order_by(Watchlist.id))
            ).all()
            return [to_dict(wl) for wl in rows]

    return await cache.read_through(
        "watchlists", _list_key(user_id), get_settings().cache_watchlist_ttl_seconds, load,
    )


async def get_watchlist(user_id: str, watchlist_id: int) -> tuple[dict[str, Any], cache.CacheStatus]:
    async def load() -> dict[str, Any] | None:
        async with sessionmaker()() as session:
            wl = await session.scalar(
                select(Watchlist).where(Watchlist.id == watchlist_id, Watchlist.user_id == user_id)
            )
            return to_dict(wl) if wl else None

    value, status = await cache.read_through(
        "watchlists", _item_key(user_id, watchlist_id), get_settings().cache_watchlist_ttl_seconds, load,
    )
    if value is None:
        raise NotFound(f"watchlist {watchlist_id} not found")
    return value, status


async def _invalidate(user_id: str, watchlist_id: int) -> None:
    await cache.delete(_list_key(user_id), _item_key(user_id, watchlist_id))


async def _check_symbols(session, symbols: list[str], loc: list[Any]) -> None:
    if not symbols:
        return
    known = set((await session.scalars(select(Symbol.symbol).where(Symbol.symbol.in_(symbols)))).all())
    for index, symbol in enumerate(symbols):
        if symbol not in known:
            all_known = (await session.scalars(select(Symbol.symbol).order_by(Symbol.symbol))).all()
            raise field_error(
                [*loc, index] if loc[-1] == "symbols" else loc,
                f"unknown symbol {symbol!r}; known symbols: {', '.join(all_known)}",
                "unknown_symbol", symbol,
            )


async def _locked(session, user_id: str, watchlist_id: int, expected_version: int | None) -> Watchlist:
    # FOR UPDATE: concurrent writers queue here, and the later one then sees the new version.
    wl = await session.scalar(
        select(Watchlist).where(Watchlist.id == watchlist_id, Watchlist.user_id == user_id).with_for_update()
    )
    if wl is None:
        raise NotFound(f"watchlist {watchlist_id} not found")
    if expected_version is not None and wl.version != expected_version:
        raise PreconditionFailed(wl.version)
    return wl


def _set_symbols(wl: Watchlist, symbols: list[str]) -> None:
    existing = {item.symbol: item for item in wl.items}
    wl.items = [
        existing.get(symbol) or WatchlistItem(symbol=symbol, position=index) for index, symbol in enumerate(symbols)
    ]
    for index, item in enumerate(wl.items):
        item.position = index


async def _bump(session, wl: Watchlist) -> dict[str, Any]:
    wl.version += 1
    wl.updated_at = func.now()
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"a watchlist named {wl.name!r} already exists") from exc
    await session.refresh(wl)
    return to_dict(wl)


async def create(user_id: str, name: str, symbols: list[str]) -> dict[str, Any]:
    async with session_scope() as session:
        await _check_symbols(session, symbols, ["body", "symbols"])
        wl = Watchlist(user_id=user_id, name=name, version=1)
        wl.items = [WatchlistItem(symbol=s, position=i) for i, s in enumerate(symbols)]
        session.add(wl)
        try:
            await session.flush()
        except IntegrityError as exc:
            raise Conflict(f"a watchlist named {name!r} already exists") from exc
        await session.refresh(wl)
        result = to_dict(wl)
    await cache.delete(_list_key(user_id))
    return result


async def update(
    user_id: str, watchlist_id: int, expected_version: int | None, name: str | None, symbols: list[str] | None,
) -> dict[str, Any]:
    async with session_scope() as session:
        wl = await _locked(session, user_id, watchlist_id, expected_version)
        if symbols is not None:
            await _check_symbols(session, symbols, ["body", "symbols"])
            _set_symbols(wl, symbols)
        if name is not None:
            wl.name = name
        result = await _bump(session, wl)
    await _invalidate(user_id, watchlist_id)
    return result


async def delete(user_id: str, watchlist_id: int, expected_version: int | None) -> None:
    async with session_scope() as session:
        wl = await _locked(session, user_id, watchlist_id, expected_version)
        await session.delete(wl)
    await _invalidate(user_id, watchlist_id)


async def add_item(user_id: str, watchlist_id: int, symbol: str, expected_version: int | None) -> dict[str, Any]:
    async with session_scope() as session:
        wl = await _locked(session, user_id, watchlist_id, expected_version)
        await _check_symbols(session, [symbol], ["body", "symbol"])
        if symbol in [item.symbol for item in wl.items]:
            raise Conflict(f"{symbol} is already in watchlist {watchlist_id}")
        _set_symbols(wl, [item.symbol for item in wl.items] + [symbol])
        result = await _bump(session, wl)
    await _invalidate(user_id, watchlist_id)
    return result


async def remove_item(user_id: str, watchlist_id: int, symbol: str, expected_version: int | None) -> dict[str, Any]:
    async with session_scope() as session:
        wl = await _locked(session, user_id, watchlist_id, expected_version)
        current = [item.symbol for item in wl.items]
        if symbol not in current:
            raise NotFound(f"{symbol} is not in watchlist {watchlist_id}")
        _set_symbols(wl, [s for s in current if s != symbol])
        result = await _bump(session, wl)
    await _invalidate(user_id, watchlist_id)
    return result


async def symbols_for_user(user_id: str) -> list[dict[str, Any]]:
    items, _ = await list_watchlists(user_id)
    return [{"name": wl["name"], "symbols": wl["symbols"]} for wl in items]
