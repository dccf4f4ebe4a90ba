"""The figures of the manager dashboard and the monthly report, for one estate and period.

The headline figures (quotas, on-time, overdue, satisfaction, rectifications) are exactly
``usecases.compliance``: the same call the compliance endpoint makes. What that endpoint
does not carry is read with aggregate queries over the same period selection and turned into
figures by the rules in ``service.domain``: the per-staff and per-worker tables and callbacks
by channel in ``dashboard_tables``, the lists of open jobs (due today/tomorrow, overdue,
visits) in ``dashboard_lists``, what is up for review in ``dashboard_review``; the
projections to month end and the page's scope here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from .. import domain as d
from ..models import Callback, Estate, Job, Notification, Staff
from .compliance import compliance, compliance_out
from .dashboard_lists import (
    JobItem,
    LateRectification,
    job_items,
    open_jobs,
    overdue_clause,
)
from .dashboard_review import (
    ChainHead,
    LateEntry,
    NotificationItem,
    chain_head,
    late_entries,
    notifications,
)
from .dashboard_tables import (
    RectificationGroups,
    StaffRow,
    WorkerRow,
    callback_groups,
    job_groups,
    rectification_groups,
    tallied_groups,
    worker_rows,
)
from .queries import estate_period, more_hours_apart
from .signin import SignedIn
from .tallies import is_current

__all__ = [
    "LIST_LIMIT",
    "Dashboard",
    "JobItem",
    "LateRectification",
    "PeriodClock",
    "RoleView",
    "Scope",
    "StaffRow",
    "WorkerRow",
    "build_dashboard",
    "dashboard_scope",
    "visible_estates",
]

#: Rows shown in the dashboard's lists (the counts are always complete).
LIST_LIMIT = 50


@dataclass(frozen=True, slots=True)
class RoleView:
    role: d.Role
    quota: d.RoleQuota
    needed_by_end: int  # callbacks still needed by month end at the current pace
    staff: list[str]


@dataclass(frozen=True, slots=True)
class PeriodClock:
    """Where ``as_of`` sits in the period: the pace projection works from this."""

    days_total: float
    days_elapsed: float
    days_left: int  # whole calendar days left, today included; 0 once the month is over

    @classmethod
    def of(cls, period: d.Period, timezone: str, as_of: datetime) -> PeriodClock:
        start, end = period.bounds(timezone)
        day = 86400.0
        total = (end - start).total_seconds() / day
        elapsed = min(max((as_of - start).total_seconds() / day, 0.0), total)
        if as_of >= end:
            left = 0
        elif as_of < start:
            left = round(total)
        else:
            today = as_of.astimezone(d.zone(timezone)).date()
            last = (end - timedelta(seconds=1)).astimezone(d.zone(timezone)).date()
            left = (last - today).days + 1
        return cls(days_total=total, days_elapsed=elapsed, days_left=left)


@dataclass
class Dashboard:
    estate: Estate
    period: d.Period
    as_of: datetime
    result: d.Compliance
    clock: PeriodClock
    roles: list[RoleView]
    due_today: list[JobItem]
    due_tomorrow: list[JobItem]
    due_today_count: int
    due_tomorrow_count: int
    overdue: list[JobItem]
    staff: list[StaffRow]
    workers: list[WorkerRow]
    channels: dict[str, int]
    late_rectifications: list[LateRectification]
    late_rectifications_count: int
    # Jobs whose calls failed: an on-site visit for their assigned role (any month).
    visits: list[JobItem] = field(default_factory=list)
    visits_count: int = 0
    # The period's jobs that repeat an earlier repair of the same unit and category.
    repeats: list[JobItem] = field(default_factory=list)
    repeats_count: int = 0
    rectification_states: dict[str, int] = field(default_factory=dict)
    # The scheduler's escalations (who, when, which job), and notifications that failed for good.
    escalations: list[NotificationItem] = field(default_factory=list)
    failed_notifications: list[NotificationItem] = field(default_factory=list)
    # Callbacks entered more than the estate's late_entry_hours after their done_at.
    late_entries: list[LateEntry] = field(default_factory=list)
    late_entries_count: int = 0
    chain_head: ChainHead | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tz(self) -> Any:
        return d.zone(self.estate.timezone)

    @property
    def compliance_json(self) -> dict[str, Any]:
        """The compliance endpoint's body, byte for byte the same figures."""
        return compliance_out(self.estate, self.result, self.as_of)

    @property
    def shortfalls(self) -> list[RoleView]:
        return [r for r in self.roles if r.quota.shortfall > 0]

    @property
    def complaint_target(self) -> float:
        return d.rules.COMPLAINT_TARGET_PCT / 100


def visible_estates(session: Session, estate_id: int) -> list[Estate]:
    """The estates a manager or supervisor may see: their own."""
    estate = session.get(Estate, estate_id)
    return [estate] if estate is not None else []


@dataclass(frozen=True, slots=True)
class Scope:
    """What a signed-in manager or supervisor asked to see, checked."""

    user: SignedIn
    estate: Estate
    estates: list[Estate]
    period: d.Period


