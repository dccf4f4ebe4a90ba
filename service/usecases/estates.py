"""Estates: their rules (windows, targets, timezone), created or replaced as a whole."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from .. import domain as d
from ..db import begin_write
from ..models import Estate, utcnow
from ..schemas import ESTATE_CODE_PATTERN, EstateIn
from .audit import audit
from .tallies import recount_estate


def estate_rules(estate: Estate) -> d.EstateRules:
    return d.EstateRules(
        timezone=estate.timezone,
        windows_hours={
            d.Category.SAFETY: estate.window_safety_h,
            d.Category.LEAK: estate.window_leak_h,
            d.Category.GENERAL: estate.window_general_h,
        },
        targets_pct={
            d.Role.MANAGER: estate.target_manager_pct,
            d.Role.SUPERVISOR: estate.target_supervisor_pct,
            d.Role.LEAD: estate.target_lead_pct,
        },
    )


FOLLOW_UP_FIELDS = tuple(d.FollowUp.__dataclass_fields__)


def follow_up(estate: Estate) -> d.FollowUp:
    """The estate's follow-up settings (reminders, calls before a visit, fix hours...)."""
    return d.FollowUp(**{name: getattr(estate, name) for name in FOLLOW_UP_FIELDS})


def put_estate(
    *, session: Session, code: str, estate_in: EstateIn, actor: str
) -> tuple[Estate, bool]:
    """Create (``True``) or replace the estate ``code``; omitted fields take the defaults.

    Two concurrent PUTs of a new code: the one that loses the insert replaces the winner's
    row (a second try, never more)."""
    if not re.fullmatch(ESTATE_CODE_PATTERN, code):
        raise d.InvalidInput(
            f"estate code {code!r} must be 1-64 letters, digits, '.', '_' or '-' "
            "(it appears in links, file names and spreadsheet tabs), e.g. YGHY or SH-01"
        )
    try:
        return _put_estate(session=session, code=code, estate_in=estate_in, actor=actor)
    except IntegrityError:  # a concurrent PUT created it first: replace theirs
        session.rollback()
    return _put_estate(session=session, code=code, estate_in=estate_in, actor=actor)


def _put_estate(
    *, session: Session, code: str, estate_in: EstateIn, actor: str
) -> tuple[Estate, bool]:
    begin_write(session)
    estate = session.exec(select(Estate).where(Estate.code == code)).first()
    created = estate is None
    if estate is None:
        estate = Estate(code=code, name=estate_in.name or code)
    # another timezone moves the estate's month boundaries: its kept counts are made again
    moved = not created and estate.timezone != estate_in.timezone
    values = {
        "name": estate_in.name or estate.name or code,
        "timezone": estate_in.timezone,
        "window_safety_h": estate_in.windows_hours.safety,
        "window_leak_h": estate_in.windows_hours.leak,
        "window_general_h": estate_in.windows_hours.general,
        "target_manager_pct": estate_in.targets_pct.manager,
        "target_supervisor_pct": estate_in.targets_pct.supervisor,
        "target_lead_pct": estate_in.targets_pct.lead,
        **estate_in.follow_up.model_dump(),
    }
    for key, value in values.items():
        setattr(estate, key, value)
    estate.updated_at = utcnow()
    session.add(estate)
    session.flush()
    if moved:
        assert estate.id is not None
        recount_estate(session, estate.id)
    audit(
        session,
        actor=actor,
        action="estate.created" if created else "estate.replaced",
        entity="estate",
        entity_id=code,
        estate_id=estate.id,
        detail=estate_in.model_dump(mode="json"),
    )
    session.commit()
    return estate, created


def estate_out(estate: Estate) -> dict[str, Any]:
    return {
        "code": estate.code,
        "name": estate.name,
        "timezone": estate.timezone,
        "windows_hours": {
            "safety": estate.window_safety_h,
            "leak": estate.window_leak_h,
            "general": estate.window_general_h,
        },
        "targets_pct": {
            "manager": estate.target_manager_pct,
            "supervisor": estate.target_supervisor_pct,
            "lead": estate.target_lead_pct,
        },
        "follow_up": {name: getattr(estate, name) for name in FOLLOW_UP_FIELDS},
    }


def list_estates(
    *, session: Session, limit: int = 100, offset: int = 0
) -> tuple[list[Estate], int]:
    """One page of estates by code, and how many there are."""
    total = session.exec(select(func.count()).select_from(Estate)).one()
    rows = session.exec(select(Estate).order_by(col(Estate.code)).offset(offset).limit(limit))
    return list(rows.all()), total
