"""The covering index on jobs also holds the assigned role

New jobs get their role from the counts of roles already assigned in the estate-month; with
``assigned_role`` in the index that count is read from the index alone, like compliance.

Revision ID: 0004_cover_assigned_role
Revises: 0002_compliance_indexes
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004_cover_assigned_role"
down_revision: str | None = "0002_compliance_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_jobs_estate_completed_cover"
BEFORE = [
    "estate_id",
    "completed_at",
    "state",
    "deadline",
    "first_callback_at",
    "cb_manager",
    "cb_supervisor",
    "cb_lead",
    "sat_satisfied",
    "sat_fairly_satisfied",
    "sat_unsatisfied",
    "id",
]
AFTER = [*BEFORE[:-1], "assigned_role", "id"]


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index(INDEX)
        batch.create_index(INDEX, AFTER)


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index(INDEX)
        batch.create_index(INDEX, BEFORE)
