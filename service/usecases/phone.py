"""Phone attempts (电话回访): each call to the resident and its outcome.

The job keeps its counts (calls, reached, failed) and its latest call by time, so its next step
(``domain.followup.next_step``: call again, or visit on site) and the phone figures of the
compliance query are read from the job alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from .. import domain as d
from ..db import begin_write
from ..models import Job, PhoneAttempt, utcnow
from ..schemas import PageCallIn, PhoneAttemptIn
from .audit import audit
from .callbacks import staff_for
from .form_links import FormContext, check_same_estate
from .queries import get_job
from .request_keys import once
from .signin import SignedIn

F = d.followup


def record_attempt(
    *,
    session: Session,
    ref: str,
    attempt_in: PhoneAttemptIn,
    now: datetime,
    actor: str,
    commit: bool = True,
) -> PhoneAttempt:
    """Store one call and bring the job's counts and next step up to date, in one
    transaction (left open with ``commit=False``, for the caller to commit)."""
    begin_write(session)
    job = get_job(session, ref, for_update=True)
    if job.state != "active":
        raise d.Conflict(f"job {job.ref!r} is {job.state}: it needs no callback")
    F.check_phone_attempt(
        completed_at=job.completed_at,
        deadline=job.deadline,
        at=attempt_in.at,
        outcome=attempt_in.outcome,
        next_at=attempt_in.next_at,
        note=attempt_in.note,
        now=now,
    )
    staff = staff_for(session, job.estate_id, attempt_in.staff, attempt_in.role)
    attempt = PhoneAttempt(
        job_id=job.id,  # type: ignore[arg-type]
        staff_id=staff.id,
        staff=attempt_in.staff,
        role=attempt_in.role.value,
        at=attempt_in.at,
        outcome=attempt_in.outcome.value,
        next_at=attempt_in.next_at,
        note=attempt_in.note,
    )
    session.add(attempt)
    job.calls += 1
    job.calls_reached += attempt_in.outcome == d.CallOutcome.REACHED
    job.failed_calls += F.is_failed(attempt_in.outcome)
    if job.last_call_at is None or attempt_in.at >= job.last_call_at:
        job.last_call_at = attempt_in.at
        job.last_call_outcome = attempt_in.outcome.value
    job.updated_at = utcnow()
    session.add(job)
    session.flush()
    audit(
        session,
        actor=actor,
        action="phone_attempt.recorded",
        entity="job",
        entity_id=job.ref,
        estate_id=job.estate_id,
        detail={"attempt_id": attempt.id, **attempt_in.model_dump(mode="json")},
    )
    if commit:
        session.commit()
    return attempt


def record_attempt_once(
    *,
    session: Session,
    ref: str,
    attempt_in: PhoneAttemptIn,
    now: datetime,
    actor: str,
    key: str | None,
    asked: dict[str, Any] | None = None,
) -> tuple[PhoneAttempt, bool]:
    """``record_attempt``, once per ``key`` (``request_keys.once``): the attempt, and whether
    an earlier request with the same key made it (then nothing is stored: the job's call
    counts stay as they are). ``asked``: what the request said, when the attempt holds more
    than that (the page's call is dated by the server: a resend must still match)."""

    def make() -> int:
        attempt = record_attempt(
            session=session, ref=ref, attempt_in=attempt_in, now=now, actor=actor, commit=False
        )
        assert attempt.id is not None
        return attempt.id

    attempt_id, replayed = once(
        session,
        actor=actor,
        key=key,
        kind="phone_attempt",
        ref=ref,
        body=attempt_in.model_dump(mode="json") if asked is None else asked,
        now=now,
        make=make,
    )
    return session.get_one(PhoneAttempt, attempt_id), replayed


def call_from_page(
    *,
    session: Session,
    ctx: FormContext,
    user: SignedIn,
    call_in: PageCallIn,
    now: datetime,
) -> tuple[PhoneAttempt, bool]:
    """A call the signed-in staff member made from the job's staff page, dated by the
    server's clock (a call is recorded as it ends, never backdated). A tap resent with its
    ``call_key`` (the answer was lost) answers the call the first one stored: (the attempt,
    whether it was stored before)."""
    check_same_estate(user, ctx.job)
    if not user.records_callbacks:
        raise d.Forbidden("your role cannot record callbacks", code="staff.no_role")
    attempt_in = PhoneAttemptIn(
        staff=user.name,
        role=d.Role(user.role),
        at=now,
        outcome=call_in.outcome,
        next_at=call_in.next_at,
        note=call_in.note,
    )
    return record_attempt_once(
        session=session,
        ref=ctx.job.ref,
        attempt_in=attempt_in,
        now=now,
        actor=f"staff:{user.staff_id}",
        key=call_in.call_key,
        asked=call_in.model_dump(mode="json", exclude={"call_key"}),
    )


def list_attempts(
    *, session: Session, ref: str, limit: int = 100, offset: int = 0
) -> tuple[list[PhoneAttempt], Job, int]:
    """One page of a job's calls by ``at`` (then id), the job, and how many there are."""
    job = get_job(session, ref)
    where = PhoneAttempt.job_id == job.id
    total = session.exec(select(func.count()).select_from(PhoneAttempt).where(where)).one()
    rows = session.exec(
        select(PhoneAttempt)
        .where(where)
        .order_by(col(PhoneAttempt.at), col(PhoneAttempt.id))
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), job, total


def attempt_out(attempt: PhoneAttempt, job: Job) -> dict[str, Any]:
    tz = d.zone(job.estate.timezone)
    return {
        "id": attempt.id,
        "job": job.ref,
        "staff": attempt.staff,
        "role": attempt.role,
        "at": attempt.at.astimezone(tz),
        "outcome": attempt.outcome,
        "next_at": attempt.next_at.astimezone(tz) if attempt.next_at else None,
        "note": attempt.note,
    }
