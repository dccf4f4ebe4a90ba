"""Idempotency keys of writes: request_keys

A client that sends ``Idempotency-Key`` with a callback and sends it again (after a timeout,
or a 503 that could not say whether it was saved) gets the callback the first request made.

Revision ID: 0013_request_keys
Revises: 0012_callback_tallies
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.models

revision: str = "0013_request_keys"
down_revision: str | None = "0012_callback_tallies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Time = service.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "request_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("created_at", Time(), nullable=False),
        sa.UniqueConstraint("actor", "key", name="uq_request_keys_actor_key"),
    )


def downgrade() -> None:
    op.drop_table("request_keys")
