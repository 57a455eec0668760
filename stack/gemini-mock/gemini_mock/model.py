"""The model's reasoning: analyst.py's, the same the offline model uses, so that an agent run
through this server has the timeline of an offline run (function call, function response,
streamed text)."""
from __future__ import annotations

import json

from analyst import next_step, split_chunks, token_counts

from .protocol import Conversation, Turn
from .scenarios import Effects


def _undeclared_call(conversation: Conversation, tool: str) -> list[tuple[str, dict]]:
    """A call of a tool the request does not declare, with the arguments the model would
    have given its first real tool (a plausible mistake)."""
    planned = next_step(conversation.question, [], 0)
    args = planned[0][1] if isinstance(planned, list) else {}
    return [(tool, args)]


def take_turn(conversation: Conversation, effects: Effects, chunk_count: int) -> Turn:
    """The model's turn: only declared tools are called, unless the scenario says otherwise."""
    if effects.undeclared_tool and conversation.tool_turns == 0:
        step: list[tuple[str, dict]] | str = _undeclared_call(conversation, effects.undeclared_tool)
    else:
        step = next_step(conversation.question, conversation.results, conversation.tool_turns,
                         conversation.declared_tools)
    said = step if isinstance(step, str) else json.dumps(step)
    prompt_tokens, answer_tokens = token_counts(conversation.prompt_text, said)
    if isinstance(step, str):
        return Turn(calls=[], chunks=split_chunks(step, chunk_count), blocked=effects.blocked,
                    prompt_tokens=prompt_tokens, answer_tokens=answer_tokens)
    return Turn(calls=step, chunks=[], blocked=False, prompt_tokens=prompt_tokens, answer_tokens=answer_tokens)
