"""Callbacks: recorded with the job's summary columns and any rectification in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from .. import domain as d
from ..catalogue import t
from ..db import begin_write
from ..models import Callback, Job, PhoneAttempt, Rectification, Staff, utcnow
from ..schemas import CallbackIn, money
from .answers import refresh_answer
from .audit import audit
from .estates import follow_up
from .queries import get_job
from .rectifications import has_unverified, open_rectification
from .tallies import callback_recorded

_ROLE_FLAG = {
    d.Role.MANAGER: "cb_manager",
    d.Role.SUPERVISOR: "cb_supervisor",
    d.Role.LEAD: "cb_lead",
}


def staff_for(session: Session, estate_id: int, name: str, role: str) -> Staff:
    staff = session.exec(
        select(Staff).where(Staff.estate_id == estate_id, Staff.name == name)
    ).first()
    if staff is None:
        staff = Staff(estate_id=estate_id, name=name, role=role)
        try:
            with session.begin_nested():
                session.add(staff)
        except IntegrityError:
            staff = session.exec(
                select(Staff).where(Staff.estate_id == estate_id, Staff.name == name)
            ).one()
    return staff


def _check_attempt(session: Session, job: Job, cb_in: CallbackIn) -> None:
    """A phone callback may name the call it came from: a reached call of the same job."""
    attempt = session.get(PhoneAttempt, cb_in.attempt_id)
    if attempt is None or attempt.job_id != job.id:
        raise d.InvalidInput(f"attempt_id {cb_in.attempt_id} is not a call to this job")
    if cb_in.channel != d.Channel.PHONE:
        raise d.InvalidInput("attempt_id: only a phone callback comes from a call")
    if attempt.outcome != d.CallOutcome.REACHED:
        raise d.InvalidInput(f"attempt_id {attempt.id} did not reach the resident")


def record_callback(
    *, session: Session, ref: str, cb_in: CallbackIn, now: datetime, actor: str, commit: bool = True
) -> tuple[Callback, Rectification | None]:
    """Store a callback, keep the job's summary columns right, open a rectification if needed.

    Everything happens in one transaction: either all of it is stored or none of it.
    """
    begin_write(session)
    job = get_job(session, ref, for_update=True)
    d.check_callback(
        job_ref=job.ref,
        job_state=job.state,
        completed_at=job.completed_at,
        done_at=cb_in.done_at,
        channel=cb_in.channel,
        inspected=cb_in.inspected,
        now=now,
    )
    if cb_in.attempt_id is not None:
        _check_attempt(session, job, cb_in)
    staff = staff_for(session, job.estate_id, cb_in.staff, cb_in.role)
    callback = Callback(
        job_id=job.id,  # type: ignore[arg-type]
        staff_id=staff.id,
        recorded_at=now,
        recorded_by=actor[:100],
        **cb_in.model_dump(exclude_none=False),
    )
    session.add(callback)
    if job.first_callback_at is None or cb_in.done_at < job.first_callback_at:
        job.first_callback_at = cb_in.done_at
    setattr(job, _ROLE_FLAG[cb_in.role], True)
    job.updated_at = utcnow()
    session.add(job)
    session.flush()
    callback_recorded(session, callback)
    if cb_in.satisfaction is not None:
        refresh_answer(session, job)
    rectification = None
    problems = (cb_in.problems or "").strip()
    # An unsatisfied answer without problems of its own opens one unless the complaint is
    # already being followed (e.g. the resident's own 不满意 opened it): one complaint, one
    # rectification.
    if d.followup.opens_rectification(cb_in.problems, cb_in.satisfaction) and (
        problems or not has_unverified(session, job)
    ):
        rectification = open_rectification(
            session,
            job=job,
            source=(
                d.RectificationSource.PROBLEMS if problems else d.RectificationSource.UNSATISFIED
            ),
            problem=problems or t("rect.problem.unsatisfied", "zh_CN"),
            found_by=cb_in.staff,
            opened_at=cb_in.done_at,
            actor=actor,
            callback_id=callback.id,
        )
    audit(
        session,
        actor=actor,
        action="callback.recorded",
        entity="job",
        entity_id=job.ref,
        estate_id=job.estate_id,
        detail={
            "callback_id": callback.id,
            **cb_in.model_dump(mode="json"),
            "rectification_id": rectification.id if rectification else None,
        },
    )
    if commit:
        session.commit()
    return callback, rectification


def callback_out(callback: Callback, rectification_id: int | None = None) -> dict[str, Any]:
    job = callback.job
    tz = d.zone(job.estate.timezone)
    return {
        "id": callback.id,
        "job": job.ref,
        "role": callback.role,
        "staff": callback.staff,
        "channel": callback.channel,
        "done_at": callback.done_at.astimezone(tz),
        "inspected": callback.inspected,
        "service_feedback": callback.service_feedback,
        "suggestions": callback.suggestions,
        "charge_verified": callback.charge_verified,
        "charge_amount": money(callback.charge_amount),
        "satisfaction": callback.satisfaction,
        "problems": callback.problems,
        "on_time": d.is_on_time(callback.done_at, job.deadline),
        "recorded_at": callback.recorded_at.astimezone(tz),
        "late_entry": is_late_entry(callback, job),
        "rectification_id": rectification_id,
    }


def is_late_entry(callback: Callback, job: Job) -> bool:
    """Entered more than the estate's ``late_entry_hours`` after it was done (for review)."""
    return d.followup.is_late_entry(callback.done_at, callback.recorded_at, follow_up(job.estate))


def list_callbacks(
    *, session: Session, ref: str, limit: int = 100, offset: int = 0
) -> tuple[list[tuple[Callback, int | None]], int]:
    """One page of a job's callbacks by ``done_at``, with the rectification each opened, and
    how many the job has."""
    job = get_job(session, ref)
    total = session.exec(
        select(func.count()).select_from(Callback).where(Callback.job_id == job.id)
    ).one()
    rows = session.exec(
        select(Callback, Rectification.id)
        .join(Rectification, col(Rectification.callback_id) == Callback.id, isouter=True)
        .where(Callback.job_id == job.id)
        .order_by(col(Callback.done_at), col(Callback.id))
        .offset(offset)
        .limit(limit)
    ).all()
    return [(cb, rid) for cb, rid in rows], total


def latest_callback(session: Session, job: Job) -> Callback | None:
    """The job's latest callback (by ``done_at``, then id)."""
    return session.exec(
        select(Callback)
        .where(Callback.job_id == job.id)
        .order_by(col(Callback.done_at).desc(), col(Callback.id).desc())
    ).first()


def callbacks_of(session: Session, job: Job) -> list[Callback]:
    """Every callback of the job, earliest first."""
    return list(
        session.exec(
            select(Callback)
            .where(Callback.job_id == job.id)
            .order_by(col(Callback.done_at), col(Callback.id))
        ).all()
    )
