from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import select

from ..db import sessionmaker
from ..errors import NotFound
from ..models import Analysis
from .deps import UserId, current_user, json_error

router = APIRouter(tags=["analyses"], dependencies=[Depends(current_user)])


def to_dict(a: Analysis) -> dict:
    return {
        "id": a.id, "invocation_id": a.invocation_id, "session_id": a.session_id, "user_id": a.user_id,
        "symbols": list(a.symbols or []), "question": a.question, "final_text": a.final_text,
        "tool_calls": a.tool_calls or [], "status": a.status, "error": a.error, "model": a.model,
        "event_count": a.event_count, "started_at": a.started_at.isoformat(),
        "finished_at": a.finished_at.isoformat(), "duration_ms": a.duration_ms, "first_event_ms": a.first_event_ms,
    }


@router.get("/analyses")
async def list_analyses(
    user_id: UserId,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    session_id: Annotated[str | None, Query(max_length=128)] = None,
) -> dict:
    query = select(Analysis).where(Analysis.user_id == user_id)
    if session_id:
        query = query.where(Analysis.session_id == session_id)
    async with sessionmaker()() as session:
        rows = (await session.scalars(query.order_by(Analysis.id.desc()).limit(limit))).all()
    return {"items": [to_dict(a) for a in rows]}


@router.get("/analyses/{analysis_id}", responses={404: json_error("No such analysis of yours")})
async def get_analysis(user_id: UserId, analysis_id: Annotated[int, Path(ge=1, le=2**62)]) -> dict:
    async with sessionmaker()() as session:
        row = await session.scalar(select(Analysis).where(Analysis.id == analysis_id, Analysis.user_id == user_id))
    if row is None:
        raise NotFound(f"analysis {analysis_id} not found")
    return to_dict(row)
