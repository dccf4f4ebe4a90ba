"""Write-back to Odoo through an outbox table.

``plan`` looks at what changed in the service since its last run (jobs, callbacks,
rectifications, deadlines that passed) and queues the writes Odoo should get, each under a
unique *key*: the callback fields of a request (only when their values changed), a chatter
note per callback (zh_CN or en: the integration user's language, else the company's; see
``settings.note_language``), an activity for the assigned person due at the deadline
(``role_users`` finds who) and, once the job is called back, that activity marked done
(``activity_done``), a rectification's written notice as an activity for the worker
(or as a new request) due when the fix is, the signed receipt as an attachment (queued by
the use case, ``usecases.outbox.enqueue_receipt``), and a scheduler notification for a
person who reads Odoo as an activity for their Odoo user (queued by the ``odoo`` channel,
``service.channels.odoo``).

``deliver`` sends what is due, in order, each row claimed on its own before it is sent (on
PostgreSQL ``FOR UPDATE SKIP LOCKED``), so several instances never send one row twice. While Odoo is
unreachable it backs off exponentially per row and stops the round; rows survive a restart
because they are rows.
Every create carries its key as a marker inside the record, and ``deliver`` looks for the
marker before creating, so an answer lost on the way back never makes a second copy.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, or_, select

from service import domain as d
from service.catalogue import t
from service.db import begin_write
from service.models import (
    Callback,
    Estate,
    Job,
    OdooCursor,
    OdooOutbox,
    OdooRequestLink,
    Rectification,
    utcnow,
)
from service.odoo.activity_done import KIND as DONE_KIND
from service.odoo.activity_done import plan_done
from service.odoo.errors import (
    OdooCallError,
    OdooConfigError,
    OdooError,
    OdooMissingError,
    OdooUnavailable,
)
from service.odoo.gateway import OdooGateway
from service.odoo.mapping import format_odoo_datetime
from service.odoo.notes import activity_note, callback_message, note_language
from service.odoo.role_users import RoleUsers
from service.usecases.notifications import notification_delivered, refused_by_odoo
from service.usecases.outbox import claim_next, enqueue
from service.usecases.rectifications import notice_delivered

log = logging.getLogger(__name__)
WATERMARK = "outbox-plan"


@dataclass(frozen=True, slots=True)
class OutboxConfig:
    language: Literal["zh_CN", "en"] = "zh_CN"
    rectification_mode: Literal["activity", "request"] = "activity"
    max_attempts: int = 10
    backoff_seconds: float = 30.0
    backoff_max_seconds: float = 3600.0
    #: How long a claimed row is left to its sender: longer than a send can take (the marker
    #: lookup and the write, each within the Odoo timeout), so a send in flight when its
    #: process died has landed before the row is sent again.
    claim_seconds: float = 90.0


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    superseded: int = 0
    failed: int = 0
    dead: int = 0
    postponed: bool = False
    errors: list[str] = field(default_factory=list)


def marker(key: str) -> str:
    return f"huifang:{key}"


# -- planning ---------------------------------------------------------------------------
#: The add-on's ``callback_state`` of a job that needs no callback, and of each job status.
ODOO_STATE_OF_JOB = {"cancelled": "cancelled", "not_required": "not_required"}
ODOO_STATE_OF_STATUS = {
    d.JobStatus.DONE: "done",
    d.JobStatus.OVERDUE: "overdue",
    d.JobStatus.DUE: "pending",
}


def desired_fields(
    job: Job,
    callbacks: Sequence[Callback],
    rectifications: Sequence[Rectification],
    user_id: int | None,
    now: datetime,
) -> dict[str, Any]:
    """The add-on's callback fields for one job, as Odoo values."""
    state = ODOO_STATE_OF_JOB.get(job.state)
    if state is None:
        state = ODOO_STATE_OF_STATUS[d.job_status(job.first_callback_at, job.deadline, now)]
    last = max(callbacks, key=lambda c: (c.done_at, c.id or 0), default=None)
    rect = d.rectifications_state(((r.fix_due_at, r.fixed_at) for r in rectifications), now)
    return {
        "callback_deadline": format_odoo_datetime(job.deadline),
        "callback_state": state,
        "callback_role": job.assigned_role,
        "callback_user_id": user_id or False,
        "callback_last_at": format_odoo_datetime(last.done_at) if last else False,
        "callback_last_by": last.staff if last else False,
        "callback_satisfaction": job.answer or False,  # the job's answer: the resident's first
        "callback_rectification_state": rect,
    }


