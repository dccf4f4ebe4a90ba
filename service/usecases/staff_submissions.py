"""A callback recorded on the staff page (``/s/<token>``) by the signed-in staff member.

One transaction: the link is marked used for this staff member, the callback is recorded (with
any rectification), a confirmation the resident already sent from their own phone is adopted,
and the resident's signature taken on the staff phone is stored with its audit entry and its
receipt queued for Odoo.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from .. import domain as d
from ..config import Settings
from ..schemas import CallbackAnswers, CallbackIn, StaffAnswer, validation_detail
from .callbacks import record_callback
from .confirmations import (
    checked_signature,
    pending_resident_signatures,
    queue_receipt,
    signature_row,
    store_signature,
)
from .form_links import (
    FormContext,
    Stored,
    check_job_open,
    check_same_estate,
    mark_used,
    previous,
)
from .page_stamps import claimed_done_at, served_at
from .signin import SignedIn


def check_may_record(ctx: FormContext, user: SignedIn) -> None:
    """The staff page may be filled in: the link is unused by this person, the job is of
    their estate and needs a callback, and their role records callbacks."""
    if ctx.use is not None:
        raise d.Conflict(
            "this callback was already recorded", code="link.used", job_ref=ctx.job.ref
        )
    check_same_estate(user, ctx.job)
    _check_role(user)
    check_job_open(ctx.job)


def _check_role(user: SignedIn) -> None:
    if not user.records_callbacks:
        raise d.Forbidden("your role cannot record callbacks", code="staff.no_role")


def submit_staff(
    session: Session,
    ctx: FormContext,
    user: SignedIn,
    answer: StaffAnswer,
    *,
    settings: Settings,
    now: datetime,
) -> Stored:
    """Record the callback by the signed-in staff member, with the resident's signature when
    it was taken on the staff phone; adopt a confirmation the resident already sent."""
    if ctx.use is not None:
        return previous(session, ctx, answer.submission_key)
    check_same_estate(user, ctx.job)
    _check_role(user)
    served = served_at(
        settings, answer.served, staff_id=user.staff_id, job_ref=ctx.job.ref, now=now
    )
    done_at = claimed_done_at(
        now=now, held_ms=answer.held_ms, served=served, issued_at=ctx.token.issued_at
    )
    sig = answer.resident
    checked = None
    if sig is not None:
        if answer.channel == d.Channel.PHONE:
            raise d.InvalidInput(
                "resident: a phone callback cannot take a signature on the staff phone"
            )
        checked = checked_signature(sig, settings.signature_max_bytes)
    try:
        cb_in = CallbackIn(
            role=d.Role(user.role),
            staff=user.name,
            channel=answer.channel,
            done_at=done_at,
            attempt_id=answer.attempt_id,
            **answer.model_dump(include=set(CallbackAnswers.model_fields)),
        )
    except ValidationError as exc:
        raise d.InvalidInput(validation_detail(exc.errors())) from None  # type: ignore[arg-type]
    actor = f"staff:{user.staff_id}"
    try:
        use = mark_used(session, ctx, "staff", answer.submission_key, actor, now)
        callback, _rect = record_callback(
            session=session, ref=ctx.job.ref, cb_in=cb_in, now=now, actor=actor, commit=False
        )
        use.callback_id = callback.id
        session.add(use)
        for pending in pending_resident_signatures(session, ctx.job):
            pending.callback_id = callback.id
            session.add(pending)
            queue_receipt(session, ctx.job, pending)
        row = None
        if sig is not None:
            row = signature_row(
                job=ctx.job,
                use=use,
                callback_id=callback.id,
                taken_on="staff",
                sig=sig,
                checked=checked,
                satisfaction=answer.satisfaction.value if answer.satisfaction else None,
                comment=None,
                now=now,
            )
            store_signature(session, ctx, row, actor)
        session.commit()
    except d.NotSignedIn:  # the link's use needs a signed-in person: sign in again
        session.rollback()
        raise
    except d.DomainError as exc:  # the callback itself was refused: the form says why
        session.rollback()
        kind = d.Conflict if isinstance(exc, d.Conflict) else d.InvalidInput
        raise kind(exc.detail, code="form.invalid", job_ref=ctx.job.ref) from None
    except IntegrityError:
        session.rollback()
        ctx.use = None
        return previous(session, ctx, answer.submission_key)
    return Stored(use=use, signature=row, callback=callback, replay=False)
