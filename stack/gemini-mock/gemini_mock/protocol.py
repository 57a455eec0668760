"""The Gemini REST wire format (v1beta, camelCase JSON), both ways.

Reading: a GenerateContentRequest as google-genai sends it becomes a `Conversation`.
Writing: a model `Turn` becomes GenerateContentResponse payloads, one per SSE frame or one
for a unary call; errors are {"error": {"code", "message", "status"}} as Gemini sends them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

API_KEY_HEADER = "x-goog-api-key"
SESSION_HEADER = "x-stock-analyst-session"

ERROR_STATUS = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED",
                500: "INTERNAL", 503: "UNAVAILABLE"}
ERROR_MESSAGE = {
    429: "Resource has been exhausted (e.g. check quota).",
    500: "An internal error has occurred. Please retry or report in "
         "https://developers.generativeai.google/guide/troubleshooting",
    503: "The model is overloaded. Please try again later.",
}
BAD_KEY_MESSAGE = "API key not valid. Please pass a valid API key."
# What a blocked answer reports: the category that blocked it, and the ones that did not.
SAFETY_RATINGS = [
    {"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True},
    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"},
]


class RequestError(ValueError):
    """The request body is not a GenerateContentRequest this server understands."""


@dataclass(frozen=True)
class Conversation:
    """What the model needs from a request, in the terms of analyst.next_step."""

    question: str
    results: list[tuple[str, dict[str, Any]]]
    tool_turns: int
    declared_tools: set[str]
    prompt_text: str  # everything the model reads, for the token count


@dataclass(frozen=True)
class Turn:
    """What the model says in one call: function calls, answer text in chunks, or a block."""

    calls: list[tuple[str, dict[str, Any]]]
    chunks: list[str]
    blocked: bool
    prompt_tokens: int
    answer_tokens: int

    @property
    def kind(self) -> str:
        return "function_call" if self.calls else "blocked" if self.blocked else "answer"


def _list_of_objects(value: Any, what: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise RequestError(f"Invalid JSON payload received. {what} must be a list of objects.")
    return value


def _text(parts: list[dict[str, Any]]) -> str:
    return "".join(p["text"] for p in parts if isinstance(p.get("text"), str) and not p.get("thought"))


def _part_text(part: dict[str, Any]) -> str:
    for key in ("functionCall", "functionResponse"):
        if key in part:
            return json.dumps(part[key], sort_keys=True)
    return part.get("text") if isinstance(part.get("text"), str) else ""


def read_conversation(body: Any) -> Conversation:
    """The question of this turn (the last user text), the tool results received since, the
    number of tool turns since, and the tools the request declares."""
    if not isinstance(body, dict):
        raise RequestError("Invalid JSON payload received. Expected a GenerateContentRequest object.")
    contents = _list_of_objects(body.get("contents"), "contents")
    if not contents:
        raise RequestError("* GenerateContentRequest.contents: contents is not specified")
    parts_of = [_list_of_objects(c.get("parts"), "contents[].parts") for c in contents]
    question_at = -1
    for index, (content, parts) in enumerate(zip(contents, parts_of, strict=True)):
        if content.get("role") == "user" and _text(parts) and not any("functionResponse" in p for p in parts):
            question_at = index
    results: list[tuple[str, dict[str, Any]]] = []
    tool_turns = 0
    for parts in parts_of[question_at + 1:]:
        tool_turns += any("functionCall" in p for p in parts)
        for part in parts:
            if isinstance(response := part.get("functionResponse"), dict):
                result = response.get("response")
                results.append((str(response.get("name", "")), result if isinstance(result, dict) else {}))
    declared = {
        str(declaration.get("name"))
        for tool in _list_of_objects(body.get("tools"), "tools")
        for declaration in _list_of_objects(tool.get("functionDeclarations"), "tools[].functionDeclarations")
    }
    system = body.get("systemInstruction")
    system_parts = _list_of_objects(system.get("parts"), "systemInstruction.parts") if isinstance(system, dict) else []
    prompt = "\n".join(_part_text(p) for parts in [system_parts, *parts_of] for p in parts)
    return Conversation(
        question=_text(parts_of[question_at]) if question_at >= 0 else "",
        results=results, tool_turns=tool_turns, declared_tools=declared, prompt_text=prompt,
    )


def _usage(turn: Turn, final: bool) -> dict[str, int]:
    """Gemini's usage: the prompt count on every chunk, the answer's only on the last."""
    if not final or turn.blocked:
        return {"promptTokenCount": turn.prompt_tokens, "totalTokenCount": turn.prompt_tokens}
    return {"promptTokenCount": turn.prompt_tokens, "candidatesTokenCount": turn.answer_tokens,
            "totalTokenCount": turn.prompt_tokens + turn.answer_tokens}


def _payload(turn: Turn, parts: list[dict[str, Any]], final: bool, model: str, response_id: str) -> dict[str, Any]:
    candidate: dict[str, Any] = {"index": 0}
    if turn.blocked:
        candidate |= {"finishReason": "SAFETY", "safetyRatings": SAFETY_RATINGS}
    else:
        candidate["content"] = {"role": "model", "parts": parts}
        if final:
            candidate["finishReason"] = "STOP"
    return {"candidates": [candidate], "usageMetadata": _usage(turn, final),
            "modelVersion": model, "responseId": response_id}


def _call_parts(turn: Turn) -> list[dict[str, Any]]:
    return [{"functionCall": {"name": name, "args": args}} for name, args in turn.calls]


def stream_payloads(turn: Turn, model: str, response_id: str) -> list[dict[str, Any]]:
    """The frames of streamGenerateContent: function calls in one, text in one per chunk."""
    if turn.calls or turn.blocked:
        return [_payload(turn, _call_parts(turn), True, model, response_id)]
    last = len(turn.chunks) - 1
    return [_payload(turn, [{"text": chunk}], i == last, model, response_id) for i, chunk in enumerate(turn.chunks)]


def unary_payload(turn: Turn, model: str, response_id: str) -> dict[str, Any]:
    """The one response of generateContent."""
    parts = _call_parts(turn) if turn.calls else [{"text": "".join(turn.chunks)}]
    return _payload(turn, parts, True, model, response_id)


def error_payload(code: int, message: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message or ERROR_MESSAGE[code], "status": ERROR_STATUS[code]}}


def sse_frame(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\r\n\r\n"
