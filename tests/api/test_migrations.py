"""Alembic migrations: they build exactly the schema the models describe, and carry data."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import service.models  # noqa: F401  (every table)
from service.db import alembic_config, make_engine, migrate


def test_migrated_schema_matches_the_models(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


ESTATE = (
    "INSERT INTO estates (code, name, timezone, window_safety_h, window_leak_h, window_general_h,"
    " target_manager_pct, target_supervisor_pct, target_lead_pct, created_at, updated_at)"
    " VALUES ('E', 'E', 'UTC', 48, 72, 168, 10, 30, 60, '2026-01-01', '2026-01-01')"
)
JOB = (
    "INSERT INTO jobs (ref, estate_id, category, completed_at, deadline, assigned_role, state,"
    " source, cb_manager, cb_supervisor, cb_lead, created_at, updated_at) VALUES ('J', 1,"
    " 'general', '2026-01-01', '2026-01-08', 'lead', 'active', 'api', 0, 0, 1, '2026-01-01',"
    " '2026-01-01')"
)
CALLBACK = (
    "INSERT INTO callbacks (job_id, role, staff, channel, done_at, inspected, charge_verified,"
    " satisfaction, created_at) VALUES (1, 'lead', 'x', 'phone', '2026-01-02', 0, 0, :a,"
    " '2026-01-02')"
)


def test_upgrading_from_the_first_revision_fills_the_satisfaction_counts(tmp_path):
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0001_core")
    with engine.begin() as conn:
        conn.execute(sa.text(ESTATE))
        conn.execute(sa.text(JOB))
        for answer in ("unsatisfied", "unsatisfied", "satisfied"):
            conn.execute(sa.text(CALLBACK), {"a": answer})
    migrate(engine, "0004_cover_assigned_role")  # the revision that fills them
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT sat_satisfied, sat_fairly_satisfied, sat_unsatisfied FROM jobs")
        ).one()
    assert tuple(row) == (1, 0, 2)
    engine.dispose()


BEFORE_FOLLOW_UP = ("0003_phone", "0004_cover_assigned_role", "0101_odoo_link")


def test_upgrading_moves_rectifications_into_their_lifecycle_and_jobs_get_their_answer(tmp_path):
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    for head in BEFORE_FOLLOW_UP:
        command.upgrade(alembic_config(engine), head)
    with engine.begin() as conn:
        conn.execute(sa.text(ESTATE))
        conn.execute(sa.text(JOB))
        for answer in ("unsatisfied", "satisfied"):
            conn.execute(sa.text(CALLBACK), {"a": answer})
        conn.execute(
            sa.text(
                "INSERT INTO rectifications (job_id, callback_id, worker, problems, due_at,"
                " done_at, resolution, created_at) VALUES"
                " (1, 1, '孙', '漏', '2026-01-03 00:00:00', NULL, NULL, '2026-01-02'),"
                " (1, 2, '孙', '松', '2026-01-03 00:00:00', '2026-01-02 12:00:00', '好',"
                " '2026-01-02')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO odoo_outbox (key, odoo_id, job_id, kind, payload, status, attempts,"
                " next_attempt_at, created_at, sent_at) VALUES ('rectification:1', 7, 1,"
                " 'activity', '{}', 'sent', 1, '2026-01-02', '2026-01-02', '2026-01-02 03:00:00')"
            )
        )
    migrate(engine)
    with engine.connect() as conn:
        rects = conn.execute(
            sa.text(
                "SELECT state, notified_via, notified_at, opened_at, fix_due_at, fixed_at,"
                " fix_note, problem, source, found_by, length(ack_nonce) FROM rectifications"
                " ORDER BY id"
            )
        ).all()
        job = conn.execute(sa.text("SELECT answer, answer_source, failed_calls FROM jobs")).one()
        columns = {c["name"] for c in sa.inspect(conn).get_columns("jobs")}
    # the first was taken by Odoo: notified then; the second was fixed
    assert rects[0][:4] == (
        "notified",
        "odoo",
        "2026-01-02 03:00:00.000000",
        "2026-01-02 00:00:00.000000",
    )
    assert rects[0][4] == "2026-01-05 00:00:00.000000"  # 72 h after the finding
    assert rects[1][:2] == ("fixed", "paper") and rects[1][5:7] == (
        "2026-01-02 12:00:00",
        "好",
    )
    assert [r[7:10] for r in rects] == [("漏", "problems", "x"), ("松", "problems", "x")]
    assert all(r[10] >= 8 for r in rects)
    assert tuple(job) == (
        "satisfied",
        "staff",
        0,
    )  # the latest callback's answer (same time: by id)
    assert not {"sat_satisfied", "sat_fairly_satisfied", "sat_unsatisfied"} & columns
    engine.dispose()


def test_upgrading_chains_the_existing_audit_log_and_it_verifies(tmp_path):
    from alembic import command
    from sqlmodel import Session

    from service.usecases.evidence import verify

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0007_resident_links_quota_draws")
    with engine.begin() as conn:
        for n in range(4):
            conn.execute(
                sa.text(
                    "INSERT INTO audit_log (at, actor, action, entity, entity_id, detail) "
                    "VALUES (:at, 'admin', 'job.created', 'job', :ref, :detail)"
                ),
                {"at": f"2026-05-0{n + 1} 02:00:00.000000", "ref": f"J-{n}", "detail": '{"n": 1}'},
            )
    migrate(engine)
    with Session(engine) as session:
        report = verify(session)
    assert report.intact and report.entries == 4, report.problems
    with engine.connect() as conn:
        seqs = conn.execute(sa.text("SELECT chain, seq FROM audit_log ORDER BY id")).all()
        with pytest.raises(sa.exc.DatabaseError):
            conn.execute(sa.text("UPDATE audit_log SET actor = 'x'"))  # still append-only
    assert [tuple(r) for r in seqs] == [(0, 1), (0, 2), (0, 3), (0, 4)]
    engine.dispose()


@pytest.mark.postgres
def test_instances_started_together_migrate_a_fresh_database_once(pg_cluster):
    """Four processes' worth of migrations at once on an empty PostgreSQL database: they wait
    for each other (an advisory lock), so every one ends at head and none fails."""
    import threading

    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    admin = make_engine(pg_cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS huifang_migrate_race"))
        conn.execute(sa.text("CREATE DATABASE huifang_migrate_race"))
    admin.dispose()
    engines = [make_engine(pg_cluster.url("huifang_migrate_race")) for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(engines))

    def run(engine) -> None:
        start.wait()
        try:
            migrate(engine)
        except BaseException as exc:  # noqa: BLE001 - recorded, the test fails on it
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,), daemon=True) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "migrations still running after 2 minutes"
    assert errors == []
    heads = set(ScriptDirectory.from_config(alembic_config(engines[0])).get_heads())
    with engines[0].connect() as conn:
        assert set(MigrationContext.configure(conn).get_current_heads()) == heads
    for engine in engines:
        engine.dispose()
