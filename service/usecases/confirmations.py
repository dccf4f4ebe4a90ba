"""Resident confirmations: what the visited resident answers and signs (or refuses to sign).

Every submission is one transaction: the link's nonce is marked used (a unique row), the
signature row is added with an audit entry carrying the signature's SHA-256, and the signed
receipt is queued for the job's Odoo request (an outbox row), and only then is the page told it
worked. A resident's confirmation confirms the job's latest callback; before any callback it
waits, and the next callback taken on the staff page adopts it. It is never a callback itself:
quotas count staff callbacks by role.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from .. import domain as d
from ..config import Settings
from ..models import FormTokenUse, Job, Signature
from ..schemas import ResidentAnswer, SignatureIn
from .audit import audit
from .callbacks import latest_callback
from .documents import receipt_pdf
from .form_links import FormContext, Stored, check_job_open, mark_used, previous
from .outbox import enqueue_receipt
from .signatures import CheckedSignature, check_signature


def checked_signature(sig: SignatureIn, max_bytes: int) -> CheckedSignature | None:
    """The checked PNG, or None for a refusal; a refusal needs a reason and no drawing."""
    if sig.refused:
        if not sig.refuse_reason:
            raise d.InvalidInput("refuse_reason: say why the signature is refused")
        if sig.signature is not None:
            raise d.InvalidInput("a refused signature cannot carry a drawing")
        return None
    if sig.signature is None or sig.strokes is None:
        raise d.InvalidInput("signature and strokes are required unless you refuse to sign")
    return check_signature(sig.signature, sig.strokes, max_bytes=max_bytes)


def signature_row(
    *,
    job: Job,
    use: FormTokenUse,
    callback_id: int | None,
    taken_on: str,
    sig: SignatureIn,
    checked: CheckedSignature | None,
    satisfaction: str | None,
    comment: str | None,
    now: datetime,
) -> Signature:
    return Signature(
        job_id=job.id,  # type: ignore[arg-type]
        callback_id=callback_id,
        token_use_id=use.id,  # type: ignore[arg-type]
        taken_on=taken_on,
        signer_name=sig.signer_name,
        signed_at=now,
        refused=sig.refused,
        refuse_reason=sig.refuse_reason if sig.refused else None,
        satisfaction=satisfaction,
        comment=comment,
        png=checked.png if checked else None,
        width=checked.width if checked else None,
        height=checked.height if checked else None,
        strokes=checked.strokes if checked else None,
        sha256=checked.sha256 if checked else None,
    )


def store_signature(session: Session, ctx: FormContext, row: Signature, actor: str) -> None:
    """A signature goes in with its audit entry (carrying the hash) and, for a job from Odoo,
    its receipt queued for Odoo: all in the caller's one transaction."""
    session.add(row)
    session.flush()
    audit(
        session,
        actor=actor,
        action="signature.refused" if row.refused else "signature.recorded",
        entity="job",
        entity_id=ctx.job.ref,
        detail={
            "signature_id": row.id,
            "callback_id": row.callback_id,
            "taken_on": row.taken_on,
            "sha256": row.sha256,
            "satisfaction": row.satisfaction,
            "refuse_reason": row.refuse_reason,
            "token_nonce": ctx.token.nonce,
        },
    )
    queue_receipt(session, ctx.job, row)


def queue_receipt(session: Session, job: Job, signature: Signature) -> None:
    """Queue the signed receipt for the job's Odoo request, in the same transaction as the
    signature (a no-op for jobs that did not come from Odoo, or not yet confirming a callback)."""
    if signature.callback_id is None:
        return
    enqueue_receipt(
        session, job=job, callback_id=signature.callback_id, pdf=receipt_pdf(session, signature)
    )


def pending_resident_signatures(session: Session, job: Job) -> list[Signature]:
    """Confirmations the resident sent before any callback was recorded."""
    return list(
        session.exec(
            select(Signature)
            .where(Signature.job_id == job.id, col(Signature.callback_id).is_(None))
            .order_by(col(Signature.id))
        ).all()
    )


def check_resident_link_open(ctx: FormContext) -> None:
    """The resident page may be filled in: the link is unused and the job needs a callback."""
    if ctx.use is not None:
        raise d.Conflict("this link was already used", code="link.used", job_ref=ctx.job.ref)
    if ctx.job.state != "active":
        raise d.Conflict(f"this repair is {ctx.job.state}", code="job.inactive")


def submit_resident(
    session: Session, ctx: FormContext, answer: ResidentAnswer, *, settings: Settings, now: datetime
) -> Stored:
    """Store the resident's confirmation (see the module's docstring)."""
    if ctx.use is not None:
        return previous(session, ctx, answer.submission_key)
    check_job_open(ctx.job)
    checked = checked_signature(answer, settings.signature_max_bytes)
    actor = "resident"
    try:
        use = mark_used(session, ctx, "resident", answer.submission_key, actor, now)
        latest = latest_callback(session, ctx.job)
        row = signature_row(
            job=ctx.job,
            use=use,
            callback_id=latest.id if latest else None,
            taken_on="resident",
            sig=answer,
            checked=checked,
            satisfaction=answer.satisfaction.value,
            comment=answer.comment,
            now=now,
        )
        store_signature(session, ctx, row, actor)
        session.commit()
    except IntegrityError:
        session.rollback()
        ctx.use = None
        return previous(session, ctx, answer.submission_key)
    return Stored(use=use, signature=row, callback=None, replay=False)
