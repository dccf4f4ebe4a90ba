"""The job's answer, kept on the job: the resident's own latest answer, else the staff's latest
(domain.job_answer). Satisfaction and the complaint rate count jobs by this answer."""

from __future__ import annotations

from sqlmodel import Session, col, select

from .. import domain as d
from ..models import Callback, Job, Signature


def refresh_answer(session: Session, job: Job) -> None:
    """Work the job's answer out again from its confirmations and callbacks (after one more
    of either); the caller commits."""
    session.flush()
    resident = session.exec(
        select(Signature.satisfaction)
        .where(
            Signature.job_id == job.id,
            Signature.taken_on == "resident",
            col(Signature.satisfaction).is_not(None),
        )
        .order_by(col(Signature.signed_at).desc(), col(Signature.id).desc())
    ).first()
    staff = session.exec(
        select(Callback.satisfaction)
        .where(Callback.job_id == job.id, col(Callback.satisfaction).is_not(None))
        .order_by(col(Callback.done_at).desc(), col(Callback.id).desc())
    ).first()
    answer, source = d.followup.job_answer(
        d.Satisfaction(resident) if resident else None, d.Satisfaction(staff) if staff else None
    )
    job.answer = answer.value if answer else None
    job.answer_source = source.value if source else None
    session.add(job)
