"""Each day's quota plan of an estate: which open jobs each role should call back, drawn once
and logged in ``quota_draws`` (candidates, weights, seed, what was picked) so anyone can redraw
it; the rules are ``domain.planner``.

The first look of the day (the scheduler's cycle, the /today page or the API) draws round 1
for every period that still has open windows (early in a month, last month's jobs still
qualify). A later look keeps the day's picks and only tops them up (round 2, 3...) when a
role's planned jobs no longer cover its need: new jobs completed, a planned job's window
closed or it was cancelled. Two processes drawing at once keep the first draw (a unique row per
estate, day, period, role and round).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from .. import domain as d
from ..db import begin_write
from ..domain import planner as P
from ..models import Estate, Job, QuotaDraw
from .compliance import period_counts
from .estates import estate_rules
from .queries import get_estate


@dataclass(slots=True)
class RoleDay:
    """One role's position in one period, and the planned jobs that still qualify."""

    role: d.Role
    required: int
    done: int
    need: int
    qualifying: int
    jobs: list[Job] = field(default_factory=list)  # by deadline
    draws: list[QuotaDraw] = field(default_factory=list)

    @property
    def reachable(self) -> bool:
        return self.done + self.qualifying >= self.required

    @property
    def short(self) -> int:
        return max(0, self.need - len(self.jobs))


@dataclass(slots=True)
class PeriodPlan:
    period: d.Period
    jobs: int
    roles: dict[d.Role, RoleDay]


@dataclass(slots=True)
class DayPlan:
    estate: Estate
    day: str
    as_of: datetime
    periods: list[PeriodPlan]
    jobs: dict[int, Job]  # every job the plan names, by id


def _candidate(job: Job, planned: dict[int, set[d.Role]]) -> P.Candidate:
    called = {r for r in d.Role if getattr(job, f"cb_{r.value}")}
    return P.Candidate(
        job_id=job.id,  # type: ignore[arg-type]
        deadline=job.deadline,
        category=d.Category(job.category),
        answer=d.Satisfaction(job.answer) if job.answer else None,
        # a job already planned for a role counts as taken by it: it is not drawn again
        called_by=frozenset(called | planned.get(job.id, set())),  # type: ignore[arg-type]
    )


def _insert(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    table = QuotaDraw.__table__  # type: ignore[attr-defined]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(table)
        .values(list(rows))
        .on_conflict_do_nothing(index_elements=["estate_id", "day", "period", "role", "round"])
    )


def _draws(session: Session, estate: Estate, day: str, period: str) -> list[QuotaDraw]:
    return list(
        session.exec(
            select(QuotaDraw)
            .where(
                QuotaDraw.estate_id == estate.id,
                QuotaDraw.day == day,
                QuotaDraw.period == period,
            )
            .order_by(col(QuotaDraw.role), col(QuotaDraw.round))
        ).all()
    )


def _still_open(
    draws: Sequence[QuotaDraw], seen: dict[int, P.Candidate], as_of: datetime
) -> dict[d.Role, list[int]]:
    """Each role's planned jobs that still qualify for it (open window, not called by it);
    ``seen``: the open jobs as they stand (their callbacks, not the plan's)."""
    still: dict[d.Role, list[int]] = defaultdict(list)
    for row in draws:
        role = d.Role(row.role)
        for job_id in row.picked:
            job = seen.get(job_id)
            if job is not None and P.qualifies(job, role, as_of):
                still[role].append(job_id)
    return still


def _plan_period(
    session: Session,
    estate: Estate,
    period: d.Period,
    open_jobs: list[Job],
    day: str,
    as_of: datetime,
    entropy: Callable[[int], bytes],
) -> PeriodPlan:
    counts = period_counts(session=session, estate=estate, period=period, as_of=as_of)
    targets = estate_rules(estate).targets_pct
    needs = {
        role: P.Need(role, d.required_callbacks(counts.jobs, targets[role]), done)
        for role, done in counts.done_by_role.items()
    }
    draws = _draws(session, estate, day, str(period))
    by_id = {job.id: job for job in open_jobs}
    seen = {c.job_id: c for c in (_candidate(job, {}) for job in open_jobs)}
    planned: dict[int, set[d.Role]] = defaultdict(set)
    for row in draws:
        for job_id in row.picked:
            planned[job_id].add(d.Role(row.role))
    still = _still_open(draws, seen, as_of)
    topped = {
        role: P.Need(role, need.required, need.done + len(still[role]))
        for role, need in needs.items()
    }
    candidates = [_candidate(job, planned) for job in open_jobs]
    if not draws or any(need.need for need in topped.values()):
        seeds = {role: P.new_seed(entropy(16)) for role in P.DRAWN}
        plans = P.plan(topped, candidates, as_of, seeds, taken=planned.keys())
        rounds: dict[str, int] = defaultdict(int)
        for row in draws:
            rounds[row.role] = max(rounds[row.role], row.round)
        rows = []
        for role, rp in plans.items():
            if draws and not rp.picked:
                continue  # a top-up with nothing to add is not logged
            rows.append(
                {
                    "estate_id": estate.id,
                    "day": day,
                    "period": str(period),
                    "role": role.value,
                    "round": rounds[role.value] + 1,
                    "method": rp.method,
                    "seed": rp.seed,
                    "needed": rp.need,
                    "candidates": [[e.job_id, e.weight, e.tier] for e in rp.entries],
                    "picked": list(rp.picked),
                    "created_at": as_of,
                }
            )
        _insert(session, rows)
        draws = _draws(session, estate, day, str(period))
        still = _still_open(draws, seen, as_of)
    roles: dict[d.Role, RoleDay] = {}
    for role, need in needs.items():
        qualifying = sum(P.qualifies(c, role, as_of) for c in seen.values())
        jobs = sorted((by_id[j] for j in dict.fromkeys(still[role])), key=_by_deadline)
        roles[role] = RoleDay(
            role=role,
            required=need.required,
            done=need.done,
            need=need.need,
            qualifying=qualifying,
            jobs=jobs,
            draws=[row for row in draws if row.role == role.value],
        )
    return PeriodPlan(period=period, jobs=counts.jobs, roles=roles)


