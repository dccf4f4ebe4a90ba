"""The staff page's "send the resident their link" control: ``POST /s/<token>/resident-link``
(signed-in staff, a JSON post like the page's others) and what the control shows.

What is sent, to whom and when is a use case (``usecases.resident_links``); the sender is the
deployment's, set on ``app.state.resident_link_sender`` by the app. Only masked addresses reach
the page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session

from .. import domain as d
from ..catalogue import MESSAGES, t
from ..http.deps import NowDep, SessionDep, SettingsDep
from ..models import Job
from ..schemas import ResidentLinkIn
from ..usecases.resident_links import (
    RateLimited,
    ResidentSender,
    link_out,
    page_card,
    send_from_page,
)
from .auth import UserDep
from .page_posts import BodyDep, error_json, staff_post
from .templating import request_lang

router = APIRouter(include_in_schema=False)


def resident_sender(request: Request, settings: SettingsDep) -> ResidentSender | None:
    """The deployment's sender of resident links (``None`` when the app has none)."""
    factory = getattr(request.app.state, "resident_link_sender", None)
    return factory(settings) if factory is not None else None


ResidentSenderDep = Annotated[ResidentSender | None, Depends(resident_sender)]


def _local(at: datetime, job: Job, now: datetime) -> str:
    tz = d.zone(job.estate.timezone)
    shown = at.astimezone(tz)
    return shown.strftime("%H:%M" if shown.date() == now.astimezone(tz).date() else "%m-%d %H:%M")


def history_line(out: dict[str, Any], lang: str) -> str:
    """One send as the page lists it: when, how, to whom (masked), how it went, who asked."""
    return " · ".join(
        [
            out["created_at"].strftime("%m-%d %H:%M"),
            t(f"phone.link.channel.{out['channel']}", lang),
            out["to"],
            t(f"phone.link.status.{out['status']}", lang),
            out["requested_by"],
        ]
    )


def result_message(out: dict[str, Any], lang: str) -> str:
    values = {"to": out["to"], "error": out["error"] or ""}
    return t(f"phone.link.{out['status']}", lang, **values)


def link_card(
    request: Request, session: Session, job: Job, sender: ResidentSender | None, *, token: str
) -> dict[str, Any]:
    """The control's context for the staff page template."""
    card = page_card(session, job, sender)
    lang = request_lang(request)
    return {
        **card,
        "any": any(card["available"].values()),
        "lines": [{"status": s["status"], "text": history_line(s, lang)} for s in card["sends"]],
        "post_url": f"/s/{token}/resident-link",
    }


def _refusal(exc: d.DomainError, lang: str) -> JSONResponse:
    own = exc.code.startswith("resident_link.") and exc.code in MESSAGES
    return error_json(exc, message=t(exc.code, lang) if own else exc.detail)


@router.post("/s/{token}/resident-link")
def send_resident_link(
    request: Request,
    token: str,
    body: BodyDep,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    user: UserDep,
    sender: ResidentSenderDep,
) -> Response:
    """Send the resident their confirmation link; the record names the signed-in staff
    member. 202 with how it went (sent, queued for a retry, failed), 429 when sent too often."""
    lang = request_lang(request)
    job: Job | None = None
    try:
        user, ctx, link_in = staff_post(session, token, body, settings, now, user, ResidentLinkIn)
        job = ctx.job
        row = send_from_page(
            session=session,
            ctx=ctx,
            user=user,
            link_in=link_in,
            sender=sender,
            settings=settings,
            now=now,
        )
    except RateLimited as exc:
        at = _local(exc.retry_at, job, now) if job is not None else exc.retry_at.isoformat()
        response = error_json(
            exc,
            message=t("phone.link.limited", lang, at=at),
            retry_after=exc.retry_after,
            retry_at=jsonable_encoder(exc.retry_at),
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except d.DomainError as exc:
        return _refusal(exc, lang)
    out = link_out(row, ctx.job)
    return JSONResponse(
        {
            **jsonable_encoder(out),
            "message": result_message(out, lang),
            "line": history_line(out, lang),
        },
        status_code=202,
    )
