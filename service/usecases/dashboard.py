"""The figures of the manager dashboard and the monthly report, for one estate and period.

The headline figures (quotas, on-time, overdue, satisfaction, rectifications) are exactly
``usecases.compliance``: the same call the compliance endpoint makes. What that endpoint
does not carry (due today/tomorrow, the overdue list, per-staff and per-worker tables, callbacks
by channel, projections to month end) is read here with aggregate queries over the same
period selection and turned into figures by the rules in ``service.domain``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from .. import domain as d
from ..models import (
    Callback,
    Estate,
    Job,
    Notification,
    PhoneAttempt,
    Rectification,
    Staff,
)
from .compliance import compliance, compliance_out
from .dashboard_review import (
    ChainHead,
    LateEntry,
    NotificationItem,
    chain_head,
    late_entries,
    notifications,
)
from .queries import count_if, estate_period, hours_between, status_clause
from .rectifications import late_clause, late_flags
from .signin import SignedIn

#: Rows shown in the dashboard's lists (the counts are always complete).
LIST_LIMIT = 50


@dataclass(frozen=True, slots=True)
class RoleView:
    role: d.Role
    quota: d.RoleQuota
    needed_by_end: int  # callbacks still needed by month end at the current pace
    staff: list[str]


@dataclass(frozen=True, slots=True)
class JobItem:
    ref: str
    unit: str | None
    title: str | None
    category: str
    worker: str | None
    assigned_role: str
    assignees: list[str]
    completed_at: datetime
    deadline: datetime
    age_hours: float = 0.0  # overdue only: hours past the deadline at ``as_of``


@dataclass(frozen=True, slots=True)
class StaffRow:
    name: str
    role: str
    callbacks: int
    on_time: int
    on_site: int
    phone: int
    calls: int = 0  # phone attempts this person made on the period's jobs
    calls_reached: int = 0

    @property
    def phone_success_rate(self) -> float | None:
        return None if self.calls == 0 else self.calls_reached / self.calls


@dataclass(frozen=True, slots=True)
class WorkerRow:
    worker: str
    jobs: int
    satisfied: int
    fairly_satisfied: int
    unsatisfied: int
    rectifications: int
    rectifications_open: int
    rectifications_late: int

    @property
    def answers(self) -> int:
        return self.satisfied + self.fairly_satisfied + self.unsatisfied

    @property
    def satisfied_rate(self) -> float | None:
        return None if self.answers == 0 else self.satisfied / self.answers


@dataclass(frozen=True, slots=True)
class LateRectification:
    """A rectification whose written notice or fix is late; ``due_at``/``done_at`` are the
    fix's when the fix is late, else the notice's."""

    id: int
    job_ref: str
    unit: str | None
    worker: str | None
    problem: str
    state: str
    notice_late: bool
    fix_late: bool
    due_at: datetime
    done_at: datetime | None
    hours_late: float


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


def _job_items(
    session: Session, where: Any, order: Any, as_of: datetime, people: dict[str, list[str]]
) -> list[JobItem]:
    rows = session.exec(select(Job).where(where).order_by(order, col(Job.ref)).limit(LIST_LIMIT))
    return [
        JobItem(
            ref=job.ref,
            unit=job.unit,
            title=job.title,
            category=job.category,
            worker=job.worker,
            assigned_role=job.assigned_role,
            assignees=people.get(job.assigned_role, []),
            completed_at=job.completed_at,
            deadline=job.deadline,
            age_hours=max(0.0, (as_of - job.deadline).total_seconds() / 3600),
        )
        for job in rows.all()
    ]


def _count(session: Session, where: Any) -> int:
    return int(session.exec(select(func.count()).select_from(Job).where(where)).one())


def build_dashboard(
    *, session: Session, estate_code: str, period: str | None, as_of: datetime
) -> Dashboard:
    """Every figure of the dashboard and the monthly report for one estate-period.

    The period is read a few times, each time grouped in the database as finely as the
    tables need: the compliance figures, the jobs per worker and answer, the callbacks per
    staff member and channel, the rectifications per worker and state. A list is read only
    when its count (known by then) says it has rows."""
    if period:
        d.Period.parse(period)
    estate, result = compliance(
        session=session, estate_code=estate_code, period=period, as_of=as_of
    )
    tz = d.zone(estate.timezone)
    in_period = estate_period(estate, result.period)
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
        return _job_items(session, where, order, as_of, people) if count else []

    # Due today / tomorrow: any of the estate's active jobs still waiting, by local day.
    today = as_of.astimezone(tz).date()
    midnight = [
        datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
        for day in (today, today + timedelta(days=1), today + timedelta(days=2))
    ]
    waiting = sa.and_(
        Job.estate_id == estate.id,
        Job.state == "active",
        status_clause(d.JobStatus.DUE, as_of),
    )
    due_today_where = sa.and_(waiting, col(Job.deadline) < midnight[1])
    due_tomorrow_where = sa.and_(
        waiting, col(Job.deadline) >= midnight[1], col(Job.deadline) < midnight[2]
    )
    due_today_count, due_tomorrow_count = session.exec(
        select(
            count_if(col(Job.deadline) < midnight[1]),
            count_if(col(Job.deadline) >= midnight[1]),
        ).where(waiting, col(Job.deadline) < midnight[2])
    ).one()
    overdue_where = sa.and_(in_period, status_clause(d.JobStatus.OVERDUE, as_of))

    jobs = _job_groups(session, in_period)
    late_entry = (
        hours_between(col(Callback.done_at), col(Callback.recorded_at)) > estate.late_entry_hours
    )
    groups = _callback_groups(session, in_period, late_entry, with_calls=result.phone_attempts > 0)
    # every rectification is either verified or open: none of either, nothing to group
    rects = (
        _rectification_groups(session, in_period, as_of)
        if result.rectifications_open + result.rectifications_verified
        else _RectificationGroups(per_worker={}, states=_rectification_counts([]))
    )
    visit_where = sa.and_(
        waiting_or_late(estate),
        # implied by either reason below; it is in the covering index, so the database skips
        # the jobs never called without reading their rows
        col(Job.calls) > 0,
        sa.or_(
            col(Job.failed_calls) >= estate.phone_attempts_before_visit,
            col(Job.last_call_outcome).in_([o.value for o in d.followup.VISIT_AT_ONCE]),
        ),
    )
    visits_count = _count(session, visit_where)
    repeat_where = sa.and_(in_period, col(Job.repeat_of_id).is_not(None))
    return Dashboard(
        estate=estate,
        period=result.period,
        as_of=as_of,
        result=result,
        clock=clock,
        roles=roles,
        due_today=items(due_today_count, due_today_where, col(Job.deadline)),
        due_tomorrow=items(due_tomorrow_count, due_tomorrow_where, col(Job.deadline)),
        due_today_count=int(due_today_count),
        due_tomorrow_count=int(due_tomorrow_count),
        overdue=items(result.overdue_open, overdue_where, col(Job.deadline)),
        staff=groups.staff,
        workers=_worker_rows(jobs, rects),
        channels=groups.channels,
        late_rectifications=_late_rectifications(session, in_period, as_of)
        if result.rectifications_late
        else [],
        late_rectifications_count=result.rectifications_late,
        visits=items(visits_count, visit_where, col(Job.deadline)),
        visits_count=visits_count,
        repeats=items(jobs.repeats, repeat_where, col(Job.completed_at)),
        repeats_count=jobs.repeats,
        rectification_states=rects.states,
        escalations=notifications(session, estate, Notification.kind == "escalation"),
        failed_notifications=notifications(session, estate, Notification.status == "failed"),
        late_entries=late_entries(session, col(Callback.id).in_(groups.late_ids))
        if groups.late_ids
        else [],
        chain_head=chain_head(
            session, estate, min(as_of, result.period.bounds(estate.timezone)[1])
        ),
        late_entries_count=groups.late_entries,
    )


def waiting_or_late(estate: Estate) -> Any:
    """The estate's active jobs still without a callback, due or overdue."""
    return sa.and_(
        Job.estate_id == estate.id, Job.state == "active", col(Job.first_callback_at).is_(None)
    )


