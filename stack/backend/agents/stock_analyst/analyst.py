"""The analyst's reasoning, shared by every model that stands in for Gemini.

Pure Python (no ADK, no google-genai), so that both the offline demo model
(`offline_llm.py`) and the Gemini-API-compatible test server (`stack/gemini-mock/`) give
the same answers: from the user's question it picks tools and arguments, may chain a
second call (the watchlist, then a comparison of its symbols), and writes its analysis from
the tool results.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

# What a model knows about company names; symbols absent from the data are reported as unknown.
ALIASES = {
    "google": "GOOG", "alphabet": "GOOG", "microsoft": "MSFT", "s&p 500": "SPX", "s&p500": "SPX",
    "s&p": "SPX", "sp500": "SPX", "sp 500": "SPX", "nasdaq": "IXIC", "crude oil": "WTI", "oil": "WTI",
    "crude": "WTI", "apple": "AAPL", "amazon": "AMZN", "tesla": "TSLA", "netflix": "NFLX", "nvidia": "NVDA",
    "facebook": "META", "ibm": "IBM",
}
# Lower-case tickers people type; upper-case words are taken as tickers anyway.
LOWER_TICKERS = {"goog", "msft", "spx", "ixic", "wti", "aapl", "amzn", "tsla", "nflx", "nvda", "meta"}
NOT_TICKERS = {
    "I", "A", "AN", "AND", "OR", "THE", "VS", "RSI", "SMA", "EMA", "MACD", "USD", "ETF", "YTD", "CEO", "AI",
    "OK", "US", "USA", "IPO", "EPS", "PE", "ATH", "EU", "UK", "API", "SSE", "JSON", "IS", "IT", "OF", "TO",
    "IN", "ON", "FOR", "ME", "MY", "WHAT", "HOW", "WHY", "PLEASE", "TLDR", "FAQ", "NOT", "BUY", "SELL", "HOLD",
    "DO", "GO", "AM", "PM", "ALL", "ANY", "VOL", "MA", "DAY", "DAYS", "YEAR", "Q1", "Q2", "Q3", "Q4",
}
_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_TICKER = re.compile(r"(?<![\w$])\$?([A-Z][A-Z0-9]{0,5}(?:\.[A-Z])?)\b")
MAX_TOOL_TURNS = 3
# What a tool's `trend` covers (app.indicators.trend): the direction of the last 50 closes up to
# the range's end, which can differ from the return over the whole range.
TREND_SPAN = "the last 50 trading days"


def extract_symbols(text: str) -> list[str]:
    """Ticker symbols in the order they appear: company names, $TICKERS, upper-case words."""
    found: list[tuple[int, str]] = []
    lowered = text.lower()
    for alias, symbol in sorted(ALIASES.items(), key=lambda kv: -len(kv[0])):
        for match in re.finditer(rf"(?<![\w&]){re.escape(alias)}(?![\w&])", lowered):
            found.append((match.start(), symbol))
            lowered = lowered[: match.start()] + " " * len(alias) + lowered[match.end():]
    for match in re.finditer(r"\b[a-z]{3,5}\b", lowered):
        if match.group(0) in LOWER_TICKERS:
            found.append((match.start(), match.group(0).upper()))
    for match in _TICKER.finditer(text):
        word = match.group(1)
        if word not in NOT_TICKERS and not (len(word) == 1 and not match.group(0).startswith("$")):
            found.append((match.start(), word))
    return list(dict.fromkeys(symbol for _, symbol in sorted(found)))


def extract_dates(text: str) -> tuple[str | None, str | None]:
    isos = sorted(_ISO_DATE.findall(text))
    valid = []
    for value in isos:
        try:
            dt.date.fromisoformat(value)
            valid.append(value)
        except ValueError:
            pass
    if len(valid) >= 2:
        return valid[0], valid[-1]
    rest = _ISO_DATE.sub(" ", text)
    years = sorted(set(_YEAR.findall(rest)))
    if valid:
        return valid[0], (f"{years[-1]}-12-31" if years and years[-1] > valid[0][:4] else None)
    if years:
        return f"{years[0]}-01-01", f"{years[-1]}-12-31"
    return None, None


def plan_first_calls(question: str) -> list[tuple[str, dict[str, Any]]]:
    """The tool calls a model would make for this question (empty: answer directly)."""
    symbols = extract_symbols(question)
    start, end = extract_dates(question)
    dates = {k: v for k, v in (("start", start), ("end", end)) if v}
    if re.search(r"watch\s?-?lists?", question, re.I):
        return [("get_watchlist", {})]
    if len(symbols) >= 2:
        return [("compare_symbols", {"symbols": symbols, **dates})]
    if len(symbols) == 1:
        if re.search(r"\b(price|prices|history|historical|chart|closes?|closing|quote|performance)\b", question, re.I):
            return [("get_price_history", {"symbol": symbols[0], **dates})]
        return [("compute_indicators", {"symbol": symbols[0], **dates})]
    return [("list_symbols", {})]


def plan_follow_up(question: str, results: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """A second step after the watchlist: analyse what is on it."""
    called = {name for name, _ in results}
    if called != {"get_watchlist"}:
        return []
    symbols: list[str] = []
    for _, response in results:
        for item in response.get("items", []):
            symbols.extend(item.get("symbols", []))
    symbols = list(dict.fromkeys(symbols))[:10]
    start, end = extract_dates(question)
    dates = {k: v for k, v in (("start", start), ("end", end)) if v}
    if len(symbols) >= 2:
        return [("compare_symbols", {"symbols": symbols, **dates})]
    if len(symbols) == 1:
        return [("compute_indicators", {"symbol": symbols[0], **dates})]
    return []


def _money(value: Any, currency: str = "USD") -> str:
    if value is None:
        return "n/a"
    return f"{value:,.2f} {currency}" if currency else f"{value:,.2f}"


def _pct(value: Any, signed: bool = True) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.1f}%" if signed else f"{value:.1f}%"


def _above(price: Any, average: Any) -> str:
    if price is None or average is None:
        return "not comparable with"
    return "above" if price >= average else "below"


def _unknown_text(response: dict[str, Any]) -> str:
    missing = response.get("unknown") or [response.get("symbol")]
    known = ", ".join(response.get("known", []))
    return f"I have no price data for {', '.join(m for m in missing if m)}. The symbols I can analyse are: {known}."


def describe(name: str, response: dict[str, Any]) -> str:
    """One paragraph about one tool result."""
    if name == "list_symbols":
        items = response.get("items", [])
        listing = "; ".join(
            f"{i['symbol']} ({i['name']}, {i['first_date']} to {i['last_date']})" for i in items
        )
        return f"I have daily price history for {len(items)} symbols: {listing}. Which one should I analyse?"
    if name == "get_watchlist":
        items = response.get("items", [])
        if not items:
            return "You have no watchlists yet, so there is nothing to analyse there. Create one and ask again."
        lists = "; ".join(f"{w['name']}: {', '.join(w['symbols']) or 'empty'}" for w in items)
        return f"Your watchlists: {lists}."
    if response.get("error") and not response.get("items"):
        if "unknown" in str(response.get("error")):
            return _unknown_text(response)
        return f"I could not analyse that: {response['error']}."
    if name == "get_price_history":
        s = response.get("summary", {})
        cur = response.get("currency", "")
        return (
            f"{response['name']} ({response['symbol']}) closed at {_money(s.get('last_close'), cur)} on "
            f"{response['end']}, against {_money(s.get('first_close'), cur)} on {response['start']}: "
            f"{_pct(s.get('return_pct'))} over {response['points']} trading days, trading between "
            f"{_money(s.get('low'), cur)} and {_money(s.get('high'), cur)}."
        )
    if name == "compute_indicators":
        r, cur = response, response.get("currency", "")
        vol = None if r.get("volatility") is None else r["volatility"] * 100
        rsi = "n/a" if r.get("rsi_14") is None else f"{r['rsi_14']:.0f}"
        return (
            f"{r['name']} ({r['symbol']}), {r['start']} to {r['end']}: the last close was "
            f"{_money(r.get('last_close'), cur)}, {_pct(r.get('return_pct'))} over the period, with a maximum "
            f"drawdown of {_pct(r.get('max_drawdown_pct'), False)}. It trades {_above(r.get('last_close'), r.get('sma_50'))} "
            f"its 50-day average ({_money(r.get('sma_50'), '')}) and {_above(r.get('last_close'), r.get('sma_200'))} "
            f"its 200-day average ({_money(r.get('sma_200'), '')}). RSI(14) is {rsi}, which is "
            f"{r.get('rsi_signal', 'unknown')}. Annualized volatility is {_pct(vol, False)}. "
            f"Trend over {TREND_SPAN}: {r.get('trend', 'unknown')}."
        )
    if name == "compare_symbols":
        lines = [f"Comparison from {response.get('start')} to {response.get('end')}:"]
        for item in response.get("items", []):
            vol = None if item.get("volatility") is None else item["volatility"] * 100
            lines.append(
                f"- {item['symbol']}: {_pct(item.get('return_pct'))} return, {_pct(vol, False)} volatility, "
                f"{_pct(item.get('max_drawdown_pct'), False)} max drawdown, {item.get('trend')} over {TREND_SPAN}."
            )
        if response.get("best") and response.get("best") != response.get("worst"):
            lines.append(f"Best performer: {response['best']}; weakest: {response['worst']}.")
        text = "\n".join(lines)
        if response.get("unknown"):
            text += "\n" + _unknown_text(response)
        return text
    return f"{name}: {response}"


def compose_answer(results: list[tuple[str, dict[str, Any]]]) -> str:
    paragraphs = [describe(name, response) for name, response in results]
    analysed = any(
        name in ("compute_indicators", "compare_symbols", "get_price_history") and not response.get("error")
        for name, response in results
    )
    if analysed:
        paragraphs.append("This is an analysis of historical prices, not investment advice.")
    return "\n\n".join(p for p in paragraphs if p)


def split_chunks(text: str, count: int) -> list[str]:
    """`count` pieces at word boundaries (fewer for short texts); joined, they are `text`."""
    words = re.findall(r"\S+\s*|\s+", text)
    count = max(1, min(count, len(words)))
    size, extra = divmod(len(words), count)
    chunks, index = [], 0
    for i in range(count):
        n = size + (1 if i < extra else 0)
        chunks.append("".join(words[index:index + n]))
        index += n
    return [c for c in chunks if c]


GREETING = "Ask me about a stock, for example: \"How is GOOG doing?\" or \"Compare MSFT and GOOG in 2010\"."


def next_step(question: str, results: list[tuple[str, dict[str, Any]]], tool_turns: int,
              available: set[str] | None = None) -> list[tuple[str, dict[str, Any]]] | str:
    """What the model does now: the tool calls to make, or (a string) the whole answer."""
    calls: list[tuple[str, dict[str, Any]]] = []
    if tool_turns == 0:
        calls = plan_first_calls(question)
    elif tool_turns < MAX_TOOL_TURNS:
        calls = plan_follow_up(question, results)
    if available is not None:
        calls = [call for call in calls if call[0] in available]
    if calls:
        return calls
    return compose_answer(results) if results else GREETING


def token_counts(prompt: str, answer: str) -> tuple[int, int]:
    """Prompt and answer tokens, estimated as a model would count them (about 4 characters each)."""
    return max(1, len(prompt) // 4), max(1, len(answer) // 4)
