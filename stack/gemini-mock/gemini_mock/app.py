"""The ASGI app: the model endpoints and the admin API."""
from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.routing import Route

from . import admin
from .generate import ConnectionCut, generate
from .sessions import SessionStore
from .settings import Settings


class _DeliberateCuts(logging.Filter):
    """uvicorn logs the exception that aborts a response as an application error; a `cut`
    scenario aborts on purpose, so its exception is left out."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionCut))


_DELIBERATE_CUTS = _DeliberateCuts()


def create_app(settings: Settings) -> Starlette:
    logging.getLogger("uvicorn.error").addFilter(_DELIBERATE_CUTS)
    app = Starlette(routes=[Route("/v1beta/models/{target}", generate, methods=["POST"]), *admin.ROUTES])
    app.state.settings = settings
    app.state.sessions = SessionStore(settings.max_sessions, settings.max_requests_per_session,
                                      settings.max_record_mb * 1024 * 1024)
    return app
