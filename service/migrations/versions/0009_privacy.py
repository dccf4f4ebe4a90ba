"""Personal data kept as the law asks: when it was purged

``jobs.purged_at``: when the resident's name and phone number were removed; ``signatures.
purged_at``: when the image, strokes and signer's name were (their hashes stay, and the audit
chain records the purge).

Revision ID: 0009_privacy
Revises: 0008_audit_chain
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.models

revision: str = "0009_privacy"
down_revision: str | None = "0008_audit_chain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Time = service.models.UTCDateTime


def upgrade() -> None:
    op.add_column("jobs", sa.Column("purged_at", Time(), nullable=True))
    op.add_column("signatures", sa.Column("purged_at", Time(), nullable=True))
    op.create_index("ix_jobs_purge", "jobs", ["purged_at", "completed_at"])


def downgrade() -> None:
    op.drop_index("ix_jobs_purge", table_name="jobs")
    with op.batch_alter_table("signatures") as batch:
        batch.drop_column("purged_at")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("purged_at")
