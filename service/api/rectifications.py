from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from ..http.deps import ActorDep, NowDep, SessionDep
from ..schemas import RectificationClose, RectificationOut
from ..usecases.rectifications import close_rectification, rectification_out

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
    return rectification_out(rect)
