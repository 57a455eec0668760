"""ADK's own Gemini model (google.adk.models.Gemini) against the server, as the backend
runs it: the function call, then the answer streamed as partial chunks and aggregated."""
from __future__ import annotations

from google.adk.models import Gemini, LlmRequest
from google.genai import types

from gemini_mock.protocol import SESSION_HEADER

from .conftest import API_KEY, SETTINGS
from .conversation import MODEL, after_tool_call, config, expected_answer, question


def _request(contents: list[types.Content], session: str) -> LlmRequest:
    cfg = config()
    # How the backend tags each model call with its ADK session.
    cfg.http_options = types.HttpOptions(headers={SESSION_HEADER: session})
    return LlmRequest(model=MODEL, contents=contents, config=cfg)


async def test_adk_gemini_streams_and_aggregates(mock, session):
    llm = Gemini(model=MODEL, base_url=mock.base_url, client_kwargs={"api_key": API_KEY})

    *_, call = [r async for r in llm.generate_content_async(_request(question(), session), stream=True)]
    # ADK runs a tool only from a non-partial response.
    assert not call.partial
    assert call.content.parts[0].function_call.name == "compute_indicators"
    assert call.content.parts[0].function_call.args == {"symbol": "GOOG"}

    responses = [r async for r in llm.generate_content_async(_request(after_tool_call(), session), stream=True)]
    *partials, final = responses
    assert len(partials) == SETTINGS.chunks and all(r.partial for r in partials)
    assert "".join(r.content.parts[0].text for r in partials) == expected_answer()
    assert not final.partial
    assert final.content.parts[0].text == expected_answer()
    assert final.finish_reason == types.FinishReason.STOP
    assert final.usage_metadata.candidates_token_count > 0
    assert [r["headers"][SESSION_HEADER] for r in mock.requests(session)] == [session, session]


async def test_adk_reports_a_blocked_answer_as_an_error(mock, session):
    mock.scenario(session, "safety")
    llm = Gemini(model=MODEL, base_url=mock.base_url, client_kwargs={"api_key": API_KEY})

    responses = [r async for r in llm.generate_content_async(_request(after_tool_call(), session), stream=True)]

    assert responses[-1].error_code == "SAFETY"
