"""Storing pages of Odoo requests: links and jobs written in bulk, on SQLite and PostgreSQL,
with the same results and audit entries as one by one."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from service.domain import evidence as E
from service.models import AuditChainHead, AuditLog, Estate, Job, OdooRequestLink
from service.odoo.page import fingerprint
from service.odoo.sync import SyncReport, reset_cursor
from service.usecases import bulk
from service.usecases.audit import audit
from service.usecases.bulk import write_rows
from tests.odoo.test_sync import done_requests, jobs
from tests.support.statements import statements_sent

LINKS = OdooRequestLink.__table__


def _link_row(odoo_id: int, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "odoo_id": odoo_id,
        "job_id": None,
        "status": "open",
        "stage": "New",
        "write_date": datetime(2026, 5, 1, 8, 0, tzinfo=timezone(timedelta(hours=8))),
        "fingerprint": "f",
        "completed_at": None,
        "completion_source": None,
        "worker_user_id": None,
        "team_id": None,
        "note": "水管",
        "written_hash": None,
        "synced_at": datetime(2026, 5, 1, 0, 0, tzinfo=UTC),
    }
    row.update(values)
    return row


def test_bulk_rows_land_with_the_columns_conversions(engine):
    with Session(engine) as session:
        write_rows(session, LINKS, [_link_row(1), _link_row(2, note=None)])
        session.commit()
        first, second = session.exec(select(OdooRequestLink).order_by(OdooRequestLink.odoo_id))
    # stored as UTC whatever the offset given, and read back aware
    assert first.write_date == datetime(2026, 5, 1, 0, 0, tzinfo=UTC)
    assert (first.note, second.note) == ("水管", None)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 5, 1, 8, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8))),
        datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, 0, 1, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
        datetime(5, 1, 1, 0, 0, tzinfo=UTC),
    ],
)
def test_bulk_rows_store_each_time_as_the_orm_does(engine, moment):
    """A time goes in as its text (``COPY`` on PostgreSQL, SQLAlchemy's text of it on SQLite):
    the same instant, to the microsecond, as the ORM's insert of the same value, and stored
    alike (on SQLite, which compares times as text, the very same text)."""
    with Session(engine) as session:
        write_rows(session, LINKS, [_link_row(1, write_date=moment, completed_at=moment)])
        session.add(OdooRequestLink(**_link_row(2, write_date=moment, completed_at=moment)))
        session.commit()
        rows = session.exec(select(OdooRequestLink).order_by(OdooRequestLink.odoo_id)).all()
        stored = session.execute(
            sa.text("SELECT write_date, completed_at FROM odoo_requests ORDER BY odoo_id")
        ).all()
    assert [(r.write_date, r.completed_at) for r in rows] == [(moment, moment)] * 2
    assert rows[0].write_date.tzinfo == UTC
    assert stored[0] == stored[1]


def test_a_bulk_row_refused_is_sqlalchemys_integrity_error_and_the_savepoint_holds(engine):
    with Session(engine) as session:
        write_rows(session, LINKS, [_link_row(1)])
        with pytest.raises(IntegrityError):
            with session.begin_nested():
                write_rows(session, LINKS, [_link_row(2), _link_row(1)])
        write_rows(session, LINKS, [_link_row(3)])
        session.commit()
        ids = list(session.exec(select(OdooRequestLink.odoo_id).order_by(OdooRequestLink.odoo_id)))
    assert ids == [1, 3]


def test_a_request_read_twice_in_one_page_is_stored_once(odoo, syncer_for, engine):
    (rid,) = done_requests(odoo, 1)
    syncer = syncer_for(odoo)
    (record,) = syncer.gateway.read_requests([rid])
    report = SyncReport()
    with Session(engine) as session:
        syncer.store(session, [record, dict(record)], report)
        session.commit()
    assert (report.read, report.created, report.skipped) == (2, 1, 1)
    assert "read twice" in report.reasons[0]
    assert list(jobs(engine)) == [f"odoo-{rid}"]


def _audit_count(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(AuditLog)).one()


def test_everything_read_again_unchanged_writes_nothing(odoo, syncer_for, engine):
    done_requests(odoo, 30)
    odoo.create("maintenance.request", {"name": "Not done yet"})
    syncer_for(odoo, page_size=7).run()
    with Session(engine) as session:
        before = {link.odoo_id: link.synced_at for link in session.exec(select(OdooRequestLink))}
    entries = _audit_count(engine)
    reset_cursor(engine)
    again = syncer_for(odoo, page_size=7).run()
    assert (again.read, again.unchanged, again.created, again.updated) == (31, 31, 0, 0)
    assert _audit_count(engine) == entries
    with Session(engine) as session:
        after = {link.odoo_id: link.synced_at for link in session.exec(select(OdooRequestLink))}
    assert after == before


def test_a_changed_request_updates_its_link(odoo, syncer_for, engine):
    a, b = done_requests(odoo, 2)
    syncer_for(odoo).run()
    odoo.write("maintenance.request", [a], {"stage_id": odoo.stage_id("In Progress")})
    odoo.write("maintenance.request", [b], {"name": "Lift door sensor"})
    (record,) = syncer_for(odoo).gateway.read_requests([b])
    report = syncer_for(odoo).run()
    assert (report.cancelled, report.updated) == (1, 1)
    with Session(engine) as session:
        moved, edited = session.get(OdooRequestLink, a), session.get(OdooRequestLink, b)
        job_a = session.exec(select(Job).where(Job.ref == f"odoo-{a}")).one()
        assert (moved.status, moved.stage, moved.completed_at) == ("open", "In Progress", None)
        assert moved.job_id == job_a.id  # still its job, now cancelled
        assert edited.status == "done" and edited.fingerprint == fingerprint(record)
        actions = list(session.exec(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions[-2:] == ["job.cancelled", "job.updated"]


def test_a_skipped_request_that_gets_its_estate_is_created_and_its_link_attached(
    odoo, syncer_for, engine
):
    (rid,) = done_requests(odoo, 1)
    team = odoo.create("maintenance.team", {"name": "Harbour team", "company_id": 1})
    odoo.write("maintenance.request", [rid], {"maintenance_team_id": team})
    company = odoo.create("res.company", {"name": "Unmapped Co"})
    odoo.write("maintenance.request", [rid], {"company_id": company})
    assert syncer_for(odoo, default_estate=None).run().skipped == 1
    report = syncer_for(odoo, default_estate=None, estate_map={"Harbour team": "E2"}).run()
    assert report.created == 1
    with Session(engine) as session:
        link = session.get(OdooRequestLink, rid)
        job = session.exec(select(Job).where(Job.ref == f"odoo-{rid}")).one()
        estate = session.get(Estate, job.estate_id)
    assert (link.status, link.job_id, estate.code) == ("done", job.id, "E2")
    assert "no estate" not in (link.note or "")


def test_bulk_created_jobs_chain_like_one_by_one(odoo, syncer_for, engine):
    done_requests(odoo, 12)
    syncer_for(odoo, page_size=5).run()
    with Session(engine) as session:
        audit(session, actor="test", action="test.after", entity="x", entity_id=1, estate_id=None)
        session.commit()
        entries = list(session.exec(select(AuditLog).order_by(AuditLog.chain, AuditLog.seq)))
        heads = {h.chain: h for h in session.exec(select(AuditChainHead))}
    created = [e for e in entries if e.action == "job.created"]
    assert len(created) == 12 and len({e.chain for e in created}) == 1
    for chain in {e.chain for e in entries}:
        rows = [
            E.Entry(
                id=e.id,
                chain=e.chain,
                seq=e.seq,
                at=e.at,
                actor=e.actor,
                action=e.action,
                entity=e.entity,
                entity_id=e.entity_id,
                detail=e.detail,
                prev_hash=e.prev_hash,
                hash=e.hash,
            )
            for e in entries
            if e.chain == chain
        ]
        head = E.Head(chain, heads[chain].seq, heads[chain].hash)
        assert E.check_chain(chain, rows, head) == (len(rows), None)


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)  # COPY is PostgreSQL's
def test_bulk_rows_on_postgresql_go_through_copy(engine):
    with statements_sent(engine) as statements, Session(engine) as session:
        write_rows(session, LINKS, [_link_row(i) for i in range(1, 201)])
        session.commit()
        count = session.exec(select(func.count()).select_from(OdooRequestLink)).one()
    assert count == 200
    assert not [s for s in statements if "INSERT" in s.upper()]


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)  # SQLite's parameter limit
def test_bulk_rows_on_sqlite_go_as_many_per_insert_as_its_parameter_limit_allows(engine):
    with statements_sent(engine) as statements, Session(engine) as session:
        raw = session.connection().connection.dbapi_connection
        limit = sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER
        before = raw.setlimit(limit, 3 * len(LINKS.c))  # three rows a statement
        try:
            write_rows(session, LINKS, [_link_row(i, note=f"n{i}") for i in range(1, 11)])
        finally:
            raw.setlimit(limit, before)
        session.commit()
        notes = list(session.exec(select(OdooRequestLink.note).order_by(OdooRequestLink.odoo_id)))
    assert notes == [f"n{i}" for i in range(1, 11)]
    assert len([s for s in statements if s.startswith("INSERT")]) == 4  # 3 + 3 + 3 + 1


def test_bulk_rows_with_shared_values_land_like_the_rows_that_carry_them(engine):
    """``same``: columns with one value for every row, given (and converted) once; on SQLite
    bound once per statement and named by every row, the statements split as before."""
    shared = {
        "synced_at": datetime(2026, 5, 1, 10, 0, tzinfo=timezone(timedelta(hours=8))),
        "stage": "完成",
        "written_hash": None,
    }
    rows = [
        {k: v for k, v in _link_row(i, note=f"n{i}").items() if k not in shared}
        for i in range(1, 11)
    ]
    with statements_sent(engine) as statements, Session(engine) as session:
        limit = sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER
        raw = session.connection().connection.dbapi_connection
        width = len(LINKS.c) - len(shared)
        before = (
            raw.setlimit(limit, 3 * width + len(shared)) if engine.dialect.name == "sqlite" else 0
        )
        try:
            write_rows(session, LINKS, rows, same=shared)
        finally:
            if engine.dialect.name == "sqlite":
                raw.setlimit(limit, before)
        session.commit()
        stored = list(session.exec(select(OdooRequestLink).order_by(OdooRequestLink.odoo_id)))
    assert [(s.odoo_id, s.note, s.stage) for s in stored] == [
        (i, f"n{i}", "完成") for i in range(1, 11)
    ]
    assert {s.synced_at for s in stored} == {datetime(2026, 5, 1, 2, 0, tzinfo=UTC)}
    assert {s.written_hash for s in stored} == {None}
    assert all(s.write_date == datetime(2026, 5, 1, 0, 0, tzinfo=UTC) for s in stored)
    if engine.dialect.name == "sqlite":
        assert len([s for s in statements if s.startswith("INSERT")]) == 4  # 3 + 3 + 3 + 1


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_bulk_rows_with_shared_values_keep_each_sqlite_insert_to_its_numbered_parameter_cap(
    engine, monkeypatch
):
    """Numbered parameters cost a scan of them all each: at most ``NUMBERED_VARIABLES`` of them
    in one statement, well below SQLite's own limit."""
    monkeypatch.setattr(bulk, "NUMBERED_VARIABLES", 5 * (len(LINKS.c) - 2))  # five rows
    shared = {"stage": "完成", "written_hash": None}
    rows = [
        {k: v for k, v in _link_row(i, note=f"n{i}").items() if k not in shared}
        for i in range(1, 24)
    ]
    with statements_sent(engine) as statements, Session(engine) as session:
        write_rows(session, LINKS, rows, same=shared)
        session.commit()
        stored = list(session.exec(select(OdooRequestLink).order_by(OdooRequestLink.odoo_id)))
    assert [(s.odoo_id, s.note, s.stage) for s in stored] == [
        (i, f"n{i}", "完成") for i in range(1, 24)
    ]
    assert len([s for s in statements if s.startswith("INSERT")]) == 5  # 5 + 5 + 5 + 5 + 3


def test_bulk_rows_run_the_callers_meanwhile_once_and_give_back_its_result(engine):
    """``meanwhile``: the caller's work that needs no database, run once the rows are on their
    way (inside the ``COPY`` on PostgreSQL); its result is returned, also with no rows."""
    calls: list[int] = []

    def meanwhile() -> str:
        calls.append(1)
        return "encoded"

    with Session(engine) as session:
        assert write_rows(session, LINKS, [_link_row(1), _link_row(2)], meanwhile=meanwhile) == (
            "encoded"
        )
        assert write_rows(session, LINKS, [], meanwhile=meanwhile) == "encoded"
        assert write_rows(session, LINKS, [_link_row(3)]) is None
        session.commit()
        count = session.exec(select(func.count()).select_from(OdooRequestLink)).one()
    assert calls == [1, 1] and count == 3


def test_bulk_rows_whose_meanwhile_fails_are_not_written_and_the_error_is_its_own(engine):
    class Refused(Exception):
        pass

    def meanwhile() -> None:
        raise Refused("the details could not be encoded")

    with Session(engine) as session:
        write_rows(session, LINKS, [_link_row(1)])
        with pytest.raises(Refused), session.begin_nested():
            write_rows(session, LINKS, [_link_row(2), _link_row(3)], meanwhile=meanwhile)
        session.commit()
        stored = list(session.exec(select(OdooRequestLink.odoo_id)))
    assert stored == [1]


def test_a_long_equipment_category_is_stored_cut_to_its_column(odoo, syncer_for, engine):
    category = odoo.create("maintenance.equipment.category", {"name": "电梯" * 125})
    (rid,) = done_requests(odoo, 1)
    odoo.write("maintenance.request", [rid], {"category_id": category})
    report = syncer_for(odoo).run()
    assert (report.created, report.skipped) == (1, 0)
    assert jobs(engine)[f"odoo-{rid}"].erp_category == "电梯" * 100  # 200 characters


def test_each_run_of_a_sync_commits_without_waiting_for_the_disk(odoo, syncer_for, engine):
    """A run's records go with its cursor and Odoo holds them: a run lost in a crash is read
    again, so its commit does not wait for the disk (``begin_write(durable=False)``)."""
    done_requests(odoo, 12)
    relaxed = (
        "SET LOCAL synchronous_commit TO OFF"
        if engine.dialect.name == "postgresql"
        else "PRAGMA synchronous=NORMAL"
    )
    with statements_sent(engine) as statements:
        report = syncer_for(odoo, page_size=5).run()
    assert report.created == 12 and relaxed in statements
    if engine.dialect.name == "sqlite":  # every write of the sync is a run's
        writes = [i for i, s in enumerate(statements) if s == "BEGIN IMMEDIATE"]
        assert writes and all(statements[i - 1] == relaxed for i in writes)


def test_among_finds_exactly_the_values_given_whatever_they_hold(engine):
    """``bulk.among``: on PostgreSQL the values go as the text of an array; quotes,
    backslashes, commas, braces, spaces and the word NULL are values like any other."""
    odd = ['a"b', "c\\d", "e,f", "{g}", " h ", "NULL", "", "漏水", "i'j"]
    with Session(engine) as session:
        write_rows(
            session,
            LINKS,
            [_link_row(i, note=note) for i, note in enumerate([*odd, "not asked"], start=1)],
        )
        session.commit()
        notes = sorted(
            session.exec(select(OdooRequestLink.note).where(bulk.among(session, LINKS.c.note, odd)))
        )
        ids = sorted(
            session.exec(
                select(OdooRequestLink.odoo_id).where(
                    bulk.among(session, LINKS.c.odoo_id, [2, 5, 99])
                )
            )
        )
        none = session.exec(
            select(OdooRequestLink.odoo_id).where(bulk.among(session, LINKS.c.odoo_id, []))
        ).all()
    assert notes == sorted(odd) and ids == [2, 5] and none == []
