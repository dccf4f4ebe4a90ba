"""``/w/<token>``: the repair worker's side of a written rectification notice (整改通知单).

The QR code on the printed notice leads here. The worker reads what was found and by when it
must be fixed, then acknowledges it with one tap, or disputes it with a reason: that answer is
the written proof the rule asks for, and it counts as the notice delivered. The signed link is
the credential (the worker needs no account); it stays valid for the link lifetime.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from .. import domain as d
from ..http.deps import NowDep, SessionDep, SettingsDep
from ..models import Rectification
from ..schemas import LongText
from ..usecases.rectifications import acknowledge, worker_notice
from .phone import error_page, job_view
from .templating import render

router = APIRouter(include_in_schema=False)


@router.get("/w/{token}", response_class=HTMLResponse)
def notice_page(
    request: Request, token: str, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    try:
        rect = worker_notice(session, token, settings=settings, now=now)
    except d.DomainError as exc:
        return error_page(request, exc)
    return _render(request, token, rect, now)


@router.post("/w/{token}", response_class=HTMLResponse)
def notice_answer(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    answer: Annotated[Literal["acknowledge", "dispute"], Form()],
    reason: Annotated[LongText | None, Form()] = None,
) -> Response:
    try:
        rect = worker_notice(session, token, settings=settings, now=now)
        if answer == "dispute" and not (reason or "").strip():
            raise d.InvalidInput("reason: say what you dispute", code="form.invalid")
        acknowledge(
            session=session,
            rect=rect,
            dispute=reason if answer == "dispute" else None,
            now=now,
            actor=f"worker:{rect.worker or ''}",
        )
    except d.DomainError as exc:
        return error_page(request, exc)
    return _render(request, token, rect, now)


def _render(
    request: Request, token: str, rect: Rectification, now: datetime, status_code: int = 200
) -> Response:
    job = rect.job
    tz = d.zone(job.estate.timezone)

    def local(moment: datetime | None) -> str | None:
        return None if moment is None else moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    return render(
        request,
        "phone/worker.html",
        status_code=status_code,
        job=job_view(job, job.estate, full_phone=False),
        rect=rect,
        token=token,
        found_at=local(rect.opened_at),
        notice_due=local(rect.notice_due_at),
        fix_due=local(rect.fix_due_at),
        acknowledged_at=local(rect.acknowledged_at),
    )