def _by_deadline(job: Job) -> tuple[datetime, str]:
    return job.deadline, job.ref


def day_plan(
    *,
    session: Session,
    estate: Estate,
    as_of: datetime,
    entropy: Callable[[int], bytes] = os.urandom,
) -> DayPlan:
    """The estate's plan for the day of ``as_of`` (its timezone): drawn on first sight, topped
    up when short, logged either way. Commits."""
    begin_write(session)
    tz = d.zone(estate.timezone)
    day = as_of.astimezone(tz).date().isoformat()
    open_jobs = list(
        session.exec(
            select(Job)
            .where(Job.estate_id == estate.id, Job.state == "active", col(Job.deadline) >= as_of)
            .order_by(col(Job.deadline), col(Job.id))
        ).all()
    )
    by_period: dict[d.Period, list[Job]] = defaultdict(list)
    for job in open_jobs:
        by_period[d.Period.containing(job.completed_at, estate.timezone)].append(job)
    current = d.Period.containing(as_of, estate.timezone)
    by_period.setdefault(current, [])
    periods = [
        _plan_period(session, estate, period, by_period[period], day, as_of, entropy)
        for period in sorted(by_period, key=str)
    ]
    session.commit()
    return DayPlan(
        estate=estate,
        day=day,
        as_of=as_of,
        periods=periods,
        jobs={job.id: job for job in open_jobs},  # type: ignore[misc]
    )


def draw_due_plans(
    *, session: Session, as_of: datetime, entropy: Callable[[int], bytes] = os.urandom
) -> list[str]:
    """The scheduler's part: draw the day's plan of every estate that has none yet for its
    own today (the first cycle after local midnight). Returns the codes drawn."""
    drawn = []
    for estate in session.exec(select(Estate).order_by(col(Estate.id))).all():
        day = as_of.astimezone(d.zone(estate.timezone)).date().isoformat()
        seen = session.exec(
            select(QuotaDraw.id).where(QuotaDraw.estate_id == estate.id, QuotaDraw.day == day)
        ).first()
        session.commit()  # end the read (objects kept): day_plan starts its own write
        if seen is None:
            day_plan(session=session, estate=estate, as_of=as_of, entropy=entropy)
            drawn.append(estate.code)
    return drawn


def plan_of(*, session: Session, estate_code: str, as_of: datetime) -> DayPlan:
    begin_write(session)  # before the first read: SQLite's lock is taken up front
    return day_plan(session=session, estate=get_estate(session, estate_code), as_of=as_of)


def redraw_mismatches(session: Session, draws: Sequence[QuotaDraw]) -> list[QuotaDraw]:
    """The logged draws that their own log does not reproduce (none, unless a row was
    edited): each is redrawn from its candidates, method and seed."""
    ids = {entry[0] for row in draws for entry in row.candidates}
    deadlines = dict(session.exec(select(Job.id, Job.deadline).where(col(Job.id).in_(ids))).all())
    wrong = []
    for row in draws:
        entries = [P.Entry(j, w, tier) for j, w, tier in row.candidates]
        again = P.redraw(entries, len(row.picked), row.method, row.seed, deadlines)
        if again != list(row.picked):
            wrong.append(row)
    return wrong


def plan_out(session: Session, plan: DayPlan, *, with_draws: bool = False) -> dict[str, Any]:
    """The API's body of a day plan; ``with_draws`` adds each draw's log (job refs)."""
    tz = d.zone(plan.estate.timezone)
    refs = {job_id: job.ref for job_id, job in plan.jobs.items()}
    if with_draws:
        ids = {
            entry[0]
            for period in plan.periods
            for role in period.roles.values()
            for row in role.draws
            for entry in row.candidates
        } - refs.keys()
        refs |= dict(session.exec(select(Job.id, Job.ref).where(col(Job.id).in_(ids))).all())

    def draw_out(row: QuotaDraw) -> dict[str, Any]:
        return {
            "round": row.round,
            "method": row.method,
            "seed": row.seed,
            "needed": row.needed,
            "created_at": row.created_at.astimezone(tz),
            "candidates": [{"job": refs[j], "weight": w, "tier": t} for j, w, t in row.candidates],
            "picked": [refs[j] for j in row.picked],
        }

    def role_out(role: RoleDay) -> dict[str, Any]:
        return {
            "required": role.required,
            "done": role.done,
            "need": role.need,
            "qualifying": role.qualifying,
            "reachable": role.reachable,
            "short": role.short,
            "jobs": [
                {
                    "ref": job.ref,
                    "unit": job.unit,
                    "category": job.category,
                    "deadline": job.deadline.astimezone(tz),
                    "answer": job.answer,
                }
                for job in role.jobs
            ],
            "draws": [draw_out(row) for row in role.draws] if with_draws else None,
        }

    return {
        "estate": plan.estate.code,
        "day": plan.day,
        "as_of": plan.as_of.astimezone(tz),
        "periods": [
            {
                "period": str(p.period),
                "jobs": p.jobs,
                "roles": {role.value: role_out(r) for role, r in p.roles.items()},
            }
            for p in plan.periods
        ],
    }
