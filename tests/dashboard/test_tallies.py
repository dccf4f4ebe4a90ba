"""The kept callback counts (``usecases.tallies``) always equal a fresh count from the raw
rows: after callbacks are recorded, jobs edited, moved to another month or estate, their
state changed, an import, an estate's timezone changed, and the migration that fills them.
The dashboard's staff table, channels and late entries read from them are what the raw rows
give."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service import domain as d
from service.db import alembic_config, make_engine, migrate
from service.importer.jobs import import_csv
from service.models import Callback, Estate, Job
from service.schemas import CallbackIn, EstateIn, JobIn
from service.usecases import tallies
from service.usecases.callbacks import record_callback
from service.usecases.dashboard import LIST_LIMIT, build_dashboard
from service.usecases.dashboard_tables import callback_groups, tallied_groups
from service.usecases.estates import put_estate
from service.usecases.jobs import upsert_job
from service.usecases.queries import estate_period, more_hours_apart

from .conftest import generate


def _shape(counts: tallies.Counts) -> tuple[dict[Any, Any], list[tuple[Any, ...]]]:
    delays = sorted(tuple(sorted(row.items())) for row in counts.delays)
    return counts.tallies, delays


def _kept(session: Session) -> tallies.Counts:
    return tallies.kept_counts(session)  # read past the session's identity map


def assert_kept(session: Session) -> None:
    """The kept counts are exactly a fresh count of every callback."""
    session.flush()
    kept, fresh = tallies.kept_counts(session), tallies.fresh_counts(session)
    assert _shape(kept) == _shape(fresh)


def assert_dashboard_as_raw(session: Session, code: str, period: str, as_of: datetime) -> None:
    """The dashboard's staff table, channels and late entries are the raw rows' (and so are
    the kept counts' when they are current)."""
    dash = build_dashboard(session=session, estate_code=code, period=period, as_of=as_of)
    estate, in_period = dash.estate, estate_period(dash.estate, dash.period)
    late = more_hours_apart(
        col(Callback.done_at), col(Callback.recorded_at), int(estate.late_entry_hours)
    )
    with_calls = dash.result.phone_attempts > 0
    raw = callback_groups(session, in_period, late, with_calls=with_calls, limit=LIST_LIMIT)
    assert dash.staff == raw.staff
    assert dash.channels == raw.channels
    assert dash.late_entries_count == raw.late_entries
    if tallies.is_current(session, estate):
        kept = tallied_groups(
            session, estate, dash.period, in_period, with_calls=with_calls, limit=LIST_LIMIT
        )
        assert kept == raw


def _estate(session: Session, code: str, tz: str = "Asia/Shanghai", **follow_up: int) -> None:
    put_estate(
        session=session,
        code=code,
        estate_in=EstateIn(name=code, timezone=tz, follow_up=follow_up),
        actor="test",
    )


def _job(session: Session, ref: str, estate: str, completed: datetime, **kw: Any) -> Job:
    job_in = JobIn(ref=ref, estate=estate, completed_at=completed, category="general", **kw)
    return upsert_job(session=session, job_in=job_in, actor="test").job


def _callback(session: Session, ref: str, now: datetime, done: datetime, **kw: Any) -> None:
    fields = {"role": "lead", "staff": "李", "channel": "phone", **kw}
    record_callback(
        session=session,
        ref=ref,
        now=now,
        actor="test",
        cb_in=CallbackIn(done_at=done, **fields),
    )


def test_generated_data_keeps_its_counts_and_the_dashboard_reads_them(session, now):
    codes = generate(session, now, seed=11, jobs=80)
    assert _kept(session).tallies
    assert_kept(session)
    for code in codes:
        for period in ("2026-03", "2026-04", "2026-05"):
            assert_dashboard_as_raw(session, code, period, now)


def test_callbacks_recorded_late_on_time_and_after_the_deadline(session, now):
    _estate(session, "T1", late_entry_hours=2)
    completed = now - timedelta(days=10)
    _job(session, "T1-1", "T1", completed)  # general: 168 h window
    _callback(session, "T1-1", now, completed + timedelta(days=1))  # on time, entered late
    _callback(session, "T1-1", now, completed + timedelta(days=8), channel="on_site")  # late
    _callback(session, "T1-1", now, now - timedelta(minutes=40), staff="王", role="manager")
    _callback(session, "T1-1", now, now - timedelta(hours=3), staff="王", role="manager")
    _callback(session, "T1-1", now, now, staff="王", role="manager")  # entered at once
    session.commit()
    assert_kept(session)
    period = str(d.Period.containing(completed, "Asia/Shanghai"))
    assert _kept(session).tallies[(1, period, "李", "lead", "phone")] == (1, 1)
    # kept: entered more than half an hour after (4 of 5); late entries at 2 h: 3 of them
    assert len(_kept(session).delays) == 4
    dash = build_dashboard(session=session, estate_code="T1", period=period, as_of=now)
    assert dash.late_entries_count == 3
    assert_dashboard_as_raw(session, "T1", period, now)


def test_a_job_moved_to_another_month_category_or_estate_takes_its_callbacks_along(session, now):
    _estate(session, "M1")
    _estate(session, "M2", tz="America/New_York")
    completed = now - timedelta(days=25)  # late April in Shanghai
    _job(session, "M-1", "M1", completed)
    _callback(session, "M-1", now, completed + timedelta(days=6))  # on time (168 h)
    _callback(session, "M-1", now, completed + timedelta(days=2), staff="王")
    session.commit()
    assert_kept(session)
    # another month (earlier; callbacks stay after it) and a shorter window: late now
    moved = completed - timedelta(days=5)
    _job(session, "M-1", "M1", moved, title="漏水")
    session.commit()
    assert_kept(session)
    assert {key[1] for key in _kept(session).tallies} == {
        str(d.Period.containing(moved, "Asia/Shanghai"))
    }
    upsert_job(
        session=session,
        job_in=JobIn(ref="M-1", estate="M1", completed_at=moved, category="safety"),
        actor="test",
    )
    session.commit()
    assert_kept(session)
    assert sum(on_time for _, on_time in _kept(session).tallies.values()) == 0
    # another estate, of another timezone
    _job(session, "M-1", "M2", moved)
    session.commit()
    assert_kept(session)
    assert {key[0] for key in _kept(session).tallies} == {2}
    for code in ("M1", "M2"):
        for period in ("2026-03", "2026-04", "2026-05"):
            assert_dashboard_as_raw(session, code, period, now)


def test_a_refused_job_update_leaves_the_counts_as_they_were(session, now):
    _estate(session, "R1")
    completed = now - timedelta(days=3)
    _job(session, "R-1", "R1", completed)
    _callback(session, "R-1", now, completed + timedelta(hours=5))
    session.commit()
    before = _shape(tallies.kept_counts(session))
    try:
        _job(session, "R-1", "R1", completed + timedelta(hours=6))  # after its callback
    except d.InvalidInput:
        session.rollback()
    else:
        raise AssertionError("the update should have been refused")
    assert _shape(tallies.kept_counts(session)) == before
    assert_kept(session)


def _set_state(session: Session, jobs: list[Job], state: str) -> None:
    """As the Odoo sync retires or reopens jobs: on the session's objects, then commit."""
    for job in jobs:
        job.state = state
        session.add(job)
    session.commit()


def test_a_job_state_changed_on_the_session_as_the_sync_does(session, now):
    _estate(session, "S1")
    completed = now - timedelta(days=2)
    for n in range(3):
        _job(session, f"S-{n}", "S1", completed + timedelta(minutes=n))
        _callback(session, f"S-{n}", now, now - timedelta(hours=5))  # entered late
    session.commit()
    jobs = list(session.exec(select(Job).order_by(col(Job.id))).all())
    _set_state(session, jobs[:2], "cancelled")
    assert_kept(session)
    assert sum(n for n, _ in _kept(session).tallies.values()) == 1
    assert len(_kept(session).delays) == 1
    _set_state(session, jobs[:2], "active")  # and back again
    assert_kept(session)
    assert sum(n for n, _ in _kept(session).tallies.values()) == 3
    # a change that does not move it (the same state again, its title) leaves them alone
    jobs[0].state, jobs[0].title = "active", "漏水"
    session.add(jobs[0])
    session.commit()
    assert_kept(session)


def test_a_state_changed_by_update_statements_with_untally_and_tally(session, now):
    """A writer that changes jobs without the session's objects says so around it."""
    _estate(session, "U1")
    completed = now - timedelta(days=2)
    for n in range(2):
        _job(session, f"U-{n}", "U1", completed + timedelta(minutes=n))
        _callback(session, f"U-{n}", now, now - timedelta(hours=5))
    session.commit()
    ids = list(session.exec(select(Job.id)).all())
    jobs = Job.__table__
    tallies.untally_jobs(session, ids)  # type: ignore[arg-type]
    session.connection().execute(sa.update(jobs).values(state="archived"))
    tallies.tally_jobs(session, ids)  # type: ignore[arg-type]
    session.commit()
    assert_kept(session)
    assert _kept(session).tallies == {}
    tallies.untally_jobs(session, ids)  # type: ignore[arg-type]
    session.connection().execute(sa.update(jobs).values(state="active"))
    tallies.tally_jobs(session, ids)  # type: ignore[arg-type]
    session.commit()
    assert_kept(session)
    assert sum(n for n, _ in _kept(session).tallies.values()) == 2


def test_recount_of_months_changed_in_bulk_without_the_hooks(session, now):
    """A bulk writer that changed jobs behind the counts' back recounts the months it left
    and entered."""
    _estate(session, "B1")
    completed = now - timedelta(days=2)
    for n in range(4):
        _job(session, f"B-{n}", "B1", completed + timedelta(minutes=n))
        _callback(session, f"B-{n}", now, now - timedelta(hours=2), channel="on_site")
    session.commit()
    estate_id = session.exec(select(Estate.id).where(Estate.code == "B1")).one()
    before = str(d.Period.containing(completed, "Asia/Shanghai"))
    earlier = completed - timedelta(days=40)
    session.connection().execute(
        sa.update(Job.__table__)
        .where(Job.__table__.c.ref.in_(["B-0", "B-1"]))
        .values(completed_at=earlier)
    )
    session.connection().execute(
        sa.update(Job.__table__).where(Job.__table__.c.ref == "B-2").values(state="archived")
    )
    after = str(d.Period.containing(earlier, "Asia/Shanghai"))
    assert _shape(tallies.kept_counts(session)) != _shape(tallies.fresh_counts(session))
    tallies.recount(session, [(estate_id, before), (estate_id, after)])
    session.commit()
    assert_kept(session)
    periods = {key[1]: n for key, (n, _) in _kept(session).tallies.items()}
    assert periods == {before: 1, after: 2}


def test_an_import_that_moves_jobs_keeps_the_counts(session, now):
    _estate(session, "YG")
    _job(session, "WX-1", "YG", datetime.fromisoformat("2026-05-01T09:30:00+08:00"))
    _callback(session, "WX-1", now, datetime.fromisoformat("2026-05-03T10:00:00+08:00"))
    session.commit()
    csv = "单号,管理处,完成时间,类别\nWX-1,YG,2026-04-30 23:00,漏水\nWX-2,YG,2026-05-02 09:00,\n"
    report = import_csv(session, csv.encode())
    assert report.imported == 2, report
    session.commit()
    assert_kept(session)
    assert {key[1] for key in _kept(session).tallies} == {"2026-04"}


def test_a_timezone_change_counts_the_estate_again(session, now):
    _estate(session, "Z1")
    # 1 May 01:00 in Shanghai is still April in UTC
    completed = datetime.fromisoformat("2026-05-01T01:00:00+08:00")
    _job(session, "Z-1", "Z1", completed)
    _callback(session, "Z-1", now, completed + timedelta(hours=3))
    session.commit()
    _estate(session, "Z1", tz="UTC")  # the estate's update counts it again
    estate = session.exec(select(Estate).where(Estate.code == "Z1")).one()
    assert tallies.is_current(session, estate)
    assert_kept(session)
    assert_dashboard_as_raw(session, "Z1", "2026-04", now)
    assert_dashboard_as_raw(session, "Z1", "2026-05", now)
    dash = build_dashboard(session=session, estate_code="Z1", period="2026-04", as_of=now)
    assert sum(row.callbacks for row in dash.staff) == 1


def test_counts_of_an_older_timezone_are_read_from_the_raw_rows_until_recounted(session, now):
    """Counts left in an estate's older timezone (a change made around the use case) are not
    trusted: the dashboard reads the raw rows until ``recount_estate``."""
    _estate(session, "Z1")
    completed = datetime.fromisoformat("2026-05-01T01:00:00+08:00")
    _job(session, "Z-1", "Z1", completed)
    _callback(session, "Z-1", now, completed + timedelta(hours=3))
    session.commit()
    estate = session.exec(select(Estate).where(Estate.code == "Z1")).one()
    estate.timezone = "UTC"
    session.add(estate)
    session.commit()
    assert not tallies.is_current(session, estate)
    assert_dashboard_as_raw(session, "Z1", "2026-04", now)
    dash = build_dashboard(session=session, estate_code="Z1", period="2026-04", as_of=now)
    assert sum(row.callbacks for row in dash.staff) == 1
    tallies.recount_estate(session, estate.id)  # type: ignore[arg-type]
    session.commit()
    assert tallies.is_current(session, estate)
    assert_kept(session)
    assert_dashboard_as_raw(session, "Z1", "2026-05", now)


def test_the_migration_fills_the_counts_of_callbacks_already_stored(tmp_path, now):
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine)
    with Session(engine, expire_on_commit=False) as session:
        generate(session, now, seed=5, jobs=40)
    command.downgrade(alembic_config(engine), "0012_callback_tallies-1")
    migrate(engine)
    with Session(engine) as session:
        assert _kept(session).tallies
        assert_kept(session)
    engine.dispose()
