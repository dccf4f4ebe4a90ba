"""The ``odoo`` channel: a notification becomes an Odoo activity for the person's Odoo user.

The activity (``mail.activity``) goes on the job's Odoo maintenance request, assigned to the
staff member's ``odoo_user_id``, with the notification's subject as its summary and its body
and link as its note, due on the date the notification is about (the job's deadline for a
reminder or an escalation, the rectification's due time for its notices) in the estate's
calendar. Nothing is sent to Odoo here: ``send`` queues an outbox row in the session that
holds the notification, so the row and the notification's "sent" commit together, and the
Odoo link's outbox delivers it once (the row is keyed on the notification).

A person who already has the same activity from the Odoo link's own plan (the callback-due
activity of the job's assigned role, the rectification's activity for its worker) is not given
a second one: their reminder or notice counts as sent.

A job that did not come from Odoo, a request deleted there, or a person without an Odoo user
cannot have an activity: ``ChannelError(permanent=True)``, shown as a failed notification.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import object_session
from sqlmodel import Session, col, select

from .. import domain as d
from ..domain import reminders as R
from ..models import Job, Notification, OdooOutbox, OdooRequestLink, Rectification, Staff
from ..usecases.notifications import ChannelError
from ..usecases.outbox import enqueue


def activity_due(session: Session, notification: Notification, job: Job) -> str:
    """The activity's deadline (``YYYY-MM-DD`` in the estate's timezone): the job's deadline
    for a reminder or an escalation; for a rectification's notices its fix due time (the
    notice and a late fix) or its notice due time (a late notice); else the day it was made."""
    moment: datetime = notification.created_at
    if notification.kind in (R.Kind.REMINDER, R.Kind.ESCALATION):
        moment = job.deadline
    elif notification.rectification_id is not None:
        rect = session.get(Rectification, notification.rectification_id)
        if rect is not None:
            late_notice = notification.kind == R.Kind.NOTICE_LATE
            moment = rect.notice_due_at if late_notice else rect.fix_due_at
    return moment.astimezone(d.zone(job.estate.timezone)).date().isoformat()


def _already_there(session: Session, notification: Notification, job: Job, user_id: int) -> bool:
    """The Odoo link queued the same activity for this user already."""
    if notification.kind == R.Kind.REMINDER:
        prefix = f"activity:assigned:{job.id}:"
    elif notification.kind == R.Kind.NOTICE and notification.rectification_id is not None:
        prefix = f"rectification:{notification.rectification_id}"
    else:
        return False
    rows = session.exec(
        select(OdooOutbox).where(
            OdooOutbox.job_id == job.id,
            OdooOutbox.kind == "activity",
            col(OdooOutbox.key).startswith(prefix),
        )
    ).all()
    return any(row.payload.get("user_id") == user_id for row in rows)


class OdooChannel:
    """Queues the notification as an activity on the job's Odoo request (see the module)."""

    name = "odoo"

    def send(self, notification: Notification, staff: Staff) -> None:
        session = object_session(notification)
        if not isinstance(session, Session):
            raise RuntimeError("the Odoo channel sends notifications held in a session")
        job = session.get_one(Job, notification.job_id)
        link = session.exec(
            select(OdooRequestLink).where(OdooRequestLink.job_id == notification.job_id)
        ).first()
        if link is None:
            raise ChannelError(
                f"job {job.ref} did not come from Odoo: there is no Odoo request to put "
                "the activity on",
                permanent=True,
            )
        if link.status == "deleted":
            raise ChannelError(
                f"the Odoo request {link.odoo_id} of job {job.ref} was deleted in Odoo",
                permanent=True,
            )
        if not staff.odoo_user_id:
            raise ChannelError(
                f"{staff.name} has no Odoo user (odoo_user_id) to assign the activity to",
                permanent=True,
            )
        if _already_there(session, notification, job, staff.odoo_user_id):
            return
        enqueue(
            session,
            key=f"notification:{notification.id}",
            odoo_id=link.odoo_id,
            job_id=job.id,
            kind="activity",
            payload={
                "user_id": staff.odoo_user_id,
                "due": activity_due(session, notification, job),
                "summary": notification.subject,
                "note": notification.body,
                "link": notification.link,
            },
        )
