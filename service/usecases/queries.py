"""Shared query clauses and lookups: estates and jobs by their codes, the period and status
filters every list and figure uses, and bulk inserts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col, func, select

from .. import domain as d
from ..models import Estate, Job, Rectification
from ..schemas import ESTATE_CODE_PATTERN, REF_PATTERN


def get_estate(session: Session, code: str) -> Estate:
    if not re.fullmatch(ESTATE_CODE_PATTERN, code):  # cannot exist; never sent to the database
        raise d.NotFound(f"estate {code!r} not found")
    estate = session.exec(select(Estate).where(Estate.code == code)).first()
    if estate is None:
        raise d.NotFound(f"estate {code!r} not found")
    return estate


def job_estate_code(session: Session, ref: str) -> str:
    """The estate code of the job ``ref`` (404 when there is none), without loading the job."""
    if not re.fullmatch(REF_PATTERN, ref) or len(ref) > 100:  # cannot exist
        raise d.NotFound(f"job {ref!r} not found")
    code = session.exec(
        select(Estate.code).join(Job, col(Job.estate_id) == col(Estate.id)).where(Job.ref == ref)
    ).first()
    if code is None:
        raise d.NotFound(f"job {ref!r} not found")
    return code


def rectification_estate_code(session: Session, rectification_id: int) -> str:
    """The estate code of a rectification's job (404 when there is no such rectification)."""
    code = session.exec(
        select(Estate.code)
        .join(Job, col(Job.estate_id) == col(Estate.id))
        .join(Rectification, col(Rectification.job_id) == col(Job.id))
        .where(Rectification.id == rectification_id)
    ).first()
    if code is None:
        raise d.NotFound(f"rectification {rectification_id} not found")
    return code


#: ``session.info`` key of the jobs a session has read by ref: a second ``get_job`` of the same
#: ref in one session (the access check, then the route) is the object already loaded, as
#: SQLAlchemy's identity map would give it back, without asking the database again.
_JOBS_READ = "huifang.jobs_read"


def get_job(session: Session, ref: str, *, for_update: bool = False) -> Job:
    """The job ``ref`` (404 when unknown). ``for_update``: the caller changes the job's summary
    columns (counts, answer): on PostgreSQL its row is locked until the transaction ends, so
    two concurrent changes cannot lose one another (SQLite writers are serialised anyway)."""
    if not re.fullmatch(REF_PATTERN, ref) or len(ref) > 100:  # cannot exist
        raise d.NotFound(f"job {ref!r} not found")
    seen: dict[str, Job] = session.info.setdefault(_JOBS_READ, {})
    if not for_update and ref in seen and seen[ref] in session:
        return seen[ref]  # read before in this session (the access check): the same object
    # its estate in the same query: every view of a job reads its code and timezone (and an
    # answer made after a write's commit then needs no read of its own)
    query = select(Job).where(Job.ref == ref).options(joinedload(Job.estate))  # type: ignore[arg-type]
    if for_update and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Job)  # type: ignore[call-arg]  # the job's row only
    job = session.exec(query.execution_options(populate_existing=for_update)).first()
    if job is None:
        raise d.NotFound(f"job {ref!r} not found")
    seen[ref] = job
    return job


def lock_job(session: Session, job: Job) -> Job:
    """Lock an already loaded job's row for an update of its summary columns (PostgreSQL), and
    read it afresh."""
    return get_job(session, job.ref, for_update=True)


def status_clause(status: str, now: datetime) -> Any:
    if status == d.JobStatus.DONE:
        return col(Job.first_callback_at).is_not(None)
    if status == d.JobStatus.OVERDUE:
        return sa.and_(col(Job.first_callback_at).is_(None), col(Job.deadline) < now)
    if status == d.JobStatus.DUE:
        return sa.and_(col(Job.first_callback_at).is_(None), col(Job.deadline) >= now)
    raise d.InvalidInput(f"status {status!r} must be due, overdue or done")


def completed_within(estate_id: Any, start: Any, end: Any) -> Any:
    """The estate's jobs completed in ``[start, end)`` (values or bind parameters)."""
    return sa.and_(
        Job.estate_id == estate_id, col(Job.completed_at) >= start, col(Job.completed_at) < end
    )


def in_period(estate_id: Any, start: Any, end: Any) -> Any:
    """The jobs a period counts: the estate's active jobs completed in ``[start, end)``.

    The compliance figures, the dashboard's lists and the ledger all select with this."""
    return sa.and_(completed_within(estate_id, start, end), Job.state == "active")


def estate_period(estate: Estate, period: d.Period) -> Any:
    """``in_period`` for one estate and month, in the estate's timezone."""
    start, end = period.bounds(estate.timezone)
    return in_period(estate.id, start, end)


def period_clause(period: d.Period, estates: Sequence[Estate]) -> Any:
    """Jobs of any of ``estates`` completed in ``period`` (each in its own timezone)."""
    parts = []
    for estate in estates:
        start, end = period.bounds(estate.timezone)
        parts.append(completed_within(estate.id, start, end))
    return sa.or_(*parts) if parts else sa.false()


class more_hours_apart(FunctionElement[bool]):  # noqa: N801 - reads as a SQL function
    """``more_hours_apart(start, end, hours)``: ``end`` is more than ``hours`` (a whole number)
    after ``start``, in SQL (SQLite: Julian days; PostgreSQL: an interval, no arithmetic on
    each row's epoch)."""

    type = sa.Boolean()
    inherit_cache = True
    name = "more_hours_apart"


@compiles(more_hours_apart)
def _apart_sqlite(element: more_hours_apart, compiler: Any, **kw: Any) -> str:
    start, end, hours = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(((julianday({end}) - julianday({start})) * 24.0) > {hours})"


@compiles(more_hours_apart, "postgresql")
def _apart_pg(element: more_hours_apart, compiler: Any, **kw: Any) -> str:
    start, end, hours = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(({end} - {start}) > make_interval(hours => {hours}))"


class joined_text(FunctionElement[str]):  # noqa: N801 - reads as a SQL aggregate
    """The group's non-NULL texts joined by commas, in no particular order (``group_concat``
    on SQLite, ``string_agg`` on PostgreSQL); NULL for a group without any."""

    type = sa.String()
    inherit_cache = True
    name = "joined_text"


@compiles(joined_text)
def _joined_sqlite(element: joined_text, compiler: Any, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


@compiles(joined_text, "postgresql")
def _joined_pg(element: joined_text, compiler: Any, **kw: Any) -> str:
    return f"string_agg({compiler.process(element.clauses, **kw)}, ',')"


def count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(sa.case((condition, 1), else_=0)), 0)


def count_where(condition: Any) -> Any:
    """``count(*) FILTER (WHERE condition)``: SQLite and PostgreSQL skip the row without the
    CASE and SUM of ``count_if`` (0, never NULL, on no rows)."""
    return func.count().filter(condition)
