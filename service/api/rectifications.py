"""Rectifications (整改): list, read, and the moves of their lifecycle; the written notice."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from ..http.access import CallerDep, RectificationId, needs
from ..http.deps import ActorDep, Limit, NowDep, Offset, SessionDep, SettingsDep
from ..schemas import (
    FilterText,
    FixedIn,
    NotifiedIn,
    Page,
    RectificationClose,
    RectificationOut,
    VerifiedOut,
    VerifyIn,
)
from ..usecases import rectifications as uc
from ..usecases.documents import form_url, notice_pdf

router = APIRouter(prefix="/rectifications", tags=["rectifications"])

State = Literal["open", "notified", "fixed", "verified"]


READ = [needs("jobs.read")]
MOVE = [needs("rectifications.move")]
#: A move from a state it does not start from (verify: only from fixed).
WRONG_STATE: dict[int | str, dict[str, Any]] = {
    409: {"description": "the rectification is not in a state this move starts from"}
}


@router.get("", response_model=Page[RectificationOut], dependencies=READ)
def list_(
    session: SessionDep,
    now: NowDep,
    caller: CallerDep,
    estate: Annotated[FilterText | None, Query(description="estate code; default all")] = None,
    state: State | None = None,
    late: Annotated[bool | None, Query(description="notice or fix late (as of now)")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    """Rectifications by the time they were opened."""
    rows, total = uc.list_rectifications(
        session=session,
        as_of=now,
        estate=caller.estate_filter(estate or None),
        state=state,
        late=late,
        limit=limit,
        offset=offset,
    )
    return {"data": [uc.rectification_out(r, now) for r in rows], "count": total}


@router.get("/{rectification_id}", response_model=RectificationOut, dependencies=READ)
def get(rectification_id: RectificationId, session: SessionDep, now: NowDep) -> Any:
    return uc.rectification_out(uc.get_rectification(session, rectification_id), now)


@router.post(
    "/{rectification_id}/notified",
    response_model=RectificationOut,
    responses=WRONG_STATE,
    dependencies=MOVE,
)
def notified(
    rectification_id: RectificationId,
    body: NotifiedIn,
    session: SessionDep,
    now: NowDep,
    actor: ActorDep,
) -> Any:
    """The written notice reached the worker (open -> notified)."""
    rect = uc.mark_notified(
        session=session,
        rectification_id=rectification_id,
        at=body.at,
        by=body.by,
        via=body.via,
        now=now,
        actor=actor,
    )
    return uc.rectification_out(rect, now)


@router.post(
    "/{rectification_id}/fixed",
    response_model=RectificationOut,
    responses=WRONG_STATE,
    dependencies=MOVE,
)
def fixed(
    rectification_id: RectificationId,
    body: FixedIn,
    session: SessionDep,
    now: NowDep,
    actor: ActorDep,
) -> Any:
    """The worker fixed it (open or notified -> fixed)."""
    rect = uc.mark_fixed(
        session=session,
        rectification_id=rectification_id,
        at=body.at,
        by=body.by,
        note=body.note,
        now=now,
        actor=actor,
    )
    return uc.rectification_out(rect, now)


@router.post(
    "/{rectification_id}/verify",
    response_model=VerifiedOut,
    responses=WRONG_STATE,
    dependencies=[needs("rectifications.verify")],
)
def verify(
    rectification_id: RectificationId,
    body: VerifyIn,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    actor: ActorDep,
) -> Any:
    """Someone other than the worker checks the fix: accepted (-> verified, and the resident
    gets a fresh confirmation link, ``resident_link``), or not (back to notified, with a new
    fix due time)."""
    rect = uc.verify(
        session=session,
        rectification_id=rectification_id,
        at=body.at,
        by=body.by,
        accepted=body.accepted,
        note=body.note,
        now=now,
        actor=actor,
    )
    link = form_url(settings, "resident", rect.job.ref, now) if body.accepted else None
    return {**uc.rectification_out(rect, now), "resident_link": link}


@router.post(
    "/{rectification_id}/close",
    response_model=RectificationOut,
    deprecated=True,
    summary="Mark fixed (old name of POST .../fixed)",
    responses=WRONG_STATE,
    dependencies=MOVE,
)
def close(
    rectification_id: RectificationId,
    body: RectificationClose,
    session: SessionDep,
    now: NowDep,
    actor: ActorDep,
) -> Any:
    rect = uc.mark_fixed(
        session=session,
        rectification_id=rectification_id,
        at=body.done_at,
        by=actor,
        note=body.resolution,
        now=now,
        actor=actor,
    )
    return uc.rectification_out(rect, now)


@router.get(
    "/{rectification_id}/notice.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
    dependencies=READ,
)
def notice(
    rectification_id: RectificationId,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    """The written rectification notice (整改通知单) for the worker, with the QR code with which
    they acknowledge it."""
    rect = uc.get_rectification(session, rectification_id)
    return Response(
        notice_pdf([rect], settings, now),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="notice-{rect.id}.pdf"'},
    )
