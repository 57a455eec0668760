"""Read-through cache on Redis that never fails a request.

Every Redis error is logged, counted and turned into a "bypass": the caller reads Postgres
instead. Each Redis call is bounded by `redis_timeout_seconds` (DNS included: a stopped
container's name may take seconds to fail to resolve). After a failure, requests stop
touching Redis at all and a background probe pings it every `redis_retry_seconds`; when it
answers, invalidations that could not be delivered meanwhile are replayed first, then the
cache is used again. An outage thus costs one short timeout, not one per request.
"""
from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from . import metrics
from .settings import get_settings

log = logging.getLogger("app.cache")

CacheStatus = Literal["hit", "miss", "bypass"]
T = TypeVar("T")
_ERRORS = (RedisError, OSError, asyncio.TimeoutError)

_client: aioredis.Redis | None = None
_down = False
_probe: asyncio.Task | None = None
_pending_deletes: set[str] = set()


def client() -> aioredis.Redis:
    global _client
    if _client is None:
        s = get_settings()
        _client = aioredis.Redis(
            host=s.redis_host, port=s.redis_port, db=s.redis_db, password=s.redis_password or None,
            socket_timeout=s.redis_timeout_seconds, socket_connect_timeout=s.redis_timeout_seconds,
            health_check_interval=15, decode_responses=True,
        )
    return _client


def available() -> bool:
    return not _down


async def _call(op: Callable[[], Awaitable[T]], timeout: float | None = None) -> T:
    return await asyncio.wait_for(op(), timeout or get_settings().redis_timeout_seconds)


def _failed(op: str, exc: BaseException) -> None:
    global _down, _probe
    metrics.CACHE_ERRORS.labels(op=op).inc()
    if not _down:
        log.warning("redis unavailable, bypassing the cache", extra={"op": op, "error": f"{type(exc).__name__}: {exc}"})
    _down = True
    if _probe is None or _probe.done():
        # A fresh context: the probe outlives the request that noticed the outage.
        _probe = asyncio.get_running_loop().create_task(_probe_until_up(), context=contextvars.Context())


async def _probe_until_up() -> None:
    global _down
    while _down:
        await asyncio.sleep(get_settings().redis_retry_seconds)
        try:
            await _call(lambda: client().ping())
            await _replay_pending()
        except _ERRORS:
            continue
        _down = False
        log.warning("redis is back, using the cache again")


async def _replay_pending() -> None:
    if _pending_deletes:
        keys = list(_pending_deletes)
        await _call(lambda: client().delete(*keys))
        _pending_deletes.difference_update(keys)


async def get_json(key: str) -> tuple[Any | None, CacheStatus]:
    if _down:
        return None, "bypass"
    try:
        raw = await _call(lambda: client().get(key))
    except _ERRORS as exc:
        _failed("get", exc)
        return None, "bypass"
    if raw is None:
        return None, "miss"
    try:
        return json.loads(raw), "hit"
    except ValueError:
        return None, "miss"


async def set_json(key: str, value: Any, ttl: int) -> None:
    if _down:
        return
    payload = json.dumps(value, separators=(",", ":"), default=str)
    try:
        await _call(lambda: client().set(key, payload, ex=ttl))
    except _ERRORS as exc:
        _failed("set", exc)


async def delete(*keys: str) -> None:
    """Invalidate keys; when Redis is away, remember them and retry when it is back."""
    if not keys:
        return
    if _down:
        _pending_deletes.update(keys)
        return
    try:
        await _call(lambda: client().delete(*keys))
    except _ERRORS as exc:
        _pending_deletes.update(keys)
        _failed("delete", exc)


async def read_through(
    name: str, key: str, ttl: int, load: Callable[[], Awaitable[Any]],
) -> tuple[Any, CacheStatus]:
    """Return (value, status). `load` reads Postgres; its None (not found) is not cached."""
    value, status = await get_json(key)
    if status == "hit":
        metrics.CACHE_REQUESTS.labels(cache=name, result="hit").inc()
        return value, status
    value = await load()
    if value is not None and status == "miss":
        await set_json(key, value, ttl)
    metrics.CACHE_REQUESTS.labels(cache=name, result=status).inc()
    return value, status


async def ping(timeout: float | None = None) -> None:
    """A real round trip, whatever the bypass state: readiness must see the truth. Bounded
    like every cache call (`redis_timeout_seconds`): a stopped Redis's name can take seconds
    to fail to resolve, and readiness must answer within its healthcheck's timeout."""
    await _call(lambda: client().ping(), timeout)


async def close() -> None:
    global _client, _probe, _down
    if _probe is not None:
        _probe.cancel()
        _probe = None
    _down = False
    if _client is not None:
        try:
            await _client.aclose()
        except Exception:  # noqa: BLE001 - closing a dead connection must not fail shutdown
            pass
    _client = None
