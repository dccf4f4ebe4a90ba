"""The figures of one estate-period: two aggregate queries, the rules do the rest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from .. import domain as d
from ..models import Estate, Job, Rectification, UTCDateTime
from . import queries
from .estates import estate_rules
from .queries import count_if, get_estate
from .rectifications import late_clause


def _compliance_statements() -> tuple[Any, Any]:
    """The two aggregate queries, built once: building SQLAlchemy expressions per call
    costs more than running the queries on a typical estate-month."""
    as_of = sa.bindparam("as_of", type_=UTCDateTime())
    in_period = queries.in_period(
        sa.bindparam("estate_id"),
        sa.bindparam("start", type_=UTCDateTime()),
        sa.bindparam("end", type_=UTCDateTime()),
    )
    first = col(Job.first_callback_at)
    jobs = select(
        func.count(),
        count_if(col(Job.cb_manager)),
        count_if(col(Job.cb_supervisor)),
        count_if(col(Job.cb_lead)),
        func.count(first),
        count_if(first <= col(Job.deadline)),
        count_if(sa.and_(first.is_(None), col(Job.deadline) < as_of)),
        count_if(Job.answer == d.Satisfaction.SATISFIED.value),
        count_if(Job.answer == d.Satisfaction.FAIRLY_SATISFIED.value),
        count_if(Job.answer == d.Satisfaction.UNSATISFIED.value),
        func.coalesce(func.sum(Job.calls), 0),
        func.coalesce(func.sum(Job.calls_reached), 0),
    ).where(in_period)
    notice_late, fix_late = late_clause(as_of)
    verified = Rectification.state == d.RectificationState.VERIFIED.value
    rectifications = (
        select(
            count_if(sa.not_(verified)),
            count_if(sa.or_(notice_late, fix_late)),
            count_if(notice_late),
            count_if(fix_late),
            count_if(verified),
        )
        .select_from(Rectification)
        .join(Job, col(Job.id) == Rectification.job_id)
        .where(in_period)
    )
    return jobs, rectifications


_JOBS_SQL, _RECTIFICATIONS_SQL = _compliance_statements()


def period_counts(
    *, session: Session, estate: Estate, period: d.Period, as_of: datetime
) -> d.PeriodCounts:
    """Count one estate-period in two aggregate queries; the rules do the rest."""
    start, end = period.bounds(estate.timezone)
    params = {"estate_id": estate.id, "start": start, "end": end, "as_of": as_of}
    row = session.execute(_JOBS_SQL, params).one()
    rect = session.execute(_RECTIFICATIONS_SQL, params).one()
    return d.PeriodCounts(
        jobs=row[0],
        done_by_role={
            d.Role.MANAGER: int(row[1]),
            d.Role.SUPERVISOR: int(row[2]),
            d.Role.LEAD: int(row[3]),
        },
        callbacks_done=row[4],
        on_time=int(row[5]),
        overdue_open=int(row[6]),
        satisfaction={
            d.Satisfaction.SATISFIED: int(row[7]),
            d.Satisfaction.FAIRLY_SATISFIED: int(row[8]),
            d.Satisfaction.UNSATISFIED: int(row[9]),
        },
        phone_attempts=int(row[10]),
        phone_reached=int(row[11]),
        rectifications_open=int(rect[0]),
        rectifications_late=int(rect[1]),
        rectifications_notice_late=int(rect[2]),
        rectifications_fix_late=int(rect[3]),
        rectifications_verified=int(rect[4]),
    )


def compliance(
    *,
    session: Session,
    estate_code: str,
    period: str | None,
    as_of: datetime,
    now: datetime | None = None,
) -> tuple[Estate, d.Compliance]:
    """The figures of one estate-period; without a period, the current month (the month of
    ``now``, default ``as_of``) in the estate's timezone."""
    estate = get_estate(session, estate_code)
    parsed = (
        d.Period.parse(period) if period else d.Period.containing(now or as_of, estate.timezone)
    )
    counts = period_counts(session=session, estate=estate, period=parsed, as_of=as_of)
    return estate, d.compliance(parsed, counts, estate_rules(estate))


def compliance_out(estate: Estate, result: d.Compliance, as_of: datetime) -> dict[str, Any]:
    return {
        "estate": estate.code,
        "period": str(result.period),
        "as_of": as_of.astimezone(d.zone(estate.timezone)),
        "jobs": result.jobs,
        "compliant": result.compliant,
        "roles": {
            role.value: {
                "target_pct": q.target_pct,
                "done": q.done,
                "rate": q.rate,
                "required": q.required,
                "shortfall": q.shortfall,
                "compliant": q.compliant,
            }
            for role, q in result.roles.items()
        },
        "on_time": {
            "done": result.on_time_done,
            "on_time": result.on_time,
            "rate": result.on_time_rate,
        },
        "overdue_open": result.overdue_open,
        "satisfaction": {s.value: n for s, n in result.satisfaction.items()},
        "answered": result.answered,
        "complaint_rate": result.complaint_rate,
        "phone": {
            "attempts": result.phone_attempts,
            "reached": result.phone_reached,
            "success_rate": result.phone_success_rate,
        },
        "rectifications": {
            "open": result.rectifications_open,
            "late": result.rectifications_late,
            "notice_late": result.rectifications_notice_late,
            "fix_late": result.rectifications_fix_late,
            "verified": result.rectifications_verified,
        },
    }
