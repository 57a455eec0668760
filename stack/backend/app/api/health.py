from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from .. import cache, db

router = APIRouter(tags=["health"])


async def _timed(check: Callable[[], Awaitable[None]]) -> dict:
    started = time.perf_counter()
    try:
        await check()
        return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
    except Exception as exc:  # readiness reports any failure instead of raising
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}


@router.get("/health/live")
async def live() -> dict:
    return {"status": "ok"}


@router.get("/health/ready", responses={503: {"description": "Postgres is down: nothing can be served"}})
async def ready() -> JSONResponse:
    """Ready means able to serve. Without Redis every read falls back to Postgres (the cache
    is bypassed), so a Redis outage is "degraded", still 200: a 503 here would make Docker
    mark a backend unhealthy that serves every request."""
    postgres, redis = await asyncio.gather(_timed(db.ping), _timed(cache.ping))
    checks = {"postgres": postgres, "redis": redis}
    status = "unavailable" if not postgres["ok"] else "ok" if redis["ok"] else "degraded"
    return JSONResponse(
        {"status": status, "checks": checks},
        status_code=503 if status == "unavailable" else 200, headers={"Cache-Control": "no-store"},
    )
