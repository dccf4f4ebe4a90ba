"""What the dashboard puts up for the manager's review besides the figures: the scheduler's
escalations and the notifications that could not be sent, callbacks entered late, and the
estate's audit chain head (which the monthly report prints)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from ..models import AuditLog, Callback, Estate, Job, Notification

LIST_LIMIT = 50  # rows per list, as the dashboard's other lists


@dataclass(frozen=True, slots=True)
class NotificationItem:
    job_ref: str
    kind: str
    step: int | None
    recipient: str
    channel: str
    created_at: datetime
    error: str | None


@dataclass(frozen=True, slots=True)
class LateEntry:
    """A callback entered long after it was said to be done: for the manager's review."""

    job_ref: str
    staff: str
    role: str
    channel: str
    done_at: datetime
    recorded_at: datetime
    recorded_by: str | None


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The estate's audit chain as it stood at the period's end (or now, for a running
    month): a published report pins the ledger by it."""

    seq: int
    hash: str
    at: datetime


def notifications(session: Session, estate: Estate, where: Any) -> list[NotificationItem]:
    """The estate's latest notifications matching ``where``, newest first."""
    rows = session.exec(
        select(Notification, Job.ref)
        .join(Job, col(Job.id) == Notification.job_id)
        .where(Job.estate_id == estate.id, where)
        .order_by(col(Notification.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    return [
        NotificationItem(
            job_ref=ref,
            kind=n.kind,
            step=n.step,
            recipient=n.recipient,
            channel=n.channel,
            created_at=n.created_at,
            error=n.error,
        )
        for n, ref in rows
    ]


def chain_head(session: Session, estate: Estate, until: datetime) -> ChainHead | None:
    row = session.exec(
        select(AuditLog.seq, AuditLog.hash, AuditLog.at)
        .where(AuditLog.chain == estate.id, col(AuditLog.at) < until)
        .order_by(col(AuditLog.seq).desc())
        .limit(1)
    ).first()
    return ChainHead(*row) if row else None


def late_entries(session: Session, where: Any) -> list[LateEntry]:
    c = Callback
    rows = session.exec(
        select(Job.ref, c.staff, c.role, c.channel, c.done_at, c.recorded_at, c.recorded_by)
        .join(Job, col(Job.id) == c.job_id)
        .where(where)
        .order_by(col(c.recorded_at).desc(), col(c.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    return [LateEntry(*row) for row in rows]
