"""The scheduler's notifications: made once per key and recipient, ever, then delivered.

``make_due`` runs one cycle as of a moment: it asks ``domain.reminders`` what the open jobs and
rectifications call for, names the people (the estate's active staff in a role, a
rectification's worker or finder), and inserts one row per key and person. The unique pair
(key, staff) makes that once-only across restarts and across several processes: a second
cycle, or a second process, inserts nothing new. ``deliver`` claims due rows (on PostgreSQL
``FOR UPDATE SKIP LOCKED``, so each is sent by one process) and hands them to the recipient's
channel; a failure is retried with back-off and never sent twice.

Channels are adapters (log, e-mail, webhook, Odoo); this module only knows their interface.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, func, select

from .. import domain as d
from ..catalogue import t
from ..config import Settings
from ..db import begin_write
from ..domain import reminders as R
from ..models import Estate, Job, Notification, Rectification, Staff
from .documents import form_url
from .estates import follow_up
from .queries import get_estate, get_job

MAX_ATTEMPTS = 8
BACKOFF = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)


class ChannelError(Exception):
    """A send failed; ``permanent`` when retrying cannot help (a refused address...)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Channel(Protocol):
    """One way of reaching a person: it sends a notification or raises ``ChannelError``."""

    name: str

    def send(self, notification: Notification, staff: Staff) -> None: ...


# ---------------------------------------------------------------- making them


def _recipients(session: Session, job: Job, due: R.Due, rect: Rectification | None) -> list[Staff]:
    estate_staff = select(Staff).where(Staff.estate_id == job.estate_id, Staff.active == True)  # noqa: E712

    def by_role(role: str) -> list[Staff]:
        return list(
            session.exec(estate_staff.where(Staff.role == role).order_by(col(Staff.id))).all()
        )

    def by_name(name: str | None, role: str | None = None) -> list[Staff]:
        if not name:
            return []
        query = estate_staff.where(Staff.name == name)
        if role:
            query = query.where(Staff.role == role)
        return list(session.exec(query).all())

    if due.audience == R.Audience.ROLE:
        return by_role(due.role.value)  # type: ignore[union-attr]
    if due.audience == R.Audience.FINDER:
        return by_name(rect.found_by if rect else None)
    # the worker; when none has a staff record, the finder hands the notice over on paper,
    # and when the finder is the resident, the supervisors do
    return (
        by_name(rect.worker if rect else None, "worker")
        or by_name(rect.found_by if rect else None)
        or by_role(d.Role.SUPERVISOR.value)
    )


def _message(due: R.Due, job: Job, rect: Rectification | None, lang: str) -> tuple[str, str]:
    tz = d.zone(job.estate.timezone)
    values: dict[str, Any] = {
        "ref": job.ref,
        "unit": job.unit or "",
        "title": job.title or "",
        "deadline": job.deadline.astimezone(tz).strftime("%m-%d %H:%M"),
        "role": t(f"role.{job.assigned_role}", lang),
    }
    if rect is not None:
        values |= {
            "problem": rect.problem,
            "fix_due": rect.fix_due_at.astimezone(tz).strftime("%m-%d %H:%M"),
            "worker": rect.worker or "",
        }
    key = f"notify.{due.kind}" + (f".{due.step}" if due.step else "")
    return t(f"{key}.subject", lang, **values), t(f"{key}.body", lang, **values)


@dataclass(frozen=True, slots=True)
class CycleReport:
    made: list[Notification]
    lines: list[str]  # one per notification made: "kind[/step] job -> recipient (channel)"


def _candidates(
    session: Session, as_of: datetime, estates: Mapping[int | None, Estate]
) -> tuple[list[Job], list[Rectification]]:
    """The jobs a reminder or an escalation may be due for, and the rectifications a notice or
    a late warning may be due for."""
    hours = max((e.reminder_hours_before for e in estates.values()), default=24)
    horizon = as_of + timedelta(hours=hours)
    jobs = list(
        session.exec(
            select(Job).where(
                Job.state == "active",
                col(Job.first_callback_at).is_(None),
                col(Job.deadline) <= horizon,
            )
        ).all()
    )
    r = Rectification
    rects = list(
        session.exec(
            select(r).where(
                sa.or_(
                    col(r.notified_at).is_(None),
                    col(r.fixed_at).is_(None),
                    col(r.notified_at) > col(r.notice_due_at),
                    col(r.fixed_at) > col(r.fix_due_at),
                )
            )
        ).all()
    )
    return jobs, rects


