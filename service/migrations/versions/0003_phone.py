"""phone pages: used form links and signatures

Revision ID: 0003_phone
Revises: 0001_core
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.models

revision: str = "0003_phone"
down_revision: str | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "form_token_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("callback_id", sa.Integer(), nullable=True),
        sa.Column("submission_key", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("used_at", service.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"]),
        sa.ForeignKeyConstraint(["callback_id"], ["callbacks.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nonce"),
    )
    op.create_index("ix_form_token_uses_job_id", "form_token_uses", ["job_id"])
    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("callback_id", sa.Integer(), nullable=True),
        sa.Column("token_use_id", sa.Integer(), nullable=False),
        sa.Column("taken_on", sa.String(length=16), nullable=False),
        sa.Column("signer_name", sa.String(length=100), nullable=True),
        sa.Column("signed_at", service.models.UTCDateTime(), nullable=False),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.Column("refuse_reason", sa.String(), nullable=True),
        sa.Column("satisfaction", sa.String(length=20), nullable=True),
        sa.Column("comment", sa.String(), nullable=True),
        sa.Column("png", sa.LargeBinary(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("strokes", sa.JSON(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"]),
        sa.ForeignKeyConstraint(["callback_id"], ["callbacks.id"]),
        sa.ForeignKeyConstraint(["token_use_id"], ["form_token_uses.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_use_id"),
    )
    op.create_index("ix_signatures_job_id", "signatures", ["job_id"])
    op.create_index("ix_signatures_callback_id", "signatures", ["callback_id"])


def downgrade() -> None:
    op.drop_index("ix_signatures_callback_id", table_name="signatures")
    op.drop_index("ix_signatures_job_id", table_name="signatures")
    op.drop_table("signatures")
    op.drop_index("ix_form_token_uses_job_id", table_name="form_token_uses")
    op.drop_table("form_token_uses")