def plan(
    *,
    engine: Engine,
    gateway: OdooGateway,
    config: OutboxConfig,
    now: datetime | None = None,
) -> int:
    """Queue the writes for what changed since the last plan; returns how many were queued."""
    now = now or utcnow()
    queued = 0
    with Session(engine, expire_on_commit=False) as session:
        mark = session.get(OdooCursor, WATERMARK)
        since = mark.second if mark and mark.second else datetime(1970, 1, 1, tzinfo=UTC)
        linked = select(OdooRequestLink.job_id).where(col(OdooRequestLink.job_id).is_not(None))
        job_ids = set(
            session.exec(
                select(Job.id).where(
                    col(Job.id).in_(linked),
                    or_(
                        col(Job.updated_at) > since,
                        (col(Job.deadline) > since) & (col(Job.deadline) <= now),
                    ),
                )
            )
        )
        job_ids |= set(
            session.exec(
                select(Rectification.job_id).where(
                    col(Rectification.job_id).in_(linked),
                    or_(
                        col(Rectification.created_at) > since,
                        col(Rectification.fixed_at).is_(None),
                        col(Rectification.fixed_at) > since - timedelta(days=2),
                    ),
                )
            )
        )
        new_callbacks = list(
            session.exec(
                select(Callback).where(
                    col(Callback.job_id).in_(linked), col(Callback.created_at) > since
                )
            )
        )
        job_ids |= {c.job_id for c in new_callbacks}
        new_rects = list(
            session.exec(
                select(Rectification).where(
                    col(Rectification.job_id).in_(linked), col(Rectification.created_at) > since
                )
            )
        )
        if not job_ids:
            _save_watermark(session, now)
            session.commit()
            return 0
        has_addon = gateway.has_addon
        roles = RoleUsers(session, gateway)
        estates = {e.id: e for e in session.exec(select(Estate))}
        ids = sorted(i for i in job_ids if i is not None)
        # Every job and link planned below is read here, 500 at a time: the notes of new
        # callbacks and the notices of new rectifications reuse them (no query per row).
        jobs: dict[int | None, Job] = {}
        links: dict[int | None, OdooRequestLink] = {}
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            jobs.update((j.id, j) for j in session.exec(select(Job).where(col(Job.id).in_(part))))
            links.update(
                (ln.job_id, ln)
                for ln in session.exec(
                    select(OdooRequestLink).where(col(OdooRequestLink.job_id).in_(part))
                )
            )
            cbs: dict[int, list[Callback]] = {}
            for cb in session.exec(select(Callback).where(col(Callback.job_id).in_(part))):
                cbs.setdefault(cb.job_id, []).append(cb)
            rects: dict[int, list[Rectification]] = {}
            for r in session.exec(select(Rectification).where(col(Rectification.job_id).in_(part))):
                rects.setdefault(r.job_id, []).append(r)
            for job_id in part:
                job, link = jobs.get(job_id), links.get(job_id)
                if job is None or link is None or link.status == "deleted":
                    continue
                user_id = None
                if job.state == "active":
                    user_id = roles.user_for(
                        job.estate_id, job.assigned_role, technician=link.worker_user_id
                    )
                if has_addon and job.state in {"active", "cancelled", "not_required"}:
                    values = desired_fields(
                        job, cbs.get(job_id, []), rects.get(job_id, []), user_id, now
                    )
                    digest = hashlib.sha1(
                        json.dumps(values, sort_keys=True).encode(), usedforsecurity=False
                    ).hexdigest()
                    if digest != link.written_hash:
                        queued += enqueue(
                            session,
                            key=f"fields:{link.odoo_id}:{digest}",
                            odoo_id=link.odoo_id,
                            job_id=job_id,
                            kind="fields",
                            payload={"values": values},
                            now=now,
                        )
                        link.written_hash = digest
                        session.add(link)
                if job.state == "active" and job.first_callback_at is None and user_id:
                    estate = estates[job.estate_id]
                    due = job.deadline.astimezone(d.zone(estate.timezone)).date()
                    lang = note_language(config.language)
                    queued += enqueue(
                        session,
                        key=f"activity:assigned:{job_id}:{due.isoformat()}",
                        odoo_id=link.odoo_id,
                        job_id=job_id,
                        kind="activity",
                        payload={
                            "user_id": user_id,
                            "due": due.isoformat(),
                            "summary": t(
                                "odoo.activity.summary",
                                lang,
                                role=t(f"odoo.role.{job.assigned_role}", lang),
                            ),
                            "note": t(
                                "odoo.activity.note",
                                lang,
                                due=due.isoformat(),
                                what=job.title or job.ref,
                            ),
                        },
                        now=now,
                    )
        noted = _queued_keys(session, [f"message:callback:{cb.id}" for cb in new_callbacks])
        for cb in new_callbacks:
            job, link = jobs.get(cb.job_id), links.get(cb.job_id)
            key = f"message:callback:{cb.id}"
            if job is None or link is None or key in noted:
                continue
            body_html, body_text = callback_message(
                cb, job, estates[job.estate_id], config.language
            )
            queued += enqueue(
                session,
                key=key,
                odoo_id=link.odoo_id,
                job_id=job.id,
                kind="message",
                payload={"body_html": body_html, "body_text": body_text},
                now=now,
                checked=True,
            )
        queued += plan_done(
            session, new_callbacks, jobs, links, estates, note_language(config.language), now
        )
        for rect in new_rects:
            job, link = jobs.get(rect.job_id), links.get(rect.job_id)
            if job is not None and link is not None:
                queued += _plan_rectification(session, rect, job, link, config, now)
        _save_watermark(session, now)
        session.commit()
    if queued:
        log.info("Odoo outbox: %d writes queued", queued)
    return queued


