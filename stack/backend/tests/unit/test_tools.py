"""The agent's tools over a stand-in for the data layer (app.market): shaping, windows,
unknown symbols. The same tools run against real Postgres/Redis in tests/api."""
import datetime as dt

import pytest

from stock_analyst import tools

SYMBOLS = {
    "AAA": {"symbol": "AAA", "name": "Triple A", "kind": "stock", "currency": "USD", "first_date": "2010-01-01",
            "last_date": "2012-12-31", "points": 0, "source": "x", "notes": ""},
    "BBB": {"symbol": "BBB", "name": "Triple B", "kind": "stock", "currency": "USD", "first_date": "2011-06-01",
            "last_date": "2013-12-31", "points": 0, "source": "x", "notes": ""},
}


def series(symbol):
    info = SYMBOLS[symbol]
    day, end = dt.date.fromisoformat(info["first_date"]), dt.date.fromisoformat(info["last_date"])
    rows, price = [], 100.0
    while day <= end:
        if day.weekday() < 5:
            price *= 1.001 if symbol == "AAA" else 0.9995
            rows.append({"date": day.isoformat(), "open": price, "high": price, "low": price, "close": price,
                         "volume": 1000})
        day += dt.timedelta(days=1)
    return rows


@pytest.fixture(autouse=True)
def fake_market(monkeypatch):
    async def list_symbols():
        return list(SYMBOLS.values()), "hit"

    async def get_symbol(symbol):
        return SYMBOLS.get(symbol.upper())

    async def known_symbols():
        return sorted(SYMBOLS)

    async def get_prices(symbol, start=None, end=None):
        rows = [r for r in series(symbol) if (not start or r["date"] >= start.isoformat())
                and (not end or r["date"] <= end.isoformat())]
        return rows, "hit"

    for name, fn in (("list_symbols", list_symbols), ("get_symbol", get_symbol), ("known_symbols", known_symbols),
                     ("get_prices", get_prices)):
        monkeypatch.setattr(tools.market, name, fn)


async def test_unknown_symbol():
    assert await tools.compute_indicators("zzz") == {"error": "unknown symbol", "symbol": "ZZZ", "known": ["AAA", "BBB"]}
    assert (await tools.get_price_history("zzz"))["error"] == "unknown symbol"


async def test_price_history_defaults_to_the_last_year_and_samples():
    result = await tools.get_price_history("aaa")
    assert result["end"] == "2012-12-31" and result["start"] == "2012-01-01"
    assert result["points"] > 200 and result["sampled"] and len(result["prices"]) == tools.MAX_POINTS
    assert result["prices"][-1]["date"] <= "2012-12-31" and result["summary"]["return_pct"] > 0


async def test_price_history_range_is_clipped_to_the_data():
    result = await tools.get_price_history("AAA", start="2000-01-01", end="2010-03-01")
    assert result["start"] == "2010-01-01" and result["end"] == "2010-03-01"
    bad = await tools.get_price_history("AAA", start="yesterday")
    assert "YYYY-MM-DD" in bad["error"]


async def test_indicators_use_history_before_the_window():
    result = await tools.compute_indicators("AAA", start="2012-06-01", end="2012-12-31")
    assert result["sma_200"] is not None and result["trend"] == "uptrend"
    assert result["points"] < 200


async def test_compare_uses_the_common_range_and_reports_unknowns():
    result = await tools.compare_symbols(["aaa", "BBB", "nope"])
    assert result["end"] == "2012-12-31" and result["start"] == "2012-01-01"
    assert [i["symbol"] for i in result["items"]] == ["AAA", "BBB"]
    assert result["unknown"] == ["NOPE"] and result["best"] == "AAA" and result["worst"] == "BBB"
    assert (await tools.compare_symbols(["x"]))["error"] == "unknown symbol"


async def test_list_symbols():
    result = await tools.list_symbols()
    assert [i["symbol"] for i in result["items"]] == ["AAA", "BBB"]


def test_no_tool_takes_a_user_from_the_model():
    """The model fills in tool arguments; a user must never be one. get_watchlist reads the
    user from ADK's invocation context (the session's owner), which ADK injects itself."""
    import inspect

    for tool in tools.ALL_TOOLS:
        params = inspect.signature(tool).parameters
        assert not {"user", "user_id", "username", "owner"} & set(params), tool.__name__
    assert list(inspect.signature(tools.get_watchlist).parameters) == ["tool_context"]


async def test_get_watchlist_is_the_sessions_owners(monkeypatch):
    from types import SimpleNamespace

    asked = []

    async def symbols_for_user(user_id):
        asked.append(user_id)
        return [{"name": "w", "symbols": ["AAA"]}]

    monkeypatch.setattr(tools.watchlists, "symbols_for_user", symbols_for_user)
    assert await tools.get_watchlist(SimpleNamespace(user_id="alice")) == {"items": [{"name": "w", "symbols": ["AAA"]}]}
    assert asked == ["alice"]
