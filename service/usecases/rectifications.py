"""Rectifications (整改): a problem found, notified in writing to the worker within 24 hours,
fixed by its due time, verified by someone else (domain.followup has the rules).

``open -> notified -> fixed -> verified``; a rejected fix goes back to ``notified`` with a new
fix due time. Every move is audited; ``notified_at`` is set by whichever comes first: a
``notified`` move, the worker acknowledging the notice through its QR code, or (next) the
scheduler's delivery.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, func, select

from .. import domain as d
from ..config import Settings
from ..db import begin_write
from ..models import Callback, Estate, Job, Rectification
from .audit import audit, seal
from .estates import follow_up
from .form_links import check_same_estate, read_form_token
from .queries import get_estate
from .signin import SignedIn

F = d.followup


def open_rectification(
    session: Session,
    *,
    job: Job,
    source: d.RectificationSource,
    problem: str,
    found_by: str,
    opened_at: datetime,
    actor: str,
    callback_id: int | None = None,
    confirmation_id: int | None = None,
) -> Rectification:
    """Open a rectification for the job's worker, in the caller's transaction."""
    rect = Rectification(
        job_id=job.id,  # type: ignore[arg-type]
        callback_id=callback_id,
        confirmation_id=confirmation_id,
        source=source.value,
        problem=problem,
        found_by=found_by,
        worker=job.worker,
        state=d.RectificationState.OPEN.value,
        opened_at=opened_at,
        notice_due_at=F.notice_due(opened_at),
        fix_due_at=F.fix_due(opened_at, follow_up(job.estate)),
        ack_nonce=secrets.token_urlsafe(9)[:12],
    )
    session.add(rect)
    session.flush()
    audit(
        session,
        actor=actor,
        action="rectification.opened",
        entity="rectification",
        entity_id=rect.id,
        estate_id=job.estate_id,
        detail={
            "job": job.ref,
            "source": source.value,
            "problem": problem,
            # a resident who found it is named by their signature: sealed like their other data
            "by": seal(found_by) if source == d.RectificationSource.RESIDENT else found_by,
        },
    )
    return rect


def has_unverified(session: Session, job: Job) -> bool:
    """Whether a rectification of the job is still being followed (not yet verified)."""
    return (
        session.exec(
            select(Rectification.id).where(
                Rectification.job_id == job.id,
                Rectification.state != d.RectificationState.VERIFIED.value,
            )
        ).first()
        is not None
    )


def get_rectification(session: Session, rectification_id: int) -> Rectification:
    rect = session.get(Rectification, rectification_id)
    if rect is None:
        raise d.NotFound(f"rectification {rectification_id} not found")
    return rect


def _moved(session: Session, rect: Rectification, move: str, actor: str, **detail: Any) -> None:
    session.add(rect)
    audit(
        session,
        actor=actor,
        action=f"rectification.{move}",
        entity="rectification",
        entity_id=rect.id,
        estate_id=rect.job.estate_id,
        detail={k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in detail.items()},
    )
    session.commit()


def _check(rect: Rectification, move: d.Move, at: datetime, by: str, now: datetime) -> None:
    F.check_move(move=move, at=at, by=by, opened_at=rect.opened_at, worker=rect.worker, now=now)


def mark_notified(
    *,
    session: Session,
    rectification_id: int,
    at: datetime,
    by: str,
    via: d.NoticeChannel,
    now: datetime,
    actor: str,
) -> Rectification:
    """The written notice reached the worker (open -> notified)."""
    begin_write(session)
    rect = get_rectification(session, rectification_id)
    state = F.after_move(d.RectificationState(rect.state), d.Move.NOTIFIED)
    _check(rect, d.Move.NOTIFIED, at, by, now)
    rect.state = state.value
    rect.notified_at = at
    rect.notified_via = via.value
    _moved(session, rect, "notified", actor, at=at, by=by, via=via.value)
    return rect


def mark_fixed(
    *,
    session: Session,
    rectification_id: int,
    at: datetime,
    by: str,
    note: str | None,
    now: datetime,
    actor: str,
) -> Rectification:
    """The worker fixed it (open or notified -> fixed)."""
    begin_write(session)
    rect = get_rectification(session, rectification_id)
    state = F.after_move(d.RectificationState(rect.state), d.Move.FIXED)
    _check(rect, d.Move.FIXED, at, by, now)
    rect.state = state.value
    rect.fixed_at = at
    rect.fix_note = note
    _moved(session, rect, "fixed", actor, at=at, by=by, note=note)
    return rect


def verify(
    *,
    session: Session,
    rectification_id: int,
    at: datetime,
    by: str,
    accepted: bool,
    note: str | None,
    now: datetime,
    actor: str,
) -> Rectification:
    """Someone other than the worker checks the fix: accepted (fixed -> verified), or not
    (back to notified, with a new fix due time counted from now on)."""
    begin_write(session)
    rect = get_rectification(session, rectification_id)
    state = F.after_move(d.RectificationState(rect.state), d.Move.VERIFY, accepted=accepted)
    _check(rect, d.Move.VERIFY, at, by, now)
    rect.state = state.value
    rect.verify_note = note
    if accepted:
        rect.verified_at = at
        rect.verified_by = by
    else:
        rect.fixed_at = None
        rect.fix_due_at = F.fix_due(at, follow_up(rect.job.estate))
    _moved(session, rect, "verified" if accepted else "rejected", actor, at=at, by=by, note=note)
    return rect


def acknowledge(
    *,
    session: Session,
    rect: Rectification,
    dispute: str | None,
    now: datetime,
    actor: str,
) -> Rectification:
    """The worker scanned the written notice and acknowledged it (or disputed it, with a
    reason): the written proof the rule asks for, and the notice counts as delivered."""
    begin_write(session)
    if rect.acknowledged_at is not None:
        raise d.Conflict("this notice was already acknowledged", code="link.used")
    rect.acknowledged_at = now
    rect.dispute = dispute.strip() if dispute and dispute.strip() else None
    if rect.notified_at is None:
        rect.notified_at = now
        rect.notified_via = d.NoticeChannel.PAPER.value
        if rect.state == d.RectificationState.OPEN:
            rect.state = d.RectificationState.NOTIFIED.value
    _moved(session, rect, "acknowledged", actor, at=now, dispute=rect.dispute)
    return rect


def notice_delivered(
    session: Session, *, rectification_id: int, at: datetime, via: d.NoticeChannel
) -> None:
    """A channel delivered the written notice to the worker: it counts as notified then,
    unless an earlier delivery, acknowledgement or ``notified`` move came first. The caller
    commits."""
    rect = session.get(Rectification, rectification_id)
    if rect is None or rect.notified_at is not None:
        return
    rect.notified_at = at
    rect.notified_via = via.value
    if rect.state == d.RectificationState.OPEN:
        rect.state = d.RectificationState.NOTIFIED.value
    session.add(rect)
    audit(
        session,
        actor=f"channel:{via.value}",
        action="rectification.notice_delivered",
        entity="rectification",
        entity_id=rect.id,
        estate_id=rect.job.estate_id,
        detail={"at": at.isoformat(), "via": via.value},
    )


def rectification_for_staff(
    session: Session, rectification_id: int, user: SignedIn
) -> Rectification:
    """A rectification of the signed-in staff member's own estate."""
    rect = session.get(Rectification, rectification_id)
    if rect is None:
        raise d.NotFound(f"rectification {rectification_id} not found", code="notice.unknown")
    check_same_estate(user, rect.job)
    return rect