def _queued_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` are queued already, 500 at a time."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        found.update(session.exec(select(OdooOutbox.key).where(col(OdooOutbox.key).in_(part))))
    return found


def _plan_rectification(
    session: Session,
    rect: Rectification,
    job: Job,
    link: OdooRequestLink,
    config: OutboxConfig,
    now: datetime,
) -> int:
    lang = note_language(config.language)
    title = t("odoo.rectification.title", lang, what=job.title or job.ref)
    due = rect.fix_due_at.astimezone(d.zone(job.estate.timezone))
    note = t(
        "odoo.rectification.note",
        lang,
        problems=rect.problem,
        due=due.strftime("%Y-%m-%d %H:%M"),
    )
    key = f"rectification:{rect.id}"
    if config.rectification_mode == "request":
        payload: dict[str, Any] = {
            "values": {
                "name": title[:200],
                "user_id": link.worker_user_id or False,
                "maintenance_team_id": link.team_id or False,
                "schedule_date": format_odoo_datetime(rect.fix_due_at),
                "description": f"<p>{html.escape(note)}</p>",
            }
        }
        kind = "request"
    else:
        if not link.worker_user_id:
            log.warning("%s: no technician on the Odoo request; rectification not sent", job.ref)
            return 0
        payload = {
            "user_id": link.worker_user_id,
            "due": due.date().isoformat(),
            "summary": title[:200],
            "note": note,
        }
        kind = "activity"
    return int(
        enqueue(
            session,
            key=key,
            odoo_id=link.odoo_id,
            job_id=job.id,
            kind=kind,
            payload=payload,
            now=now,
        )
    )


def _save_watermark(session: Session, now: datetime) -> None:
    # A minute of overlap: a change committed while this plan ran is seen next time; keys
    # and field digests make seeing it twice harmless.
    row = session.get(OdooCursor, WATERMARK) or OdooCursor(name=WATERMARK)
    row.second = now - timedelta(seconds=60)
    row.updated_at = now
    session.add(row)


# -- delivering -------------------------------------------------------------------------
def _send(gateway: OdooGateway, row: OdooOutbox) -> int | None:
    p = row.payload
    mark = marker(row.key)
    if row.kind == "fields":
        gateway.write_request(row.odoo_id, dict(p["values"]))
        return None
    if row.kind == DONE_KIND:
        markers = [marker(key) for key in p["keys"]]
        gateway.close_activities(row.odoo_id, markers=markers, feedback=p["feedback"])
        return None
    kind = {"message": "message", "activity": "activity", "attachment": "attachment"}.get(
        row.kind, "request"
    )
    existing = gateway.find_marked(kind, row.odoo_id, mark)
    if row.kind == "attachment":
        return _attach(gateway, row, existing, mark)
    if existing:
        return existing
    if row.kind == "message":
        return gateway.post_message(
            row.odoo_id, body_html=p["body_html"], body_text=p["body_text"], marker=mark
        )
    if row.kind == "activity":
        return gateway.schedule_activity(
            row.odoo_id,
            user_id=int(p["user_id"]),
            due=date.fromisoformat(p["due"]),
            summary=p["summary"],
            note=activity_note(p["note"], p.get("link")),
            marker=mark,
        )
    if row.kind == "request":
        return gateway.create_request(dict(p["values"]), marker=mark)
    raise ValueError(f"unknown outbox kind {row.kind!r}")


def _attach(gateway: OdooGateway, row: OdooOutbox, existing: int | None, mark: str) -> int:
    """The file attached (again only when no earlier attempt did) and, with the add-on, set
    as the request's receipt: also when an earlier attempt attached it and was lost before
    setting it."""
    p = row.payload
    attachment = existing or gateway.attach_file(
        row.odoo_id,
        name=p["name"],
        data=base64.b64decode(p["data"]),
        mimetype=p.get("mimetype") or "application/pdf",
        marker=mark,
    )
    if p.get("set_receipt_field") and gateway.has_addon:
        gateway.write_request(row.odoo_id, {"callback_receipt_attachment_id": attachment})
    return attachment


def deliver(
    *,
    engine: Engine,
    gateway: OdooGateway,
    config: OutboxConfig,
    now: Callable[[], datetime] = utcnow,
) -> DeliveryReport:
    """Send the due rows in the order they were queued, each claimed first
    (``usecases.outbox.claim_next``, on one connection held for the run): two processes
    never send the same row, and no transaction stays open over an Odoo call. A row whose
    sender died is sent again once its claim runs out (``config.claim_seconds``); it finds
    its marker in Odoo and makes no second copy. Raises ``OdooConfigError`` (bad settings)
    unchanged."""
    report = DeliveryReport()
    hold = timedelta(seconds=config.claim_seconds)
    with engine.connect() as connection, Session(connection, expire_on_commit=False) as session:
        after = 0  # rows below were delivered, wait for a retry, or are another process's
        while True:
            row = claim_next(session, after=after, now=now(), hold=hold)
            if row is None:
                return report
            after = row.id or after
            if row.kind == "fields":
                begin_write(session)
                superseded = _superseded(session, row)
                if superseded:
                    row.status = "superseded"
                    session.add(row)
                    report.superseded += 1
                session.commit()  # no transaction stays open over the Odoo call
                if superseded:
                    continue
            error: OdooError | None = None
            result: int | None = None
            try:
                result = _send(gateway, row)
            except OdooConfigError:
                raise
            except (OdooUnavailable, OdooMissingError, OdooCallError) as exc:
                error = exc
            begin_write(session)
            paused = _record(session, row, result, error, config, now(), report)
            session.add(row)
            session.commit()
            if paused:
                return report


def _record(
    session: Session,
    row: OdooOutbox,
    result: int | None,
    error: OdooError | None,
    config: OutboxConfig,
    now: datetime,
    report: DeliveryReport,
) -> bool:
    """Write the outcome of sending ``row`` on it; ``True`` when Odoo is unreachable and the
    round stops."""
    if isinstance(error, OdooUnavailable):
        # not the row's fault: no attempt is counted, so a long outage neither kills rows
        # nor leaves them backed off for hours once Odoo is back
        row.next_attempt_at = now + timedelta(seconds=config.backoff_seconds)
        row.last_error = str(error)[:2000]
        report.failed += 1
        report.postponed = True
        report.errors.append(str(error))
        log.warning("Odoo unreachable, outbox paused: %s", error)
        return True
    if isinstance(error, OdooMissingError):
        row.status = "dead"
        row.last_error = f"request gone from Odoo: {error}"[:2000]
        report.dead += 1
    elif error is not None:
        _postpone(row, str(error), config, now)
        if row.attempts >= config.max_attempts:
            row.status = "dead"
            report.dead += 1
        else:
            report.failed += 1
        report.errors.append(str(error))
        log.warning("Odoo refused outbox %s: %s", row.key, error)
    else:
        row.status = "sent"
        row.result_id = result
        row.sent_at = now
        row.last_error = None
        report.sent += 1
        if row.key.startswith("rectification:"):
            notice_delivered(
                session,
                rectification_id=int(row.key.split(":", 1)[1]),
                at=now,
                via=d.NoticeChannel.ODOO,
            )
        elif row.key.startswith("notification:"):
            notification_delivered(session, int(row.key.split(":", 1)[1]), now)
    if row.status == "dead" and row.key.startswith("notification:"):
        refused_by_odoo(session, int(row.key.split(":", 1)[1]), row.last_error or "")
    return False


def _superseded(session: Session, row: OdooOutbox) -> bool:
    later = session.exec(
        select(OdooOutbox.id).where(
            OdooOutbox.odoo_id == row.odoo_id,
            OdooOutbox.kind == "fields",
            # a newer set of fields that went ahead while this one waited for a retry counts
            col(OdooOutbox.status).in_(("pending", "sent")),
            col(OdooOutbox.id) > row.id,
        )
    ).first()
    return later is not None


def _postpone(row: OdooOutbox, error: str, config: OutboxConfig, now: datetime) -> None:
    row.attempts += 1
    delay = min(config.backoff_seconds * 2 ** (row.attempts - 1), config.backoff_max_seconds)
    row.next_attempt_at = now + timedelta(seconds=delay)
    row.last_error = error[:2000]
