"""An ADK plugin around every model call: it tags the call with its session, measures it,
and turns each way a model can fail into one clear in-stream error.

A failed call becomes an event with `errorCode` and `errorMessage` (the codes are in
API.md). The run then ends as usual, so the stream closes cleanly and the analysis is
stored as `error` with that reason. Messages speak to the user; the cause goes to the log.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field

import httpx
import pydantic
from google.adk.agents.callback_context import CallbackContext
from google.adk.models.llm_request import LlmRequest
from google.adk.models.llm_response import LlmResponse
from google.adk.plugins.base_plugin import BasePlugin
from google.genai import errors, types

from app import metrics

log = logging.getLogger("app.model")

# Sent with every model request: an opaque id that lets the model API's logs (or a test
# double of it) be matched with the session.
SESSION_HEADER = "x-stock-analyst-session"

_BUSY = "The AI model is busy right now. Please try again in a minute."
_FAILED = "The AI model failed to answer. Please try again."
_BY_STATUS = {
    429: ("MODEL_RATE_LIMITED", _BUSY),
    503: ("MODEL_UNAVAILABLE", "The AI model is unavailable right now. Please try again shortly."),
}
_UNKNOWN_TOOL = ("MODEL_UNKNOWN_TOOL", "The AI model asked for a tool this app does not have, so the answer "
                                      "was stopped. Please try again.")
_BLOCKED = "The AI model declined to answer this question. Try asking it differently."


def classify(error: Exception) -> tuple[str, str]:
    """(errorCode, errorMessage) for a failed model call."""
    if isinstance(error, errors.APIError):
        if error.code in _BY_STATUS:
            return _BY_STATUS[error.code]
        if 400 <= (error.code or 0) < 500:
            return "MODEL_REJECTED", "The AI model refused the request. This needs the operator's attention."
        return "MODEL_ERROR", _FAILED
    if isinstance(error, httpx.TimeoutException):
        return "MODEL_TIMEOUT", "The AI model stopped responding. Please try again."
    if isinstance(error, httpx.ConnectError):
        return "MODEL_UNREACHABLE", "The AI model cannot be reached right now. Please try again shortly."
    if isinstance(error, (httpx.RemoteProtocolError, httpx.ReadError)):
        return "MODEL_DISCONNECTED", "The connection to the AI model broke off mid-answer. Please try again."
    if isinstance(error, (errors.UnknownApiResponseError, json.JSONDecodeError, pydantic.ValidationError)):
        return "MODEL_BAD_RESPONSE", "The AI model sent an answer that could not be read. Please try again."
    return "MODEL_ERROR", _FAILED


@dataclass
class _Call:
    started: float = field(default_factory=time.perf_counter)
    answered: bool = False
    failed: tuple[str, str] | None = None  # the error the user was shown
    tools: set[str] = field(default_factory=set)


class ModelWatch(BasePlugin):
    def __init__(self) -> None:
        super().__init__(name="model_watch")
        self._calls: dict[str, _Call] = {}

    async def before_model_callback(
        self, *, callback_context: CallbackContext, llm_request: LlmRequest,
    ) -> LlmResponse | None:
        config = llm_request.config = llm_request.config or types.GenerateContentConfig()
        config.http_options = config.http_options or types.HttpOptions()
        config.http_options.headers = {**(config.http_options.headers or {}),
                                       SESSION_HEADER: callback_context.session.id}
        self._calls[callback_context.invocation_id] = _Call(tools=set(llm_request.tools_dict))
        return None

    async def after_model_callback(
        self, *, callback_context: CallbackContext, llm_response: LlmResponse,
    ) -> LlmResponse | None:
        call = self._calls.get(callback_context.invocation_id)
        if call is None:
            return None
        if not call.answered:
            call.answered = True
            metrics.MODEL_FIRST_TOKEN.observe(time.perf_counter() - call.started)
        if call.failed:
            # Streaming, ADK sends a chunk, then the call's aggregate (same event id): both
            # carry the failure, and both say the same to the user.
            if not llm_response.partial:
                self._calls.pop(callback_context.invocation_id, None)
            return _error(*call.failed, partial=llm_response.partial)
        unknown = [p.function_call.name for p in _parts(llm_response)
                   if p.function_call and p.function_call.name not in call.tools]
        if unknown:
            log.warning("the model called an unknown tool", extra={"tools": unknown})
            return self._failed(callback_context, call, *_UNKNOWN_TOOL, partial=llm_response.partial)
        if llm_response.error_code:
            # A finish reason other than STOP with no content (SAFETY, RECITATION, ...).
            log.warning("the model gave no answer", extra={"finish_reason": llm_response.error_code,
                                                           "detail": llm_response.error_message})
            return self._failed(callback_context, call, f"MODEL_{llm_response.error_code}", _BLOCKED,
                                partial=llm_response.partial)
        if not llm_response.partial:
            self._finish(callback_context, "ok")
            usage = llm_response.usage_metadata
            if usage:
                metrics.MODEL_TOKENS.labels(kind="prompt").inc(usage.prompt_token_count or 0)
                metrics.MODEL_TOKENS.labels(kind="answer").inc(usage.candidates_token_count or 0)
        return None

    async def on_model_error_callback(
        self, *, callback_context: CallbackContext, llm_request: LlmRequest, error: Exception,
    ) -> LlmResponse | None:
        code, message = classify(error)
        log.warning("the model call failed", extra={"error_code": code, "error": f"{type(error).__name__}: {error}"[:500]})
        return self._failed(callback_context, self._calls.get(callback_context.invocation_id), code, message)

    async def after_run_callback(self, *, invocation_context) -> None:
        self._calls.pop(invocation_context.invocation_id, None)  # a run cut short leaves nothing behind

    def _failed(self, callback_context: CallbackContext, call: _Call | None, code: str, message: str,
                partial: bool | None = None) -> LlmResponse:
        metrics.MODEL_ERRORS.labels(code=code).inc()
        self._finish(callback_context, "error")
        if call is not None and partial:
            call.failed = (code, message)
            self._calls[callback_context.invocation_id] = call  # its aggregate is still to come
        return _error(code, message, partial)

    def _finish(self, callback_context: CallbackContext, outcome: str) -> None:
        call = self._calls.pop(callback_context.invocation_id, None)
        if call is not None:
            metrics.MODEL_CALL_DURATION.labels(outcome=outcome).observe(time.perf_counter() - call.started)


def _error(code: str, message: str, partial: bool | None = None) -> LlmResponse:
    return LlmResponse(error_code=code, error_message=message, partial=partial, turn_complete=not partial)


def _parts(response: LlmResponse) -> list[types.Part]:
    return list(response.content.parts or []) if response.content else []
