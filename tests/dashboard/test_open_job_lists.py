"""The dashboard's lists and counts of open jobs (due today and tomorrow, overdue, visits)
against the jobs themselves, worked out here one by one: they are read through the partial
index of open jobs, and must hold exactly the jobs the rules say, in deadline order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from service import domain as d
from service.models import Estate, Job
from service.schemas import PhoneAttemptIn
from service.usecases import dashboard
from service.usecases.dashboard import build_dashboard
from service.usecases.phone import record_attempt

from .conftest import generate


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _expected(session: Session, estate: Estate, period: d.Period, as_of: datetime) -> dict:
    tz = d.zone(estate.timezone)
    start, end = period.bounds(estate.timezone)
    today = as_of.astimezone(tz).date()
    midnight = [
        datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
        for day in (today + timedelta(days=1), today + timedelta(days=2))
    ]
    jobs = session.exec(select(Job).where(Job.estate_id == estate.id)).all()
    open_ = [j for j in jobs if j.state == "active" and j.first_callback_at is None]

    def refs(rows: list[Job]) -> list[str]:
        return [j.ref for j in sorted(rows, key=lambda j: (_aware(j.deadline), j.ref))]

    visit_at_once = {o.value for o in d.followup.VISIT_AT_ONCE}
    return {
        "due_today": refs([j for j in open_ if as_of <= _aware(j.deadline) < midnight[0]]),
        "due_tomorrow": refs([j for j in open_ if midnight[0] <= _aware(j.deadline) < midnight[1]]),
        "overdue": refs(
            [
                j
                for j in open_
                if start <= _aware(j.completed_at) < end and _aware(j.deadline) < as_of
            ]
        ),
        "visits": refs(
            [
                j
                for j in open_
                if j.failed_calls >= estate.phone_attempts_before_visit
                or j.last_call_outcome in visit_at_once
            ]
        ),
    }


@pytest.mark.parametrize("seed", [3, 11])
def test_open_job_lists_hold_the_jobs_the_rules_say(
    session: Session, now: datetime, seed: int, monkeypatch
):
    codes = generate(session, now, seed=seed, jobs=160)
    # a few jobs called without reaching anyone, some of them enough times for a visit
    uncalled = select(Job).where(
        col(Job.first_callback_at).is_(None), col(Job.completed_at) < now - timedelta(days=1)
    )
    for n, job in enumerate(session.exec(uncalled.order_by(col(Job.ref))).all()):
        if n % 3:
            continue
        for k in range(1 + n % 4):
            record_attempt(
                session=session,
                ref=job.ref,
                now=now,
                actor="test",
                attempt_in=PhoneAttemptIn(
                    role=d.Role.LEAD,
                    staff="试拨",
                    at=now - timedelta(minutes=10 * (4 - k)),
                    outcome=d.CallOutcome.WRONG_NUMBER if n % 7 == 0 else d.CallOutcome.NO_ANSWER,
                ),
            )
    monkeypatch.setattr(dashboard, "LIST_LIMIT", 1000)  # every row, to compare whole lists
    for code in codes:
        estate = session.exec(select(Estate).where(Estate.code == code)).one()
        this = d.Period.containing(now, estate.timezone)
        last = d.Period(this.year - (this.month == 1), 12 if this.month == 1 else this.month - 1)
        for period in (last, this):
            for as_of in (now, now - timedelta(days=3, hours=7)):
                dash = build_dashboard(
                    session=session, estate_code=code, period=str(period), as_of=as_of
                )
                want = _expected(session, estate, period, as_of)
                got = {
                    "due_today": [j.ref for j in dash.due_today],
                    "due_tomorrow": [j.ref for j in dash.due_tomorrow],
                    "overdue": [j.ref for j in dash.overdue],
                    "visits": [j.ref for j in dash.visits],
                }
                assert got == want, (code, str(period), as_of)
                assert dash.due_today_count == len(want["due_today"])
                assert dash.due_tomorrow_count == len(want["due_tomorrow"])
                assert dash.visits_count == len(want["visits"])
                assert dash.result.overdue_open == len(want["overdue"])
    assert any(want[key] for key in want)  # the data set exercises the lists
