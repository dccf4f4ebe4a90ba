from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from ..http.access import CallerDep, needs
from ..http.deps import ActorDep, Limit, Offset, SessionDep
from ..schemas import FilterText, Page, StaffIn, StaffOut
from ..usecases.staff import list_staff, staff_out, upsert_staff

router = APIRouter(prefix="/staff", tags=["staff"])


@router.post(
    "",
    response_model=StaffOut,
    status_code=200,
    responses={
        201: {"model": StaffOut, "description": "created"},
        409: {"description": "the login is someone else's, or a concurrent change won"},
    },
    dependencies=[needs("staff.write")],
)
def upsert(
    staff_in: StaffIn,
    session: SessionDep,
    actor: ActorDep,
    caller: CallerDep,
    response: Response,
):
    """Create (201) or update (200) a staff member; ``login`` + ``password`` let them sign in
    to the phone pages (any role) and the dashboard (managers and supervisors)."""
    caller.own(staff_in.estate)
    staff, created = upsert_staff(session=session, staff_in=staff_in, actor=actor)
    response.status_code = 201 if created else 200
    return staff_out(staff)


@router.get("", response_model=Page[StaffOut], dependencies=[needs("staff.read")])
def list_(
    session: SessionDep,
    caller: CallerDep,
    estate: Annotated[FilterText | None, Query(description="estate code; default all")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
):
    rows, total = list_staff(
        session=session, estate=caller.estate_filter(estate), limit=limit, offset=offset
    )
    return {"data": [staff_out(s) for s in rows], "count": total}
