"""What the agent sends: its tools, a question, and the turn after a tool call; and the
client calls, timed."""
from __future__ import annotations

import time
from dataclasses import dataclass

import analyst
from google import genai
from google.genai import types

MODEL = "gemini-2.5-flash"
QUESTION = "How is GOOG doing?"
# compute_indicators' answer for GOOG, as the backend's tool returns it.
INDICATORS = {
    "symbol": "GOOG", "name": "Alphabet Inc.", "currency": "USD", "start": "2017-06-01", "end": "2018-06-01",
    "points": 251, "last_close": 1135.0, "sma_20": 1090.1, "sma_50": 1060.5, "sma_200": 1040.2, "ema_12": 1100.3,
    "ema_26": 1085.7, "rsi_14": 61.2, "rsi_signal": "neutral", "trend": "uptrend", "return_pct": 18.4,
    "volatility": 0.23, "max_drawdown_pct": 14.1, "high": 1187.6, "low": 905.0,
}
TOOL_NAMES = ["get_price_history", "compute_indicators", "compare_symbols", "get_watchlist", "list_symbols"]
SYMBOL_SCHEMA = types.Schema(type=types.Type.OBJECT, properties={"symbol": types.Schema(type=types.Type.STRING)})


def config(tools: list[str] = TOOL_NAMES) -> types.GenerateContentConfig:
    return types.GenerateContentConfig(
        system_instruction="You are a stock analyst.",
        tools=[types.Tool(function_declarations=[
            types.FunctionDeclaration(name=name, description=f"The {name} tool.", parameters=SYMBOL_SCHEMA)
            for name in tools
        ])] if tools else None,
    )


def question(text: str = QUESTION) -> list[types.Content]:
    return [types.Content(role="user", parts=[types.Part(text=text)])]


def after_tool_call() -> list[types.Content]:
    """The question, the model's call of compute_indicators, and the tool's response."""
    return [
        *question(),
        types.Content(role="model", parts=[types.Part(function_call=types.FunctionCall(
            name="compute_indicators", args={"symbol": "GOOG"}))]),
        types.Content(role="user", parts=[types.Part(function_response=types.FunctionResponse(
            name="compute_indicators", response=INDICATORS))]),
    ]


def expected_answer() -> str:
    answer = analyst.next_step(QUESTION, [("compute_indicators", INDICATORS)], 1, set(TOOL_NAMES))
    assert isinstance(answer, str)
    return answer


@dataclass
class Streamed:
    chunks: list[types.GenerateContentResponse]
    arrivals: list[float]  # seconds after the call, one per chunk

    @property
    def text(self) -> str:
        return "".join(chunk.text or "" for chunk in self.chunks)

    @property
    def gaps(self) -> list[float]:
        return [b - a for a, b in zip(self.arrivals, self.arrivals[1:], strict=False)]


async def stream(client: genai.Client, contents: list[types.Content],
                 cfg: types.GenerateContentConfig | None = None, into: Streamed | None = None) -> Streamed:
    """streamGenerateContent; chunks land in `into` as they arrive, so that a test still sees
    them when the stream fails."""
    streamed = into if into is not None else Streamed([], [])
    started = time.monotonic()
    async for chunk in await client.aio.models.generate_content_stream(
            model=MODEL, contents=contents, config=cfg or config()):
        streamed.arrivals.append(time.monotonic() - started)
        streamed.chunks.append(chunk)
    return streamed


async def generate(client: genai.Client, contents: list[types.Content],
                   cfg: types.GenerateContentConfig | None = None) -> types.GenerateContentResponse:
    """generateContent (unary)."""
    return await client.aio.models.generate_content(model=MODEL, contents=contents, config=cfg or config())
