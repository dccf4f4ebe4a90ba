"""Access: scoped API tokens, server-side sessions, failed sign-ins, Odoo push nonces

Revision ID: 0010_access
Revises: 0009_privacy
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.models

revision: str = "0010_access"
down_revision: str | None = "0009_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Time = service.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("estate_id", sa.Integer(), sa.ForeignKey("estates.id"), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", Time(), nullable=False),
        sa.Column("expires_at", Time(), nullable=True),
        sa.Column("revoked_at", Time(), nullable=True),
        sa.Column("revoked_by", sa.String(100), nullable=True),
        sa.Column("last_used_at", Time(), nullable=True),
    )
    op.create_index("ix_api_tokens_estate_id", "api_tokens", ["estate_id"])
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("created_at", Time(), nullable=False),
        sa.Column("expires_at", Time(), nullable=False),
        sa.Column("ended_at", Time(), nullable=True),
    )
    op.create_index("ix_web_sessions_staff_id", "web_sessions", ["staff_id"])
    op.create_table(
        "signin_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("login", sa.String(100), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", Time(), nullable=False),
    )
    op.create_index("ix_signin_failures_login_at", "signin_failures", ["login", "at"])
    op.create_index("ix_signin_failures_address_at", "signin_failures", ["address", "at"])
    op.create_table(
        "push_nonces",
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("seen_at", Time(), nullable=False),
    )
    op.create_index("ix_push_nonces_seen_at", "push_nonces", ["seen_at"])


def downgrade() -> None:
    op.drop_table("push_nonces")
    op.drop_table("signin_failures")
    op.drop_table("web_sessions")
    op.drop_table("api_tokens")
