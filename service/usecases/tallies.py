"""Kept counts of callbacks per estate-month: the dashboard's staff table and late entries
without a pass over the month's callbacks.

``callback_tallies`` holds, per estate, month, staff member, role and channel, the callbacks
of the month's active jobs and how many were on time; ``entry_delays`` holds every such
callback entered more than half an hour after it was done (each late entry is one, whatever
the estate's ``late_entry_hours``). Both are written in the transaction that changes what
they count:

- ``callback_recorded`` when a callback is stored;
- when the session flushes a change of a job's estate, completion time, deadline or state
  (an update, an import, the Odoo sync retiring or reopening a job), the job's callbacks leave
  the counts as they were before the change is written and come back as they are after it;
- ``untally_jobs`` before, and ``tally_jobs`` after, such a change made without the session's
  objects (``UPDATE`` statements);
- ``recount`` for whole estate-months (a bulk change that cannot say what it changed), and
  ``recount_estate`` when an estate's timezone changes (its months move).

A count is exactly what a fresh pass over the raw rows gives (``fresh_counts``); the tests
check that after every kind of change. Rows counted in another timezone than the estate's
are stale: the dashboard then counts from the raw rows (``is_current``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from .. import domain as d
from ..models import Callback, CallbackTally, EntryDelay, Estate, Job
from .queries import in_period

#: Entered later than this after it was done: kept in ``entry_delays`` (below the least
#: ``late_entry_hours``, 1, with room for the databases' rounding of the difference).
KEPT_DELAY = timedelta(minutes=30)

TallyKey = tuple[int, str, str, str, str]  # estate id, period, staff, role, channel
Month = tuple[int, str]  # estate id, period


@dataclass
class Counts:
    """Tallies (callbacks, on time) by key, and the entry delays, of some callbacks."""

    tallies: dict[TallyKey, tuple[int, int]]
    delays: list[dict[str, Any]]
    timezones: dict[int, str]


def _counted(session: Session, where: Any) -> Counts:
    """The counts of the callbacks of active jobs selected by ``where`` (on jobs), from the
    raw rows."""
    rows = session.exec(
        select(
            Callback.id,
            Callback.job_id,
            Callback.staff,
            Callback.role,
            Callback.channel,
            Callback.done_at,
            Callback.recorded_at,
            Job.estate_id,
            Job.completed_at,
            Job.deadline,
        )
        .join(Job, col(Job.id) == Callback.job_id)
        .where(Job.state == "active", where)
    ).all()
    estate_ids = {row[7] for row in rows}
    timezones = dict(
        session.exec(select(Estate.id, Estate.timezone).where(col(Estate.id).in_(estate_ids))).all()
        if estate_ids
        else []
    )
    tallies: Counter[TallyKey] = Counter()
    on_time: Counter[TallyKey] = Counter()
    delays = []
    for cb_id, job_id, staff, role, channel, done, recorded, estate_id, completed, deadline in rows:
        tz = timezones[estate_id]
        period = str(d.Period.containing(completed, tz))
        key = (estate_id, period, staff, role, channel)
        tallies[key] += 1
        on_time[key] += d.is_on_time(done, deadline)
        if recorded - done > KEPT_DELAY:
            delays.append(
                {
                    "callback_id": cb_id,
                    "job_id": job_id,
                    "estate_id": estate_id,
                    "period": period,
                    "timezone": tz,
                    "done_at": done,
                    "recorded_at": recorded,
                }
            )
    return Counts(
        tallies={key: (n, on_time[key]) for key, n in tallies.items()},
        delays=delays,
        timezones=timezones,
    )


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(CallbackTally.__table__)


def _add(session: Session, counts: Counts, sign: int) -> None:
    """Add (``sign`` 1) or take away (-1) ``counts``; tallies that reach nothing go."""
    if counts.tallies:
        insert = _insert(session)
        table = CallbackTally.__table__
        rows = [
            {
                "estate_id": key[0],
                "period": key[1],
                "staff": key[2],
                "role": key[3],
                "channel": key[4],
                "timezone": counts.timezones[key[0]],
                "callbacks": sign * n,
                "on_time": sign * in_time,
            }
            for key, (n, in_time) in sorted(counts.tallies.items())  # one order: no deadlock
        ]
        statement = insert.on_conflict_do_update(
            index_elements=["estate_id", "period", "staff", "role", "channel"],
            set_={
                "callbacks": table.c.callbacks + insert.excluded.callbacks,
                "on_time": table.c.on_time + insert.excluded.on_time,
                "timezone": insert.excluded.timezone,
            },
        )
        session.connection().execute(statement, rows)
        if sign < 0:
            key = sa.tuple_(
                table.c.estate_id, table.c.period, table.c.staff, table.c.role, table.c.channel
            )
            keys = sorted(counts.tallies)
            for i in range(0, len(keys), 200):
                session.connection().execute(
                    sa.delete(table).where(key.in_(keys[i : i + 200]), table.c.callbacks <= 0)
                )
    # a callback's delay is one row: taken away, or put in place of any it had
    table = EntryDelay.__table__
    ids = [row["callback_id"] for row in counts.delays]
    for i in range(0, len(ids), 500):
        session.connection().execute(
            sa.delete(table).where(table.c.callback_id.in_(ids[i : i + 500]))
        )
    if counts.delays and sign > 0:
        session.connection().execute(table.insert(), counts.delays)


def callback_recorded(session: Session, callback: Callback) -> None:
    """Count a callback just stored (flushed)."""
    _add(session, _counted(session, Callback.id == callback.id), 1)


def _jobs(job_ids: Iterable[int]) -> list[list[int]]:
    ids = sorted(set(job_ids))
    return [ids[i : i + 500] for i in range(0, len(ids), 500)]


def _untally(session: Session, job_ids: Iterable[int]) -> None:
    postgresql = session.get_bind().dialect.name == "postgresql"
    for part in _jobs(job_ids):
        if postgresql:  # a callback being recorded for one of them is counted first, or after
            session.exec(
                select(Job.id).where(col(Job.id).in_(part)).order_by(col(Job.id)).with_for_update()
            ).all()
        _add(session, _counted(session, col(Job.id).in_(part)), -1)


def untally_jobs(session: Session, job_ids: Iterable[int]) -> None:
    """For a writer that changes jobs' estate, completion time, deadline or state without
    the session's objects (``UPDATE`` statements, ``COPY``): take the jobs' callbacks out of
    the counts as the database has the jobs now, before the change; ``tally_jobs`` after it.
    (Changes made on the session's ``Job`` objects are counted by the session itself.) On
    PostgreSQL the jobs' rows are locked first, as recording a callback locks its job: a
    callback committed meanwhile is in the count."""
    session.flush()
    _untally(session, job_ids)


def tally_jobs(session: Session, job_ids: Iterable[int]) -> None:
    """Count the callbacks of these jobs as the database has them now (after
    ``untally_jobs`` and the change)."""
    session.flush()
    for part in _jobs(job_ids):
        _add(session, _counted(session, col(Job.id).in_(part)), 1)


#: What a job's callbacks are counted by: its estate-month (estate, completion time), whether
#: it counts (state) and on time (deadline).
COUNTED_BY = ("estate_id", "completed_at", "deadline", "state")
_MOVING = "huifang.tallies.moving"


def _moves(job: Job) -> bool:
    state = sa.inspect(job)
    for name in COUNTED_BY:
        added, _, deleted = state.attrs[name].history
        if added and (not deleted or added[0] != deleted[0]):
            return True
    return False


@sa.event.listens_for(Session, "before_flush")
def _jobs_moving(session: Session, _context: Any, _instances: Any) -> None:
    """Every change of a job's estate, completion time, deadline or state made through the
    session (an update, the Odoo sync's retiring or reopening, ...) takes its callbacks out of
    the counts before it is written, and ``_jobs_moved`` puts them back after."""
    ids = [job.id for job in session.dirty if isinstance(job, Job) and job.id and _moves(job)]
    if ids:
        with session.no_autoflush:
            _untally(session, ids)
        session.info.setdefault(_MOVING, set()).update(ids)


@sa.event.listens_for(Session, "after_flush_postexec")
def _jobs_moved(session: Session, _context: Any) -> None:
    ids = session.info.pop(_MOVING, None)
    if ids:
        with session.no_autoflush:
            for part in _jobs(ids):
                _add(session, _counted(session, col(Job.id).in_(part)), 1)


def _month_rows(month: Month) -> tuple[Any, Any]:
    estate_id, period = month
    return (
        sa.and_(CallbackTally.estate_id == estate_id, CallbackTally.period == period),
        sa.and_(EntryDelay.estate_id == estate_id, EntryDelay.period == period),
    )


def recount(session: Session, months: Iterable[Month]) -> None:
    """Count these estate-months (estate id, ``YYYY-MM``) afresh from the raw rows: for a
    change made in bulk (e.g. jobs written by ``COPY``) that knows which months it touched,
    before and after."""
    session.flush()
    months = sorted(set(months))
    for month in months:  # all of them first: a job may have moved from one to another
        tallies, delays = _month_rows(month)
        session.connection().execute(sa.delete(CallbackTally.__table__).where(tallies))
        session.connection().execute(sa.delete(EntryDelay.__table__).where(delays))
    for estate_id, period in months:
        estate = session.get_one(Estate, estate_id)
        start, end = d.Period.parse(period).bounds(estate.timezone)
        _add(session, _counted(session, in_period(estate_id, start, end)), 1)


def recount_estate(session: Session, estate_id: int) -> None:
    """Count every month of an estate afresh (its timezone changed: its months moved)."""
    session.flush()
    for table in (CallbackTally.__table__, EntryDelay.__table__):
        session.connection().execute(sa.delete(table).where(table.c.estate_id == estate_id))
    _add(session, _counted(session, Job.estate_id == estate_id), 1)


def fresh_counts(session: Session, where: Any = sa.true()) -> Counts:
    """What the counts of the jobs ``where`` selects should be, from the raw rows."""
    return _counted(session, where)


def kept_counts(session: Session) -> Counts:
    """The counts as kept (every estate), in the shape of ``fresh_counts``."""
    conn = session.connection()
    rows = conn.execute(sa.select(CallbackTally.__table__)).mappings().all()
    tallies = {
        (r["estate_id"], r["period"], r["staff"], r["role"], r["channel"]): (
            r["callbacks"],
            r["on_time"],
        )
        for r in rows
    }
    delays = [dict(r) for r in conn.execute(sa.select(EntryDelay.__table__)).mappings()]
    timezones = {r["estate_id"]: r["timezone"] for r in rows}
    return Counts(tallies=tallies, delays=delays, timezones=timezones)


def is_current(session: Session, estate: Estate) -> bool:
    """The estate's kept counts were made in its present timezone (none of another)."""
    stale = [
        select(table.c.estate_id).where(
            table.c.estate_id == estate.id, table.c.timezone != estate.timezone
        )
        for table in (CallbackTally.__table__, EntryDelay.__table__)
    ]
    return session.connection().execute(sa.union_all(*stale).limit(1)).first() is None


def month_tallies(
    session: Session, estate: Estate, period: d.Period
) -> list[tuple[str, str, str, int, int]]:
    """The estate-month's tallies: (staff, role, channel, callbacks, on time)."""
    t = CallbackTally
    rows = session.exec(
        select(t.staff, t.role, t.channel, t.callbacks, t.on_time).where(
            t.estate_id == estate.id, t.period == str(period)
        )
    ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def fill(session: Session) -> None:
    """Count everything afresh (the migration that adds the counts, a repair)."""
    for table in (CallbackTally.__table__, EntryDelay.__table__):
        session.connection().execute(sa.delete(table))
    _add(session, _counted(session, sa.true()), 1)
