"""An ADK plugin that stores every finished agent run as an analysis row in Postgres.

It watches the run's events: the question, each function call and its response (with the
time the tool took), the final text, errors. At the end of the run (after_run, or
on_run_error when the run failed) it writes one row; a failure to write is logged, never
raised into the run.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from google.adk.agents.invocation_context import InvocationContext
from google.adk.events.event import Event
from google.adk.plugins.base_plugin import BasePlugin
from google.genai import types
from sqlalchemy.dialects.postgresql import insert

from app import metrics
from app.db import session_scope
from app.models import Analysis

log = logging.getLogger("app.analyses")


@dataclass
class _Run:
    started_wall: dt.datetime
    started: float
    question: str = ""
    model: str = ""
    first_event_ms: float | None = None
    final_text: str = ""
    partial_text: str = ""
    events: int = 0
    error: str | None = None
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    call_started: dict[str, float] = field(default_factory=dict)
    symbols: list[str] = field(default_factory=list)


def _add_symbols(run: _Run, args: dict[str, Any]) -> None:
    values = []
    if isinstance(args.get("symbol"), str):
        values.append(args["symbol"])
    if isinstance(args.get("symbols"), list):
        values.extend(s for s in args["symbols"] if isinstance(s, str))
    for value in values:
        symbol = value.strip().upper()
        if symbol and symbol not in run.symbols:
            run.symbols.append(symbol)


class AnalysisRecorder(BasePlugin):
    def __init__(self) -> None:
        super().__init__(name="analysis_recorder")
        self._runs: dict[str, _Run] = {}

    def _run(self, ctx: InvocationContext) -> _Run:
        run = self._runs.get(ctx.invocation_id)
        if run is None:
            run = self._runs[ctx.invocation_id] = _Run(dt.datetime.now(dt.timezone.utc), time.perf_counter())
            model = getattr(ctx.agent, "model", "")
            run.model = model if isinstance(model, str) else getattr(model, "model", type(model).__name__)
        return run

    async def on_user_message_callback(
        self, *, invocation_context: InvocationContext, user_message: types.Content,
    ) -> types.Content | None:
        run = self._run(invocation_context)
        run.question = "".join(p.text or "" for p in user_message.parts or [])
        return None

    async def on_event_callback(self, *, invocation_context: InvocationContext, event: Event) -> Event | None:
        run = self._run(invocation_context)
        now = time.perf_counter()
        run.events += 1
        if run.first_event_ms is None:
            run.first_event_ms = round((now - run.started) * 1000, 2)
        if event.error_code:
            run.error = f"{event.error_code}: {event.error_message or ''}".strip()
        for part in (event.content.parts if event.content else None) or []:
            if part.function_call:
                call_id = part.function_call.id or f"call-{len(run.calls)}"
                args = dict(part.function_call.args or {})
                run.calls[call_id] = {"id": call_id, "name": part.function_call.name, "args": args}
                run.call_started[call_id] = now
                _add_symbols(run, args)
            elif part.function_response:
                call_id = part.function_response.id or ""
                call = run.calls.get(call_id)
                if call is None:
                    continue
                response = part.function_response.response or {}
                call["duration_ms"] = round((now - run.call_started.get(call_id, now)) * 1000, 2)
                call["ok"] = not (isinstance(response, dict) and response.get("error"))
                if not call["ok"]:
                    call["error"] = str(response.get("error"))
                metrics.TOOL_CALLS.labels(tool=call["name"], outcome="ok" if call["ok"] else "error").inc()
            elif part.text and not part.thought and event.author != "user":
                if event.partial:
                    run.partial_text += part.text
                else:
                    run.final_text = part.text if not run.final_text else run.final_text + "\n\n" + part.text
        return None

    async def after_run_callback(self, *, invocation_context: InvocationContext) -> None:
        status = "aborted" if invocation_context.is_aborted else ("error" if self._has_error(invocation_context) else "ok")
        await self._finish(invocation_context, status)

    async def on_run_error_callback(self, *, invocation_context: InvocationContext, error: Exception) -> None:
        run = self._run(invocation_context)
        run.error = f"{type(error).__name__}: {error}"
        await self._finish(invocation_context, "error")

    def _has_error(self, ctx: InvocationContext) -> bool:
        run = self._runs.get(ctx.invocation_id)
        return bool(run and run.error)

    async def _finish(self, ctx: InvocationContext, status: str) -> None:
        run = self._runs.pop(ctx.invocation_id, None)
        if run is None:
            return
        duration_ms = round((time.perf_counter() - run.started) * 1000, 2)
        row = {
            "invocation_id": ctx.invocation_id, "app_name": ctx.app_name, "user_id": ctx.user_id,
            "session_id": ctx.session.id, "question": run.question, "symbols": run.symbols,
            # A failed or aborted run keeps what it had streamed so far.
            "final_text": run.final_text or run.partial_text, "tool_calls": list(run.calls.values()),
            "status": status, "error": run.error, "model": run.model, "event_count": run.events,
            "started_at": run.started_wall, "first_event_ms": run.first_event_ms,
            "finished_at": run.started_wall + dt.timedelta(milliseconds=duration_ms), "duration_ms": duration_ms,
        }
        metrics.AGENT_RUNS.labels(status=status).inc()
        metrics.AGENT_RUN_DURATION.observe(duration_ms / 1000)
        # Shielded: a client that hangs up mid-run cancels the run, not its record.
        try:
            await asyncio.shield(asyncio.ensure_future(_store(row)))
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - never break the run for its record
            log.exception("could not store the analysis", extra={"invocation_id": ctx.invocation_id})


async def _store(row: dict[str, Any]) -> None:
    async with session_scope() as session:
        await session.execute(insert(Analysis).values(**row).on_conflict_do_nothing(index_elements=["invocation_id"]))
    log.info(
        "analysis stored",
        extra={"invocation_id": row["invocation_id"], "status": row["status"], "duration_ms": row["duration_ms"]},
    )
