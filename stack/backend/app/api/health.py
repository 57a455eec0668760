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


@router.get("/health/ready", responses={503: {"description": "a dependency is down"}})
async def ready() -> JSONResponse:
    postgres, redis = await asyncio.gather(_timed(db.ping), _timed(cache.ping))
    checks = {"postgres": postgres, "redis": redis}
    ok = all(c["ok"] for c in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks},
        status_code=200 if ok else 503, headers={"Cache-Control": "no-store"},
    )
