"""Job creation has one set of rules, whether jobs come one by one (API, import) or in bulk
(the first Odoo sync): same categories, deadlines, roles and audit rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from service import domain as d
from service.models import AuditLog, Estate, Job
from service.schemas import CallbackIn, EstateIn, JobIn
from service.usecases.callbacks import record_callback
from service.usecases.estates import put_estate
from service.usecases.jobs import create_jobs, upsert_job

TITLES = ["厨房水管漏水", "消防栓检查", "走廊灯不亮", "卫生间渗水", "电梯门感应器", "墙面粉刷"]


def _estates(session: Session, prefix: str) -> None:
    for code, tz, windows, targets in [
        ("N", "Asia/Shanghai", {}, {}),
        (
            "W",
            "America/New_York",
            {"safety": 24, "leak": 36, "general": 100},
            {
                "manager": 20,
                "supervisor": 25,
                "lead": 55,
            },
        ),
    ]:
        put_estate(
            session=session,
            code=f"{prefix}{code}",
            estate_in=EstateIn.model_validate(
                {"timezone": tz, "windows_hours": windows, "targets_pct": targets}
            ),
            actor="test",
        )


def _jobs(prefix: str, n: int) -> list[JobIn]:
    """Jobs over two estates and across a month boundary (in each estate's timezone)."""
    start = datetime(2026, 4, 28, 3, 0, tzinfo=UTC)
    return [
        JobIn(
            ref=f"{prefix}-{i:03d}",
            estate=f"{prefix}{'NW'[i % 2]}",
            title=TITLES[i % len(TITLES)],
            completed_at=start + timedelta(hours=7 * i),
            worker="孙师傅",
        )
        for i in range(n)
    ]


def _created(session: Session, prefix: str) -> dict[str, tuple[str, str, datetime, str]]:
    rows = session.exec(select(Job).where(Job.ref.startswith(f"{prefix}-"))).all()  # type: ignore[attr-defined]
    return {
        job.ref.removeprefix(prefix): (job.category, job.assigned_role, job.deadline, job.source)
        for job in rows
    }


def test_bulk_creation_assigns_what_one_by_one_creation_assigns(session: Session):
    for prefix in ("A", "B"):
        _estates(session, prefix)
        # The same jobs already there, so the month's counts start from the database.
        for job_in in _jobs(prefix, 7):
            upsert_job(session=session, job_in=job_in, actor="test", source="sync")
    for job_in in _jobs("A", 60)[7:]:
        upsert_job(session=session, job_in=job_in, actor="test", source="sync")
    ids = create_jobs(session=session, jobs=_jobs("B", 60)[7:], actor="test", source="sync")
    session.commit()

    assert len(ids) == 53
    one_by_one, bulk = _created(session, "A"), _created(session, "B")
    assert len(bulk) == 60 and bulk == one_by_one
    by_ref = {job.ref: job.id for job in session.exec(select(Job))}
    assert all(by_ref[ref] == job_id for ref, job_id in ids.items())
    # several roles and both months were involved, so the comparison means something
    assert {role for _, role, _, _ in bulk.values()} == {"manager", "supervisor", "lead"}
    audited = session.exec(
        select(AuditLog.entity_id).where(AuditLog.action == "job.created", AuditLog.actor == "test")
    ).all()
    assert sorted(r for r in audited if r.startswith("B-")) == [f"B-{i:03d}" for i in range(60)]
    # and the quota rule still holds per estate-month
    for code in ("BN", "BW"):
        estate = session.exec(select(Estate).where(Estate.code == code)).one()
        for period in ("2026-04", "2026-05"):
            start, end = d.Period.parse(period).bounds(estate.timezone)
            roles = session.exec(
                select(Job.assigned_role).where(
                    Job.estate_id == estate.id, Job.completed_at >= start, Job.completed_at < end
                )
            ).all()
            for role, pct in {
                "manager": estate.target_manager_pct,
                "supervisor": estate.target_supervisor_pct,
                "lead": estate.target_lead_pct,
            }.items():
                assert abs(roles.count(role) - pct * len(roles) / 100) <= 1


def test_bulk_creation_refuses_unknown_estates_and_repeated_refs_writing_nothing(
    session: Session,
):
    _estates(session, "A")
    jobs = _jobs("A", 3)
    with pytest.raises(d.InvalidInput, match="unknown estate 'NOPE'"):
        create_jobs(
            session=session,
            jobs=[*jobs, jobs[0].model_copy(update={"ref": "X", "estate": "NOPE"})],
            actor="test",
        )
    with pytest.raises(d.InvalidInput, match="'A-001' given more than once"):
        create_jobs(session=session, jobs=[*jobs, jobs[1]], actor="test")
    assert create_jobs(session=session, jobs=[], actor="test") == {}
    session.commit()
    assert session.exec(select(Job)).all() == []


def test_a_refused_update_leaves_the_callers_transaction_alone(session: Session):
    _estates(session, "A")
    first, second = _jobs("A", 2)
    upsert_job(session=session, job_in=first, actor="test")
    record_callback(
        session=session,
        ref=first.ref,
        cb_in=CallbackIn(
            role=d.Role.LEAD,
            staff="张伟",
            channel=d.Channel.PHONE,
            done_at=first.completed_at + timedelta(hours=1),
        ),
        now=first.completed_at + timedelta(days=1),
        actor="test",
    )
    # Work of the caller's own, not committed yet ...
    upsert_job(session=session, job_in=second, actor="test", commit=False)
    later = first.model_copy(update={"completed_at": first.completed_at + timedelta(hours=2)})
    with pytest.raises(d.InvalidInput, match="callback cannot come before the repair"):
        upsert_job(session=session, job_in=later, actor="test", commit=False)
    # ... is still there to commit, and the refused job was not touched.
    session.commit()
    jobs = {job.ref: job for job in session.exec(select(Job))}
    assert sorted(jobs) == [first.ref, second.ref]
    assert jobs[first.ref].completed_at == first.completed_at


def test_a_created_job_starts_as_the_model_says_a_new_job_does(session: Session):
    """What bulk creation leaves out of its insert is NULL, as the model's defaults say."""
    _estates(session, "C")
    ids = create_jobs(session=session, jobs=_jobs("C", 3), actor="test", source="sync")
    session.commit()
    fresh = Job(ref="x", estate_id=1, category="general", completed_at=datetime.now(UTC))
    starts = (
        "state first_callback_at cb_manager cb_supervisor cb_lead answer answer_source calls"
        " calls_reached failed_calls last_call_at last_call_outcome repeat_of_id"
        " followed_by_repeat purged_at"
    ).split()
    for job_id in ids.values():
        job = session.get_one(Job, job_id)
        assert {k: getattr(job, k) for k in starts} == {k: getattr(fresh, k) for k in starts}
    assert fresh.first_callback_at is None and fresh.calls == 0  # the defaults compared
