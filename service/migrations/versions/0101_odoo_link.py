"""Odoo link: sync cursor, request links, outbox

Revision ID: 0101_odoo_link
Revises: 0001_core
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.models

revision: str = "0101_odoo_link"
down_revision: str | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("odoo",)
depends_on: str | Sequence[str] | None = None

UTC = service.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "odoo_sync_cursor",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("second", UTC(), nullable=True),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("in_second", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
    )
    op.create_table(
        "odoo_requests",
        sa.Column("odoo_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("job_id", sa.Integer(), sa.ForeignKey("jobs.id"), nullable=True, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(100), nullable=True),
        sa.Column("write_date", UTC(), nullable=False),
        sa.Column("fingerprint", sa.String(40), nullable=False),
        sa.Column("completed_at", UTC(), nullable=True),
        sa.Column("completion_source", sa.String(16), nullable=True),
        sa.Column("worker_user_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(1000), nullable=True),
        sa.Column("written_hash", sa.String(40), nullable=True),
        sa.Column("synced_at", UTC(), nullable=False),
    )
    op.create_index("ix_odoo_requests_status", "odoo_requests", ["status"])
    op.create_table(
        "odoo_outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), sa.ForeignKey("jobs.id"), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC(), nullable=False),
        sa.Column("last_error", sa.String(2000), nullable=True),
        sa.Column("result_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("sent_at", UTC(), nullable=True),
    )
    op.create_index("ix_odoo_outbox_odoo_id", "odoo_outbox", ["odoo_id"])
    op.create_index("ix_odoo_outbox_due", "odoo_outbox", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("odoo_outbox")
    op.drop_table("odoo_requests")
    op.drop_table("odoo_sync_cursor")
