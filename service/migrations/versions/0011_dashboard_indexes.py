"""Dashboard indexes: worker and repeat in the covering index, and the open jobs by deadline

The dashboard's jobs per worker, answer and repeat are read from the covering index alone; its
due, overdue and visit lists and counts read a partial index of the estate's open jobs
(active, no callback yet) in deadline order, instead of every job of the estate.

Revision ID: 0011_dashboard_indexes
Revises: 0010_access
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_dashboard_indexes"
down_revision: str | None = "0010_access"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVER = "ix_jobs_estate_completed_cover"
COVER_BEFORE = [
    "estate_id",
    "completed_at",
    "state",
    "deadline",
    "first_callback_at",
    "cb_manager",
    "cb_supervisor",
    "cb_lead",
    "answer",
    "calls",
    "calls_reached",
    "assigned_role",
    "id",
]
COVER_AFTER = [*COVER_BEFORE[:-1], "worker", "repeat_of_id", "id"]
OPEN = "ix_jobs_open"
OPEN_COLUMNS = [
    "estate_id",
    "deadline",
    "completed_at",
    "calls",
    "failed_calls",
    "last_call_outcome",
]
OPEN_JOBS = "first_callback_at IS NULL AND state = 'active'"


def upgrade() -> None:
    op.drop_index(COVER, table_name="jobs")
    op.create_index(COVER, "jobs", COVER_AFTER)
    op.create_index(
        OPEN,
        "jobs",
        OPEN_COLUMNS,
        sqlite_where=sa.text(OPEN_JOBS),
        postgresql_where=sa.text(OPEN_JOBS),
    )


def downgrade() -> None:
    op.drop_index(OPEN, table_name="jobs")
    op.drop_index(COVER, table_name="jobs")
    op.create_index(COVER, "jobs", COVER_BEFORE)
