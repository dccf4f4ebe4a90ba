"""Rectifications: what a callback found, to be fixed by the repair worker."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from .. import domain as d
from ..db import begin_write
from ..models import Callback, Rectification
from .audit import audit


def close_rectification(
    *,
    session: Session,
    rectification_id: int,
    done_at: datetime,
    resolution: str | None,
    now: datetime,
    actor: str,
) -> Rectification:
    begin_write(session)
    rect = session.get(Rectification, rectification_id)
    if rect is None:
        raise d.NotFound(f"rectification {rectification_id} not found")
    if rect.done_at is not None:
        raise d.Conflict(f"rectification {rectification_id} was already closed")
    found_at = rect.due_at - timedelta(hours=d.rules.RECTIFICATION_HOURS)
    if done_at < found_at:
        raise d.InvalidInput("done_at is before the callback that found the problem")
    if done_at > now + d.rules.CALLBACK_FUTURE_TOLERANCE:
        raise d.InvalidInput("done_at is in the future")
    rect.done_at = done_at
    rect.resolution = resolution
    session.add(rect)
    audit(
        session,
        actor=actor,
        action="rectification.closed",
        entity="rectification",
        entity_id=rect.id,
        detail={"done_at": done_at.isoformat(), "resolution": resolution},
    )
    session.commit()
    return rect


def rectification_out(rect: Rectification) -> dict[str, Any]:
    job = rect.job
    tz = d.zone(job.estate.timezone)
    return {
        "id": rect.id,
        "job": job.ref,
        "callback_id": rect.callback_id,
        "worker": rect.worker,
        "problems": rect.problems,
        "due_at": rect.due_at.astimezone(tz),
        "done_at": rect.done_at.astimezone(tz) if rect.done_at else None,
        "resolution": rect.resolution,
        "late": rect.done_at is not None and rect.done_at > rect.due_at,
    }


def rectification_of(session: Session, callback: Callback) -> Rectification | None:
    """The rectification a callback opened, if it found problems."""
    return session.exec(
        select(Rectification).where(Rectification.callback_id == callback.id)
    ).first()
