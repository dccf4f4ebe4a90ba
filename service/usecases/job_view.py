"""A job as the API shows it (``JobOut``), from a loaded ``Job`` or straight from one row.

``read_job`` is the read behind ``GET /api/v1/jobs/{ref}``, the API's busiest: the job's
columns, its estate's code, timezone and phone rule, and the ref of the job it repeats, in one
statement, without building ORM objects (about a third of the CPU of the ORM read), and on
PostgreSQL from the event loop (no trip through the thread pool).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import Session

from .. import domain as d
from ..loop_reads import LoopReads, LoopStatement
from ..models import Estate, Job
from ..schemas import money
from .queries import REF_PATTERN


class EstateView(Protocol):
    """What a job's view needs of its estate (an ``Estate``, or ``read_job``'s row)."""

    code: str
    timezone: str
    phone_attempts_before_visit: int


def next_step(job: Any, estate: EstateView) -> d.NextStep:
    """What the job needs next: nothing once called back, else a call or an on-site visit."""
    return d.followup.next_step(
        done=job.first_callback_at is not None,
        failed_calls=job.failed_calls,
        last_outcome=d.CallOutcome(job.last_call_outcome) if job.last_call_outcome else None,
        attempts_before_visit=estate.phone_attempts_before_visit,
    )


def job_fields(job: Any, estate: EstateView, repeat_of: str | None, now: datetime) -> dict:
    """``JobOut``'s fields of ``job`` (a ``Job`` or a row of its columns), times in the
    estate's timezone."""
    tz = d.zone(estate.timezone)
    local = lambda t: None if t is None else t.astimezone(tz)  # noqa: E731
    return {
        "ref": job.ref,
        "estate": estate.code,
        "unit": job.unit,
        "resident_name": job.resident_name,
        "resident_phone": job.resident_phone,
        "title": job.title,
        "category": job.category,
        "erp_category": job.erp_category,
        "worker": job.worker,
        "completed_at": local(job.completed_at),
        "charge": money(job.charge),
        "deadline": local(job.deadline),
        "assigned_role": job.assigned_role,
        "status": d.job_status(job.first_callback_at, job.deadline, now).value,
        "answer": job.answer,
        "answer_source": job.answer_source,
        "failed_calls": job.failed_calls,
        "calls": job.calls,
        "calls_reached": job.calls_reached,
        "next_step": next_step(job, estate).value,
        "repeat_of": repeat_of,
        "followed_by_repeat": job.followed_by_repeat,
        "state": job.state,
        "source": job.source,
        "first_callback_at": local(job.first_callback_at),
    }


class _EstateOfRow:
    __slots__ = ("code", "timezone", "phone_attempts_before_visit")

    def __init__(self, row: Any) -> None:
        self.code = row.estate_code
        self.timezone = row.estate_timezone
        self.phone_attempts_before_visit = row.estate_attempts


#: The job's columns its view reads (fewer columns: less for the driver to describe).
_JOB_COLUMNS = (
    "ref",
    "unit",
    "resident_name",
    "resident_phone",
    "title",
    "category",
    "erp_category",
    "worker",
    "completed_at",
    "charge",
    "deadline",
    "assigned_role",
    "first_callback_at",
    "answer",
    "answer_source",
    "failed_calls",
    "last_call_outcome",
    "calls",
    "calls_reached",
    "followed_by_repeat",
    "state",
    "source",
)


def _read_statement() -> sa.Select:
    jobs, estates = sa.inspect(Job).local_table, sa.inspect(Estate).local_table
    repeated = jobs.alias("repeated")
    return (
        sa.select(
            *(jobs.c[name] for name in _JOB_COLUMNS),
            estates.c.code.label("estate_code"),
            estates.c.timezone.label("estate_timezone"),
            estates.c.phone_attempts_before_visit.label("estate_attempts"),
            repeated.c.ref.label("repeat_ref"),
        )
        .join(estates, estates.c.id == jobs.c.estate_id)
        .outerjoin(repeated, repeated.c.id == jobs.c.repeat_of_id)
        .where(jobs.c.ref == sa.bindparam("ref"))
    )


_READ = LoopStatement(_read_statement())


async def read_job(
    reads: LoopReads, source: Session | sa.Engine, ref: str, now: datetime
) -> tuple[str, dict]:
    """The job ``ref``'s estate code and ``JobOut`` fields (404 when unknown), read through
    ``source`` (a session or an engine) in the event loop where ``reads`` can
    (``service.loop_reads``)."""
    if not re.fullmatch(REF_PATTERN, ref) or len(ref) > 100:  # cannot exist
        raise d.NotFound(f"job {ref!r} not found")
    row = await reads.one(source, _READ, {"ref": ref})
    if row is None:
        raise d.NotFound(f"job {ref!r} not found")
    return row.estate_code, job_fields(row, _EstateOfRow(row), row.repeat_ref, now)
