"""The Gemini protocol as google-genai speaks it: function-call turns, streamed answers,
unary calls, and the API key."""
from __future__ import annotations

import analyst
import pytest
from google.genai import errors, types

from .conftest import SETTINGS
from .conversation import MODEL, after_tool_call, config, expected_answer, generate, question, stream


async def test_first_turn_is_one_function_call_chunk(mock, session):
    streamed = await stream(mock.client(session), question())

    assert len(streamed.chunks) == 1
    chunk = streamed.chunks[0]
    candidate = chunk.candidates[0]
    assert candidate.finish_reason == types.FinishReason.STOP
    assert candidate.index == 0
    assert candidate.content.role == "model"
    assert chunk.function_calls == [types.FunctionCall(name="compute_indicators", args={"symbol": "GOOG"})]
    assert isinstance(chunk.function_calls[0].args, dict)
    usage = chunk.usage_metadata
    assert usage.prompt_token_count > 0 and usage.candidates_token_count > 0
    assert usage.total_token_count == usage.prompt_token_count + usage.candidates_token_count
    assert chunk.model_version == MODEL
    assert chunk.response_id


async def test_answer_after_a_function_response_streams_analyst_text(mock, session):
    streamed = await stream(mock.client(session), after_tool_call())

    assert streamed.text == expected_answer()
    assert "Alphabet Inc. (GOOG)" in streamed.text and "1,135.00 USD" in streamed.text
    assert len(streamed.chunks) == SETTINGS.chunks
    *partial, last = streamed.chunks
    assert all(c.candidates[0].finish_reason is None for c in partial)
    assert all(c.usage_metadata.candidates_token_count is None for c in partial)
    assert last.candidates[0].finish_reason == types.FinishReason.STOP
    usage = last.usage_metadata
    assert usage.candidates_token_count > 0
    assert usage.total_token_count == usage.prompt_token_count + usage.candidates_token_count
    assert len({c.response_id for c in streamed.chunks}) == 1
    # Paced: the first token after GEMINI_MOCK_FIRST_TOKEN_MS, then a chunk every GEMINI_MOCK_CHUNK_MS.
    assert streamed.arrivals[0] >= SETTINGS.first_token_ms / 1000 * 0.9
    assert min(streamed.gaps) >= SETTINGS.chunk_ms / 1000 * 0.8


async def test_a_watchlist_question_chains_a_second_tool_call(mock, session):
    contents = [
        *question("Analyse my watchlist"),
        types.Content(role="model", parts=[types.Part(
            function_call=types.FunctionCall(name="get_watchlist", args={}))]),
        types.Content(role="user", parts=[types.Part(function_response=types.FunctionResponse(
            name="get_watchlist", response={"items": [{"name": "tech", "symbols": ["GOOG", "MSFT"]}]}))]),
    ]
    streamed = await stream(mock.client(session), contents)

    assert streamed.chunks[0].function_calls == [
        types.FunctionCall(name="compare_symbols", args={"symbols": ["GOOG", "MSFT"]})]


async def test_only_declared_tools_are_called(mock, session):
    """The question needs compute_indicators; a request that does not declare it gets an answer."""
    for tools in ([], ["list_symbols"]):
        streamed = await stream(mock.client(session), question(), config(tools=tools))

        assert not any(chunk.function_calls for chunk in streamed.chunks)
        assert streamed.text == analyst.GREETING


async def test_unary_calls_answer_in_one_response(mock, session):
    client = mock.client(session)

    first = await generate(client, question())
    assert first.function_calls == [types.FunctionCall(name="compute_indicators", args={"symbol": "GOOG"})]

    answer = await generate(client, after_tool_call())
    assert answer.text == expected_answer()
    assert answer.candidates[0].finish_reason == types.FinishReason.STOP
    assert answer.usage_metadata.candidates_token_count > 0


async def test_a_wrong_key_is_refused_as_gemini_does(mock, session):
    with pytest.raises(errors.ClientError) as caught:
        await stream(mock.client(session, key="wrong-key"), question())

    assert caught.value.code == 400
    assert caught.value.details == {"error": {
        "code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT"}}
    assert mock.requests(session) == []


def test_a_missing_key_is_refused_too(mock):
    response = mock.admin.post(f"/v1beta/models/{MODEL}:generateContent", json={"contents": []})

    assert response.status_code == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"


async def test_the_question_names_the_tools_it_needs(mock, session):
    """The model plans from the question alone, as the offline model does."""
    streamed = await stream(mock.client(session), question("Compare MSFT and GOOG in 2010"))

    assert streamed.chunks[0].function_calls == [types.FunctionCall(
        name="compare_symbols", args={"symbols": ["MSFT", "GOOG"], "start": "2010-01-01", "end": "2010-12-31"})]
