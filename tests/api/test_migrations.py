"""Alembic migrations: they build exactly the schema the models describe, and carry data."""

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
    migrate(engine)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT sat_satisfied, sat_fairly_satisfied, sat_unsatisfied FROM jobs")
        ).one()
    assert tuple(row) == (1, 0, 2)
    engine.dispose()