def dashboard_scope(
    session: Session,
    user: SignedIn,
    estate_code: str | None,
    period: str | None,
    now: datetime,
) -> Scope:
    """The estate and period a manager or supervisor may see (their own estate, this month by
    default). Refusals carry the catalogue key of their page: ``dash.forbidden.role`` (403),
    ``dash.notfound.estate`` (404), ``dash.forbidden.estate`` (403), ``dash.bad.period``
    (422)."""
    if not user.can_see_dashboard:
        raise d.Forbidden(
            "the dashboard is for managers and supervisors", code="dash.forbidden.role"
        )
    allowed = visible_estates(session, user.estate_id)
    code = (estate_code or user.estate_code).strip()
    estate = next((e for e in allowed if e.code == code), None)
    if estate is None:
        exists = session.exec(select(Estate.id).where(Estate.code == code)).first()
        if exists is None:
            raise d.NotFound(f"estate {code!r} not found", code="dash.notfound.estate")
        raise d.Forbidden(f"estate {code!r} is not yours", code="dash.forbidden.estate")
    if period:
        try:
            parsed = d.Period.parse(period)
        except d.InvalidInput as exc:
            raise d.InvalidInput(exc.detail, code="dash.bad.period") from None
    else:
        parsed = d.Period.containing(now, estate.timezone)
    return Scope(user=user, estate=estate, estates=allowed, period=parsed)


def _staff_by_role(session: Session, estate: Estate) -> dict[str, list[str]]:
    names: dict[str, list[str]] = defaultdict(list)
    rows = session.exec(
        select(Staff.role, Staff.name)
        .where(Staff.estate_id == estate.id, Staff.active == True)  # noqa: E712
        .order_by(col(Staff.name))
    ).all()
    for role, name in rows:
        names[role].append(name)
    return names


def build_dashboard(
    *, session: Session, estate_code: str, period: str | None, as_of: datetime
) -> Dashboard:
    """Every figure of the dashboard and the monthly report for one estate-period.

    The period is read a few times, each time grouped in the database as finely as the
    tables need: the compliance figures, the jobs per worker and answer, the rectifications
    per worker and state; the callbacks per staff member and channel, and the late entries,
    come from the counts kept with the callbacks (``usecases.tallies``); the estate's open jobs
    once for the counts of due, tomorrow's and visits. A list is read only when its count
    (known by then) says it has rows."""
    if period:
        d.Period.parse(period)
    estate, result = compliance(
        session=session, estate_code=estate_code, period=period, as_of=as_of
    )
    limit = LIST_LIMIT
    in_period = estate_period(estate, result.period)
    start, end = result.period.bounds(estate.timezone)
    clock = PeriodClock.of(result.period, estate.timezone, as_of)
    people = _staff_by_role(session, estate)

    roles = [
        RoleView(
            role=role,
            quota=quota,
            needed_by_end=d.rules.projection(
                quota,
                jobs_so_far=result.jobs,
                days_elapsed=clock.days_elapsed,
                days_total=clock.days_total,
            ),
            staff=people.get(role.value, []),
        )
        for role, quota in result.roles.items()
    ]

    def items(count: int, where: Any, order: Any) -> list[JobItem]:
        return job_items(session, where, order, as_of, people, limit) if count else []

    opened = open_jobs(session, estate, as_of)
    jobs = job_groups(session, in_period)
    with_calls = result.phone_attempts > 0
    if is_current(session, estate):  # the kept counts (usecases.tallies)
        groups = tallied_groups(
            session, estate, result.period, in_period, with_calls=with_calls, limit=limit
        )
    else:  # counted in another timezone than the estate's now: from the raw rows
        late_entry = more_hours_apart(
            col(Callback.done_at), col(Callback.recorded_at), int(estate.late_entry_hours)
        )
        groups = callback_groups(session, in_period, late_entry, with_calls=with_calls, limit=limit)
    # every rectification is either verified or open: none of either, nothing to read
    rects = (
        rectification_groups(session, in_period, as_of, limit)
        if result.rectifications_open + result.rectifications_verified
        else RectificationGroups.none()
    )
    deadline, completed = col(Job.deadline), col(Job.completed_at)
    return Dashboard(
        estate=estate,
        period=result.period,
        as_of=as_of,
        result=result,
        clock=clock,
        roles=roles,
        due_today=items(opened.due_today_count, opened.due_today, deadline),
        due_tomorrow=items(opened.due_tomorrow_count, opened.due_tomorrow, deadline),
        due_today_count=opened.due_today_count,
        due_tomorrow_count=opened.due_tomorrow_count,
        overdue=items(
            result.overdue_open, overdue_clause(estate, in_period, start, as_of), deadline
        ),
        staff=groups.staff,
        workers=worker_rows(jobs, rects),
        channels=groups.channels,
        late_rectifications=rects.late,
        late_rectifications_count=result.rectifications_late,
        visits=items(opened.visits_count, opened.visits, deadline),
        visits_count=opened.visits_count,
        repeats=items(
            jobs.repeats, sa.and_(in_period, col(Job.repeat_of_id).is_not(None)), completed
        ),
        repeats_count=jobs.repeats,
        rectification_states=rects.states,
        escalations=notifications(session, estate, Notification.kind == "escalation"),
        failed_notifications=notifications(session, estate, Notification.status == "failed"),
        late_entries=late_entries(session, col(Callback.id).in_(groups.late_ids))
        if groups.late_ids
        else [],
        chain_head=chain_head(session, estate, min(as_of, end)),
        late_entries_count=groups.late_entries,
    )
