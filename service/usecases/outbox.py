"""What Odoo must be told, as rows: the outbox the Odoo link drains.

A use case that changes something Odoo should hear of (a signed receipt to attach...) writes
an outbox row in its own transaction; ``service.odoo.outbox`` plans the rest (fields, notes,
activities) from the tables and delivers every row, each once (``key`` is unique), claiming
each with ``claim_next`` before it is sent.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from ..db import begin_write
from ..models import Job, OdooOutbox, OdooRequestLink, utcnow


def enqueue(
    session: Session,
    *,
    key: str,
    odoo_id: int,
    kind: str,
    payload: dict[str, Any],
    job_id: int | None = None,
    now: datetime | None = None,
    checked: bool = False,
) -> bool:
    """Queue a write once: ``False`` when ``key`` was queued before. ``checked``: the caller
    already looked the key up (in a batch); the unique key still refuses a concurrent twin."""
    if not checked and session.exec(select(OdooOutbox.id).where(OdooOutbox.key == key)).first():
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


def claim_next(
    session: Session, *, after: int, now: datetime, hold: timedelta
) -> OdooOutbox | None:
    """Claim the first pending row due at ``now`` with an id above ``after`` and no earlier
    row of its Odoo request still pending: it is put off by ``hold`` (longer than a send can
    take) and committed before it is returned, so no other process sends it meanwhile, and a
    send in flight when its process died has reached Odoo before anyone sends the row again
    (and finds its marker). ``None`` when nothing is due.

    A request's writes go in the order they were queued, whatever happened meanwhile: after
    a long outage the rows have backed off by different amounts, and the first due is not
    always the first queued; sent out of order, an older set of fields would overwrite a
    newer one, a later note come before an earlier. So a row waits while an earlier row of
    its request waits for its retry (or is in flight in another process); the other
    requests' rows go on. One exception: a set of fields waits only for the earlier fields
    Odoo has not refused (a refusal counts an attempt; an unreachable Odoo counts none), so
    neither a refused note nor a refused older set holds the job's state back until it is
    given up.

    On PostgreSQL the claim reads ``FOR UPDATE SKIP LOCKED``: a row another process is
    claiming at that moment is passed over, not waited for (and still holds back the later
    rows of its request, being pending)."""
    begin_write(session)
    earlier = aliased(OdooOutbox)
    waits_its_turn = (
        select(earlier.id)
        .where(
            earlier.odoo_id == OdooOutbox.odoo_id,
            earlier.status == "pending",
            col(earlier.id) < col(OdooOutbox.id),
            # a set of fields waits only for earlier fields not yet refused (queued, or in
            # flight in another process): the job's state is not held back for hours by a
            # refused row, and an older set refused meanwhile is superseded by the newer
            # when it comes up again (``odoo.outbox``)
            sa.or_(
                OdooOutbox.kind != "fields",
                sa.and_(earlier.kind == "fields", earlier.attempts == 0),
            ),
        )
        .exists()
    )
    claim = (
        select(OdooOutbox)
        .where(
            OdooOutbox.status == "pending",
            col(OdooOutbox.next_attempt_at) <= now,
            col(OdooOutbox.id) > after,
            ~waits_its_turn,
        )
        .order_by(col(OdooOutbox.id))
        .limit(1)
        .execution_options(populate_existing=True)  # the row as it is now, under its lock
    )
    if session.get_bind().dialect.name == "postgresql":
        claim = claim.with_for_update(skip_locked=True, of=OdooOutbox)  # type: ignore[arg-type]
    row = session.exec(claim).first()
    if row is not None:
        row.next_attempt_at = now + hold
        session.add(row)
    session.commit()
    return row


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