def worker_notice(
    session: Session, token: str, *, settings: Settings, now: datetime
) -> Rectification:
    """The rectification a written notice's QR link names (its job, and its own nonce)."""
    data = read_form_token(token, "worker", settings=settings, now=now)
    rect = session.exec(select(Rectification).where(Rectification.ack_nonce == data.nonce)).first()
    if rect is None or rect.job.ref != data.job_ref:
        raise d.NotFound("this notice is not known (was it withdrawn?)", code="notice.unknown")
    return rect


def late_flags(rect: Rectification, as_of: datetime) -> tuple[bool, bool]:
    """(notice_late, fix_late) as of ``as_of``."""
    return (
        F.is_late(rect.notified_at, rect.notice_due_at, as_of),
        F.is_late(rect.fixed_at, rect.fix_due_at, as_of),
    )


def rectification_out(rect: Rectification, as_of: datetime) -> dict[str, Any]:
    job = rect.job
    tz = d.zone(job.estate.timezone)

    def local(moment: datetime | None) -> datetime | None:
        return None if moment is None else moment.astimezone(tz)

    notice_late, fix_late = late_flags(rect, as_of)
    return {
        "id": rect.id,
        "job": job.ref,
        "source": rect.source,
        "problem": rect.problem,
        "found_by": rect.found_by,
        "worker": rect.worker,
        "callback_id": rect.callback_id,
        "confirmation_id": rect.confirmation_id,
        "opened_at": local(rect.opened_at),
        "notice_due_at": local(rect.notice_due_at),
        "notified_at": local(rect.notified_at),
        "notified_via": rect.notified_via,
        "acknowledged_at": local(rect.acknowledged_at),
        "dispute": rect.dispute,
        "fix_due_at": local(rect.fix_due_at),
        "fixed_at": local(rect.fixed_at),
        "fix_note": rect.fix_note,
        "verified_at": local(rect.verified_at),
        "verified_by": rect.verified_by,
        "state": rect.state,
        "notice_late": notice_late,
        "fix_late": fix_late,
    }


