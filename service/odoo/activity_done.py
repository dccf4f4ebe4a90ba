"""The callback's activities in Odoo are marked done once the callback is recorded.

The outbox schedules a callback-due activity on the job's request (key
``activity:assigned:<job>:<due>``), and the ``odoo`` channel may add the job's reminders and
escalations as activities (``notification:<id>``). When the job's callback is recorded, the
plan queues one ``activity_done`` row naming those activities' markers; delivering it marks
every one still open done with Odoo's ``mail.activity.action_feedback`` (a "done" note with
the callback in the chatter; Odoo 17 and 18 then delete a To-Do activity, 19 archives it).
An activity already done or deleted is simply not found: nothing else is touched, and a
repeat changes nothing. A rectification's activities stay open: they are about the fix.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Literal

from sqlmodel import Session, col, or_, select

from service import domain as d
from service.catalogue import t
from service.models import Callback, Estate, Job, Notification, OdooOutbox, OdooRequestLink
from service.usecases.outbox import enqueue

KIND = "activity_done"
ASSIGNED_PREFIX = "activity:assigned:"
NOTIFICATION_PREFIX = "notification:"


def callback_activity_keys(session: Session, job_ids: Iterable[int]) -> dict[int, list[str]]:
    """{job id: the outbox keys of the activities queued for its callback}, 500 jobs at a
    time: the callback-due activity and the reminders and escalations sent to Odoo users
    (not a rectification's notices)."""
    ids = sorted(set(job_ids))
    found: dict[int, list[str]] = {}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        rows = session.exec(
            select(OdooOutbox.job_id, OdooOutbox.key).where(
                col(OdooOutbox.job_id).in_(part),
                OdooOutbox.kind == "activity",
                or_(
                    col(OdooOutbox.key).startswith(ASSIGNED_PREFIX),
                    col(OdooOutbox.key).startswith(NOTIFICATION_PREFIX),
                ),
            )
        ).all()
        notified = {
            int(key.removeprefix(NOTIFICATION_PREFIX)): key
            for _, key in rows
            if key.startswith(NOTIFICATION_PREFIX)
        }
        about_a_fix = set(
            session.exec(
                select(Notification.id).where(
                    col(Notification.id).in_(list(notified)),
                    col(Notification.rectification_id).is_not(None),
                )
            )
        )
        skip = {notified[i] for i in about_a_fix}
        for job_id, key in rows:
            if job_id is not None and key not in skip:
                found.setdefault(job_id, []).append(key)
    return {job_id: sorted(keys) for job_id, keys in found.items()}


def done_key(job_id: int, keys: list[str]) -> str:
    """One row per set of activities: an activity queued later gets a row of its own."""
    digest = hashlib.sha1("\n".join(sorted(keys)).encode(), usedforsecurity=False).hexdigest()
    return f"{KIND}:{job_id}:{digest[:12]}"


def feedback(callback: Callback, estate: Estate, language: Literal["zh_CN", "en"]) -> str:
    """The text Odoo shows with the "done" note: who called back, when and how."""
    local = callback.done_at.astimezone(d.zone(estate.timezone)).strftime("%Y-%m-%d %H:%M")
    role = t(f"odoo.role.{callback.role}", language)
    channel = t(f"odoo.channel.{callback.channel}", language)
    return "\n".join(
        [
            t("odoo.note.title", language),
            t("odoo.note.by", language, staff=callback.staff, role=role),
            t("odoo.note.when", language, when=local, channel=channel),
        ]
    )


def plan_done(
    session: Session,
    callbacks: Iterable[Callback],
    jobs: Mapping[int | None, Job],
    links: Mapping[int | None, OdooRequestLink],
    estates: Mapping[int | None, Estate],
    language: Literal["zh_CN", "en"],
    now: datetime,
) -> int:
    """Queue, for each job called back among ``callbacks``, the closing of its callback
    activities (with the job's first callback as the feedback); returns how many rows."""
    first: dict[int, Callback] = {}
    for cb in callbacks:
        job = jobs.get(cb.job_id)
        if job is None or job.first_callback_at is None or links.get(cb.job_id) is None:
            continue
        known = first.get(cb.job_id)
        if known is None or (cb.done_at, cb.id or 0) < (known.done_at, known.id or 0):
            first[cb.job_id] = cb
    queued = 0
    for job_id, keys in callback_activity_keys(session, first).items():
        job, link, cb = jobs[job_id], links[job_id], first[job_id]
        queued += enqueue(
            session,
            key=done_key(job_id, keys),
            odoo_id=link.odoo_id,
            job_id=job_id,
            kind=KIND,
            payload={"keys": keys, "feedback": feedback(cb, estates[job.estate_id], language)},
            now=now,
        )
    return queued
