"""Resident links and quota draws

``resident_link_sends`` records each confirmation link sent to a resident by text, WeChat or
e-mail (retried like a notification, the address masked for display). ``quota_draws`` logs the
daily pick of the jobs each role should call back to meet its quota: candidates, weights, seed
and result, so the draw can be repeated from the log.

Revision ID: 0007_resident_links_quota_draws
Revises: 0006_notifications
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.models

revision: str = "0007_resident_links_quota_draws"
down_revision: str | None = "0006_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Time = service.models.UTCDateTime
Text = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "resident_link_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("channel", Text(length=8), nullable=False),
        sa.Column("address", Text(length=200), nullable=False),
        sa.Column("address_masked", Text(length=200), nullable=False),
        sa.Column("requested_by", Text(length=100), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("language", Text(length=8), nullable=False),
        sa.Column("status", Text(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", Time(), nullable=False),
        sa.Column("error", Text(length=2000), nullable=True),
        sa.Column("created_at", Time(), nullable=False),
        sa.Column("sent_at", Time(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_resident_link_sends_job_id", "resident_link_sends", ["job_id"])
    op.create_index(
        "ix_resident_link_sends_due", "resident_link_sends", ["status", "next_attempt_at"]
    )
    op.create_table(
        "quota_draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("day", Text(length=10), nullable=False),
        sa.Column("period", Text(length=7), nullable=False),
        sa.Column("role", Text(length=16), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("method", Text(length=16), nullable=False),
        sa.Column("seed", Text(length=32), nullable=True),
        sa.Column("needed", sa.Integer(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("picked", sa.JSON(), nullable=False),
        sa.Column("created_at", Time(), nullable=False),
        sa.ForeignKeyConstraint(["estate_id"], ["estates.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "estate_id", "day", "period", "role", "round", name="uq_quota_draws_day"
        ),
    )
    op.create_index("ix_quota_draws_estate_id", "quota_draws", ["estate_id"])


def downgrade() -> None:
    op.drop_index("ix_quota_draws_estate_id", table_name="quota_draws")
    op.drop_table("quota_draws")
    op.drop_index("ix_resident_link_sends_due", table_name="resident_link_sends")
    op.drop_index("ix_resident_link_sends_job_id", table_name="resident_link_sends")
    op.drop_table("resident_link_sends")
