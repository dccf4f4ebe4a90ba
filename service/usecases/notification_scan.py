"""The scheduler cycle's reads and writes, in bulk (``usecases.notifications`` drives them).

- ``unmade_job_pairs``: in one query, the open jobs a deadline window of ``domain.reminders``
  covers, with the (job, person) pairs of its audience not made yet; a cycle with nothing
  new reads an empty answer;
- ``open_rectifications``: the rectifications a notice or a late warning may be due for,
  each with the notifications already made for it;
- ``StaffDirectory``: every estate's active staff, read once per cycle, to name recipients;
- ``insert_new``: the new rows, in batches (``ON CONFLICT DO NOTHING ... RETURNING``: a row
  another process made in the meantime is left alone).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from .. import domain as d
from ..domain import reminders as R
from ..models import Estate, Job, Notification, Rectification, Staff, UTCDateTime
from .estates import follow_up

#: Rows per INSERT statement on PostgreSQL.
INSERT_CHUNK = 5000

JOB_COLUMNS = ("id", "estate_id", "ref", "unit", "title", "assigned_role", "deadline")
RECT_COLUMNS = (
    "id",
    "job_id",
    "state",
    "problem",
    "found_by",
    "worker",
    "notice_due_at",
    "notified_at",
    "fix_due_at",
    "fixed_at",
)


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------- who


class StaffDirectory:
    """The active staff of every estate, read in one query, looked up by role or by name."""

    def __init__(self, session: Session) -> None:
        staff = Staff.__table__  # type: ignore[attr-defined]
        self._by_role: dict[tuple[int, str], list[sa.Row[Any]]] = defaultdict(list)
        self._by_name: dict[tuple[int, str], list[sa.Row[Any]]] = defaultdict(list)
        rows = session.execute(
            sa.select(
                staff.c.id,
                staff.c.estate_id,
                staff.c.name,
                staff.c.role,
                staff.c.notify_by,
                staff.c.language,
            )
            .where(staff.c.active == sa.true())
            .order_by(staff.c.id)
        )
        for row in rows:
            self._by_role[(row.estate_id, row.role)].append(row)
            self._by_name[(row.estate_id, row.name)].append(row)

    def by_role(self, estate_id: int, role: str) -> list[sa.Row[Any]]:
        return self._by_role.get((estate_id, role), [])

    def by_name(self, estate_id: int, name: str | None, role: str | None = None) -> list[Any]:
        if not name:
            return []
        found = self._by_name.get((estate_id, name), [])
        return [s for s in found if s.role == role] if role else list(found)

    def recipients(self, estate_id: int, due: R.Due, rect: Any | None) -> list[sa.Row[Any]]:
        """The people ``due`` goes to: the role's active staff; the finder; the worker (when
        none has a staff record, the finder hands the notice over on paper, and when the
        finder is the resident, the supervisors do)."""
        if due.audience == R.Audience.ROLE:
            return self.by_role(estate_id, due.role.value)  # type: ignore[union-attr]
        if due.audience == R.Audience.FINDER:
            return self.by_name(estate_id, rect.found_by if rect else None)
        return (
            self.by_name(estate_id, rect.worker if rect else None, "worker")
            or self.by_name(estate_id, rect.found_by if rect else None)
            or self.by_role(estate_id, d.Role.SUPERVISOR.value)
        )


# ---------------------------------------------------------------- what to look at


def _settings_groups(estates: Mapping[int | None, Estate]) -> dict[d.FollowUp, list[int]]:
    groups: dict[d.FollowUp, list[int]] = defaultdict(list)
    for estate_id, estate in estates.items():
        if estate_id is not None:
            groups[follow_up(estate)].append(estate_id)
    return groups


def _windows(as_of: datetime, groups: Mapping[d.FollowUp, list[int]]) -> sa.Subquery:
    """The deadline windows of ``domain.reminders`` as a small relation, one row per
    (window, assigned role[, estate]): the role told, the kind and step (0: none), and the
    deadlines it covers, the latest bound taken inclusive (a few more jobs, never fewer)."""
    rows = []
    several = len(groups) > 1
    for rules, estate_ids in groups.items():
        for window in R.deadline_windows(as_of, rules):
            earliest = (
                sa.literal(window.earliest, UTCDateTime())
                if window.earliest is not None
                else sa.cast(sa.null(), UTCDateTime())
            )
            for assigned, told in window.audience.items():
                for estate_id in estate_ids if several else [None]:
                    columns = [
                        sa.literal(assigned.value, sa.String).label("assigned"),
                        sa.literal(told.value, sa.String).label("told"),
                        sa.literal(window.kind.value, sa.String).label("kind"),
                        sa.literal(window.step or 0, sa.Integer).label("step"),
                        earliest.label("earliest"),
                        sa.literal(window.latest, UTCDateTime()).label("latest"),
                    ]
                    if several:
                        columns.append(sa.literal(estate_id, sa.Integer).label("estate_id"))
                    rows.append(sa.select(*columns))
    return sa.union_all(*rows).subquery("w")


class JobRow(NamedTuple):
    """What a notification tells of its job."""

    id: int
    estate_id: int
    ref: str
    unit: str | None
    title: str | None
    assigned_role: str
    deadline: datetime


#: A job's notification not made yet for one person: (job, staff, kind, step or 0).
Pair = tuple[int, int, str, int]


def unmade_job_pairs(
    session: Session, as_of: datetime, estates: Mapping[int | None, Estate]
) -> tuple[dict[int, JobRow], set[Pair]]:
    """The active jobs with no callback that a deadline window covers, for each an active
    member of the audience it tells who does not hold that notification yet: the jobs (by
    id) and those pairs. Every pair a rule may call for is there (and a few more: the latest
    bounds are inclusive; the rules decide); a cycle with nothing new gets nothing back.

    One pass over the open jobs within the reminder horizon, each paired with the windows
    that cover its deadline and the active staff they tell, less the pairs made before (a
    job's key is a function of its kind, job and step, so a pair is looked up by those)."""
    groups = _settings_groups(estates)
    if not groups:
        return {}, set()
    jobs = Job.__table__  # type: ignore[attr-defined]
    staff = Staff.__table__.alias("s")  # type: ignore[attr-defined]
    made = Notification.__table__.alias("n")  # type: ignore[attr-defined]
    horizon = max(as_of + timedelta(hours=f.reminder_hours_before) for f in groups)
    open_jobs = (
        sa.select(jobs.c.id, jobs.c.estate_id, jobs.c.assigned_role, jobs.c.deadline)
        .where(
            jobs.c.state == "active",
            jobs.c.first_callback_at.is_(None),
            jobs.c.deadline <= horizon,
        )
        .offset(0)  # planned on its own: one pass over the jobs, then the joins
        .subquery("o")
    )
    windows = _windows(as_of, groups)
    o, w = open_jobs.c, windows.c
    covers = [
        w.assigned == o.assigned_role,
        sa.or_(w.earliest.is_(None), o.deadline >= w.earliest),
        o.deadline <= w.latest,
    ]
    if len(groups) > 1:
        covers.append(w.estate_id == o.estate_id)
    told = sa.and_(
        staff.c.estate_id == o.estate_id, staff.c.role == w.told, staff.c.active == sa.true()
    )
    # made once per key, ever: a key made for anyone is not made again for someone new
    held = sa.exists().where(
        made.c.job_id == o.id,
        made.c.kind == w.kind,
        sa.func.coalesce(made.c.step, 0) == w.step,
    )
    pairs = (
        sa.select(o.id, staff.c.id.label("staff_id"), w.kind, w.step)
        .select_from(open_jobs.join(windows, sa.and_(*covers)).join(staff, told))
        .where(~held)
        .offset(0)  # the pairs first, then their jobs' other columns
        .subquery("p")
    )
    query = sa.select(*(jobs.c[name] for name in JOB_COLUMNS), pairs.c.staff_id, pairs.c.kind)
    query = query.add_columns(pairs.c.step).join_from(jobs, pairs, pairs.c.id == jobs.c.id)
    found: dict[int, JobRow] = {}
    missing: set[Pair] = set()
    for row in session.execute(query):
        if row.id not in found:
            found[row.id] = JobRow(*row[: len(JOB_COLUMNS)])
        missing.add((row.id, row.staff_id, row.kind, row.step))
    return dict(sorted(found.items())), missing


def open_rectifications(session: Session) -> list[sa.Row[Any]]:
    """The rectifications a notice or a late warning may be due for (not yet notified or
    fixed, or notified or fixed late), by id, each with its job's ``estate_id`` and
    ``held``: the (kind, staff id) of the notifications made for it before."""
    r = Rectification.__table__  # type: ignore[attr-defined]
    jobs = Job.__table__  # type: ignore[attr-defined]
    n = Notification.__table__  # type: ignore[attr-defined]
    # subqueries per row (index lookups), where joins would read every job and notification
    estate_id = sa.select(jobs.c.estate_id).where(jobs.c.id == r.c.job_id).scalar_subquery()
    pair = n.c.kind + sa.literal(" ", sa.String) + sa.cast(n.c.staff_id, sa.String)
    held = (
        sa.select(sa.func.aggregate_strings(pair, ","))
        .where(n.c.job_id == r.c.job_id, n.c.rectification_id == r.c.id)
        .scalar_subquery()
    )
    query = (
        sa.select(
            *(r.c[name] for name in RECT_COLUMNS),
            estate_id.label("estate_id"),
            held.label("held"),
        )
        .where(
            sa.or_(
                r.c.notified_at.is_(None),
                r.c.fixed_at.is_(None),
                r.c.notified_at > r.c.notice_due_at,
                r.c.fixed_at > r.c.fix_due_at,
            )
        )
        .order_by(r.c.id)
    )
    return list(session.execute(query))


def held_by(rect: Any) -> set[tuple[str, int]]:
    """The (kind, staff id) pairs ``open_rectifications`` found made for ``rect``."""
    pairs = (pair.split(" ") for pair in (rect.held or "").split(",") if pair)
    return {(kind, int(staff_id)) for kind, staff_id in pairs}


def jobs_by_id(session: Session, ids: Iterable[int]) -> dict[int, JobRow]:
    jobs = Job.__table__  # type: ignore[attr-defined]
    found: dict[int, JobRow] = {}
    for chunk in _chunks(sorted(set(ids)), 1000):
        listed = sa.bindparam("ids", list(chunk), expanding=True, literal_execute=True)
        query = sa.select(*(jobs.c[name] for name in JOB_COLUMNS)).where(jobs.c.id.in_(listed))
        found.update((row.id, JobRow(*row)) for row in session.execute(query))
    return found


def insert_new(session: Session, rows: Sequence[Mapping[str, Any]]) -> list[Notification]:
    """Insert the rows whose (key, staff) is new; the others were made before (here or by
    another process) and are left alone. The rows made, by id.

    On PostgreSQL a batch is one statement whatever its size (the columns sent as arrays and
    unnested), on SQLite one statement run for each row (a local call)."""
    if not rows:
        return []
    table = Notification.__table__  # type: ignore[attr-defined]
    names = list(rows[0])
    made: list[Notification] = []
    if session.get_bind().dialect.name == "postgresql":
        for chunk in _chunks(rows, INSERT_CHUNK):
            columns = [_unnest(table.c[name], [row[name] for row in chunk]) for name in names]
            statement = (
                pg_insert(table)
                .from_select(names, sa.select(*columns))
                .on_conflict_do_nothing(index_elements=["key", "staff_id"])
                .returning(*table.c)
            )
            made += session.scalars(select(Notification).from_statement(statement))
    else:
        statement = (
            sqlite_insert(table)
            .on_conflict_do_nothing(index_elements=["key", "staff_id"])
            .returning(table.c.id)
        )
        ids = list(session.scalars(statement, list(rows)))
        for chunk in _chunks(ids, 500):
            query = select(Notification).where(table.c.id.in_(chunk))
            made += session.scalars(query)
    made.sort(key=lambda n: n.id or 0)
    return made


def _unnest(column: sa.Column[Any], values: list[Any]) -> sa.ColumnElement[Any]:
    """``unnest(values)`` as an array of the column's type (times as naive UTC, as stored)."""
    if isinstance(column.type, UTCDateTime):
        values = [UTCDateTime().process_bind_param(v, None) for v in values]
        kind: Any = sa.DateTime()
    elif isinstance(column.type, sa.Integer):
        kind = sa.Integer()
    else:
        kind = sa.String()
    return sa.func.unnest(sa.bindparam(column.name, values, type_=ARRAY(kind)))
