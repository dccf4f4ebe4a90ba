from __future__ import annotations

from fastapi import APIRouter, Response
from sqlmodel import col, func, select

from ..models import Estate, Staff
from ..schemas import Page, StaffIn, StaffOut
from ..usecases import get_estate, staff_out, upsert_staff
from .deps import ActorDep, Limit, Offset, SessionDep

router = APIRouter(prefix="/staff", tags=["staff"])


@router.post(
    "",
    response_model=StaffOut,
    status_code=200,
    responses={201: {"model": StaffOut, "description": "created"}},
)
def upsert(staff_in: StaffIn, session: SessionDep, actor: ActorDep, response: Response):
    """Create (201) or update (200) a staff member; ``login`` + ``password`` let them sign in
    to the phone pages (any role) and the dashboard (managers and supervisors)."""
    staff, created = upsert_staff(session=session, staff_in=staff_in, actor=actor)
    response.status_code = 201 if created else 200
    return staff_out(staff, staff_in.estate)


@router.get("", response_model=Page[StaffOut])
def list_(session: SessionDep, estate: str | None = None, limit: Limit = 100, offset: Offset = 0):
    where = []
    if estate is not None:
        where.append(Staff.estate_id == get_estate(session, estate).id)
    total = session.exec(select(func.count()).select_from(Staff).where(*where)).one()
    rows = session.exec(
        select(Staff, Estate.code)
        .join(Estate, col(Estate.id) == Staff.estate_id)
        .where(*where)
        .order_by(col(Estate.code), col(Staff.name))
        .offset(offset)
        .limit(limit)
    ).all()
    return {"data": [staff_out(s, code) for s, code in rows], "count": total}
