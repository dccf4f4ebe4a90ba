"""Sync from the stand-in Odoo into the database: idempotent, incremental, fault-tolerant."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from service.models import Job, OdooRequestLink
from service.odoo.cursor import Cursor, Step
from service.odoo.errors import OdooCallError
from service.odoo.sync import Syncer, _latest, load_cursor
from service.schemas import CallbackIn
from service.usecases.callbacks import record_callback
from tests.support.odoo_standin import OdooException, OdooStandIn


def jobs(engine) -> dict[str, Job]:
    with Session(engine) as session:
        return {j.ref: j for j in session.exec(select(Job))}


def done_requests(odoo, n, name="Tap leaking {i}"):
    repaired = odoo.stage_id("Repaired")
    return [
        odoo.create("maintenance.request", {"name": name.format(i=i), "stage_id": repaired})
        for i in range(n)
    ]


def test_first_sync_creates_a_job_per_done_request_and_a_rerun_nothing(odoo, syncer_for, engine):
    ids = done_requests(odoo, 5)
    odoo.create("maintenance.request", {"name": "Not done yet"})
    report = syncer_for(odoo).run()
    assert (report.created, report.open) == (5, 1)
    found = jobs(engine)
    assert sorted(found) == sorted(f"odoo-{i}" for i in ids)
    assert {j.category for j in found.values()} == {"leak"}
    assert {j.source for j in found.values()} == {"odoo"}
    again = syncer_for(odoo).run()
    assert again.created == 0 and again.updated == 0
    assert len(jobs(engine)) == 5


def test_reads_are_batched_never_one_call_per_record(odoo, syncer_for):
    done_requests(odoo, 1200)
    syncer_for(odoo, page_size=500).run()
    reads = [
        c for c in odoo.calls if c.model == "maintenance.request" and c.method == "search_read"
    ]
    assert len(reads) <= 8  # 3 pages, plus the pages that finish a second by id
    assert not [c for c in odoo.calls if c.method == "read"]


def test_an_edited_request_updates_its_job(odoo, syncer_for, engine):
    (rid,) = done_requests(odoo, 1)
    syncer_for(odoo).run()
    odoo.write("maintenance.request", [rid], {"name": "Lift door sensor"})
    report = syncer_for(odoo).run()
    assert report.updated == 1
    job = jobs(engine)[f"odoo-{rid}"]
    assert job.title == "Lift door sensor" and job.category == "safety"


def test_back_out_of_done_cancels_and_done_again_reactivates(odoo, syncer_for, engine):
    (rid,) = done_requests(odoo, 1)
    syncer_for(odoo).run()
    odoo.write("maintenance.request", [rid], {"stage_id": odoo.stage_id("In Progress")})
    assert syncer_for(odoo).run().cancelled == 1
    assert jobs(engine)[f"odoo-{rid}"].state == "cancelled"
    odoo.write("maintenance.request", [rid], {"stage_id": odoo.stage_id("Repaired")})
    syncer_for(odoo).run()
    assert jobs(engine)[f"odoo-{rid}"].state == "active"


def test_archived_deleted_and_scrapped_requests(odoo, syncer_for, engine):
    a, b = done_requests(odoo, 2)
    scrap = odoo.create(
        "maintenance.request", {"name": "Old pump", "stage_id": odoo.stage_id("Scrap")}
    )
    syncer_for(odoo).run()
    assert f"odoo-{scrap}" not in jobs(engine)
    odoo.write("maintenance.request", [a], {"archive": True})
    odoo.unlink("maintenance.request", [b])
    report = syncer_for(odoo).run()
    assert (report.archived, report.deleted) == (1, 1)
    found = jobs(engine)
    assert found[f"odoo-{a}"].state == "archived" and found[f"odoo-{b}"].state == "deleted"


def _id_searches(odoo) -> int:
    return len([c for c in odoo.calls if c.model == "maintenance.request" and c.method == "search"])


def test_a_pass_with_nothing_deleted_asks_odoo_for_a_count_not_every_id(odoo, syncer_for):
    ids = done_requests(odoo, 30)
    syncer_for(odoo, page_size=10).run()
    before = _id_searches(odoo)
    assert syncer_for(odoo, page_size=10).run().deleted == 0
    assert _id_searches(odoo) == before  # the counts matched: no ids sent
    odoo.unlink("maintenance.request", [ids[0]])
    assert syncer_for(odoo, page_size=10).run().deleted == 1
    assert _id_searches(odoo) > before  # one fewer: the ids were checked


class _CreatedWhileCounting(Syncer):
    """A request is created in Odoo after this pass read its pages, before it counts."""

    create: Callable[[], None] | None = None

    def mark_deleted(self) -> int:
        if self.create is not None:
            self.create()
        return super().mark_deleted()


def test_a_deletion_a_new_request_made_up_for_is_found_on_the_next_pass(odoo, syncer_for, engine):
    first, _second = done_requests(odoo, 2)
    syncer_for(odoo).run()
    odoo.unlink("maintenance.request", [first])
    swapping = syncer_for(odoo)
    swapping.__class__ = _CreatedWhileCounting
    swapping.create = lambda: done_requests(odoo, 1, name="Door lock {i}")
    assert swapping.run().deleted == 0  # as many requests as tracked: nothing looked gone
    report = syncer_for(odoo).run()  # reads the new one: one more tracked than Odoo holds
    assert (report.created, report.deleted) == (1, 1)
    assert jobs(engine)[f"odoo-{first}"].state == "deleted"


def test_a_record_without_estate_is_skipped_with_a_reason_and_the_rest_synced(
    odoo, syncer_for, engine, caplog
):
    ok = done_requests(odoo, 3)
    other_team = odoo.create("maintenance.team", {"name": "Elsewhere", "company_id": 1})
    bad = odoo.create(
        "maintenance.request",
        {"name": "Tap", "stage_id": odoo.stage_id("Repaired"), "maintenance_team_id": other_team},
    )
    syncer = syncer_for(
        odoo, default_estate=None, estate_map={"Internal Maintenance": "E1", "YourCompany": "E1"}
    )
    # the company maps too: remove it for the bad record's company by using a second company
    company = odoo.create("res.company", {"name": "Unmapped Co"})
    odoo.write("maintenance.request", [bad], {"company_id": company})
    with caplog.at_level(logging.WARNING):
        report = syncer.run()
    assert (report.skipped, report.created) == (1, 3)
    assert "no estate" in caplog.text
    assert sorted(jobs(engine)) == sorted(f"odoo-{i}" for i in ok)
    with Session(engine) as session:
        assert session.get(OdooRequestLink, bad).status == "skipped"
    # retried on every pass, but the same reason is not repeated as a warning
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        again = syncer.retry_skipped()
    assert again.skipped == 1 and "no estate" not in caplog.text


def test_only_skipped_requests_are_in_the_status_index_and_the_retry_reads_it(
    odoo, syncer_for, engine
):
    """Every synced request once had an entry in an index of its status; only the retry of
    the skipped ones looks up by status, so only they are indexed."""
    done_requests(odoo, 2)
    bad = odoo.create("maintenance.request", {"name": "Tap", "stage_id": odoo.stage_id("Repaired")})
    odoo.write(
        "maintenance.request", [bad], {"company_id": odoo.create("res.company", {"name": "X"})}
    )
    syncer_for(odoo, default_estate=None, estate_map={"YourCompany": "E1"}).run()
    look_up = "SELECT odoo_id FROM odoo_requests WHERE status = 'skipped'"
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            indexes = {
                name: sql
                for name, sql in conn.execute(
                    sa.text("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'odoo_requests'")
                )
            }
            plan = " ".join(
                str(r[-1]) for r in conn.execute(sa.text(f"EXPLAIN QUERY PLAN {look_up}"))
            )
        else:
            indexes = dict(
                conn.execute(
                    sa.text(
                        "SELECT indexname, indexdef FROM pg_indexes"
                        " WHERE tablename = 'odoo_requests'"
                    )
                ).all()
            )
            conn.execute(sa.text("SET enable_seqscan = off"))
            plan = " ".join(r[0] for r in conn.execute(sa.text(f"EXPLAIN {look_up}")))
        skipped = conn.execute(sa.text(look_up)).scalars().all()
    assert skipped == [bad]
    assert "ix_odoo_requests_status" not in indexes
    partial = indexes["ix_odoo_requests_skipped"]
    for cast in ("::text", "(", ")"):  # PostgreSQL's form: WHERE ((status)::text = ...)
        partial = partial.replace(cast, "")
    assert "WHERE status = 'skipped'" in partial
    assert "ix_odoo_requests_skipped" in plan


def test_an_odoo_error_mid_sync_leaves_the_cursor_where_it_was(odoo, syncer_for, engine):
    done_requests(odoo, 1200)
    odoo.faults.fail(
        "odoo",
        model="maintenance.request",
        method="search_read",
        skip=2,  # the newest write_date, then the first page
        error=OdooException("could not serialize access due to concurrent update"),
    )
    with pytest.raises(OdooCallError):
        syncer_for(odoo, page_size=500).run()
    with Session(engine) as session:
        created = session.exec(select(func.count()).select_from(Job)).one()
        cursor = load_cursor(session)
    # the first page is committed with its cursor (by id, past its last); nothing after it
    assert created == 500
    assert cursor.by_id and cursor.second is not None and cursor.last_id > 0
    report = syncer_for(odoo, page_size=500).run()
    assert report.created == 1200 - created
    assert len(jobs(engine)) == 1200


def test_odoo_down_for_a_moment_is_ridden_out(odoo, syncer_for, engine):
    done_requests(odoo, 3)
    odoo.faults.fail("drop", model="maintenance.request", method="search_read", times=2)
    assert syncer_for(odoo).run().created == 3


def test_addon_fields_feed_the_job(odoo_addon, syncer_for, engine):
    o = odoo_addon
    estate = o.create(
        "maintenance.callback.estate",
        {"name": "Harbour", "code": "E2", "timezone": "Asia/Shanghai"},
    )
    resident = o.create("res.partner", {"name": "李女士", "phone": "13900000000"})
    rid = o.create(
        "maintenance.request",
        {
            "name": "Repaint",
            "callback_estate_id": estate,
            "callback_unit": "2-1201",
            "callback_resident_id": resident,
            "callback_category": "leak",
            "callback_charge": 20,
        },
    )
    o.write("maintenance.request", [rid], {"stage_id": o.stage_id("Repaired")})
    syncer_for(o).run()
    job = jobs(engine)[f"odoo-{rid}"]
    assert (job.unit, job.resident_name, job.resident_phone) == ("2-1201", "李女士", "13900000000")
    assert job.category == "leak" and str(job.charge) == "20.00"
    with Session(engine) as session:
        assert session.get(OdooRequestLink, rid).completion_source == "addon"


def test_push_of_ids_syncs_them_without_moving_the_cursor(odoo, syncer_for, engine):
    (rid,) = done_requests(odoo, 1)
    report = syncer_for(odoo).sync_ids([rid, 424242])
    assert report.created == 1
    with Session(engine) as session:
        assert load_cursor(session).second is None


def test_a_request_completed_again_after_its_callback_is_skipped_and_the_page_goes_on(
    syncer_for, engine
):
    clock = [datetime(2026, 5, 10, 1, 0)]
    with OdooStandIn(version="18.0", clock=lambda: clock[0]) as odoo:
        (rid,) = done_requests(odoo, 1)
        syncer_for(odoo).run()
        with Session(engine, expire_on_commit=False) as session:
            record_callback(
                session=session,
                ref=f"odoo-{rid}",
                cb_in=CallbackIn(
                    role="lead",
                    staff="张伟",
                    channel="phone",
                    done_at=datetime(2026, 5, 10, 2, 0, tzinfo=UTC),
                ),
                now=datetime(2026, 5, 10, 3, 0, tzinfo=UTC),
                actor="test",
            )
        clock[0] = datetime(2026, 5, 10, 4, 0)
        odoo.write("maintenance.request", [rid], {"stage_id": odoo.stage_id("In Progress")})
        syncer_for(odoo).run()
        clock[0] = datetime(2026, 5, 10, 5, 0)
        odoo.write("maintenance.request", [rid], {"stage_id": odoo.stage_id("Repaired")})
        (other,) = done_requests(odoo, 1)
        report = syncer_for(odoo).run()
    assert (report.skipped, report.created) == (1, 1)
    assert "cannot come before the repair" in report.reasons[0]
    found = jobs(engine)
    assert found[f"odoo-{rid}"].completed_at == datetime(2026, 5, 10, 1, 0, tzinfo=UTC)
    assert found[f"odoo-{rid}"].state == "active"
    assert f"odoo-{other}" in found
    with Session(engine) as session:
        assert load_cursor(session).second == datetime(2026, 5, 10, 5, 0, tzinfo=UTC)


class _FailingStore(Syncer):
    """A database failure while storing the second run of pages (a real one would be e.g. a
    lost connection); the pages read ahead by then must not count."""

    stores = 0

    def store(self, session, records, report):  # type: ignore[no-untyped-def]
        self.stores += 1
        if self.stores == 2:
            raise RuntimeError("database went away")
        super().store(session, records, report)


def test_a_failure_while_storing_leaves_the_cursor_at_the_last_committed_page(
    odoo, syncer_for, engine
):
    done_requests(odoo, 1200)
    failing = syncer_for(odoo, page_size=200)
    failing.__class__ = _FailingStore
    with pytest.raises(RuntimeError, match="went away"):
        failing.run()
    assert not [t for t in threading.enumerate() if t.name == "odoo-read"]  # reader stopped
    with Session(engine) as session:
        stored = {j.ref for j in session.exec(select(Job))}
        links = session.exec(select(func.count()).select_from(OdooRequestLink)).one()
        cursor = load_cursor(session)
    # only the first run (the first page, and those read ahead with it) and its cursor; the
    # pages read ahead after it are not stored
    assert len(stored) == links and links in {200, 400, 600, 800, 1000}
    assert cursor.by_id and cursor.second is not None
    assert cursor.last_id == max(int(ref.removeprefix("odoo-")) for ref in stored)
    totals: list[int | None] = []
    report = syncer_for(odoo, page_size=200).run(progress=lambda _read, total: totals.append(total))
    assert report.created == 1200 - links and len(jobs(engine)) == 1200
    assert set(totals) == {1200 - links}  # the progress counts what the first read has left


def test_the_reader_stays_a_bounded_number_of_pages_ahead(odoo, syncer_for):
    done_requests(odoo, 1000)
    syncer = syncer_for(odoo, page_size=100)
    reads_when_stored: list[int] = []
    steps = syncer.pages(Cursor())
    for _ in range(3):
        next(steps)
        time.sleep(0.3)  # a slow store: the reader waits for room in the queue
        reads_when_stored.append(
            len(
                [
                    c
                    for c in odoo.calls
                    if c.method == "search_read" and c.model == "maintenance.request"
                ]
            )
        )
    steps.close()
    # page k stored: at most k + prefetch (4) + the one being handed over read
    assert all(n <= k + 1 + 5 for k, n in enumerate(reads_when_stored))
    assert not [t for t in threading.enumerate() if t.name == "odoo-read"]


class _SlowFirstStore(Syncer):
    """The first store is slow: the reader reads ahead meanwhile."""

    sizes: list[int]

    def store(self, session, records, report):  # type: ignore[no-untyped-def]
        if not self.sizes:
            time.sleep(0.5)
        self.sizes.append(len(records))
        super().store(session, records, report)


def test_the_pages_read_ahead_are_stored_together_up_to_the_batch_size(odoo, syncer_for, engine):
    done_requests(odoo, 1000)
    syncer = syncer_for(odoo, page_size=100)
    syncer.config = replace(syncer.config, store_batch=300)
    syncer.__class__ = _SlowFirstStore
    syncer.sizes = []
    report = syncer.run()
    assert report.created == 1000 and report.pages == 10
    assert sum(syncer.sizes) == 1000 and max(syncer.sizes) <= 300
    # the first run takes what was read by then (one page, or a few more on a slow start);
    # the pages read while it stored go together, up to the batch size
    assert syncer.sizes[0] <= 300 and 300 in syncer.sizes[1:]
    assert len(syncer.sizes) < 10
    with Session(engine) as session:
        cursor = load_cursor(session)
    assert not cursor.by_id and cursor.second is not None  # the first read of all is done


def test_a_request_read_again_in_a_later_page_of_a_run_is_stored_as_read_last():
    first = {"id": 1, "name": "before"}
    again = {"id": 1, "name": "after"}
    twice_in_one_page = [{"id": 2}, {"id": 2}]  # the page's own trouble: skipped as before
    run = [
        Step([first, *twice_in_one_page, {"id": 3}], Cursor(), finished=False),
        Step([{"id": 4}, again, {"no": "id"}], Cursor(), finished=True),
    ]
    assert _latest(run) == [*twice_in_one_page, {"id": 3}, {"id": 4}, again, {"no": "id"}]
    assert _latest(run[:1]) is run[0].records


class _EditingDuringTheRead(Syncer):
    """Someone edits an already stored request in Odoo while the first sync reads on."""

    edit: Callable[[], None] | None = None

    def store(self, session, records, report):  # type: ignore[no-untyped-def]
        super().store(session, records, report)
        if report.pages == 1 and self.edit is not None:
            self.edit()


def test_the_first_sync_reads_by_id_and_the_next_one_picks_up_what_changed_meanwhile(
    odoo, syncer_for, engine
):
    ids = done_requests(odoo, 450)
    syncer = syncer_for(odoo, page_size=200)
    syncer.__class__ = _EditingDuringTheRead
    syncer.edit = lambda: odoo.write("maintenance.request", [ids[0]], {"name": "门锁更换"})
    newest = max(r["write_date"] for r in odoo.store.records["maintenance.request"].values())
    report = syncer.run()
    assert (report.created, report.pages) == (450, 3)
    with Session(engine) as session:
        cursor = load_cursor(session)
    # the first read is over: on from the newest second there was when it began
    assert not cursor.by_id and cursor.second == newest.replace(microsecond=0, tzinfo=UTC)
    assert jobs(engine)[f"odoo-{ids[0]}"].title != "门锁更换"  # its page was stored before
    again = syncer_for(odoo, page_size=200).run()
    assert again.updated == 1 and jobs(engine)[f"odoo-{ids[0]}"].title == "门锁更换"
