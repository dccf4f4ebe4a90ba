"""``POST /api/v1/jobs/{ref}/resident-link`` and ``GET .../resident-links``: the resident's
confirmation link sent by text, WeChat or e-mail, and the sends so far (addresses masked)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from ..http.access import JobRef, needs
from ..http.deps import ActorDep, Limit, NowDep, Offset, SessionDep, SettingsDep
from ..schemas import Page, ResidentLinkOut, ResidentLinkRequest
from ..usecases.resident_links import (
    RateLimited,
    ResidentSender,
    link_out,
    list_links,
    request_link,
)

router = APIRouter(prefix="/jobs", tags=["resident links"])


def resident_sender(request: Request, settings: SettingsDep) -> ResidentSender | None:
    """The deployment's sender of resident links (``None`` when the app has none)."""
    factory = getattr(request.app.state, "resident_link_sender", None)
    return factory(settings) if factory is not None else None


ResidentSenderDep = Annotated[ResidentSender | None, Depends(resident_sender)]


@router.post(
    "/{ref}/resident-link",
    response_model=ResidentLinkOut,
    status_code=202,
    responses={
        409: {"description": "the channel is not set up, or the job takes no answer"},
        422: {"description": "no resident phone (sms, wechat) or no `to` (email)"},
        429: {"description": "sent too often for this job; see Retry-After"},
    },
    dependencies=[needs("records.write")],
)
def send(
    ref: JobRef,
    body: ResidentLinkRequest,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    actor: ActorDep,
    sender: ResidentSenderDep,
) -> Any:
    """Send the resident the job's confirmation link (the one the printed form's resident QR
    code carries) by text or WeChat (to the job's resident phone) or e-mail (to ``to``).
    Recorded first, then sent at once: ``status`` says whether it went out, or is queued for
    the scheduler to retry, or failed. At most one send per job every 2 minutes and 5 a day
    (429 with ``Retry-After``)."""
    try:
        row = request_link(
            session=session,
            ref=ref,
            link_in=body,
            sender=sender,
            settings=settings,
            now=now,
            requested_by=body.requested_by or actor,
            actor=actor,
        )
    except RateLimited as exc:
        return JSONResponse(
            {"detail": exc.detail, "retry_after": exc.retry_after},
            status_code=429,
            headers={"Retry-After": str(exc.retry_after)},
        )
    return link_out(row, row.job)


@router.get(
    "/{ref}/resident-links",
    response_model=Page[ResidentLinkOut],
    dependencies=[needs("jobs.read")],
)
def list_(ref: JobRef, session: SessionDep, limit: Limit = 100, offset: Offset = 0) -> Any:
    """The job's resident-link sends, oldest first, each with its address masked."""
    rows, job, total = list_links(session=session, ref=ref, limit=limit, offset=offset)
    return {"data": [link_out(row, job) for row in rows], "count": total}
