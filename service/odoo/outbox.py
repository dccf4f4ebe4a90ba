"""Write-back to Odoo through an outbox table.

``plan`` looks at what changed in the service since its last run (jobs, callbacks,
rectifications, deadlines that passed) and queues the writes Odoo should get, each under a
unique *key*: the callback fields of a request (only when their values changed), a chatter
note per callback (in the company's language, zh_CN or en), an activity for the assigned
person due at the deadline, a rectification as an activity for the worker (or as a new
request) due in 24 hours, the signed receipt as an attachment (``enqueue_receipt``).

``deliver`` sends what is due, in order. While Odoo is unreachable it backs off
exponentially per row and stops the round; rows survive a restart because they are rows.
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
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from service import domain as d
from service.models import Callback, Estate, Job, Rectification, Staff, utcnow
from service.odoo.errors import (
    OdooCallError,
    OdooConfigError,
    OdooMissingError,
    OdooUnavailable,
)
from service.odoo.gateway import OdooGateway
from service.odoo.mapping import format_odoo_datetime
from service.odoo.tables import OdooCursor, OdooOutbox, OdooRequestLink

log = logging.getLogger(__name__)
WATERMARK = "outbox-plan"
ROLE_GROUPS = {
    "manager": "maintenance_callback.group_callback_manager",
    "supervisor": "maintenance_callback.group_callback_supervisor",
    "lead": "maintenance_callback.group_callback_lead",
}
#: Maintenance's own administrators: who calls back when nobody holds a callback role (and
#: on an Odoo without the add-on).
MAINTENANCE_MANAGERS = "maintenance.group_equipment_manager"
#: A role nobody holds goes to the next one up: a manager may make a supervisor's callback.
ROLE_CHAIN = {
    "lead": ("lead", "supervisor", "manager"),
    "supervisor": ("supervisor", "manager"),
    "manager": ("manager",),
}


@dataclass(frozen=True, slots=True)
class OutboxConfig:
    language: Literal["zh_CN", "en"] = "zh_CN"
    rectification_mode: Literal["activity", "request"] = "activity"
    max_attempts: int = 10
    backoff_seconds: float = 30.0
    backoff_max_seconds: float = 3600.0
    batch: int = 200


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


def enqueue(
    session: Session,
    *,
    key: str,
    odoo_id: int,
    kind: str,
    payload: dict[str, Any],
    job_id: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Queue a write once: ``False`` when ``key`` was queued before."""
    if session.exec(select(OdooOutbox.id).where(OdooOutbox.key == key)).first() is not None:
        return False
    row = OdooOutbox(
        key=key,
        odoo_id=odoo_id,
        job_id=job_id,
        kind=kind,
        payload=payload,
        next_attempt_at=now or utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # queued concurrently
        return False
    return True


def enqueue_receipt(
    session: Session, *, job: Job, callback_id: int, pdf: bytes, filename: str | None = None
) -> bool:
    """Queue the signed receipt of a callback as an attachment on the job's Odoo request
    (and, with the add-on, as its ``callback_receipt_attachment_id``). No-op for jobs that
    did not come from Odoo."""
    link = session.exec(select(OdooRequestLink).where(OdooRequestLink.job_id == job.id)).first()
    if link is None:
        return False
    return enqueue(
        session,
        key=f"receipt:callback:{callback_id}",
        odoo_id=link.odoo_id,
        job_id=job.id,
        kind="attachment",
        payload={
            "name": filename or f"{job.ref}-callback-{callback_id}.pdf",
            "mimetype": "application/pdf",
            "data": base64.b64encode(pdf).decode("ascii"),
            "set_receipt_field": True,
        },
    )


# -- planning ---------------------------------------------------------------------------
_ROLE_ZH = {"manager": "经理", "supervisor": "主管", "lead": "维修负责人"}
_ROLE_EN = {"manager": "manager", "supervisor": "supervisor", "lead": "maintenance lead"}
_CHANNEL_ZH = {"on_site": "上门", "phone": "电话"}
_CHANNEL_EN = {"on_site": "on site", "phone": "by phone"}
_SAT_ZH = {"satisfied": "满意", "fairly_satisfied": "比较满意", "unsatisfied": "不满意"}
_SAT_EN = {
    "satisfied": "satisfied",
    "fairly_satisfied": "fairly satisfied",
    "unsatisfied": "unsatisfied",
}


def callback_message(
    callback: Callback, job: Job, estate: Estate, language: str, key: str
) -> tuple[str, str]:
    """The chatter note for one callback: (HTML for the add-on, plain text without it)."""
    local = callback.done_at.astimezone(d.zone(estate.timezone)).strftime("%Y-%m-%d %H:%M")
    zh = language.startswith("zh")
    sat = callback.satisfaction
    if zh:
        title = "回访记录"
        lines = [
            f"回访人：{callback.staff}（{_ROLE_ZH.get(callback.role, callback.role)}）",
            f"时间：{local}，{_CHANNEL_ZH.get(callback.channel, callback.channel)}回访",
            f"满意度：{_SAT_ZH.get(sat, '未填写') if sat else '未填写'}",
            f"现场查看：{'是' if callback.inspected else '否'}；"
            f"收费核实：{'是' if callback.charge_verified else '否'}",
        ]
        if callback.service_feedback:
            lines.append(f"服务评价：{callback.service_feedback}")
        if callback.suggestions:
            lines.append(f"意见建议：{callback.suggestions}")
        if callback.problems:
            lines.append(f"发现问题：{callback.problems}（已书面通知维修人员 24 小时内整改）")
        on_time = "按时" if callback.done_at <= job.deadline else "超时"
        lines.append(f"期限：{on_time}")
    else:
        title = "Callback"
        lines = [
            f"By: {callback.staff} ({_ROLE_EN.get(callback.role, callback.role)})",
            f"When: {local}, {_CHANNEL_EN.get(callback.channel, callback.channel)}",
            f"Satisfaction: {_SAT_EN.get(sat, 'not given') if sat else 'not given'}",
            f"Inspected on site: {'yes' if callback.inspected else 'no'}; "
            f"charge verified: {'yes' if callback.charge_verified else 'no'}",
        ]
        if callback.service_feedback:
            lines.append(f"Service feedback: {callback.service_feedback}")
        if callback.suggestions:
            lines.append(f"Suggestions: {callback.suggestions}")
        if callback.problems:
            lines.append(
                f"Problems: {callback.problems} (the worker is notified to fix them within 24 h)"
            )
        lines.append(f"Deadline: {'on time' if callback.done_at <= job.deadline else 'late'}")
    # The marker (``key``) is not part of the text: the gateway stores it out of sight.
    body_html = (
        f"<p><b>{html.escape(title)}</b></p><ul>"
        + "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        + "</ul>"
    )
    body_text = "\n".join([title, *lines])
    return body_html, body_text


def desired_fields(
    job: Job,
    callbacks: Sequence[Callback],
    rectifications: Sequence[Rectification],
    user_id: int | None,
    now: datetime,
) -> dict[str, Any]:
    """The add-on's callback fields for one job, as Odoo values."""
    state = {
        "cancelled": "cancelled",
        "not_required": "not_required",
    }.get(job.state)
    if state is None:
        if job.first_callback_at is not None:
            state = "done"
        elif job.deadline < now:
            state = "overdue"
        else:
            state = "pending"
    last = max(callbacks, key=lambda c: (c.done_at, c.id or 0), default=None)
    rect = "none"
    if rectifications:
        if any(r.done_at is None and r.due_at < now for r in rectifications):
            rect = "late"
        elif any(r.done_at is None for r in rectifications):
            rect = "open"
        else:
            rect = "done"
    return {
        "callback_deadline": format_odoo_datetime(job.deadline),
        "callback_state": state,
        "callback_role": job.assigned_role,
        "callback_user_id": user_id or False,
        "callback_last_at": format_odoo_datetime(last.done_at) if last else False,
        "callback_last_by": last.staff if last else False,
        "callback_satisfaction": (last.satisfaction or False) if last else False,
        "callback_rectification_state": rect,
    }


class RoleUsers:
    """Who holds a role, as an Odoo user.

    In order: the estate's staff linked to Odoo; the members of the add-on's role group
    (each user counted in their highest role), else of the next role up; for a maintenance
    lead's callback on an Odoo without the add-on, the request's technician; then
    Maintenance's own managers. Groups are read with the integration user's rights (no
    ``ir.model.data``)."""

    def __init__(self, session: Session, gateway: OdooGateway) -> None:
        self.session = session
        self.gateway = gateway
        self._from_groups: dict[str, list[int]] | None = None
        self._active: set[int] = set()

    def _load(self) -> dict[str, list[int]]:
        if self._from_groups is None:
            self._from_groups = {r: [] for r in (*ROLE_GROUPS, "maintenance")}
            try:
                users = self.gateway.users()
            except OdooCallError as exc:
                log.warning("cannot read Odoo users and groups: %s", exc)
                users = []
            for user in sorted(users, key=lambda u: u.id):
                if not user.active:
                    continue
                self._active.add(user.id)
                if MAINTENANCE_MANAGERS in user.group_xmlids:
                    self._from_groups["maintenance"].append(user.id)
                for role in ("manager", "supervisor", "lead"):
                    if ROLE_GROUPS[role] in user.group_xmlids:
                        self._from_groups[role].append(user.id)
                        break
            if not any(self._from_groups.values()):
                log.warning(
                    "no Odoo user holds a callback role or Maintenance's manager group: "
                    "no callback person is set and no activity is scheduled"
                )
        return self._from_groups

    def user_for(self, estate_id: int, role: str, technician: int | None = None) -> int | None:
        staff = self.session.exec(
            select(Staff.odoo_user_id)
            .where(
                Staff.estate_id == estate_id,
                Staff.role == role,
                Staff.active == True,  # noqa: E712
                col(Staff.odoo_user_id).is_not(None),
            )
            .order_by(col(Staff.id))
        ).first()
        if staff:
            return staff
        groups = self._load()
        for holder in ROLE_CHAIN.get(role, (role,)):
            if groups.get(holder):
                return groups[holder][0]
        if role == "lead" and technician and technician in self._active:
            if not self.gateway.has_addon:
                return technician
        found = groups.get("maintenance") or []
        return found[0] if found else None


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
                        col(Rectification.done_at).is_(None),
                        col(Rectification.done_at) > since - timedelta(days=2),
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
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            jobs = {j.id: j for j in session.exec(select(Job).where(col(Job.id).in_(part)))}
            links = {
                ln.job_id: ln
                for ln in session.exec(
                    select(OdooRequestLink).where(col(OdooRequestLink.job_id).in_(part))
                )
            }
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
                    zh = config.language.startswith("zh")
                    queued += enqueue(
                        session,
                        key=f"activity:assigned:{job_id}:{due.isoformat()}",
                        odoo_id=link.odoo_id,
                        job_id=job_id,
                        kind="activity",
                        payload={
                            "user_id": user_id,
                            "due": due.isoformat(),
                            "summary": (
                                f"维修回访（{_ROLE_ZH[job.assigned_role]}）"
                                if zh
                                else f"Maintenance callback ({_ROLE_EN[job.assigned_role]})"
                            ),
                            "note": (
                                f"请在 {due.isoformat()} 前完成回访：{job.title or job.ref}"
                                if zh
                                else f"Call back before {due.isoformat()}: {job.title or job.ref}"
                            ),
                        },
                        now=now,
                    )
        for cb in new_callbacks:
            job = session.get(Job, cb.job_id)
            link = session.exec(
                select(OdooRequestLink).where(OdooRequestLink.job_id == cb.job_id)
            ).first()
            if job is None or link is None:
                continue
            key = f"message:callback:{cb.id}"
            body_html, body_text = callback_message(
                cb, job, estates[job.estate_id], config.language, key
            )
            queued += enqueue(
                session,
                key=key,
                odoo_id=link.odoo_id,
                job_id=job.id,
                kind="message",
                payload={"body_html": body_html, "body_text": body_text},
                now=now,
            )
        for rect in new_rects:
            queued += _plan_rectification(session, rect, config, now)
        _save_watermark(session, now)
        session.commit()
    if queued:
        log.info("Odoo outbox: %d writes queued", queued)
    return queued


def _plan_rectification(
    session: Session, rect: Rectification, config: OutboxConfig, now: datetime
) -> int:
    job = session.get(Job, rect.job_id)
    link = session.exec(
        select(OdooRequestLink).where(OdooRequestLink.job_id == rect.job_id)
    ).first()
    if job is None or link is None:
        return 0
    zh = config.language.startswith("zh")
    title = f"整改通知：{job.title or job.ref}" if zh else f"Rectification: {job.title or job.ref}"
    note = (
        f"回访发现问题：{rect.problems}。请于 24 小时内整改。"
        if zh
        else f"Problems found in the callback: {rect.problems}. Fix within 24 hours."
    )
    key = f"rectification:{rect.id}"
    if config.rectification_mode == "request":
        payload: dict[str, Any] = {
            "values": {
                "name": title[:200],
                "user_id": link.worker_user_id or False,
                "maintenance_team_id": link.team_id or False,
                "schedule_date": format_odoo_datetime(rect.due_at),
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
            "due": rect.due_at.date().isoformat(),
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
    kind = {"message": "message", "activity": "activity", "attachment": "attachment"}.get(
        row.kind, "request"
    )
    existing = gateway.find_marked(kind, row.odoo_id, mark)
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
            note=f"<p>{html.escape(p['note'])}</p>",
            marker=mark,
        )
    if row.kind == "attachment":
        attachment = gateway.attach_file(
            row.odoo_id,
            name=p["name"],
            data=base64.b64decode(p["data"]),
            mimetype=p.get("mimetype") or "application/pdf",
            marker=mark,
        )
        if p.get("set_receipt_field") and gateway.has_addon:
            gateway.write_request(row.odoo_id, {"callback_receipt_attachment_id": attachment})
        return attachment
    if row.kind == "request":
        return gateway.create_request(dict(p["values"]), marker=mark)
    raise ValueError(f"unknown outbox kind {row.kind!r}")


def deliver(
    *,
    engine: Engine,
    gateway: OdooGateway,
    config: OutboxConfig,
    now: Callable[[], datetime] = utcnow,
) -> DeliveryReport:
    """Send the due rows in order. Raises ``OdooConfigError`` (bad settings) unchanged."""
    report = DeliveryReport()
    while True:
        with Session(engine, expire_on_commit=False) as session:
            rows = list(
                session.exec(
                    select(OdooOutbox)
                    .where(OdooOutbox.status == "pending", col(OdooOutbox.next_attempt_at) <= now())
                    .order_by(col(OdooOutbox.id))
                    .limit(config.batch)
                )
            )
            if not rows:
                return report
            for row in rows:
                if row.kind == "fields" and _superseded(session, row):
                    row.status = "superseded"
                    session.add(row)
                    session.commit()
                    report.superseded += 1
                    continue
                try:
                    result = _send(gateway, row)
                except OdooConfigError:
                    raise
                except OdooUnavailable as exc:
                    _postpone(row, str(exc), config, now())
                    session.add(row)
                    session.commit()
                    report.failed += 1
                    report.postponed = True
                    report.errors.append(str(exc))
                    log.warning("Odoo unreachable, outbox paused: %s", exc)
                    return report
                except OdooMissingError as exc:
                    row.status = "dead"
                    row.last_error = f"request gone from Odoo: {exc}"[:2000]
                    report.dead += 1
                except OdooCallError as exc:
                    _postpone(row, str(exc), config, now())
                    if row.attempts >= config.max_attempts:
                        row.status = "dead"
                        report.dead += 1
                    else:
                        report.failed += 1
                    report.errors.append(str(exc))
                    log.warning("Odoo refused outbox %s: %s", row.key, exc)
                else:
                    row.status = "sent"
                    row.result_id = result
                    row.sent_at = now()
                    row.last_error = None
                    report.sent += 1
                session.add(row)
                session.commit()
            if len(rows) < config.batch:
                return report


def _superseded(session: Session, row: OdooOutbox) -> bool:
    later = session.exec(
        select(OdooOutbox.id).where(
            OdooOutbox.odoo_id == row.odoo_id,
            OdooOutbox.kind == "fields",
            OdooOutbox.status == "pending",
            col(OdooOutbox.id) > row.id,
        )
    ).first()
    return later is not None


def _postpone(row: OdooOutbox, error: str, config: OutboxConfig, now: datetime) -> None:
    row.attempts += 1
    delay = min(config.backoff_seconds * 2 ** (row.attempts - 1), config.backoff_max_seconds)
    row.next_attempt_at = now + timedelta(seconds=delay)
    row.last_error = error[:2000]