@dataclass(frozen=True, slots=True)
class _JobGroups:
    """The period's jobs counted once: per worker and answer, and those that repeat a repair."""

    per_worker: dict[str, dict[str | None, int]]  # worker -> answer (None: none yet) -> jobs
    repeats: int


def _job_groups(session: Session, in_period: Any) -> _JobGroups:
    worker = func.coalesce(Job.worker, "")
    per_worker: dict[str, dict[str | None, int]] = defaultdict(dict)
    repeats = 0
    for name, answer, n, repeating in session.exec(
        select(worker, Job.answer, func.count(), func.count(Job.repeat_of_id))
        .where(in_period)
        .group_by(worker, Job.answer)
    ).all():
        per_worker[name][answer] = int(n)
        repeats += int(repeating)
    return _JobGroups(per_worker=dict(per_worker), repeats=repeats)


def _rectification_counts(rows: list[tuple[str, int]]) -> dict[str, int]:
    counts = {state.value: 0 for state in d.RectificationState}
    for state, n in rows:
        counts[state] = counts.get(state, 0) + n
    return counts


@dataclass(frozen=True, slots=True)
class _RectificationGroups:
    """The period's rectifications counted once: per worker (all, open, late) and per state."""

    per_worker: dict[str, tuple[int, int, int]]
    states: dict[str, int]


