"""The backend: ADK's own FastAPI server (get_fast_api_app) plus the project's /api/v1 routes.

ADK serves the agent (`/run_sse`, sessions with events in Postgres); its developer routes
are removed unless ADK_DEV_ROUTES=true (app.contract). Around every request: request id +
JSON access log, Prometheus metrics, the access guard (origin, session, whose data: app.guard),
the 405 Allow fix, and the SSE middleware (anti-buffering headers and `: ping` heartbeats for
any text/event-stream response).
"""
from __future__ import annotations

import logging
import os
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

os.environ.setdefault("ADK_DISABLE_LOAD_DOTENV", "1")
# ADK flags its experimental classes on every construction; the rest of the warnings go to the JSON log.
warnings.filterwarnings("ignore", message=r"\[EXPERIMENTAL\]", category=UserWarning)
logging.captureWarnings(True)

import asyncio  # noqa: E402

from fastapi import FastAPI, Request  # noqa: E402
from fastapi.exceptions import RequestValidationError  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
from google.adk.cli.fast_api import get_fast_api_app  # noqa: E402
from sqlalchemy.exc import DBAPIError, IntegrityError  # noqa: E402
from sqlalchemy.exc import TimeoutError as PoolTimeout  # noqa: E402

from . import cache, contract, db, passwords  # noqa: E402
from .api import router as api_router  # noqa: E402
from .guard import APP_NAME, AccessGuard  # noqa: E402
from .nul import RefuseNul  # noqa: E402
from .logging import RequestContextMiddleware  # noqa: E402
from .metrics import MetricsMiddleware, metrics_endpoint  # noqa: E402
from .settings import get_settings  # noqa: E402
from .sse import SSEMiddleware  # noqa: E402

AGENTS_DIR = Path(__file__).resolve().parent.parent / "agents"
log = logging.getLogger("app")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    log.info(
        "backend starting",
        extra={"model": settings.model_mode, "model_name": settings.gemini_model if settings.model_mode == "gemini"
               else "offline", "model_base_url": settings.gemini_base_url or "default",
               "model_timeout_s": settings.gemini_timeout_seconds, "heartbeat_s": settings.sse_heartbeat_seconds,
               "chunk_delay_ms": settings.offline_chunk_delay_ms, "pid": os.getpid()},
    )
    await _warm_up()
    try:
        yield
    finally:
        await cache.close()
        await db.dispose()


async def _warm_up() -> None:
    """Best effort, so the first run is as quick as the next: import the agent (ADK's
    loader then finds it in sys.modules) and open the first pooled connections."""
    import importlib
    import sys

    if str(AGENTS_DIR) not in sys.path:
        sys.path.insert(0, str(AGENTS_DIR))
    try:
        importlib.import_module(f"{APP_NAME}.agent")
        # The dummy hash that unknown names are checked against, made once, off the loop.
        await asyncio.gather(db.ping(), cache.ping(), asyncio.to_thread(passwords.dummy_hash),
                             return_exceptions=True)
    except Exception:  # noqa: BLE001 - a failed warm-up only costs time later
        log.warning("warm-up failed", exc_info=True)


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, IntegrityError):
        return JSONResponse({"detail": "conflicts with existing data"}, status_code=409)
    log.warning("database unavailable", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})
    return JSONResponse({"detail": "database unavailable, retry shortly"}, status_code=503,
                        headers={"Retry-After": "1"})


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    """A bug: JSON like every other error (Starlette's default is text/plain). The exception
    is logged with its traceback by the server; its text never goes to the client."""
    return JSONResponse({"detail": "internal error"}, status_code=500)


def create_app() -> FastAPI:
    settings = get_settings()
    # ADK would rewrite /users/... paths to a default app behind the guard's back.
    if os.environ.pop("ADK_DEFAULT_APP_NAME", None):
        log.warning("ADK_DEFAULT_APP_NAME is ignored: requests name the app stock_analyst")
    app = get_fast_api_app(
        agents_dir=str(AGENTS_DIR),
        web=False,
        session_service_uri=settings.database_url("asyncpg").render_as_string(hide_password=False),
        session_db_kwargs=settings.db_engine_kwargs(),
        artifact_service_uri="memory://",
        memory_service_uri="memory://",
        use_local_storage=False,
        # ADK's origin guard allows the same origin (Origin == the request's own
        # [X-Forwarded-]Host), plus these; everything else gets 403 on unsafe methods.
        allow_origins=settings.allow_origins or None,
        lifespan=lifespan,
    )
    app.title = "stock-analyst backend"
    app.include_router(api_router)
    if not settings.adk_dev_routes:
        contract.drop_dev_routes(app, set())
    app.add_exception_handler(RequestValidationError, contract.validation_error)
    contract.install_openapi(app)
    # Postgres restarting: a clear, retryable 503 instead of a 500 (the pool reconnects by itself).
    for exc_type in (DBAPIError, PoolTimeout, OSError, asyncio.TimeoutError):
        app.add_exception_handler(exc_type, _database_unavailable)
    app.add_exception_handler(Exception, _internal_error)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    # Added last = outermost. Order of a request: request id/log -> metrics -> access guard ->
    # Allow fix -> SSE -> ADK's stack (its own origin guard, CORS) -> the routes.
    app.add_middleware(SSEMiddleware, heartbeat_seconds=settings.sse_heartbeat_seconds)
    app.add_middleware(contract.AllowHeader, routes=lambda: contract.route_table(app))
    app.add_middleware(RefuseNul)  # behind the guard: a visitor without a session gets 401 first
    app.add_middleware(AccessGuard, allow_origins=settings.allow_origins, dev_routes=settings.adk_dev_routes)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(RequestContextMiddleware)
    return app


app = create_app()
