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

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from .. import domain as d
from ..catalogue import t
from ..config import Settings
from ..models import FormTokenUse, Job, OdooRequestLink, Rectification, Signature
from ..schemas import ResidentAnswer, SignatureIn
from .answers import refresh_answer
from .audit import audit, signature_evidence
from .callbacks import latest_callback
from .documents import receipt_pdf
from .form_links import FormContext, Stored, check_job_open, mark_used, previous
from .outbox import enqueue_receipt
from .queries import lock_job
from .rectifications import open_rectification
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
    row.evidence_sha256 = signature_evidence(row)
    session.add(row)
    session.flush()
    audit(
        session,
        actor=actor,
        action="signature.refused" if row.refused else "signature.recorded",
        entity="job",
        entity_id=ctx.job.ref,
        estate_id=ctx.job.estate_id,
        detail={
            "signature_id": row.id,
            "callback_id": row.callback_id,
            "taken_on": row.taken_on,
            "sha256": row.sha256,
            "evidence_sha256": row.evidence_sha256,
            "satisfaction": row.satisfaction,
            "refuse_reason": row.refuse_reason,
            "comment": row.comment,
            "charge_disputed": row.charge_disputed,
            "charge_note": row.charge_note,
            "token_nonce": ctx.token.nonce,
        },
    )
    queue_receipt(session, ctx.job, row)


def queue_receipt(session: Session, job: Job, signature: Signature) -> None:
    """Queue the signed receipt for the job's Odoo request, in the same transaction as the
    signature (a no-op for jobs that did not come from Odoo, or not yet confirming a callback)."""
    if signature.callback_id is None:
        return
    linked = select(OdooRequestLink.odoo_id).where(OdooRequestLink.job_id == job.id)
    if session.exec(linked).first() is None:
        return  # nothing to attach it to: the PDF is not rendered for nothing
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


def _follow_up(
    session: Session, job: Job, row: Signature, answer: ResidentAnswer, now: datetime
) -> None:
    """A resident's 不满意, or a disputed charge, opens a rectification at once, whether or not
    staff have called back yet (件件有着落)."""
    problems = []
    if answer.satisfaction == d.Satisfaction.UNSATISFIED:
        problems.append(t("rect.problem.resident_unsatisfied", "zh_CN"))
    if answer.charge_disputed:
        problems.append(t("rect.problem.charge", "zh_CN"))
    if not problems:
        return
    said = [text for text in (answer.comment, answer.charge_note) if text and text.strip()]
    open_rectification(
        session,
        job=job,
        source=d.RectificationSource.RESIDENT,
        problem="；".join(problems) + ("：" + "；".join(said) if said else ""),
        found_by=row.signer_name or t("rect.found_by.resident", "zh_CN"),
        opened_at=now,
        actor="resident",
        confirmation_id=row.id,
    )


def list_confirmations(
    *, session: Session, job: Job, limit: int = 100, offset: int = 0
) -> tuple[list[tuple[Signature, int | None]], int]:
    """One page of the resident's own confirmations of a job (by time), each with the
    rectification it opened, and how many there are."""
    where = sa.and_(Signature.job_id == job.id, Signature.taken_on == "resident")
    total = session.exec(select(func.count()).select_from(Signature).where(where)).one()
    rows = session.exec(
        select(Signature, Rectification.id)
        .join(Rectification, col(Rectification.confirmation_id) == Signature.id, isouter=True)
        .where(where)
        .order_by(col(Signature.signed_at), col(Signature.id))
        .offset(offset)
        .limit(limit)
    ).all()
    return [(sig, rid) for sig, rid in rows], total


def confirmation_out(sig: Signature, rectification_id: int | None) -> dict[str, object]:
    tz = d.zone(sig.job.estate.timezone)
    return {
        "id": sig.id,
        "at": sig.signed_at.astimezone(tz),
        "satisfaction": sig.satisfaction,
        "comment": sig.comment,
        "signed": not sig.refused and sig.sha256 is not None,
        "refused": sig.refused,
        "refusal_reason": sig.refuse_reason,
        "signature_sha256": sig.sha256,
        "charge_disputed": sig.charge_disputed,
        "charge_note": sig.charge_note,
        "rectification_id": rectification_id,
    }


def check_resident_link_open(ctx: FormContext) -> None:
    """The resident page may be filled in: the link is unused and the job needs a callback."""
    if ctx.use is not None:
        raise d.Conflict("this link was already used", code="link.used", job_ref=ctx.job.ref)
    check_job_open(ctx.job)


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
        row.charge_disputed = answer.charge_disputed  # before the audit entry records it
        row.charge_note = answer.charge_note if answer.charge_disputed else None
        store_signature(session, ctx, row, actor)
        refresh_answer(session, lock_job(session, ctx.job))
        _follow_up(session, ctx.job, row, answer, now)
        session.commit()
    except IntegrityError:
        session.rollback()
        ctx.use = None
        return previous(session, ctx, answer.submission_key)
    return Stored(use=use, signature=row, callback=None, replay=False)
