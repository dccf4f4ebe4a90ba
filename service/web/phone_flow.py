"""What the phone pages do: read a form link, store a resident's or a staff member's answer.

Every submission is one transaction: the token's nonce is marked used (a unique row), the
callback (staff) and the signature row are added with an audit entry carrying the signature's
SHA-256, and only then is the page told it worked. A resend of the same submission (same
``submission_key``, e.g. after a lost reply) gets the stored result back instead of an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from qr_forms.payload import (
    TokenData,
    TokenError,
    TokenExpired,
    TokenInvalid,
    TokenWrongPurpose,
    read_token,
)

from .. import domain as d
from ..api.errors import readable
from ..config import Settings
from ..models import Callback, Estate, Job
from ..odoo.outbox import enqueue_receipt
from ..schemas import CallbackIn, LongText, Money, Name, Strict
from ..usecases import audit, record_callback
from .auth import SignedIn
from .phone_forms import receipt_pdf
from .phone_models import FormTokenUse, Signature
from .phone_signature import CheckedSignature, SignatureRejected, check_signature

Purpose = Literal["staff", "resident"]
SubmissionKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
MAX_TOKEN_CHARS = 400


class PhoneError(Exception):
    """A refusal the pages show as a friendly page (GET) or a JSON ``detail`` (POST)."""

    def __init__(self, status: int, key: str, detail: str, job_ref: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.key = key
        self.detail = detail
        self.job_ref = job_ref


@dataclass(slots=True)
class FormContext:
    token: TokenData
    job: Job
    estate: Estate
    use: FormTokenUse | None
    # What makes a use unique: the link itself for a resident (one signature per link); the
    # link and the staff member for staff, so that the printed staff code serves everyone
    # who calls back (lead, supervisor, manager) but each of them records it once.
    use_key: str


def read_form_token(
    token: str, purpose: Purpose, *, settings: Settings, now: datetime, allow_expired: bool = False
) -> TokenData:
    if len(token) > MAX_TOKEN_CHARS:
        raise PhoneError(400, "link.invalid", "this link is not valid")
    try:
        return read_token(
            settings.secret_key,
            token,
            purpose=purpose,
            max_age_seconds=settings.token_max_age_days * 86400,
            now=now,
        )
    except TokenExpired as exc:
        if allow_expired:
            return exc.data
        raise PhoneError(
            410,
            "link.expired",
            f"this link expired: links are valid for {settings.token_max_age_days} days",
            exc.data.job_ref,
        ) from None
    except TokenWrongPurpose as exc:
        raise PhoneError(
            400, "link.wrong_purpose", f"this link is for {exc.actual}, not for {exc.expected}"
        ) from None
    except (TokenInvalid, TokenError):
        raise PhoneError(400, "link.invalid", "this link is not valid (altered or damaged)") from (
            None
        )


def load_form(
    session: Session,
    token: str,
    purpose: Purpose,
    *,
    settings: Settings,
    now: datetime,
    allow_expired: bool = False,
    staff_id: int | None = None,
) -> FormContext:
    data = read_form_token(token, purpose, settings=settings, now=now, allow_expired=allow_expired)
    job = session.exec(select(Job).where(Job.ref == data.job_ref)).first()
    if job is None:
        raise PhoneError(404, "link.no_job", f"repair job {data.job_ref!r} not found")
    estate = session.get(Estate, job.estate_id)
    assert estate is not None
    key = use_key(data, staff_id)
    use = None
    if key is not None:
        use = session.exec(select(FormTokenUse).where(FormTokenUse.nonce == key)).first()
    return FormContext(token=data, job=job, estate=estate, use=use, use_key=key or "")


def use_key(data: TokenData, staff_id: int | None) -> str | None:
    if data.purpose == "resident":
        return data.nonce
    return None if staff_id is None else f"{data.nonce}:{staff_id}"


# ------------------------------------------------------------------ bodies


class SignatureIn(Strict):
    signer_name: Name | None = None
    signature: str | None = Field(default=None, description="PNG data URL from the canvas")
    strokes: Any | None = None
    refused: bool = False
    refuse_reason: LongText | None = None


class ResidentAnswer(SignatureIn):
    satisfaction: d.Satisfaction
    comment: LongText | None = None
    submission_key: SubmissionKey


MAX_HELD_MS = 24 * 3600 * 1000


class StaffAnswer(Strict):
    channel: d.Channel
    # How long the page held the answer before this send (a draft resent after a dropped
    # connection): the callback is dated by the server's clock minus this, whatever the phone's
    # clock says, but never before the link was issued and at most a day back, so nobody can
    # backdate a late callback into its window.
    held_ms: int = Field(default=0, ge=0, le=MAX_HELD_MS)
    inspected: bool = False
    service_feedback: LongText | None = None
    suggestions: LongText | None = None
    charge_verified: bool = False
    charge_amount: Money | None = None
    satisfaction: d.Satisfaction | None = None
    problems: LongText | None = None
    resident: SignatureIn | None = None
    submission_key: SubmissionKey


def parse_body(model: type[Strict], body: bytes) -> Any:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        raise PhoneError(422, "form.invalid", readable(errors)) from None


def checked_signature(sig: SignatureIn, max_bytes: int) -> CheckedSignature | None:
    """The checked PNG, or None for a refusal; a refusal needs a reason and no drawing."""
    if sig.refused:
        if not sig.refuse_reason:
            raise PhoneError(422, "form.invalid", "refuse_reason: say why the signature is refused")
        if sig.signature is not None:
            raise PhoneError(422, "form.invalid", "a refused signature cannot carry a drawing")
        return None
    if sig.signature is None or sig.strokes is None:
        raise PhoneError(
            422, "form.invalid", "signature and strokes are required unless you refuse to sign"
        )
    try:
        return check_signature(sig.signature, sig.strokes, max_bytes=max_bytes)
    except SignatureRejected as exc:
        raise PhoneError(exc.status, "form.invalid", exc.detail) from None


# ------------------------------------------------------------------ storing


@dataclass(slots=True)
class Stored:
    use: FormTokenUse
    signature: Signature | None
    callback: Callback | None
    replay: bool


def _previous(session: Session, ctx: FormContext, submission_key: str) -> Stored:
    """The result of an earlier submission of this link, or 409 if it was someone else's."""
    use = (
        ctx.use or session.exec(select(FormTokenUse).where(FormTokenUse.nonce == ctx.use_key)).one()
    )
    if use.submission_key != submission_key:
        raise PhoneError(
            409, "link.used", "this link was already used: nothing was changed", ctx.job.ref
        )
    signature = session.exec(select(Signature).where(Signature.token_use_id == use.id)).first()
    callback = session.get(Callback, use.callback_id) if use.callback_id else None
    return Stored(use=use, signature=signature, callback=callback, replay=True)


