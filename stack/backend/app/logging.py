"""Structured JSON logs, each line carrying the request id of the request being served."""
from __future__ import annotations

import contextvars
import json
import logging
import logging.config
import re
import time
import uuid
from typing import Any

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
_STD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "taskName", "color_message",
}


def clean_request_id(value: str | None) -> str:
    """Keep a well-formed incoming id (nginx's X-Request-ID); otherwise make one."""
    if value and _VALID_REQUEST_ID.match(value):
        return value
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STD_ATTRS and key != "request_id" and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def logging_config(level: str = "INFO", json_logs: bool = True) -> dict[str, Any]:
    """A dictConfig for the app and uvicorn alike (uvicorn's access log is replaced by ours)."""
    formatter = {"()": JsonFormatter} if json_logs else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stdout"}},
        "root": {"handlers": ["stdout"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
            # Chatty third-party loggers.
            "httpx": {"level": "WARNING"},
            "google_genai": {"level": "WARNING"},
            "google_adk": {"level": "WARNING" if level.upper() == "INFO" else level.upper()},
        },
    }


def setup_logging(level: str = "INFO", json_logs: bool = True) -> None:
    logging.config.dictConfig(logging_config(level, json_logs))


access_log = logging.getLogger("app.access")


class RequestContextMiddleware:
    """Takes the request id from `X-Request-ID` (set by nginx) or makes one, exposes it to
    every log line of the request (a context variable, inherited by tasks the request
    starts), echoes it in the response, and writes one JSON access-log line per request."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = clean_request_id(incoming)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        info: dict[str, Any] = {"status": 500, "bytes": 0}

        async def send_wrapper(message: dict) -> None:
            if message["type"] == "http.response.start":
                info["status"] = message["status"]
                headers = [(n, v) for n, v in message.get("headers", []) if n.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                info["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            from .metrics import route_template

            route = route_template(scope)
            client = scope.get("client")
            quiet = scope.get("path", "").startswith("/api/v1/health/") and info["status"] < 400
            access_log.log(
                logging.DEBUG if quiet else logging.INFO,
                "request",
                extra={
                    "method": scope.get("method"), "path": scope.get("path"), "route": route,
                    "status": info["status"], "bytes": info["bytes"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "client": client[0] if client else None,
                },
            )
            request_id_var.reset(token)