def make_due(*, session: Session, settings: Settings, as_of: datetime) -> CycleReport:
    """One scheduler cycle as of ``as_of``: make every notification the rules call for that
    was not made before (once per key and recipient, ever). Commits."""
    begin_write(session)
    estates = {e.id: e for e in session.exec(select(Estate))}
    jobs, rects = _candidates(session, as_of, estates)
    by_id = {job.id: job for job in jobs}
    missing = {rect.job_id for rect in rects} - by_id.keys()
    if missing:
        by_id.update(
            (job.id, job) for job in session.exec(select(Job).where(col(Job.id).in_(missing)))
        )
    for job in by_id.values():
        set_committed_value(job, "estate", estates[job.estate_id])
    facts = [
        (
            R.JobFacts(job.id, d.Role(job.assigned_role), job.deadline, False),  # type: ignore[arg-type]
            follow_up(job.estate),
        )
        for job in jobs
    ]
    rect_facts = [
        R.RectificationFacts(
            rect.id,  # type: ignore[arg-type]
            rect.job_id,
            rect.state,
            rect.notice_due_at,
            rect.notified_at,
            rect.fix_due_at,
            rect.fixed_at,
        )
        for rect in rects
    ]
    rect_by_id = {rect.id: rect for rect in rects}
    rows: list[dict[str, Any]] = []
    for due in R.all_due(facts, rect_facts, as_of):
        job = by_id[due.job_id]
        rect = rect_by_id.get(due.rectification_id) if due.rectification_id else None
        for staff in _recipients(session, job, due, rect):
            subject, body = _message(due, job, rect, staff.language)
            rows.append(
                {
                    "kind": due.kind.value,
                    "step": due.step,
                    "key": due.key,
                    "job_id": job.id,
                    "rectification_id": due.rectification_id,
                    "staff_id": staff.id,
                    "recipient": staff.name,
                    "channel": staff.notify_by,
                    "language": staff.language,
                    "subject": subject[:300],
                    "body": body,
                    "link": form_url(settings, "staff", job.ref, as_of),
                    "status": "queued",
                    "attempts": 0,
                    "next_attempt_at": as_of,
                    "created_at": as_of,
                }
            )
    made = _insert_new(session, rows)
    refs = {job.id: job.ref for job in by_id.values()}
    lines = [
        f"{n.kind}{'/' + str(n.step) if n.step else ''} {refs[n.job_id]} -> {n.recipient}"
        f" ({n.channel})"
        for n in made
    ]
    session.commit()
    return CycleReport(made=made, lines=lines)


def _insert_new(session: Session, rows: Sequence[Mapping[str, Any]]) -> list[Notification]:
    """Insert the rows whose (key, staff) is new; the others were made before (here or by
    another process) and are left alone."""
    if not rows:
        return []
    table = Notification.__table__  # type: ignore[attr-defined]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    made_ids: list[int] = []
    for row in rows:
        statement = (
            insert(table)
            .values(**row)
            .on_conflict_do_nothing(index_elements=["key", "staff_id"])
            .returning(table.c.id)
        )
        made_ids += [rid for (rid,) in session.execute(statement)]
    if not made_ids:
        return []
    return list(
        session.exec(
            select(Notification)
            .where(col(Notification.id).in_(made_ids))
            .order_by(col(Notification.id))
        ).all()
    )


# ---------------------------------------------------------------- delivering them


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def deliver(
    *, session: Session, channels: Mapping[str, Channel], now: datetime, batch: int = 100
) -> DeliveryReport:
    """Send the queued notifications that are due, each by the channel its recipient reads
    (the ``log`` channel when theirs is not set up). Each row is claimed in its own
    transaction, so two processes never send the same one."""
    report = DeliveryReport()
    while True:
        begin_write(session)
        query = (
            select(Notification)
            .where(Notification.status == "queued", col(Notification.next_attempt_at) <= now)
            .order_by(col(Notification.id))
            .limit(1)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row = session.exec(query).first()
        if row is None:
            session.commit()
            return report
        staff = session.get_one(Staff, row.staff_id)
        channel = channels.get(row.channel) or channels["log"]
        row.attempts += 1
        try:
            channel.send(row, staff)
        except ChannelError as exc:
            row.error = str(exc)[:2000]
            if exc.permanent or row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
                report.failed += 1
            else:
                row.next_attempt_at = now + min(BACKOFF * 2 ** (row.attempts - 1), BACKOFF_MAX)
                report.retried += 1
        else:
            row.status, row.sent_at, row.error = "sent", now, None
            report.sent += 1
        session.add(row)
        session.commit()
        if report.sent + report.retried + report.failed >= batch:
            return report


# ---------------------------------------------------------------- reading them


def list_notifications(
    *,
    session: Session,
    estate: str | None = None,
    job: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Notification], int]:
    """Notifications, newest last, filtered by estate, job, kind and status."""
    clauses: list[Any] = []
    if estate:
        clauses.append(Job.estate_id == get_estate(session, estate).id)
    if job:
        clauses.append(Notification.job_id == get_job(session, job).id)
    if kind:
        clauses.append(Notification.kind == R.Kind(kind).value)
    if status:
        clauses.append(Notification.status == status)
    where = sa.and_(sa.true(), *clauses)
    joined = select(Notification, Job).join(Job, col(Job.id) == Notification.job_id)
    total = session.exec(
        select(func.count())
        .select_from(Notification)
        .join(Job, col(Job.id) == Notification.job_id)
        .where(where)
    ).one()
    rows = session.exec(
        joined.where(where).order_by(col(Notification.id)).offset(offset).limit(limit)
    ).all()
    return [n for n, _job in rows], total


def notification_out(n: Notification) -> dict[str, Any]:
    tz = d.zone(n.job.estate.timezone)
    return {
        "id": n.id,
        "kind": n.kind,
        "step": n.step,
        "job": n.job.ref,
        "rectification": n.rectification_id,
        "recipient": n.recipient,
        "staff_id": n.staff_id,
        "channel": n.channel,
        "status": n.status,
        "created_at": n.created_at.astimezone(tz),
        "sent_at": n.sent_at.astimezone(tz) if n.sent_at else None,
        "attempts": n.attempts,
        "error": n.error,
    }
