"""The callback ledger (回访台帐): every callback with its job, filtered and sorted.

A period selects callbacks on the jobs completed in that month (the same jobs the compliance
figures count), so the ledger's satisfaction answers add up to the dashboard's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from .. import domain as d
from ..models import Callback, Estate, Job, Rectification, Signature
from ..schemas import money
from .callbacks import is_late_entry
from .queries import estate_period, get_estate

SORTS = {
    "done_at": col(Callback.done_at),
    "completed_at": col(Job.completed_at),
    "job": col(Job.ref),
    "staff": col(Callback.staff),
    "role": col(Callback.role),
    "channel": col(Callback.channel),
    "satisfaction": col(Callback.satisfaction),
    "worker": col(Job.worker),
}
SortKey = Literal[
    "done_at",
    "-done_at",
    "completed_at",
    "-completed_at",
    "job",
    "-job",
    "staff",
    "-staff",
    "role",
    "-role",
    "channel",
    "-channel",
    "satisfaction",
    "-satisfaction",
    "worker",
    "-worker",
]
RoleFilter = Literal["manager", "supervisor", "lead"]
ChannelFilter = Literal["on_site", "phone"]
SatisfactionFilter = Literal["satisfied", "fairly_satisfied", "unsatisfied"]


@dataclass(frozen=True, slots=True)
class LedgerQuery:
    estates: Sequence[Estate]
    period: d.Period | None = None
    role: str | None = None
    channel: str | None = None
    satisfaction: str | None = None
    sort: str = "done_at"


def _where(query: LedgerQuery) -> Any:
    parts: list[Any] = []
    if query.period is not None:
        periods = [estate_period(e, query.period) for e in query.estates]
        parts.append(sa.or_(*periods) if periods else sa.false())
    else:
        parts.append(col(Job.estate_id).in_([e.id for e in query.estates]))
    if query.role:
        parts.append(Callback.role == query.role)
    if query.channel:
        parts.append(Callback.channel == query.channel)
    if query.satisfaction:
        parts.append(Callback.satisfaction == query.satisfaction)
    return sa.and_(*parts) if query.estates else sa.false()


def _order(sort: str) -> list[Any]:
    key = sort.lstrip("-")
    column = SORTS[key]
    first = column.desc() if sort.startswith("-") else column.asc()
    tie = col(Callback.id).desc() if sort.startswith("-") else col(Callback.id).asc()
    return [first, tie]


def _signatures(session: Session, callback_ids: list[int]) -> set[int]:
    """The callbacks a visited resident signed for (a ``Signature`` row carries their id)."""
    if not callback_ids:
        return set()
    rows = session.exec(
        select(Signature.callback_id).where(col(Signature.callback_id).in_(callback_ids))
    ).all()
    return {callback_id for callback_id in rows if callback_id is not None}


def ledger_rows(
    *, session: Session, query: LedgerQuery, limit: int | None = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    where = _where(query)
    total = session.exec(
        select(func.count())
        .select_from(Callback)
        .join(Job, col(Job.id) == Callback.job_id)
        .where(where)
    ).one()
    stmt = (
        select(Callback, Job, Rectification.id, Rectification.state)
        .join(Job, col(Job.id) == Callback.job_id)
        .join(Rectification, col(Rectification.callback_id) == Callback.id, isouter=True)
        .where(where)
        .order_by(*_order(query.sort))
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = session.exec(stmt).all()
    zones = {e.id: d.zone(e.timezone) for e in query.estates}
    codes = {e.id: e.code for e in query.estates}
    signatures = _signatures(session, [cb.id for cb, *_ in rows])  # type: ignore[misc]
    out = []
    repeats = _refs(session, {job.repeat_of_id for _, job, *_ in rows if job.repeat_of_id})
    for cb, job, rect_id, rect_state in rows:
        tz = zones[job.estate_id]
        if rect_id is None:
            rectification = None
        else:
            rectification = rect_state
        signature = "signed" if cb.id in signatures else "unsigned"
        out.append(
            {
                "id": cb.id,
                "estate": codes[job.estate_id],
                "job": job.ref,
                "unit": job.unit,
                "title": job.title,
                "category": job.category,
                "worker": job.worker,
                "completed_at": job.completed_at.astimezone(tz),
                "deadline": job.deadline.astimezone(tz),
                "role": cb.role,
                "staff": cb.staff,
                "channel": cb.channel,
                "done_at": cb.done_at.astimezone(tz),
                "on_time": d.is_on_time(cb.done_at, job.deadline),
                "late_entry": is_late_entry(cb, job),
                "answer": job.answer,
                "answer_source": job.answer_source,
                "inspected": cb.inspected,
                "charge_verified": cb.charge_verified,
                "charge": money(job.charge),
                "charge_amount": money(cb.charge_amount),
                "charge_differs": (
                    cb.charge_amount is not None
                    and job.charge is not None
                    and cb.charge_amount != job.charge
                ),
                "satisfaction": cb.satisfaction,
                "service_feedback": cb.service_feedback,
                "suggestions": cb.suggestions,
                "problems": cb.problems,
                "rectification_id": rect_id,
                "rectification": rectification,
                "signature": signature,
                "repeat_of": repeats.get(job.repeat_of_id) if job.repeat_of_id else None,
                "followed_by_repeat": job.followed_by_repeat,
                "calls": job.calls,
                "calls_reached": job.calls_reached,
            }
        )
    return out, int(total)


def _refs(session: Session, job_ids: set[int]) -> dict[int, str]:
    """The refs of some jobs, by id (the earlier repairs that rows repeat)."""
    if not job_ids:
        return {}
    rows = session.exec(select(Job.id, Job.ref).where(col(Job.id).in_(sorted(job_ids)))).all()
    return {job_id: ref for job_id, ref in rows if job_id is not None}


def ledger_estates(session: Session, code: str | None) -> list[Estate]:
    """The estate named (404 when unknown), or every estate."""
    return [get_estate(session, code)] if code else list(session.exec(select(Estate)).all())