def _rectification_groups(
    session: Session, in_period: Any, as_of: datetime
) -> _RectificationGroups:
    worker = func.coalesce(Job.worker, "")
    notice_late, fix_late = late_clause(as_of)
    rows = session.exec(
        select(worker, Rectification.state, func.count(), count_if(sa.or_(notice_late, fix_late)))
        .select_from(Rectification)
        .join(Job, col(Job.id) == Rectification.job_id)
        .where(in_period)
        .group_by(worker, Rectification.state)
    ).all()
    per_worker: dict[str, tuple[int, int, int]] = {}
    verified = d.RectificationState.VERIFIED.value
    for name, state, n, late in rows:
        total, open_, late_ = per_worker.get(name, (0, 0, 0))
        per_worker[name] = (
            total + int(n),
            open_ + (int(n) if state != verified else 0),
            late_ + int(late),
        )
    states = _rectification_counts([(state, int(n)) for _, state, n, _ in rows])
    return _RectificationGroups(per_worker=per_worker, states=states)


@dataclass(frozen=True, slots=True)
class _CallbackGroups:
    """The period's callbacks counted once, grouped finely enough for every table."""

    staff: list[StaffRow]
    channels: dict[str, int]
    late_entries: int
    late_ids: list[int]  # the latest late entries, as many as the list shows


