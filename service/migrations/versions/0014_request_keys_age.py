"""Idempotency keys are kept 30 days: request_keys by created_at

The scheduler's cycle deletes the keys older than that (``usecases.request_keys.purge_keys``);
the index lets it find them without reading the whole table.

Revision ID: 0014_request_keys_age
Revises: 0013_request_keys
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014_request_keys_age"
down_revision: str | None = "0013_request_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_request_keys_created_at"


def upgrade() -> None:
    op.create_index(INDEX, "request_keys", ["created_at"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="request_keys")
