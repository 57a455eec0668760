"""The analyst's reasoning (analyst.py) and the offline model: tool choice from the prompt, paced streaming."""
import time

import pytest
from google.adk.models.llm_request import LlmRequest
from google.genai import types

from app.indicators import TREND_DAYS
from stock_analyst.analyst import (
    TREND_SPAN, describe, extract_dates, extract_symbols, plan_first_calls, plan_follow_up, split_chunks,
)
from stock_analyst.offline_llm import OfflineLlm


def user(text):
    return types.Content(role="user", parts=[types.Part(text=text)])


def call(name, args):
    return types.Content(role="model", parts=[types.Part(function_call=types.FunctionCall(name=name, args=args))])


def response(name, payload):
    return types.Content(role="user", parts=[types.Part(
        function_response=types.FunctionResponse(name=name, response=payload))])


INDICATORS = {
    "symbol": "GOOG", "name": "Alphabet", "currency": "USD", "start": "2012-03-01", "end": "2013-03-01",
    "points": 250, "last_close": 806.19, "sma_20": 790.0, "sma_50": 751.37, "sma_200": 678.89, "rsi_14": 68.0,
    "rsi_signal": "neutral", "trend": "uptrend", "return_pct": 29.5, "volatility": 0.217,
    "max_drawdown_pct": -15.7, "high": 810.0, "low": 560.0,
}


async def collect(llm, contents, stream=True):
    out = []
    async for item in llm.generate_content_async(LlmRequest(contents=contents), stream=stream):
        out.append((time.monotonic(), item))
    return out


@pytest.mark.parametrize("text, expected", [
    ("How is GOOG doing?", ["GOOG"]),
    ("Compare Google and $MSFT vs TSLA", ["GOOG", "MSFT", "TSLA"]),
    ("what about the s&p 500 and nasdaq?", ["SPX", "IXIC"]),
    ("oil prices in 2008", ["WTI"]),
    ("msft RSI and SMA please", ["MSFT"]),
    ("I want A analysis", []),
])
def test_extract_symbols(text, expected):
    assert extract_symbols(text) == expected


def test_extract_dates():
    assert extract_dates("from 2008-01-01 to 2009-06-30") == ("2008-01-01", "2009-06-30")
    assert extract_dates("in 2010") == ("2010-01-01", "2010-12-31")
    assert extract_dates("between 2005 and 2007") == ("2005-01-01", "2007-12-31")
    assert extract_dates("lately") == (None, None)


@pytest.mark.parametrize("text, name, args", [
    ("How is GOOG doing?", "compute_indicators", {"symbol": "GOOG"}),
    ("GOOG price history in 2010", "get_price_history", {"symbol": "GOOG", "start": "2010-01-01", "end": "2010-12-31"}),
    ("Compare MSFT and GOOG", "compare_symbols", {"symbols": ["MSFT", "GOOG"]}),
    ("analyse my watchlist", "get_watchlist", {}),
    ("what can you do?", "list_symbols", {}),
    ("How is TSLA doing?", "compute_indicators", {"symbol": "TSLA"}),
])
def test_plan_first_calls(text, name, args):
    assert plan_first_calls(text) == [(name, args)]


def test_watchlist_follow_up():
    lists = {"items": [{"name": "a", "symbols": ["GOOG", "MSFT"]}, {"name": "b", "symbols": ["MSFT"]}]}
    assert plan_follow_up("my watchlist", [("get_watchlist", lists)]) == [("compare_symbols", {"symbols": ["GOOG", "MSFT"]})]
    assert plan_follow_up("my watchlist", [("get_watchlist", {"items": []})]) == []
    assert plan_follow_up("x", [("compute_indicators", INDICATORS)]) == []


def test_split_chunks_rejoin_exactly():
    text = "Alpha beta, gamma.\n\nDelta epsilon zeta eta theta iota kappa."
    for count in (1, 3, 8, 100):
        chunks = split_chunks(text, count)
        assert "".join(chunks) == text
        assert len(chunks) == min(count, len(text.split()))


