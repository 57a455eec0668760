"""A deterministic offline model implementing ADK's BaseLlm: the demo model for machines
without a Gemini key.

It reasons as `analyst.py` does (tools from the question, the answer from their results)
and calls the tools with real function calls (ADK runs them and sends back real function
responses). It streams the answer as `partial` chunks with a configurable delay, followed
by the whole text once more (partial=False, finish_reason STOP), the way ADK turns a
Gemini stream into events. It has no failure modes: model faults are tested on the
Gemini path, against a Gemini-API-compatible server (`stack/gemini-mock/`).
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from google.adk.models.base_llm import BaseLlm
from google.adk.models.llm_request import LlmRequest
from google.adk.models.llm_response import LlmResponse
from google.adk.models.registry import LLMRegistry
from google.genai import types

from .analyst import next_step, split_chunks, token_counts

OFFLINE_MODEL_NAME = "offline-stock-analyst"


def _text_of(content: types.Content) -> str:
    return "".join(p.text for p in (content.parts or []) if p.text and not p.thought)


def _current_turn(request: LlmRequest) -> tuple[str, list[tuple[str, dict[str, Any]]], int]:
    """The question of this turn, the tool results received since, and how many tool turns ran."""
    contents = request.contents or []
    question_at = -1
    for index, content in enumerate(contents):
        if content.role == "user" and _text_of(content) and not any(p.function_response for p in content.parts or []):
            question_at = index
    question = _text_of(contents[question_at]) if question_at >= 0 else ""
    results: list[tuple[str, dict[str, Any]]] = []
    tool_turns = 0
    for content in contents[question_at + 1:]:
        parts = content.parts or []
        if any(p.function_call for p in parts):
            tool_turns += 1
        for part in parts:
            if part.function_response:
                results.append((part.function_response.name or "", dict(part.function_response.response or {})))
    return question, results, tool_turns


def _usage(prompt: str, answer: str) -> types.GenerateContentResponseUsageMetadata:
    prompt_tokens, answer_tokens = token_counts(prompt, answer)
    return types.GenerateContentResponseUsageMetadata(
        prompt_token_count=prompt_tokens, candidates_token_count=answer_tokens,
        total_token_count=prompt_tokens + answer_tokens,
    )


class OfflineLlm(BaseLlm):
    """Deterministic stand-in for Gemini; see the module docstring."""

    model: str = OFFLINE_MODEL_NAME
    chunk_delay_ms: int | None = None
    chunks: int | None = None

    @classmethod
    def supported_models(cls) -> list[str]:
        return [r"offline-.*"]

    def _config(self) -> tuple[float, int]:
        from app.settings import get_settings  # read at call time: tests and env may change it

        s = get_settings()
        delay = (self.chunk_delay_ms if self.chunk_delay_ms is not None else s.offline_chunk_delay_ms) / 1000
        return delay, self.chunks if self.chunks is not None else s.offline_chunks

    async def generate_content_async(
        self, llm_request: LlmRequest, stream: bool = False,
    ) -> AsyncGenerator[LlmResponse, None]:
        question, results, tool_turns = _current_turn(llm_request)
        available = set(llm_request.tools_dict) if llm_request.tools_dict else None
        step = next_step(question, results, tool_turns, available)
        if not isinstance(step, str):
            parts = [types.Part(function_call=types.FunctionCall(name=name, args=args)) for name, args in step]
            yield LlmResponse(
                content=types.Content(role="model", parts=parts), partial=False,
                usage_metadata=_usage(question, str(step)), model_version=self.model,
            )
            return
        delay, chunk_count = self._config()
        if stream:
            for chunk in split_chunks(step, chunk_count):
                await asyncio.sleep(delay)
                yield LlmResponse(
                    content=types.Content(role="model", parts=[types.Part(text=chunk)]), partial=True,
                    model_version=self.model,
                )
        else:
            await asyncio.sleep(delay)
        yield LlmResponse(
            content=types.Content(role="model", parts=[types.Part(text=step)]), partial=False,
            finish_reason=types.FinishReason.STOP, turn_complete=True,
            usage_metadata=_usage(question, step), model_version=self.model,
        )


LLMRegistry.register(OfflineLlm)
