"""Callbacks: recorded with the job's summary columns and any rectification in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from .. import domain as d
from ..db import begin_write
from ..models import Callback, Job, Rectification, Staff, utcnow
from ..schemas import CallbackIn, money
from .audit import audit
from .queries import get_job

_ROLE_FLAG = {
    d.Role.MANAGER: "cb_manager",
    d.Role.SUPERVISOR: "cb_supervisor",
    d.Role.LEAD: "cb_lead",
}


def _staff_for(session: Session, estate_id: int, name: str, role: str) -> Staff:
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


def record_callback(
    *, session: Session, ref: str, cb_in: CallbackIn, now: datetime, actor: str, commit: bool = True
) -> tuple[Callback, Rectification | None]:
    """Store a callback, keep the job's summary columns right, open a rectification if needed.

    Everything happens in one transaction: either all of it is stored or none of it.
    """
    begin_write(session)
    job = get_job(session, ref)
    d.check_callback(
        job_ref=job.ref,
        job_state=job.state,
        completed_at=job.completed_at,
        done_at=cb_in.done_at,
        channel=cb_in.channel,
        inspected=cb_in.inspected,
        now=now,
    )
    staff = _staff_for(session, job.estate_id, cb_in.staff, cb_in.role)
    callback = Callback(
        job_id=job.id,  # type: ignore[arg-type]
        staff_id=staff.id,
        **cb_in.model_dump(exclude_none=False),
    )
    session.add(callback)
    if job.first_callback_at is None or cb_in.done_at < job.first_callback_at:
        job.first_callback_at = cb_in.done_at
    setattr(job, _ROLE_FLAG[cb_in.role], True)
    if cb_in.satisfaction is not None:
        answer = f"sat_{cb_in.satisfaction.value}"
        setattr(job, answer, getattr(job, answer) + 1)
    job.updated_at = utcnow()
    session.add(job)
    session.flush()
    rectification = None
    if cb_in.problems:
        rectification = Rectification(
            job_id=job.id,  # type: ignore[arg-type]
            callback_id=callback.id,  # type: ignore[arg-type]
            worker=job.worker,
            problems=cb_in.problems,
            due_at=d.rectification_due(cb_in.done_at),
        )
        session.add(rectification)
        session.flush()
    audit(
        session,
        actor=actor,
        action="callback.recorded",
        entity="job",
        entity_id=job.ref,
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
        "rectification_id": rectification_id,
    }


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