async def test_first_turn_is_a_function_call():
    out = await collect(OfflineLlm(chunk_delay_ms=0), [user("How is GOOG doing?")])
    assert len(out) == 1
    resp = out[0][1]
    assert resp.partial is False and resp.usage_metadata is not None
    fc = resp.content.parts[0].function_call
    assert (fc.name, dict(fc.args)) == ("compute_indicators", {"symbol": "GOOG"})


async def test_answer_streams_paced_chunks_then_the_whole_text():
    llm = OfflineLlm(chunk_delay_ms=40, chunks=4)
    contents = [user("How is GOOG doing?"), call("compute_indicators", {"symbol": "GOOG"}),
                response("compute_indicators", INDICATORS)]
    started = time.monotonic()
    out = await collect(llm, contents)
    partials = [r for _, r in out if r.partial]
    final = out[-1][1]
    assert len(partials) == 4
    assert final.partial is False and final.finish_reason == types.FinishReason.STOP
    assert "".join(p.content.parts[0].text for p in partials) == final.content.parts[0].text
    assert "806.19 USD" in final.content.parts[0].text
    assert "Trend over the last 50 trading days: uptrend." in final.content.parts[0].text
    times = [t - started for t, r in out if r.partial]
    assert times[0] >= 0.035 and all(b - a >= 0.03 for a, b in zip(times, times[1:]))


def test_the_trend_says_which_days_it_covers():
    """A falling year can end in an uptrend: the text says the trend is the recent one."""
    assert TREND_SPAN == f"the last {TREND_DAYS} trading days"
    falling_year = {**INDICATORS, "return_pct": -10.85, "trend": "uptrend"}
    assert "-10.8% over the period" in describe("compute_indicators", falling_year)
    assert "Trend over the last 50 trading days: uptrend." in describe("compute_indicators", falling_year)
    comparison = {"start": "2012-03-01", "end": "2013-03-01", "unknown": [], "best": "GOOG", "worst": "MSFT",
                  "items": [{"symbol": "MSFT", "return_pct": -10.85, "volatility": 0.2169,
                             "max_drawdown_pct": -20.1, "trend": "uptrend"}]}
    assert ("- MSFT: -10.8% return, 21.7% volatility, -20.1% max drawdown, uptrend over the last 50 trading days."
            in describe("compare_symbols", comparison))


async def test_unknown_symbol_is_explained():
    unknown = {"error": "unknown symbol", "symbol": "TSLA", "known": ["GOOG", "MSFT"]}
    out = await collect(OfflineLlm(chunk_delay_ms=0), [user("TSLA?"), call("compute_indicators", {"symbol": "TSLA"}),
                                                       response("compute_indicators", unknown)])
    text = out[-1][1].content.parts[0].text
    assert "no price data for TSLA" in text and "GOOG, MSFT" in text


async def test_what_once_were_test_markers_are_ordinary_text():
    """A user who types `#fail` or `#slow` gets an answer like anyone else, at once."""
    llm = OfflineLlm(chunk_delay_ms=0, chunks=5)
    contents = [user("GOOG #fail #slow=30"), call("compute_indicators", {"symbol": "GOOG"}),
                response("compute_indicators", INDICATORS)]
    started = time.monotonic()
    out = await collect(llm, contents)
    assert time.monotonic() - started < 1
    assert out[-1][1].finish_reason == types.FinishReason.STOP and len(out) == 6


async def test_non_streaming_gives_one_response():
    contents = [user("GOOG"), call("compute_indicators", {"symbol": "GOOG"}), response("compute_indicators", INDICATORS)]
    out = await collect(OfflineLlm(chunk_delay_ms=0), contents, stream=False)
    assert len(out) == 1 and out[0][1].partial is False


async def test_second_question_in_a_session_starts_over():
    contents = [user("GOOG"), call("compute_indicators", {"symbol": "GOOG"}),
                response("compute_indicators", INDICATORS),
                types.Content(role="model", parts=[types.Part(text="GOOG is up.")]), user("and MSFT?")]
    out = await collect(OfflineLlm(chunk_delay_ms=0), contents)
    assert out[0][1].content.parts[0].function_call.args == {"symbol": "MSFT"}
