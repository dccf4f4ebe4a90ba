"""Form links (the QR codes of a callback form): read, checked and marked used.

A link is a signed, expiring token naming a job and whom it is for (``staff`` or
``resident``). Each accepted submission marks it used with a unique row (``FormTokenUse``),
which makes a link single-use even when two submissions race: the second insert fails and its
whole transaction rolls back. A resend of the same submission (same ``submission_key``, e.g.
after a lost reply) gets the stored result back instead of an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import Session, select

from qr_forms.payload import (
    TokenData,
    TokenError,
    TokenExpired,
    TokenInvalid,
    TokenWrongPurpose,
    read_token,
)

from .. import domain as d
from ..config import Settings
from ..models import Callback, Estate, FormTokenUse, Job, Signature
from .signin import SignedIn

Purpose = Literal["staff", "resident", "worker"]
MAX_TOKEN_CHARS = 400


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


@dataclass(slots=True)
class Stored:
    """What a submission stored (or, for a resend, had stored before)."""

    use: FormTokenUse
    signature: Signature | None
    callback: Callback | None
    replay: bool


def read_form_token(
    token: str, purpose: Purpose, *, settings: Settings, now: datetime, allow_expired: bool = False
) -> TokenData:
    if len(token) > MAX_TOKEN_CHARS:
        raise d.BadRequest("this link is not valid", code="link.invalid")
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
        raise d.Gone(
            f"this link expired: links are valid for {settings.token_max_age_days} days",
            code="link.expired",
            job_ref=exc.data.job_ref,
        ) from None
    except TokenWrongPurpose as exc:
        raise d.BadRequest(
            f"this link is for {exc.actual}, not for {exc.expected}", code="link.wrong_purpose"
        ) from None
    except (TokenInvalid, TokenError):
        raise d.BadRequest(
            "this link is not valid (altered or damaged)", code="link.invalid"
        ) from None


def use_key(data: TokenData, staff_id: int | None) -> str | None:
    if data.purpose == "resident":
        return data.nonce
    return None if staff_id is None else f"{data.nonce}:{staff_id}"


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
    """The link's job and estate, and its use so far (by this staff member, for staff)."""
    data = read_form_token(token, purpose, settings=settings, now=now, allow_expired=allow_expired)
    job = session.exec(select(Job).where(Job.ref == data.job_ref)).first()
    if job is None:
        raise d.NotFound(f"repair job {data.job_ref!r} not found", code="link.no_job")
    key = use_key(data, staff_id)
    use = None
    if key is not None:
        use = session.exec(select(FormTokenUse).where(FormTokenUse.nonce == key)).first()
    return FormContext(token=data, job=job, estate=job.estate, use=use, use_key=key or "")


def signature_of(session: Session, use: FormTokenUse) -> Signature | None:
    """The signature (or refusal) taken with one use of a link."""
    return session.exec(select(Signature).where(Signature.token_use_id == use.id)).first()


def recorded_callback(session: Session, use: FormTokenUse) -> Callback | None:
    """The callback recorded with one use of a staff link."""
    return session.get(Callback, use.callback_id) if use.callback_id else None


def previous(session: Session, ctx: FormContext, submission_key: str) -> Stored:
    """The result of an earlier submission of this link, or 409 if it was someone else's."""
    use = (
        ctx.use or session.exec(select(FormTokenUse).where(FormTokenUse.nonce == ctx.use_key)).one()
    )
    if use.submission_key != submission_key:
        raise d.Conflict(
            "this link was already used: nothing was changed", code="link.used", job_ref=ctx.job.ref
        )
    return Stored(
        use=use,
        signature=signature_of(session, use),
        callback=recorded_callback(session, use),
        replay=True,
    )


def mark_used(
    session: Session, ctx: FormContext, purpose: Purpose, key: str, actor: str, now: datetime
) -> FormTokenUse:
    if not ctx.use_key:
        raise d.NotSignedIn("sign in again: your draft is kept", code="login.required")
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


def check_job_open(job: Job) -> None:
    """A job that left the done stage (cancelled, archived...) takes no answer."""
    if job.state != "active":
        raise d.Conflict(f"this repair is {job.state}", code="job.inactive", job_ref=job.ref)


def check_same_estate(user: SignedIn, job: Job) -> None:
    if user.estate_id != job.estate_id:
        raise d.Forbidden("this repair belongs to another estate", code="staff.other_estate")


def staff_job(session: Session, ref: str, user: SignedIn) -> Job:
    """A job of the signed-in staff member's own estate, by ref (to print its form...)."""
    job = session.exec(select(Job).where(Job.ref == ref)).first()
    if job is None:
        raise d.NotFound(f"job {ref!r} not found", code="link.no_job")
    check_same_estate(user, job)
    return job


def recorded_staff_link(
    session: Session, token: str, user: SignedIn, *, settings: Settings, now: datetime
) -> FormContext:
    """A staff link as its signed-in user used it (expired links still show what was done),
    refused for staff of another estate."""
    ctx = load_form(
        session,
        token,
        "staff",
        settings=settings,
        now=now,
        allow_expired=True,
        staff_id=user.staff_id,
    )
    check_same_estate(user, ctx.job)
    return ctx


def used_resident_link(
    session: Session, token: str, *, settings: Settings, now: datetime
) -> tuple[FormContext, Signature]:
    """A used resident link and what was signed with it; a used link keeps showing its
    receipt after the link's signing window has passed."""
    ctx = load_form(session, token, "resident", settings=settings, now=now, allow_expired=True)
    signature = signature_of(session, ctx.use) if ctx.use else None
    if signature is None:
        raise d.NotFound("nothing was submitted with this link yet", code="link.not_signed")
    return ctx, signature
