"""``GET /api/v1/notifications``: what the scheduler made, for whom, and whether it went out."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from ..http.access import CallerDep, job_estate, needs
from ..http.deps import Limit, Offset, SessionDep
from ..schemas import FilterText, NotificationOut, Page
from ..usecases.notifications import list_notifications, notification_out

router = APIRouter(prefix="/notifications", tags=["notifications"])

Kind = Literal["reminder", "escalation", "notice", "notice_late", "fix_late"]
Status = Literal["queued", "sent", "failed"]


@router.get("", response_model=Page[NotificationOut], dependencies=[needs("reports.read")])
def list_(
    session: SessionDep,
    caller: CallerDep,
    estate: Annotated[FilterText | None, Query(description="estate code; default all")] = None,
    job: Annotated[FilterText | None, Query(description="job ref")] = None,
    kind: Kind | None = None,
    status: Status | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    if job and caller.scoped:
        caller.own(job_estate(session, job))
    rows, total = list_notifications(
        session=session,
        estate=caller.estate_filter(estate or None),
        job=job or None,
        kind=kind,
        status=status,
        limit=limit,
        offset=offset,
    )
    return {"data": [notification_out(n) for n in rows], "count": total}
