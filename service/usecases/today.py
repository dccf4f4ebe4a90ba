"""My work today: what a signed-in lead, supervisor or manager has to do, in deadline order.

One list of jobs, each with why it is mine and what it needs next:
- ``assigned``: an open job of my estate assigned to my role (no callback yet);
- ``escalated``: the scheduler escalated it to me and it is still not called back;
- ``quota``: today's quota plan (``usecases.planner``) picked it for my role;
plus the rectifications waiting for someone to ask the resident again after the fix
(``reconfirm``), what the scheduler reminded me of or escalated to me lately, and my role's
quota position per period with the plan's count. A worker sees the rectifications that name
them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, func, select

from .. import domain as d
from ..db import begin_write
from ..models import Estate, Job, Notification, Rectification
from .estates import estate_rules
from .jobs import job_next_step
from .planner import DayPlan, RoleDay, day_plan
from .signin import SignedIn

#: How far back "what I was reminded of" goes.
RECENT = timedelta(days=3)
#: Jobs shown at most; the rest are counted.
MAX_TASKS = 60


@dataclass(slots=True)
class Task:
    job: Job
    step: str  # call | visit | none (called back: the quota still wants my role's call)
    reasons: set[str] = field(default_factory=set)  # assigned | escalated | quota
    escalation_step: int | None = None

    def overdue(self, now: datetime) -> bool:
        return self.job.first_callback_at is None and self.job.deadline < now


@dataclass(slots=True)
class QuotaLine:
    period: d.Period
    jobs: int  # the period's completed jobs
    target_pct: int
    mine: RoleDay
    others: dict[d.Role, RoleDay]  # the other roles (shown to managers and supervisors)


@dataclass(slots=True)
class Today:
    user: SignedIn
    estate: Estate
    now: datetime
    day: str
    tasks: list[Task]
    more: int  # tasks not shown
    reconfirm: list[Rectification]
    notices: list[Rectification]  # a worker's own rectifications
    notifications: list[Notification]  # reminders and escalations to me, newest first
    quota: list[QuotaLine]


def _step(job: Job) -> str:
    step = job_next_step(job)
    return {"callback": "call", "visit": "visit"}.get(step, "none")


def today(*, session: Session, user: SignedIn, now: datetime) -> Today:
    """Everything /today shows for ``user`` in their estate as of ``now``. Draws the day's
    quota plan when nobody has yet (commits)."""
    begin_write(session)
    estate = session.get(Estate, user.estate_id)
    if estate is None:
        raise d.NotFound(f"estate {user.estate_code!r} not found", code="dash.notfound.estate")
    role = d.Role(user.role) if user.records_callbacks else None
    plan: DayPlan | None = day_plan(session=session, estate=estate, as_of=now) if role else None
    tasks: dict[int, Task] = {}
    unseen = 0  # assigned jobs beyond the first MAX_TASKS

    def add(job: Job, reason: str) -> Task:
        task = tasks.get(job.id)  # type: ignore[arg-type]
        if task is None:
            set_committed_value(job, "estate", estate)
            task = tasks[job.id] = Task(job=job, step=_step(job))  # type: ignore[index]
        task.reasons.add(reason)
        return task

    if role is not None:
        open_jobs = select(Job).where(
            Job.estate_id == estate.id,
            Job.state == "active",
            col(Job.first_callback_at).is_(None),
        )
        mine = open_jobs.where(Job.assigned_role == role.value)
        for job in session.exec(mine.order_by(col(Job.deadline), col(Job.id)).limit(MAX_TASKS)):
            add(job, "assigned")
        unseen = session.exec(select(func.count()).select_from(mine.subquery())).one()
        unseen -= len(tasks)
        escalated = session.exec(
            select(Notification, Job)
            .join(Job, col(Job.id) == Notification.job_id)
            .where(
                Notification.staff_id == user.staff_id,
                Notification.kind == "escalation",
                Job.state == "active",
                col(Job.first_callback_at).is_(None),
            )
        ).all()
        for note, job in escalated:
            task = add(job, "escalated")
            task.escalation_step = max(task.escalation_step or 0, note.step or 0)
        assert plan is not None
        for period in plan.periods:
            for job in period.roles[role].jobs:
                add(job, "quota")
    ordered = sorted(tasks.values(), key=lambda t: (t.job.deadline, t.job.ref))
    reconfirm: list[Rectification] = []
    notices: list[Rectification] = []
    in_estate = select(Rectification).join(Job, col(Job.id) == Rectification.job_id)
    in_estate = in_estate.where(Job.estate_id == estate.id)
    if role is not None:
        reconfirm = list(
            session.exec(
                in_estate.where(
                    Rectification.state == "fixed",
                    col(Rectification.worker).is_distinct_from(user.name),
                ).order_by(col(Rectification.fixed_at))
            ).all()
        )
    else:
        notices = list(
            session.exec(
                in_estate.where(
                    Rectification.worker == user.name,
                    col(Rectification.state).in_(("open", "notified")),
                ).order_by(col(Rectification.fix_due_at))
            ).all()
        )
    notifications = list(
        session.exec(
            select(Notification)
            .where(
                Notification.staff_id == user.staff_id,
                col(Notification.created_at) >= now - RECENT,
            )
            .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
            .limit(30)
        ).all()
    )
    quota = []
    if plan is not None and role is not None:
        targets = estate_rules(estate).targets_pct
        for period in plan.periods:
            mine = period.roles[role]
            if period.jobs or mine.need:
                others = {r: v for r, v in period.roles.items() if r != role}
                quota.append(
                    QuotaLine(
                        period=period.period,
                        jobs=period.jobs,
                        target_pct=targets[role],
                        mine=mine,
                        others=others,
                    )
                )
    return Today(
        user=user,
        estate=estate,
        now=now,
        day=now.astimezone(d.zone(estate.timezone)).date().isoformat(),
        tasks=ordered[:MAX_TASKS],
        more=unseen + max(0, len(ordered) - MAX_TASKS),
        reconfirm=reconfirm,
        notices=notices,
        notifications=notifications,
        quota=quota,
    )
