"""The Odoo sync retiring and reopening jobs keeps the dashboard's kept callback counts
(``usecases.tallies``) equal to a fresh count from the raw rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from service.schemas import CallbackIn
from service.usecases import tallies
from service.usecases.callbacks import record_callback


def _assert_kept(engine) -> tallies.Counts:
    with Session(engine) as session:
        kept = tallies.kept_counts(session)
        fresh = tallies.fresh_counts(session)
    assert kept.tallies == fresh.tallies
    assert sorted(r["callback_id"] for r in kept.delays) == sorted(
        r["callback_id"] for r in fresh.delays
    )
    return kept


def test_archived_deleted_and_restored_jobs_leave_and_rejoin_the_counts(odoo, syncer_for, engine):
    repaired = odoo.stage_id("Repaired")
    ids = [
        odoo.create("maintenance.request", {"name": f"Tap leaking {i}", "stage_id": repaired})
        for i in range(3)
    ]
    syncer_for(odoo).run()
    now = datetime.now(UTC) + timedelta(minutes=1)
    with Session(engine, expire_on_commit=False) as session:
        for rid in ids:
            record_callback(
                session=session,
                ref=f"odoo-{rid}",
                cb_in=CallbackIn(role="lead", staff="张伟", channel="phone", done_at=now),
                now=now,
                actor="test",
            )
    assert sum(n for n, _ in _assert_kept(engine).tallies.values()) == 3
    odoo.write("maintenance.request", [ids[0]], {"archive": True})
    odoo.unlink("maintenance.request", [ids[1]])
    report = syncer_for(odoo).run()
    assert (report.archived, report.deleted) == (1, 1)
    assert sum(n for n, _ in _assert_kept(engine).tallies.values()) == 1
    odoo.write("maintenance.request", [ids[0]], {"archive": False})
    syncer_for(odoo).run()
    assert sum(n for n, _ in _assert_kept(engine).tallies.values()) == 2