def _signature_row(
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


def _audit_signature(session: Session, job: Job, row: Signature, actor: str, nonce: str) -> None:
    audit(
        session,
        actor=actor,
        action="signature.refused" if row.refused else "signature.recorded",
        entity="job",
        entity_id=job.ref,
        detail={
            "signature_id": row.id,
            "callback_id": row.callback_id,
            "taken_on": row.taken_on,
            "sha256": row.sha256,
            "satisfaction": row.satisfaction,
            "refuse_reason": row.refuse_reason,
            "token_nonce": nonce,
        },
    )


def latest_callback(session: Session, job: Job) -> Callback | None:
    return session.exec(
        select(Callback)
        .where(Callback.job_id == job.id)
        .order_by(col(Callback.done_at).desc(), col(Callback.id).desc())
    ).first()


def pending_resident_signatures(session: Session, job: Job) -> list[Signature]:
    return list(
        session.exec(
            select(Signature)
            .where(Signature.job_id == job.id, col(Signature.callback_id).is_(None))
            .order_by(col(Signature.id))
        ).all()
    )


def _store_signature(session: Session, ctx: FormContext, row: Signature, actor: str) -> None:
    """A signature goes in with its audit entry (carrying the hash) and, for a job from Odoo,
    its receipt queued for Odoo: all in the caller's one transaction."""
    session.add(row)
    session.flush()
    _audit_signature(session, ctx.job, row, actor, ctx.token.nonce)
    _queue_receipt(session, ctx.job, row)


def _queue_receipt(session: Session, job: Job, signature: Signature) -> None:
    """Queue the signed receipt for the job's Odoo request, in the same transaction as the
    signature (a no-op for jobs that did not come from Odoo, or not yet confirming a callback)."""
    if signature.callback_id is None:
        return
    enqueue_receipt(
        session, job=job, callback_id=signature.callback_id, pdf=receipt_pdf(session, signature)
    )


def _mark_used(
    session: Session, ctx: FormContext, purpose: Purpose, key: str, actor: str, now: datetime
) -> FormTokenUse:
    if not ctx.use_key:
        raise PhoneError(401, "login.required", "sign in again: your draft is kept")
    use = FormTokenUse(
        nonce=ctx.use_key,
        purpose=purpose,
        job_id=ctx.job.id,  # type: ignore[arg-type]
        submission_key=key,
        actor=actor,
        used_at=now,
    )
    session.add(use)
    session.flush()  # the unique nonce: a concurrent use of the same link stops here
    return use


def submit_resident(
    session: Session, ctx: FormContext, answer: ResidentAnswer, *, settings: Settings, now: datetime
) -> Stored:
    """Store the resident's confirmation. It confirms the job's latest callback; before any
    callback it waits (callback_id empty) and the next callback taken on the staff page adopts
    it. It is never a callback itself: quotas count staff callbacks by role."""
    if ctx.use is not None:
        return _previous(session, ctx, answer.submission_key)
    if ctx.job.state != "active":
        raise PhoneError(409, "job.inactive", f"this repair is {ctx.job.state}", ctx.job.ref)
    checked = checked_signature(answer, settings.signature_max_bytes)
    actor = "resident"
    try:
        use = _mark_used(session, ctx, "resident", answer.submission_key, actor, now)
        latest = latest_callback(session, ctx.job)
        row = _signature_row(
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
        _store_signature(session, ctx, row, actor)
        session.commit()
    except IntegrityError:
        session.rollback()
        ctx.use = None
        return _previous(session, ctx, answer.submission_key)
    return Stored(use=use, signature=row, callback=None, replay=False)


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
        return _previous(session, ctx, answer.submission_key)
    if user.estate_id != ctx.job.estate_id:
        raise PhoneError(403, "staff.other_estate", "this repair belongs to another estate")
    if user.role not in {r.value for r in d.Role}:
        raise PhoneError(403, "staff.no_role", "your role cannot record callbacks")
    done_at = max(now - timedelta(milliseconds=answer.held_ms), ctx.token.issued_at)
    sig = answer.resident
    checked = None
    if sig is not None:
        if answer.channel == d.Channel.PHONE:
            raise PhoneError(
                422,
                "form.invalid",
                "resident: a phone callback cannot take a signature on the staff phone",
            )
        checked = checked_signature(sig, settings.signature_max_bytes)
    try:
        cb_in = CallbackIn(
            role=d.Role(user.role),
            staff=user.name,
            channel=answer.channel,
            done_at=done_at,
            inspected=answer.inspected,
            service_feedback=answer.service_feedback,
            suggestions=answer.suggestions,
            charge_verified=answer.charge_verified,
            charge_amount=answer.charge_amount,
            satisfaction=answer.satisfaction,
            problems=answer.problems,
        )
    except ValidationError as exc:
        raise PhoneError(422, "form.invalid", readable(exc.errors())) from None  # type: ignore[arg-type]
    actor = f"staff:{user.staff_id}"
    try:
        use = _mark_used(session, ctx, "staff", answer.submission_key, actor, now)
        callback, _rect = record_callback(
            session=session, ref=ctx.job.ref, cb_in=cb_in, now=now, actor=actor, commit=False
        )
        use.callback_id = callback.id
        session.add(use)
        for pending in pending_resident_signatures(session, ctx.job):
            pending.callback_id = callback.id
            session.add(pending)
            _queue_receipt(session, ctx.job, pending)
        row = None
        if sig is not None:
            row = _signature_row(
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
            _store_signature(session, ctx, row, actor)
        session.commit()
    except d.DomainError as exc:
        session.rollback()
        status = 409 if isinstance(exc, d.Conflict) else 422
        raise PhoneError(status, "form.invalid", exc.detail, ctx.job.ref) from None
    except IntegrityError:
        session.rollback()
        ctx.use = None
        return _previous(session, ctx, answer.submission_key)
    return Stored(use=use, signature=row, callback=callback, replay=False)
