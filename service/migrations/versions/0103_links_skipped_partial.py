"""Odoo link: only the skipped requests are indexed by status (ix_odoo_requests_skipped)

The one look-up by status is the retry of the skipped requests (``Syncer.retry_skipped``);
every other status was an index entry written per request and never read. A partial index
of the skipped ones' ids replaces the index of every request's status.

Revision ID: 0103_links_skipped_partial
Revises: 0102_cursor_by_id
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0103_links_skipped_partial"
down_revision: str | None = "0102_cursor_by_id"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SKIPPED = "status = 'skipped'"


def upgrade() -> None:
    op.drop_index("ix_odoo_requests_status", table_name="odoo_requests")
    op.create_index(
        "ix_odoo_requests_skipped",
        "odoo_requests",
        ["odoo_id"],
        sqlite_where=sa.text(SKIPPED),
        postgresql_where=sa.text(SKIPPED),
    )


def downgrade() -> None:
    op.drop_index("ix_odoo_requests_skipped", table_name="odoo_requests")
    op.create_index("ix_odoo_requests_status", "odoo_requests", ["status"])
