from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from .. import domain as d
from ..models import Estate, Job
from ..schemas import RectificationClose, RectificationOut
from ..usecases import close_rectification
from .deps import ActorDep, NowDep, SessionDep

router = APIRouter(prefix="/rectifications", tags=["rectifications"])


@router.post("/{rectification_id}/close", response_model=RectificationOut)
def close(
    rectification_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: RectificationClose,
    session: SessionDep,
    now: NowDep,
    actor: ActorDep,
):
    """Mark a rectification done (the worker fixed what the callback found)."""
    rect = close_rectification(
        session=session,
        rectification_id=rectification_id,
        done_at=body.done_at,
        resolution=body.resolution,
        now=now,
        actor=actor,
    )
    job = session.get_one(Job, rect.job_id)
    tz = d.zone(session.get_one(Estate, job.estate_id).timezone)
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
