"""The agent's tools. Each reads Postgres through the Redis cache (app.market) and returns
a JSON-able dict; problems come back as {"error": ...} so the model can explain them."""
# No `from __future__ import annotations`: ADK builds the tool schemas from real annotations.
import datetime as dt
from typing import Any, Optional

from google.adk.tools.tool_context import ToolContext

from app import indicators, market, watchlists

DEFAULT_WINDOW_DAYS = 365
MAX_POINTS = 60
WARMUP_DAYS = 420  # calendar days of history before the window, for SMA-200 and RSI


def _parse_date(value: Optional[str], field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise ValueError(f"{field} must be a date as YYYY-MM-DD, got {value!r}") from exc


async def _unknown(symbol: str) -> dict[str, Any]:
    return {"error": "unknown symbol", "symbol": symbol.upper(), "known": await market.known_symbols()}


async def _window(info: dict[str, Any], start: Optional[str], end: Optional[str]) -> tuple[dt.date, dt.date]:
    """The requested range clipped to the data; by default the last year of the data."""
    first = dt.date.fromisoformat(info["first_date"])
    last = dt.date.fromisoformat(info["last_date"])
    start_d, end_d = _parse_date(start, "start"), _parse_date(end, "end")
    end_d = min(end_d or last, last)
    start_d = max(start_d or (end_d - dt.timedelta(days=DEFAULT_WINDOW_DAYS)), first)
    if start_d > end_d:
        raise ValueError(f"no {info['symbol']} data in that range: it covers {info['first_date']} to {info['last_date']}")
    return start_d, end_d


def _sample(rows: list[dict[str, Any]], limit: int = MAX_POINTS) -> list[dict[str, Any]]:
    if len(rows) <= limit:
        return rows
    step = (len(rows) - 1) / (limit - 1)
    return [rows[round(i * step)] for i in range(limit)]


async def list_symbols() -> dict:
    """Lists every symbol with price data: name, kind, currency and the dates covered.

    Returns:
        {"items": [{"symbol", "name", "kind", "currency", "first_date", "last_date", "points"}]}
    """
    items, _ = await market.list_symbols()
    keys = ("symbol", "name", "kind", "currency", "first_date", "last_date", "points")
    return {"items": [{k: item[k] for k in keys} for item in items]}


async def get_price_history(symbol: str, start: Optional[str] = None, end: Optional[str] = None) -> dict:
    """Gets the daily closing prices of one symbol over a date range.

    Args:
        symbol: Ticker symbol, e.g. "GOOG".
        start: First day, YYYY-MM-DD. Default: one year before `end`.
        end: Last day, YYYY-MM-DD. Default: the last day with data.

    Returns:
        {"symbol", "start", "end", "points", "summary", "prices": [{"date", "close", ...}]}; long ranges
        are sampled down to at most 60 prices.
    """
    info = await market.get_symbol(symbol)
    if info is None:
        return await _unknown(symbol)
    try:
        start_d, end_d = await _window(info, start, end)
    except ValueError as exc:
        return {"error": str(exc), "symbol": info["symbol"]}
    rows, _ = await market.get_prices(info["symbol"], start_d, end_d)
    rows = rows or []
    closes = [r["close"] for r in rows]
    sampled = _sample(rows)
    return {
        "symbol": info["symbol"], "name": info["name"], "currency": info["currency"],
        "start": start_d.isoformat(), "end": end_d.isoformat(), "points": len(rows),
        "sampled": len(sampled) < len(rows),
        "summary": {
            "first_close": closes[0] if closes else None, "last_close": closes[-1] if closes else None,
            "high": max(closes) if closes else None, "low": min(closes) if closes else None,
            "return_pct": round((closes[-1] / closes[0] - 1) * 100, 2) if len(closes) > 1 else None,
        },
        "prices": [{"date": r["date"], "close": r["close"], "volume": r["volume"]} for r in sampled],
    }


async def _indicators(info: dict[str, Any], start: Optional[str], end: Optional[str]) -> dict[str, Any]:
    start_d, end_d = await _window(info, start, end)
    rows, _ = await market.get_prices(info["symbol"], start_d - dt.timedelta(days=WARMUP_DAYS), end_d)
    rows = rows or []
    all_closes = [r["close"] for r in rows]
    window_closes = [r["close"] for r in rows if r["date"] >= start_d.isoformat()]
    at_end = indicators.summarize(all_closes)
    in_window = indicators.summarize(window_closes)
    return {
        "symbol": info["symbol"], "name": info["name"], "currency": info["currency"],
        "start": start_d.isoformat(), "end": end_d.isoformat(), "points": len(window_closes),
        "last_close": at_end["last_close"], "sma_20": at_end["sma_20"], "sma_50": at_end["sma_50"],
        "sma_200": at_end["sma_200"], "ema_12": at_end["ema_12"], "ema_26": at_end["ema_26"],
        "rsi_14": at_end["rsi_14"], "rsi_signal": at_end["rsi_signal"], "trend": at_end["trend"],
        "return_pct": in_window["return_pct"], "volatility": in_window["volatility"],
        "max_drawdown_pct": in_window["max_drawdown_pct"], "high": in_window["high"], "low": in_window["low"],
    }


async def compute_indicators(symbol: str, start: Optional[str] = None, end: Optional[str] = None) -> dict:
    """Computes technical indicators for one symbol at the end of a date range: SMA 20/50/200,
    EMA 12/26, RSI 14, annualized volatility, return and max drawdown over the range, and the trend
    (uptrend, downtrend or sideways) over the last 50 trading days to the end of the range.

    Args:
        symbol: Ticker symbol, e.g. "MSFT".
        start: First day of the range, YYYY-MM-DD. Default: one year before `end`.
        end: Last day of the range, YYYY-MM-DD. Default: the last day with data.
    """
    info = await market.get_symbol(symbol)
    if info is None:
        return await _unknown(symbol)
    try:
        return await _indicators(info, start, end)
    except ValueError as exc:
        return {"error": str(exc), "symbol": info["symbol"]}


async def compare_symbols(symbols: list[str], start: Optional[str] = None, end: Optional[str] = None) -> dict:
    """Compares several symbols over the same date range: return, volatility, drawdown, and the
    trend over the last 50 trading days to the end of the range.

    Args:
        symbols: Two or more ticker symbols, e.g. ["GOOG", "MSFT"].
        start: First day, YYYY-MM-DD. Default: one year before `end`.
        end: Last day, YYYY-MM-DD. Default: the last day that every symbol has data for.
    """
    wanted = list(dict.fromkeys(s.strip().upper() for s in symbols if s and s.strip()))
    if not wanted:
        return {"error": "no symbols given", "known": await market.known_symbols()}
    infos, unknown = [], []
    for symbol in wanted[:10]:
        info = await market.get_symbol(symbol)
        (infos.append(info) if info else unknown.append(symbol))
    result: dict[str, Any] = {"items": [], "unknown": unknown}
    if unknown:
        result["known"] = await market.known_symbols()
    if not infos:
        result["error"] = "unknown symbol" if len(unknown) == 1 else "unknown symbols"
        return result
    # The common range of all the symbols, then the requested window inside it.
    common = {
        "symbol": "+".join(i["symbol"] for i in infos), "first_date": max(i["first_date"] for i in infos),
        "last_date": min(i["last_date"] for i in infos),
    }
    if common["first_date"] > common["last_date"]:
        result["error"] = "these symbols have no dates in common"
        return result
    try:
        start_d, end_d = await _window(common, start, end)
    except ValueError as exc:
        result["error"] = str(exc)
        return result
    for info in infos:
        data = await _indicators(info, start_d.isoformat(), end_d.isoformat())
        keys = ("symbol", "name", "return_pct", "volatility", "max_drawdown_pct", "last_close", "rsi_14", "trend")
        result["items"].append({k: data[k] for k in keys})
    result["start"], result["end"] = start_d.isoformat(), end_d.isoformat()
    ranked = sorted((i for i in result["items"] if i["return_pct"] is not None), key=lambda i: i["return_pct"])
    if ranked:
        result["best"], result["worst"] = ranked[-1]["symbol"], ranked[0]["symbol"]
    return result


async def get_watchlist(tool_context: ToolContext) -> dict:
    """Gets the current user's watchlists and the symbols in each.

    Returns:
        {"items": [{"name", "symbols"}]}
    """
    return {"items": await watchlists.symbols_for_user(tool_context.user_id)}


ALL_TOOLS = [get_price_history, compute_indicators, compare_symbols, get_watchlist, list_symbols]
