"""The model path's settings and its error mapping (the calls themselves: the Gemini mock's tests and the suite)."""
import json

import httpx
import pytest
from google.genai import errors
from pydantic import ValidationError
from stock_analyst.model import RETRIED_STATUSES, gemini
from stock_analyst.model_watch import classify

from app.settings import Settings


def settings(**values):
    return Settings(postgres_password="x", **values)


def test_gemini_gets_the_base_url_key_timeout_and_retry_policy():
    model = gemini(settings(model="gemini", google_api_key="k-123", gemini_base_url="http://mock:8080",
                            gemini_timeout_seconds=7.5, gemini_retry_attempts=4))
    options = model.api_client._api_client._http_options
    assert options.base_url.rstrip("/") == "http://mock:8080"
    assert options.timeout == 7500
    assert options.headers["x-goog-api-key"] == "k-123"
    assert model.retry_options.attempts == 4 and model.retry_options.http_status_codes == RETRIED_STATUSES


def test_gemini_without_a_key_is_refused_at_start():
    with pytest.raises(ValidationError, match="needs GOOGLE_API_KEY"):
        settings(model="gemini")
    assert settings(model="auto", google_api_key="k").model_mode == "gemini"
    assert settings(model="auto").model_mode == "offline"


def api_error(code, status):
    return errors.APIError(code, {"error": {"code": code, "message": "m", "status": status}})


@pytest.mark.parametrize("error, code", [
    (api_error(429, "RESOURCE_EXHAUSTED"), "MODEL_RATE_LIMITED"),
    (api_error(503, "UNAVAILABLE"), "MODEL_UNAVAILABLE"),
    (api_error(500, "INTERNAL"), "MODEL_ERROR"),
    (api_error(400, "INVALID_ARGUMENT"), "MODEL_REJECTED"),
    (httpx.ReadTimeout("read"), "MODEL_TIMEOUT"),
    (httpx.ConnectError("refused"), "MODEL_UNREACHABLE"),
    (httpx.RemoteProtocolError("peer closed"), "MODEL_DISCONNECTED"),
    (json.JSONDecodeError("bad", "{", 0), "MODEL_BAD_RESPONSE"),
    (RuntimeError("boom"), "MODEL_ERROR"),
])
def test_each_model_failure_has_a_code_and_a_message_for_people(error, code):
    got_code, message = classify(error)
    assert got_code == code
    assert message.endswith(".") and "Error" not in message and "http" not in message.lower()
