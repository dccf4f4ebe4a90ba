"""Odoo link: the first read of all goes by id (odoo_sync_cursor.by_id)

A cursor stored in the middle of a first sync says so: the next run goes on by id from its
``last_id`` (``service.odoo.cursor``). Cursors already stored are ordinary ones.

Revision ID: 0102_cursor_by_id
Revises: 0101_odoo_link
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0102_cursor_by_id"
down_revision: str | None = "0101_odoo_link"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("odoo_sync_cursor") as batch_op:
        batch_op.add_column(
            sa.Column("by_id", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("odoo_sync_cursor") as batch_op:
        batch_op.drop_column("by_id")