def late_clause(as_of: Any) -> tuple[Any, Any]:
    """SQL forms of ``notice_late`` and ``fix_late`` as of ``as_of`` (a value or parameter)."""
    r = Rectification

    def late(done: Any, due: Any) -> Any:  # never NULL, so NOT(late) means on time
        return sa.or_(sa.and_(done.is_not(None), done > due), sa.and_(done.is_(None), due < as_of))

    return late(col(r.notified_at), col(r.notice_due_at)), late(col(r.fixed_at), col(r.fix_due_at))


def list_rectifications(
    *,
    session: Session,
    as_of: datetime,
    estate: str | None = None,
    state: str | None = None,
    late: bool | None = None,
    job: Job | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Rectification], int]:
    """Rectifications by ``opened_at`` (then id): of one estate or all, in one state, late
    (either flag, as of ``as_of``) or not."""
    clauses: list[Any] = []
    if estate is not None:
        clauses.append(Job.estate_id == get_estate(session, estate).id)
    if job is not None:
        clauses.append(Rectification.job_id == job.id)
    if state:
        clauses.append(Rectification.state == d.RectificationState(state).value)
    if late is not None:
        notice, fix = late_clause(as_of)
        clauses.append(sa.or_(notice, fix) if late else sa.not_(sa.or_(notice, fix)))
    where = sa.and_(sa.true(), *clauses)
    total = session.exec(
        select(func.count())
        .select_from(Rectification)
        .join(Job, col(Job.id) == Rectification.job_id)
        .where(where)
    ).one()
    # Jobs and estates come in the same query: ``rect.job.estate`` reads no more rows.
    rows = session.exec(
        select(Rectification, Job, Estate)
        .join(Job, col(Job.id) == Rectification.job_id)
        .join(Estate, col(Estate.id) == Job.estate_id)
        .where(where)
        .order_by(col(Rectification.opened_at), col(Rectification.id))
        .offset(offset)
        .limit(limit)
    ).all()
    for rect, job, estate in rows:  # hand them over: the session keeps rows only weakly
        set_committed_value(job, "estate", estate)
        set_committed_value(rect, "job", job)
    return [rect for rect, _job, _estate in rows], total


def rectification_of(session: Session, callback: Callback) -> Rectification | None:
    """The rectification a callback opened, if it found problems."""
    return session.exec(
        select(Rectification).where(Rectification.callback_id == callback.id)
    ).first()


def rectifications_of_day(
    session: Session, estate: Estate, day_bounds: Sequence[datetime]
) -> list[Rectification]:
    """The estate's rectifications opened within ``[start, end)``, for the day's notices."""
    start, end = day_bounds
    return list(
        session.exec(
            select(Rectification)
            .join(Job, col(Job.id) == Rectification.job_id)
            .where(
                Job.estate_id == estate.id,
                col(Rectification.opened_at) >= start,
                col(Rectification.opened_at) < end,
            )
            .order_by(col(Rectification.opened_at), col(Rectification.id))
        ).all()
    )
