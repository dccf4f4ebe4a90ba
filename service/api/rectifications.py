from __future__ import annotations

from fastapi import APIRouter

from ..models import Job
from ..schemas import RectificationClose, RectificationOut
from ..usecases import close_rectification
from .deps import ActorDep, NowDep, SessionDep

router = APIRouter(prefix="/rectifications", tags=["rectifications"])


@router.post("/{rectification_id}/close", response_model=RectificationOut)
def close(
    rectification_id: int,
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
    job = session.get(Job, rect.job_id)
    return {
        "id": rect.id,
        "job": job.ref,
        "callback_id": rect.callback_id,  # type: ignore[union-attr]
        "worker": rect.worker,
        "problems": rect.problems,
        "due_at": rect.due_at,
        "done_at": rect.done_at,
        "resolution": rect.resolution,
        "late": rect.done_at is not None and rect.done_at > rect.due_at,
    }
