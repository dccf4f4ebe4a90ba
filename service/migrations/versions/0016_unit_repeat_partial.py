"""Repeat links read only jobs with a unit: ix_jobs_unit_repeat holds only those

A repair repeats an earlier one of the same unit and category; a job without a unit (an Odoo
request without the add-on, most imports) repeats nothing and is never looked up by unit, so
the index leaves it out: one index entry fewer to write per such job, and a smaller index.

Revision ID: 0016_unit_repeat_partial
Revises: 0015_estate_jobs_token
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_unit_repeat_partial"
down_revision: str | None = "0015_estate_jobs_token"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_jobs_unit_repeat"
COLUMNS = ["estate_id", "unit", "category", "completed_at"]
WITH_UNIT = "unit IS NOT NULL"


def upgrade() -> None:
    op.drop_index(INDEX, table_name="jobs")
    op.create_index(
        INDEX,
        "jobs",
        COLUMNS,
        sqlite_where=sa.text(WITH_UNIT),
        postgresql_where=sa.text(WITH_UNIT),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="jobs")
    op.create_index(INDEX, "jobs", COLUMNS)
