"""Compliance from one index: satisfaction counts per job, covering index

Each job keeps how many of its callbacks gave each satisfaction answer (filled from the
callbacks already stored), and one index on jobs holds every column the compliance figures
need, so an estate-month is counted from the index alone without joining callbacks.

Revision ID: 0002_compliance_indexes
Revises: 0001_core
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_compliance_indexes"
down_revision: str | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ANSWERS = ("satisfied", "fairly_satisfied", "unsatisfied")
COVER = [
    "estate_id",
    "completed_at",
    "state",
    "deadline",
    "first_callback_at",
    "cb_manager",
    "cb_supervisor",
    "cb_lead",
    *(f"sat_{a}" for a in ANSWERS),
    "id",
]


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        for answer in ANSWERS:
            batch.add_column(
                sa.Column(f"sat_{answer}", sa.Integer(), nullable=False, server_default="0")
            )
    for answer in ANSWERS:
        op.execute(
            f"UPDATE jobs SET sat_{answer} = (SELECT COUNT(*) FROM callbacks "
            f"WHERE callbacks.job_id = jobs.id AND callbacks.satisfaction = '{answer}')"
        )
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("ix_jobs_estate_completed")
        batch.create_index("ix_jobs_estate_completed_cover", COVER)


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("ix_jobs_estate_completed_cover")
        batch.create_index("ix_jobs_estate_completed", ["estate_id", "completed_at"])
        for answer in ANSWERS:
            batch.drop_column(f"sat_{answer}")
