"""Which model answers: Gemini through google-genai, or the offline demo model.

Gemini runs as production runs it: ADK's `Gemini` with an explicit key, timeout and retry
policy (values and reasons: API.md, "The model path"). `GEMINI_BASE_URL` points the real
client at another Gemini-API-compatible server, which is how the test stack exercises this
path without the internet.
"""
from __future__ import annotations

from google.adk.models import Gemini
from google.adk.models.base_llm import BaseLlm
from google.genai import types

from app import metrics
from app.settings import Settings, get_settings

from .offline_llm import OfflineLlm

# Worth retrying: the quota refills, the service comes back. Anything else fails at once.
RETRIED_STATUSES = [408, 429, 500, 502, 503, 504]


async def _count_response(response) -> None:
    """Every HTTP answer from the model API, retried ones included: a 429 that a retry
    hides from the user still shows here."""
    metrics.MODEL_HTTP_RESPONSES.labels(status=str(response.status_code)).inc()


def gemini(settings: Settings) -> Gemini:
    http_options = types.HttpOptions(
        # google-genai gives this to httpx as connect, read, write and pool timeouts: a
        # stream that stalls for longer than this fails, however long the answer runs.
        timeout=int(settings.gemini_timeout_seconds * 1000),
        async_client_args={"event_hooks": {"response": [_count_response]}},
    )
    retry = types.HttpRetryOptions(
        attempts=settings.gemini_retry_attempts,
        initial_delay=settings.gemini_retry_initial_seconds,
        max_delay=settings.gemini_retry_max_seconds,
        exp_base=2,
        jitter=0.5,
        http_status_codes=RETRIED_STATUSES,
    )
    return Gemini(
        model=settings.gemini_model,
        base_url=settings.gemini_base_url or None,
        retry_options=retry,
        # The key goes to google-genai alone, which sends it as x-goog-api-key; never to the environment.
        client_kwargs={"api_key": settings.google_api_key, "http_options": http_options},
    )


def build_model() -> BaseLlm:
    settings = get_settings()
    return gemini(settings) if settings.model_mode == "gemini" else OfflineLlm()
