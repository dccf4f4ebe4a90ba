"""The dashboard's lists of jobs to act on: due today and tomorrow, overdue, visits to make,
repeat repairs; and the row of its list of late rectifications.

The estate's open jobs (active, no callback yet) are read through their own partial index,
ordered by deadline, so the counts and the first rows of each list cost what they hold, not
what the estate holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from .. import domain as d
from ..models import Estate, Job
from .queries import count_if


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


def waiting_or_late(estate: Estate) -> Any:
    """The estate's active jobs still without a callback, due or overdue (the partial index
    ``ix_jobs_open`` holds exactly these)."""
    return sa.and_(
        Job.estate_id == estate.id, Job.state == "active", col(Job.first_callback_at).is_(None)
    )


@dataclass(frozen=True, slots=True)
class OpenJobs:
    """The clauses of the lists of open jobs, and their counts (one query)."""

    due_today: Any
    due_tomorrow: Any
    visits: Any
    due_today_count: int
    due_tomorrow_count: int
    visits_count: int


def open_jobs(session: Session, estate: Estate, as_of: datetime) -> OpenJobs:
    """Due today / tomorrow (by the estate's local day, deadline not passed yet) and visits to
    make (calls failed: an on-site visit for the assigned role, any month), counted on the
    estate's open jobs: the due ones by their deadlines' range, the visits among the jobs
    called at all (each count reads only the index entries it needs)."""
    tz = d.zone(estate.timezone)
    today = as_of.astimezone(tz).date()
    midnight = [
        datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
        for day in (today + timedelta(days=1), today + timedelta(days=2))
    ]
    open_ = waiting_or_late(estate)
    deadline = col(Job.deadline)
    due_today = sa.and_(deadline >= as_of, deadline < midnight[0])
    due_tomorrow = sa.and_(deadline >= midnight[0], deadline < midnight[1])
    today_n, tomorrow_n = session.exec(
        select(count_if(deadline < midnight[0]), count_if(deadline >= midnight[0])).where(
            open_, deadline >= as_of, deadline < midnight[1]
        )
    ).one()
    visits = sa.and_(
        open_,
        col(Job.calls) > 0,  # implied by either reason below, and in the index
        sa.or_(
            col(Job.failed_calls) >= estate.phone_attempts_before_visit,
            col(Job.last_call_outcome).in_([o.value for o in d.followup.VISIT_AT_ONCE]),
        ),
    )
    visits_n = session.exec(select(func.count()).select_from(Job).where(visits)).one()
    return OpenJobs(
        due_today=sa.and_(open_, due_today),
        due_tomorrow=sa.and_(open_, due_tomorrow),
        visits=visits,
        due_today_count=int(today_n),
        due_tomorrow_count=int(tomorrow_n),
        visits_count=int(visits_n),
    )


def overdue_clause(estate: Estate, in_period: Any, start: datetime, as_of: datetime) -> Any:
    """The period's open jobs past their deadline. A deadline is never before its job's
    completion, so ``deadline >= start`` holds for every one of them: said outright, it lets
    the database read the open jobs by deadline from the period's start."""
    return sa.and_(
        waiting_or_late(estate), in_period, col(Job.deadline) >= start, col(Job.deadline) < as_of
    )


def job_items(
    session: Session,
    where: Any,
    order: Any,
    as_of: datetime,
    people: dict[str, list[str]],
    limit: int,
) -> list[JobItem]:
    j = Job
    rows = session.exec(
        select(
            j.ref,
            j.unit,
            j.title,
            j.category,
            j.worker,
            j.assigned_role,
            j.completed_at,
            j.deadline,
        )
        .where(where)
        .order_by(order, col(Job.ref))
        .limit(limit)
    )
    return [
        JobItem(
            ref=ref,
            unit=unit,
            title=title,
            category=category,
            worker=worker,
            assigned_role=role,
            assignees=people.get(role, []),
            completed_at=completed_at,
            deadline=deadline,
            age_hours=max(0.0, (as_of - deadline).total_seconds() / 3600),
        )
        for ref, unit, title, category, worker, role, completed_at, deadline in rows.all()
    ]