def _callback_groups(
    session: Session, in_period: Any, late_entry: Any, *, with_calls: bool
) -> _CallbackGroups:
    """Per staff member: callbacks, on time, by channel, late entries; and their phone calls
    (read only when the period has any: ``with_calls``)."""
    # One pass over the period's callbacks (a CTE read twice is materialised once, on SQLite
    # and PostgreSQL alike): the groups, then the ids of the latest late entries below them.
    period_callbacks = (
        select(
            Callback.id,
            Callback.staff,
            Callback.role,
            Callback.channel,
            Callback.recorded_at,
            (col(Callback.done_at) <= col(Job.deadline)).label("on_time"),
            late_entry.label("late"),
        )
        .join(Job, col(Job.id) == Callback.job_id)
        .where(in_period)
        .cte("period_callbacks")
    )
    pc = period_callbacks.c
    grouped = select(
        pc.staff,
        pc.role,
        pc.channel,
        func.count(),
        count_if(pc.on_time),
        count_if(pc.late),
        sa.null().label("late_id"),
    ).group_by(pc.staff, pc.role, pc.channel)
    latest_late = (
        select(pc.id.label("late_id"))
        .where(pc.late)
        .order_by(pc.recorded_at.desc(), pc.id.desc())
        .limit(LIST_LIMIT)
        .subquery()
    )
    nothing = sa.null()
    rows = session.exec(
        sa.union_all(
            grouped,
            select(nothing, nothing, nothing, nothing, nothing, nothing, latest_late.c.late_id),
        )
    ).all()
    late_ids = [row[6] for row in rows if row[6] is not None]
    rows = [row[:6] for row in rows if row[6] is None]
    # callbacks, on time, on site, by phone, calls made, calls that reached the resident
    per_staff: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    channels = {c.value: 0 for c in d.Channel}
    late = 0
    for name, role, channel, n, in_time, entered_late in rows:
        n = int(n)
        figures = per_staff[(name, role)]
        figures[0] += n
        figures[1] += int(in_time)
        figures[2] += n if channel == d.Channel.ON_SITE else 0
        figures[3] += n if channel == d.Channel.PHONE else 0
        channels[channel] = channels.get(channel, 0) + n
        late += int(entered_late)
    if with_calls:
        reached = PhoneAttempt.outcome == d.CallOutcome.REACHED.value
        calls = session.exec(
            select(PhoneAttempt.staff, PhoneAttempt.role, func.count(), count_if(reached))
            .join(Job, col(Job.id) == PhoneAttempt.job_id)
            .where(in_period)
            .group_by(PhoneAttempt.staff, PhoneAttempt.role)
        ).all()
        for name, role, n, got_through in calls:
            figures = per_staff[(name, role)]
            figures[4] += int(n)
            figures[5] += int(got_through)
    order = {role.value: i for i, role in enumerate(d.ROLE_ORDER)}
    staff = [
        StaffRow(
            name=name,
            role=role,
            callbacks=f[0],
            on_time=f[1],
            on_site=f[2],
            phone=f[3],
            calls=f[4],
            calls_reached=f[5],
        )
        for (name, role), f in per_staff.items()
    ]
    staff.sort(key=lambda row: (order.get(row.role, 9), -row.callbacks, row.name))
    return _CallbackGroups(staff=staff, channels=channels, late_entries=late, late_ids=late_ids)


def _worker_rows(jobs: _JobGroups, rects: _RectificationGroups) -> list[WorkerRow]:
    """Per repair worker: jobs, the jobs' answers (one per job), rectifications."""
    rows = []
    for name, answers in jobs.per_worker.items():
        total, open_, late = rects.per_worker.get(name, (0, 0, 0))
        rows.append(
            WorkerRow(
                worker=name,
                jobs=sum(answers.values()),
                satisfied=answers.get("satisfied", 0),
                fairly_satisfied=answers.get("fairly_satisfied", 0),
                unsatisfied=answers.get("unsatisfied", 0),
                rectifications=total,
                rectifications_open=open_,
                rectifications_late=late,
            )
        )
    return sorted(rows, key=lambda w: (-w.unsatisfied, -w.rectifications_late, -w.jobs, w.worker))


def _late_rectifications(
    session: Session, in_period: Any, as_of: datetime
) -> list[LateRectification]:
    notice_late, fix_late = late_clause(as_of)
    rows = session.exec(
        select(Rectification, Job.ref, Job.unit)
        .join(Job, col(Job.id) == Rectification.job_id)
        .where(in_period, sa.or_(notice_late, fix_late))
        .order_by(col(Rectification.notice_due_at), col(Rectification.id))
        .limit(LIST_LIMIT)
    ).all()
    items = []
    for rect, ref, unit in rows:
        notice, fix = late_flags(rect, as_of)
        due, done = (
            (rect.fix_due_at, rect.fixed_at) if fix else (rect.notice_due_at, rect.notified_at)
        )
        items.append(
            LateRectification(
                id=rect.id,  # type: ignore[arg-type]
                job_ref=ref,
                unit=unit,
                worker=rect.worker,
                problem=rect.problem,
                state=rect.state,
                notice_late=notice,
                fix_late=fix,
                due_at=due,
                done_at=done,
                hours_late=((done or as_of) - due).total_seconds() / 3600,
            )
        )
    return items
