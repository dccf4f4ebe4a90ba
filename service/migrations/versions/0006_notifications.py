"""Notifications: staff channels and the scheduler's messages

Staff gain an e-mail address, a phone number, the channel their notifications go out on
(``notify_by``: odoo, email, webhook or log) and their language; the role ``worker`` (repair
workers, who receive rectification notices). ``notifications`` holds every message the
scheduler made, once per key and recipient.

Revision ID: 0006_notifications
Revises: 0005_follow_up
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.models

revision: str = "0006_notifications"
down_revision: str | None = "0005_follow_up"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Time = service.models.UTCDateTime
Text = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("email", Text(length=200), nullable=True))
        batch.add_column(sa.Column("phone", Text(length=40), nullable=True))
        batch.add_column(
            sa.Column("notify_by", Text(length=12), nullable=False, server_default="log")
        )
        batch.add_column(
            sa.Column("language", Text(length=8), nullable=False, server_default="zh_CN")
        )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", Text(length=16), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("key", Text(length=120), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("rectification_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("recipient", Text(length=100), nullable=False),
        sa.Column("channel", Text(length=12), nullable=False),
        sa.Column("language", Text(length=8), nullable=False),
        sa.Column("subject", Text(length=300), nullable=False),
        sa.Column("body", Text(), nullable=False),
        sa.Column("link", Text(length=1000), nullable=True),
        sa.Column("status", Text(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", Time(), nullable=False),
        sa.Column("error", Text(length=2000), nullable=True),
        sa.Column("created_at", Time(), nullable=False),
        sa.Column("sent_at", Time(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"]),
        sa.ForeignKeyConstraint(["rectification_id"], ["rectifications.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", "staff_id", name="uq_notifications_key_staff"),
    )
    op.create_index("ix_notifications_job_id", "notifications", ["job_id"])
    op.create_index("ix_notifications_due", "notifications", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_notifications_due", table_name="notifications")
    op.drop_index("ix_notifications_job_id", table_name="notifications")
    op.drop_table("notifications")
    with op.batch_alter_table("staff") as batch:
        for name in ("language", "notify_by", "phone", "email"):
            batch.drop_column(name)
