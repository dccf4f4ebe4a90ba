"""The scheduler's notifications: made once per key, ever, then delivered.

``make_due`` runs one cycle as of a moment: it asks ``domain.reminders`` what the open jobs and
rectifications call for, names the people (the estate's active staff in a role, a
rectification's worker or finder), and inserts one row per person for a key made for nobody
yet: someone who joins later does not get it again. The unique pair (key, staff) keeps that
once-only across restarts and across several processes: a second cycle, or a second process,
inserts nothing new. A notice delivered to its worker by e-mail, webhook or Odoo counts as the
written notice (the rectification is notified). ``deliver`` claims due rows (on PostgreSQL
``FOR UPDATE SKIP LOCKED``, so each is sent by one process) and hands them to the recipient's
channel; a failure is retried with back-off and never sent twice.

Channels are adapters (log, e-mail, webhook, Odoo); this module only knows their interface.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from .. import domain as d
from ..catalogue import t
from ..config import Settings
from ..db import begin_write
from ..domain import reminders as R
from ..models import Estate, Job, Notification, Staff
from . import notification_scan as scan
from .documents import form_url
from .estates import follow_up
from .queries import get_estate, get_job
from .rectifications import notice_delivered

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


def _message(due: R.Due, job: Any, tz: Any, rect: Any | None, lang: str) -> tuple[str, str]:
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


def make_due(*, session: Session, settings: Settings, as_of: datetime) -> CycleReport:
    """One scheduler cycle as of ``as_of``: make every notification the rules call for that
    was not made before: once per key, ever, for the people it is for when first due (someone
    who joins later does not get it again). Commits.

    The query reads only the open jobs with a notification some recipient lacks
    (``scan.unmade_job_pairs``: nothing when nothing is new), the recipients come from the
    estates' staff read once, and the new rows go in by batches."""
    begin_write(session)
    estates = {e.id: e for e in session.exec(select(Estate))}
    rules = {estate_id: follow_up(estate) for estate_id, estate in estates.items()}
    jobs, unmade = scan.unmade_job_pairs(session, as_of, estates)
    rects = scan.open_rectifications(session)
    facts = [
        (R.JobFacts(job.id, d.Role(job.assigned_role), job.deadline, False), rules[job.estate_id])
        for job in jobs.values()
    ]
    rect_facts = [
        R.RectificationFacts(
            r.id, r.job_id, r.state, r.notice_due_at, r.notified_at, r.fix_due_at, r.fixed_at
        )
        for r in rects
    ]
    rect_by_id = {rect.id: rect for rect in rects}
    held_by = {rect.id: scan.held_by(rect) for rect in rects}
    directory = scan.StaffDirectory(session)
    new: list[tuple[R.Due, str, Any, Any]] = []  # (due, key, staff, rectification), once each
    seen: set[tuple[str, int]] = set()
    for due in R.all_due(facts, rect_facts, as_of):
        key, rect = due.key, rect_by_id.get(due.rectification_id)  # type: ignore[arg-type]
        estate_id = rect.estate_id if rect is not None else jobs[due.job_id].estate_id
        for staff in directory.recipients(estate_id, due, rect):
            if rect is None:
                held = (due.job_id, staff.id, due.kind.value, due.step or 0) not in unmade
            else:
                held = due.kind.value in {kind for kind, _staff in held_by[rect.id]}
            if not held and (key, staff.id) not in seen:
                seen.add((key, staff.id))
                new.append((due, key, staff, rect))
    by_id = jobs | scan.jobs_by_id(session, {due.job_id for due, *_ in new} - jobs.keys())
    zones = {estate_id: d.zone(estate.timezone) for estate_id, estate in estates.items()}
    messages: dict[tuple[str, str], tuple[str, str]] = {}
    rows: list[dict[str, Any]] = []
    for due, key, staff, rect in new:
        job = by_id[due.job_id]
        text = (key, staff.language)  # one text per key and language
        if text not in messages:
            messages[text] = _message(due, job, zones[job.estate_id], rect, staff.language)
        subject, body = messages[text]
        rows.append(
            {
                "kind": due.kind.value,
                "step": due.step,
                "key": key,
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
    made = scan.insert_new(session, rows)
    lines = [
        f"{n.kind}{'/' + str(n.step) if n.step else ''} {by_id[n.job_id].ref} -> {n.recipient}"
        f" ({n.channel})"
        for n in made
    ]
    session.commit()
    return CycleReport(made=made, lines=lines)


# ---------------------------------------------------------------- delivering them


#: Channels that put the written notice in the worker's hands (the log reaches nobody; an
#: Odoo activity counts once the Odoo link delivered it).
NOTICE_CHANNELS = {"email": d.NoticeChannel.EMAIL, "webhook": d.NoticeChannel.WEBHOOK}


def reached_worker(
    session: Session, row: Notification, staff: Staff, *, via: d.NoticeChannel, at: datetime
) -> None:
    """A rectification's notice delivered to its worker: the rectification counts as notified
    (the first delivery, acknowledgement or ``notified`` move wins). A notice handed to the
    finder, to pass on on paper, does not count."""
    if row.kind != R.Kind.NOTICE or row.rectification_id is None or staff.role != "worker":
        return
    notice_delivered(session, rectification_id=row.rectification_id, at=at, via=via)


def notification_delivered(session: Session, notification_id: int, at: datetime) -> None:
    """The Odoo link delivered a notification's activity: a notice to its worker counts as
    the written notice (``via: odoo``). The caller commits."""
    row = session.get(Notification, notification_id)
    if row is not None:
        reached_worker(
            session, row, session.get_one(Staff, row.staff_id), via=d.NoticeChannel.ODOO, at=at
        )


def refused_by_odoo(session: Session, notification_id: int, error: str) -> None:
    """The Odoo link gave up on a notification's activity: the notification failed after all
    (shown on the dashboard). The caller commits."""
    row = session.get(Notification, notification_id)
    if row is not None and row.status == "sent":
        row.status, row.error = "failed", f"Odoo refused the activity: {error}"[:2000]
        session.add(row)


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
    transaction, so two processes never send the same one, and a crash never marks a row
    sent that was not.

    The claims walk up the ids (each costs the same however many were sent before it) on
    one connection held for the whole run (no pool check-out and ping per row), unless the
    caller's session is in a transaction already: then that transaction is the first."""
    bind = session.get_bind()
    if session.in_transaction() or not isinstance(bind, Engine):
        return _deliver(session, channels, now, batch)
    with bind.connect() as connection, Session(connection, expire_on_commit=False) as own:
        return _deliver(own, channels, now, batch)


def _deliver(
    session: Session, channels: Mapping[str, Channel], now: datetime, batch: int
) -> DeliveryReport:
    report = DeliveryReport()
    claim = (
        select(Notification)
        .where(Notification.status == "queued", col(Notification.next_attempt_at) <= now)
        .order_by(col(Notification.id))
        .limit(1)
        .execution_options(populate_existing=True)  # the row as it is now, under its lock
    )
    if session.get_bind().dialect.name == "postgresql":
        claim = claim.with_for_update(skip_locked=True, of=Notification)  # type: ignore[arg-type]
    after = 0  # rows below were sent, wait for a retry, or are another process's
    people: dict[int, Staff] = {}  # read once per run
    while True:
        begin_write(session)
        row = session.exec(claim.where(col(Notification.id) > after)).first()
        if row is None:
            session.commit()
            return report
        staff = people.get(row.staff_id) or session.get_one(Staff, row.staff_id)
        people[row.staff_id] = staff
        after = row.id or after
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
            if channel.name in NOTICE_CHANNELS:
                reached_worker(session, row, staff, via=NOTICE_CHANNELS[channel.name], at=now)
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
