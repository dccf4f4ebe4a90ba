"""The dashboard's tables of one estate-period: per staff member (callbacks, on time, by
channel, phone calls), per repair worker (jobs, answers, rectifications), callbacks by channel,
rectifications by state, and the count of late entries.

Each table is read in one pass over the period, grouped in the database as finely as the
tables need; the rows are summed up here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from .. import domain as d
from ..models import Callback, EntryDelay, Estate, Job, PhoneAttempt, Rectification
from .dashboard_lists import LateRectification
from .queries import count_where, joined_text, more_hours_apart
from .rectifications import late_clause
from .tallies import month_tallies


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
class JobGroups:
    """The period's jobs counted once: per worker and answer, and those that repeat a repair."""

    per_worker: dict[str, dict[str | None, int]]  # worker -> answer (None: none yet) -> jobs
    repeats: int


def job_groups(session: Session, in_period: Any) -> JobGroups:
    """Read from the jobs' covering index alone (worker, answer and repeat are in it)."""
    per_worker: dict[str, dict[str | None, int]] = defaultdict(dict)
    repeats = 0
    for name, answer, n, repeating in session.exec(
        select(Job.worker, Job.answer, func.count(), func.count(Job.repeat_of_id))
        .where(in_period)
        .group_by(Job.worker, Job.answer)
    ).all():
        answers = per_worker[name or ""]  # no worker named: the "" row
        answers[answer] = answers.get(answer, 0) + int(n)
        repeats += int(repeating)
    return JobGroups(per_worker=dict(per_worker), repeats=repeats)


def rectification_counts(rows: list[tuple[str, int]]) -> dict[str, int]:
    counts = {state.value: 0 for state in d.RectificationState}
    for state, n in rows:
        counts[state] = counts.get(state, 0) + n
    return counts


@dataclass(frozen=True, slots=True)
class RectificationGroups:
    """The period's rectifications counted once: per worker (all, open, late) and per state,
    and the late ones listed (by notice due time, the first ``limit``)."""

    per_worker: dict[str, tuple[int, int, int]]
    states: dict[str, int]
    late: list[LateRectification]

    @classmethod
    def none(cls) -> RectificationGroups:
        return cls(per_worker={}, states=rectification_counts([]), late=[])


def rectification_groups(
    session: Session, in_period: Any, as_of: datetime, limit: int
) -> RectificationGroups:
    """One grouped pass over the period's rectifications, their lateness decided by the
    compliance figures' own clause; each group names its late ones ("notice_due_at|id"), and
    the first ``limit`` of those are then read by id."""
    notice_late, fix_late = late_clause(as_of)
    late = sa.or_(notice_late, fix_late)
    r = Rectification
    worker = func.coalesce(Job.worker, "")
    late_key = sa.case((late, sa.cast(r.notice_due_at, sa.String) + "|" + sa.cast(r.id, sa.String)))
    rows = session.exec(
        select(worker, r.state, func.count(), count_where(late), joined_text(late_key))
        .select_from(r)
        .join(Job, col(Job.id) == r.job_id)
        .where(in_period)
        .group_by(worker, r.state)
    ).all()
    per_worker: dict[str, tuple[int, int, int]] = {}
    verified = d.RectificationState.VERIFIED.value
    for name, state, n, n_late, _ in rows:
        total, open_, late_ = per_worker.get(name, (0, 0, 0))
        per_worker[name] = (
            total + int(n),
            open_ + (int(n) if state != verified else 0),
            late_ + int(n_late),
        )
    keys = [key.split("|") for row in rows if row[4] for key in row[4].split(",")]
    keys.sort(key=lambda key: (key[0], int(key[1])))
    return RectificationGroups(
        per_worker=per_worker,
        states=rectification_counts([(state, int(n)) for _, state, n, _, _ in rows]),
        late=_late_rectifications(session, [int(key[1]) for key in keys[:limit]], as_of),
    )


def _late_rectifications(
    session: Session, ids: list[int], as_of: datetime
) -> list[LateRectification]:
    if not ids:
        return []
    r = Rectification
    rows = session.exec(
        select(
            r.id,
            Job.ref,
            Job.unit,
            r.worker,
            r.problem,
            r.state,
            r.notice_due_at,
            r.notified_at,
            r.fix_due_at,
            r.fixed_at,
        )
        .join(Job, col(Job.id) == r.job_id)
        .where(col(r.id).in_(ids))
        .order_by(col(r.notice_due_at), col(r.id))
    ).all()
    items = []
    for id_, ref, unit, worker, problem, state, notice_due, notified, fix_due, fixed in rows:
        notice = d.followup.is_late(notified, notice_due, as_of)
        fix = d.followup.is_late(fixed, fix_due, as_of)
        due, done = (fix_due, fixed) if fix else (notice_due, notified)
        items.append(
            LateRectification(
                id=id_,
                job_ref=ref,
                unit=unit,
                worker=worker,
                problem=problem,
                state=state,
                notice_late=notice,
                fix_late=fix,
                due_at=due,
                done_at=done,
                hours_late=((done or as_of) - due).total_seconds() / 3600,
            )
        )
    return items


