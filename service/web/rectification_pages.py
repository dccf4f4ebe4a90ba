"""``/rectifications/<id>``: a rectification for signed-in staff of its estate, with its moves.

Staff record that the written notice reached the worker (on paper or in person), that the fix
was made, and (supervisors and managers) verify it, accepting it or sending it back. Every move
is dated by the server's clock and made by the signed-in person; the rules are the use case's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from .. import domain as d
from ..http.deps import NowDep, SessionDep, SettingsDep
from ..models import Rectification
from ..schemas import LongText
from ..usecases import rectifications as uc
from ..usecases.documents import form_url, notice_pdf
from ..usecases.signin import SignedIn
from .auth import UserDep
from .login import login_redirect
from .phone import error_page, job_view
from .templating import render

router = APIRouter(include_in_schema=False)

Move = Literal["notified", "fixed", "accept", "reject"]
RectificationId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _own(
    request: Request, session: Session, rectification_id: int, user: SignedIn | None
) -> Rectification | Response:
    """The rectification of the signed-in person's estate, or the page to send instead."""
    if user is None:
        return login_redirect(request)
    try:
        return uc.rectification_for_staff(session, rectification_id, user)
    except d.DomainError as exc:
        return error_page(request, exc)


@router.get("/rectifications/{rectification_id}")
def rectification_page(
    request: Request,
    rectification_id: RectificationId,
    session: SessionDep,
    now: NowDep,
    user: UserDep,
) -> Response:
    found = _own(request, session, rectification_id, user)
    if isinstance(found, Response):
        return found
    return _render(request, found, now, bool(user and user.can_see_dashboard))


@router.get("/rectifications/{rectification_id}/notice.pdf")
def rectification_notice(
    request: Request,
    rectification_id: RectificationId,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    user: UserDep,
) -> Response:
    """The written notice to print, for signed-in staff of the estate."""
    rect = _own(request, session, rectification_id, user)
    if isinstance(rect, Response):
        return rect
    return Response(
        notice_pdf([rect], settings, now),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="notice-{rect.id}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/rectifications/{rectification_id}")
def rectification_move(
    request: Request,
    rectification_id: RectificationId,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    user: UserDep,
    move: Annotated[Move, Form()],
    via: Annotated[Literal["paper", "in_person"], Form()] = "paper",
    note: Annotated[LongText | None, Form()] = None,
) -> Response:
    rect = _own(request, session, rectification_id, user)
    if isinstance(rect, Response):
        return rect
    assert user is not None  # without a user, _own answered with the sign-in redirect
    try:
        common = {"session": session, "rectification_id": rect.id, "at": now, "by": user.name}
        actor = f"staff:{user.staff_id}"
        if move == "notified":
            uc.mark_notified(**common, via=d.NoticeChannel(via), now=now, actor=actor)
        elif move == "fixed":
            uc.mark_fixed(**common, note=note, now=now, actor=actor)
        else:
            if not user.can_see_dashboard:
                raise d.Forbidden(
                    "only supervisors and managers verify fixes", code="rect.no_verify"
                )
            accepted = move == "accept"
            uc.verify(**common, accepted=accepted, note=note, now=now, actor=actor)
            if accepted:  # the resident is asked again, on a fresh link
                link = form_url(settings, "resident", rect.job.ref, now)
                return _render(request, rect, now, True, resident_link=link)
    except d.DomainError as exc:
        return error_page(request, exc)
    return RedirectResponse(f"/rectifications/{rect.id}", status_code=303)


def _render(
    request: Request,
    rect: Rectification,
    now: datetime,
    verifies: bool,
    resident_link: str | None = None,
) -> Response:
    job = rect.job
    tz = d.zone(job.estate.timezone)

    def local(moment: datetime | None) -> str | None:
        return None if moment is None else moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    notice_late, fix_late = uc.late_flags(rect, now)
    return render(
        request,
        "phone/rectification.html",
        job=job_view(job, job.estate, full_phone=False),
        rect=rect,
        when={
            "opened": local(rect.opened_at),
            "notice_due": local(rect.notice_due_at),
            "notified": local(rect.notified_at),
            "acknowledged": local(rect.acknowledged_at),
            "fix_due": local(rect.fix_due_at),
            "fixed": local(rect.fixed_at),
            "verified": local(rect.verified_at),
        },
        notice_late=notice_late,
        fix_late=fix_late,
        verifies=verifies,
        resident_link=resident_link,
    )
