"""The demo data looks alive on any day: up to ``now`` and no further, the current month with its
share of jobs, the months before complete, people at work in office hours only."""

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, func, select

from service import domain as d
from service.demo import load_demo
from service.models import Callback, Estate, Job, PhoneAttempt, Rectification
from service.usecases.compliance import compliance

OPENS, CLOSES = time(8, 30), time(20, 0)


def test_demo_data_is_realistic(engine):
    now = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    with Session(engine) as session:
        summary = load_demo(session, now=now)
        assert summary.estates >= 2 and 250 <= summary.jobs <= 350
        assert {e.timezone for e in session.exec(select(Estate)).all()} >= {"Asia/Shanghai"}
        roles = set(session.exec(select(Callback.role)).all())
        assert roles == {"manager", "supervisor", "lead"}
        assert set(session.exec(select(Callback.channel)).all()) == {"phone", "on_site"}
        late = session.exec(
            select(func.count()).select_from(Job).where(Job.first_callback_at > Job.deadline)
        ).one()
        unsatisfied = session.exec(
            select(func.count()).select_from(Callback).where(Callback.satisfaction == "unsatisfied")
        ).one()
        assert late > 0 and unsatisfied > 0
        titles = session.exec(select(Job.title)).all()
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in titles)
        all_jobs = session.exec(select(Job)).all()
        months = {j.completed_at.strftime("%Y-%m") for j in all_jobs}
        assert len(months) >= 3
        _, figures = compliance(session=session, estate_code="YGHY", period="2026-11", as_of=now)
        assert figures.jobs > 0 and figures.roles

        # calls of every outcome, rescheduled ones with the agreed time
        attempts = session.exec(select(PhoneAttempt)).all()
        assert {a.outcome for a in attempts} == {o.value for o in d.CallOutcome}
        assert all(a.next_at for a in attempts if a.outcome == "rescheduled")
        assert summary.phone_attempts == len(attempts)
        # rectifications in every state, some of them late
        rects = session.exec(select(Rectification)).all()
        assert {r.state for r in rects} == {s.value for s in d.RectificationState}
        assert summary.rectifications == len(rects)
        late_notice = [r for r in rects if (r.notified_at or now) > r.notice_due_at]
        late_fix = [r for r in rects if r.fixed_at and r.fixed_at > r.fix_due_at]
        assert late_notice and late_fix
        # jobs inside their window: some called back already, some still waiting
        waiting = Counter(j.first_callback_at is None for j in all_jobs if j.deadline > now)
        assert waiting[True] and waiting[False]
        # a few callbacks entered long after they were done, for review
        assert any(
            (c.recorded_at - c.done_at).total_seconds() > 24 * 3600
            for c in session.exec(select(Callback)).all()
        )


def test_the_same_clock_and_seed_give_the_same_data(engine):
    now = datetime(2026, 6, 3, 7, 15, tzinfo=UTC)

    def snapshot() -> list[tuple]:
        with Session(engine) as session:
            load_demo(session, now=now, jobs_per_estate=8)
            rows = session.exec(
                select(
                    Job.ref, Job.completed_at, Job.first_callback_at, Job.answer, Job.calls
                ).order_by(Job.ref)
            ).all()
            callbacks = session.exec(
                select(Callback.done_at, Callback.staff).order_by(Callback.done_at)
            ).all()
        return [*map(tuple, rows), *map(tuple, callbacks)]

    from tests.conftest import _empty

    first = snapshot()
    _empty(engine)
    assert snapshot() == first


def _local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


# (the clock, in Shanghai; whether the current month has been long enough for callbacks: its
# first hours may have none, and the demo then shows the month before first)
DAYS = [
    ("2026-12-01T00:30:00+08:00", False),  # the month is half an hour old
    ("2026-12-01T11:00:00+08:00", False),
    ("2026-05-15T10:00:00+08:00", True),  # mid-month
    ("2026-01-31T23:50:00+08:00", True),  # the last day, ten minutes before the next month
    ("2028-02-29T14:00:00+08:00", True),  # a leap day
]


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("clock", "month_called"), DAYS)
def test_the_demo_looks_alive_on_any_day(engine, clock, month_called):
    now = datetime.fromisoformat(clock).astimezone(UTC)
    with Session(engine, expire_on_commit=False) as session:
        summary = load_demo(session, now=now, jobs_per_estate=30)
        estates = {e.id: e for e in session.exec(select(Estate)).all()}
        jobs = session.exec(select(Job)).all()
        callbacks = session.exec(select(Callback)).all()
        attempts = session.exec(select(PhoneAttempt)).all()
        rects = session.exec(select(Rectification)).all()
        job_of = {j.id: j for j in jobs}

        # nothing has happened after now
        assert max(j.completed_at for j in jobs) <= now
        moments = [
            *((c.job_id, c.done_at) for c in callbacks),
            *((c.job_id, c.recorded_at) for c in callbacks),
            *((a.job_id, a.at) for a in attempts),
            *(
                (r.job_id, m)
                for r in rects
                for m in (r.opened_at, r.notified_at, r.fixed_at, r.verified_at)
                if m is not None
            ),
        ]
        assert max(m for _, m in moments) <= now
        # ... and people worked office hours, in their estate's timezone; so does an agreed
        # time to call again
        moments += [(a.job_id, a.next_at) for a in attempts if a.next_at is not None]
        outside = [
            _local(m, estates[job_of[job_id].estate_id].timezone)
            for job_id, m in moments
            if not OPENS <= _local(m, estates[job_of[job_id].estate_id].timezone).time() <= CLOSES
        ]
        assert outside == []

        for estate in estates.values():
            month = d.Period.containing(now, estate.timezone)
            start, _ = month.bounds(estate.timezone)
            own = [j for j in jobs if j.estate_id == estate.id]
            this_month = [j for j in own if j.completed_at >= start]
            assert this_month, estate.code
            _, figures = compliance(
                session=session, estate_code=estate.code, period=None, as_of=now
            )
            assert figures.period == month and figures.jobs == len(this_month)
            assert all(q.required > 0 for q in figures.roles.values())
            called = [j for j in this_month if j.first_callback_at is not None]
            if month_called:
                assert called and sum(q.done for q in figures.roles.values()), estate.code
            if estate.code == "YGHY":  # the month the demo points at first has callbacks
                previous = d.Period.containing(start - timedelta(minutes=1), estate.timezone)
                assert summary.period == str(month if called else previous)
            # the months before are complete: a job whose window has closed was called back,
            # or it is one of a few overdue
            closed = [j for j in own if j.completed_at < start and j.deadline <= now]
            overdue = [j for j in closed if j.first_callback_at is None]
            assert closed and len(overdue) <= 2 + len(closed) // 10, estate.code
            assert sum(1 for j in closed if j.first_callback_at) >= 0.85 * len(closed)
