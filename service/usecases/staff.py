"""Staff members and their sign-ins."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, func, select

from .. import domain as d
from ..db import begin_write
from ..models import Estate, Staff
from ..schemas import StaffIn
from .audit import audit
from .queries import get_estate
from .sessions import end_sessions_of
from .signin import hash_password


def upsert_staff(*, session: Session, staff_in: StaffIn, actor: str) -> tuple[Staff, bool]:
    """Create or update a staff member (by estate and name); a password makes a sign-in.

    Setting a password or deactivating someone ends every session they have open: a browser
    signed in before no longer is. A role change needs no such step (every request reads the
    role anew)."""
    begin_write(session)
    estate = session.exec(select(Estate).where(Estate.code == staff_in.estate)).first()
    if estate is None:
        raise d.InvalidInput(f"unknown estate {staff_in.estate!r}")
    if staff_in.password and not staff_in.login:
        raise d.InvalidInput("a password needs a login")
    staff = session.exec(
        select(Staff).where(Staff.estate_id == estate.id, Staff.name == staff_in.name)
    ).first()
    created = staff is None
    if staff is None:
        staff = Staff(estate_id=estate.id, name=staff_in.name, role=staff_in.role)  # type: ignore[arg-type]
    if staff_in.login:
        taken = session.exec(
            select(Staff).where(Staff.login == staff_in.login, Staff.id != staff.id)
        ).first()
        if taken is not None:
            raise d.Conflict(f"login {staff_in.login!r} is already used by someone else")
    staff.role = staff_in.role
    staff.login = staff_in.login or staff.login
    staff.odoo_user_id = staff_in.odoo_user_id or staff.odoo_user_id
    staff.active = staff_in.active
    staff.email = staff_in.email
    staff.phone = staff_in.phone
    staff.notify_by = staff_in.notify_by or ("odoo" if staff.odoo_user_id else "log")
    staff.language = staff_in.language
    if staff_in.password:
        staff.password_hash = hash_password(staff_in.password)
    session.add(staff)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise d.Conflict("a concurrent change to this staff member won; try again") from None
    if not created and (staff_in.password or not staff.active):
        end_sessions_of(session=session, staff_id=staff.id, now=datetime.now(UTC))  # type: ignore[arg-type]
    audit(
        session,
        actor=actor,
        action="staff.created" if created else "staff.updated",
        entity="staff",
        entity_id=staff.id,
        estate_id=staff.estate_id,
        detail=staff_in.model_dump(mode="json", exclude={"password"}),
    )
    session.commit()
    return staff, created


def staff_out(staff: Staff) -> dict[str, Any]:
    return {
        "id": staff.id,
        "estate": staff.estate.code,
        "name": staff.name,
        "role": staff.role,
        "login": staff.login,
        "odoo_user_id": staff.odoo_user_id,
        "active": staff.active,
        "email": staff.email,
        "phone": staff.phone,
        "notify_by": staff.notify_by,
        "language": staff.language,
    }


def list_staff(
    *, session: Session, estate: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[Staff], int]:
    """One page of staff members by estate code and name (of one estate, or all), and the
    total."""
    where = []
    if estate is not None:
        where.append(Staff.estate_id == get_estate(session, estate).id)
    total = session.exec(select(func.count()).select_from(Staff).where(*where)).one()
    rows = session.exec(
        select(Staff, Estate)
        .join(Estate, col(Estate.id) == Staff.estate_id)
        .where(*where)
        .order_by(col(Estate.code), col(Staff.name))
        .offset(offset)
        .limit(limit)
    ).all()
    for staff, estate in rows:  # the rows hold the estates: ``staff.estate`` costs nothing
        set_committed_value(staff, "estate", estate)
    return [staff for staff, _estate in rows], total
