"""Each scenario as the client sees it. Errors hit every call (or the first N); stream
faults hit the answer, never the function-call turn."""
from __future__ import annotations

import json

import httpx
import pytest
from google.genai import errors, types

from .conftest import SETTINGS
from .conversation import Streamed, after_tool_call, expected_answer, generate, question, stream

QUICK_RETRY = types.HttpRetryOptions(attempts=3, initial_delay=0.05, max_delay=0.1, jitter=0)


@pytest.mark.parametrize(("scenario", "error", "code", "status"), [
    ("rate_limited", errors.ClientError, 429, "RESOURCE_EXHAUSTED"),
    ("server_error", errors.ServerError, 500, "INTERNAL"),
    ("unavailable", errors.ServerError, 503, "UNAVAILABLE"),
])
async def test_http_errors_on_every_call(mock, session, scenario, error, code, status):
    mock.scenario(session, scenario)
    client = mock.client(session)

    for call in (stream(client, question()), generate(client, after_tool_call())):
        with pytest.raises(error) as caught:
            await call
        assert (caught.value.code, caught.value.status) == (code, status)
        assert caught.value.message


async def test_rate_limited_then_ok_succeeds_with_retries(mock, session):
    mock.scenario(session, "rate_limited_then_ok", failures=2)

    streamed = await stream(mock.client(session, retry=QUICK_RETRY), question())

    assert streamed.chunks[0].function_calls[0].name == "compute_indicators"
    assert len(mock.requests(session)) == 3  # two 429s, then the answer


async def test_rate_limited_then_ok_fails_without_retries(mock, session):
    mock.scenario(session, "rate_limited_then_ok")
    client = mock.client(session)

    with pytest.raises(errors.ClientError) as caught:
        await stream(client, question())
    assert caught.value.code == 429
    assert (await stream(client, question())).chunks[0].function_calls


async def test_slow_first_token_delays_every_call(mock, session):
    mock.scenario(session, "slow_first_token", seconds=0.4)
    client = mock.client(session)

    for contents in (question(), after_tool_call()):
        streamed = await stream(client, contents)
        assert streamed.arrivals[0] >= 0.4


async def test_slow_chunks_spaces_the_answer(mock, session):
    mock.scenario(session, "slow_chunks", seconds=0.25)

    streamed = await stream(mock.client(session), after_tool_call())

    assert streamed.text == expected_answer()
    assert min(streamed.gaps) >= 0.25 * 0.9


async def test_stall_times_out_a_client_with_a_short_timeout(mock, session):
    mock.scenario(session, "stall", after_chunks=2, seconds=30)
    streamed = Streamed([], [])

    with pytest.raises(httpx.ReadTimeout):
        await stream(mock.client(session, timeout_ms=600), after_tool_call(), into=streamed)
    assert len(streamed.chunks) == 2


async def test_a_stall_shorter_than_the_timeout_only_delays_the_rest(mock, session):
    mock.scenario(session, "stall", after_chunks=1, seconds=0.5)

    streamed = await stream(mock.client(session), after_tool_call())

    assert streamed.text == expected_answer()
    assert streamed.gaps[0] >= 0.5 * 0.9


async def test_cut_closes_the_connection_mid_answer(mock, session):
    mock.scenario(session, "cut", after_chunks=2)
    streamed = Streamed([], [])

    with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):
        await stream(mock.client(session), after_tool_call(), into=streamed)
    assert len(streamed.chunks) == 2
    assert all(c.candidates[0].finish_reason is None for c in streamed.chunks)


async def test_malformed_breaks_off_with_a_frame_that_is_not_json(mock, session):
    mock.scenario(session, "malformed", after_chunks=2)
    streamed = Streamed([], [])

    with pytest.raises(errors.UnknownApiResponseError, match="Failed to parse response as JSON"):
        await stream(mock.client(session), after_tool_call(), into=streamed)
    assert len(streamed.chunks) == 2


@pytest.mark.parametrize("scenario", ["stall", "cut", "malformed", "safety"])
async def test_answer_faults_leave_the_function_call_turn_alone(mock, session, scenario):
    mock.scenario(session, scenario)

    streamed = await stream(mock.client(session), question())

    assert streamed.chunks[0].function_calls[0].name == "compute_indicators"


@pytest.mark.parametrize(("scenario", "error"), [("cut", httpx.RemoteProtocolError),
                                                 ("malformed", json.JSONDecodeError)])
async def test_unary_answers_break_too(mock, session, scenario, error):
    mock.scenario(session, scenario)

    with pytest.raises(error):
        await generate(mock.client(session), after_tool_call())


async def test_unknown_tool_calls_an_undeclared_tool_first(mock, session):
    mock.scenario(session, "unknown_tool", tool="get_insider_trades")
    client = mock.client(session)

    first = await stream(client, question())
    assert first.chunks[0].function_calls == [types.FunctionCall(name="get_insider_trades", args={"symbol": "GOOG"})]
    # After a tool turn the model is itself again.
    assert (await stream(client, after_tool_call())).text == expected_answer()


async def test_safety_blocks_the_answer(mock, session):
    mock.scenario(session, "safety")

    for response in ((await stream(mock.client(session), after_tool_call())).chunks[-1],
                     await generate(mock.client(session), after_tool_call())):
        candidate = response.candidates[0]
        assert candidate.finish_reason == types.FinishReason.SAFETY
        assert candidate.content is None and response.text is None
        blocked = [r for r in candidate.safety_ratings if r.blocked]
        assert [(r.category, r.probability) for r in blocked] == [
            (types.HarmCategory.HARM_CATEGORY_DANGEROUS_CONTENT, types.HarmProbability.HIGH)]


async def test_without_a_session_header_the_model_is_normal(mock):
    streamed = await stream(mock.client(), after_tool_call())

    assert streamed.text == expected_answer()
    assert len(streamed.chunks) == SETTINGS.chunks