@dataclass(frozen=True, slots=True)
class CallbackGroups:
    """The period's callbacks counted once, grouped finely enough for every table."""

    staff: list[StaffRow]
    channels: dict[str, int]
    late_entries: int
    late_ids: list[int]  # the latest late entries, as many as the list shows


def callback_groups(
    session: Session, in_period: Any, late_entry: Any, *, with_calls: bool, limit: int
) -> CallbackGroups:
    """Per staff member: callbacks, on time, by channel, late entries; and their phone calls
    (read only when the period has any: ``with_calls``). ``limit``: late entries listed.
    Counted from the raw rows (the dashboard reads the kept counts: ``tallied_groups``)."""
    # One pass over the period's callbacks, grouped; each group also names its late entries
    # ("recorded_at|id", a few per hundred), and the latest of them are picked here.
    late_key = sa.case(
        (
            late_entry,
            sa.cast(Callback.recorded_at, sa.String) + "|" + sa.cast(Callback.id, sa.String),
        )
    )
    rows = session.exec(
        select(
            Callback.staff,
            Callback.role,
            Callback.channel,
            func.count(),
            count_where(col(Callback.done_at) <= col(Job.deadline)),
            count_where(late_entry),
            joined_text(late_key),
        )
        .join(Job, col(Job.id) == Callback.job_id)
        .where(in_period)
        .group_by(Callback.staff, Callback.role, Callback.channel)
    ).all()
    late_keys = [key.split("|") for row in rows if row[6] for key in row[6].split(",")]
    late_keys.sort(key=lambda key: (key[0], int(key[1])), reverse=True)
    return _staff_groups(
        session,
        in_period,
        [
            (name, role, channel, int(n), int(in_time))
            for name, role, channel, n, in_time, *_ in rows
        ],
        late=sum(int(row[5]) for row in rows),
        late_ids=[int(key[1]) for key in late_keys[:limit]],
        with_calls=with_calls,
    )


def tallied_groups(
    session: Session,
    estate: Estate,
    period: d.Period,
    in_period: Any,
    *,
    with_calls: bool,
    limit: int,
) -> CallbackGroups:
    """``callback_groups`` from the kept counts (``usecases.tallies``): the month's tallies
    per staff member, role and channel, and its late entries among the kept entry delays."""
    tallies = month_tallies(session, estate, period)
    e = EntryDelay
    late = sa.and_(
        e.estate_id == estate.id,
        e.period == str(period),
        more_hours_apart(col(e.done_at), col(e.recorded_at), int(estate.late_entry_hours)),
    )
    late_count = session.exec(select(func.count()).select_from(e).where(late)).one()
    late_ids = (
        session.exec(
            select(e.callback_id)
            .where(late)
            .order_by(col(e.recorded_at).desc(), col(e.callback_id).desc())
            .limit(limit)
        ).all()
        if late_count
        else []
    )
    return _staff_groups(
        session,
        in_period,
        tallies,
        late=int(late_count),
        late_ids=list(late_ids),
        with_calls=with_calls,
    )


def _staff_groups(
    session: Session,
    in_period: Any,
    rows: list[tuple[str, str, str, int, int]],
    *,
    late: int,
    late_ids: list[int],
    with_calls: bool,
) -> CallbackGroups:
    """Sum (staff, role, channel, callbacks, on time) groups into the staff rows and the
    channels, with the phone calls per staff member when ``with_calls``."""
    # callbacks, on time, on site, by phone, calls made, calls that reached the resident
    per_staff: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    channels = {c.value: 0 for c in d.Channel}
    for name, role, channel, n, in_time in rows:
        figures = per_staff[(name, role)]
        figures[0] += n
        figures[1] += in_time
        figures[2] += n if channel == d.Channel.ON_SITE else 0
        figures[3] += n if channel == d.Channel.PHONE else 0
        channels[channel] = channels.get(channel, 0) + n
    if with_calls:
        reached = PhoneAttempt.outcome == d.CallOutcome.REACHED.value
        calls = session.exec(
            select(PhoneAttempt.staff, PhoneAttempt.role, func.count(), count_where(reached))
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
    return CallbackGroups(staff=staff, channels=channels, late_entries=late, late_ids=late_ids)


def worker_rows(jobs: JobGroups, rects: RectificationGroups) -> list[WorkerRow]:
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
