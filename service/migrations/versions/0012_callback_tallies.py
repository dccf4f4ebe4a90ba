"""Kept counts of callbacks per estate-month: callback_tallies and entry_delays

The dashboard's staff table (callbacks, on time, by channel) and its late entries are read
from counts kept up to date with the callbacks and the jobs (``service.usecases.tallies``)
instead of a pass over the month's callbacks. Both tables are filled here from the callbacks
already stored.

Revision ID: 0012_callback_tallies
Revises: 0011_dashboard_indexes
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.models
from service.usecases.tallies import fill

revision: str = "0012_callback_tallies"
down_revision: str | None = "0011_dashboard_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Time = service.models.UTCDateTime
Text = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "callback_tallies",
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("period", Text(length=7), nullable=False),
        sa.Column("staff", Text(length=100), nullable=False),
        sa.Column("role", Text(length=16), nullable=False),
        sa.Column("channel", Text(length=16), nullable=False),
        sa.Column("timezone", Text(length=64), nullable=False),
        sa.Column("callbacks", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["estate_id"], ["estates.id"]),
        sa.PrimaryKeyConstraint("estate_id", "period", "staff", "role", "channel"),
    )
    op.create_table(
        "entry_delays",
        sa.Column("callback_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("period", Text(length=7), nullable=False),
        sa.Column("timezone", Text(length=64), nullable=False),
        sa.Column("done_at", Time(), nullable=False),
        sa.Column("recorded_at", Time(), nullable=False),
        sa.ForeignKeyConstraint(["callback_id"], ["callbacks.id"]),
        sa.ForeignKeyConstraint(["estate_id"], ["estates.id"]),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"]),
        sa.PrimaryKeyConstraint("callback_id"),
    )
    op.create_index("ix_entry_delays_job_id", "entry_delays", ["job_id"])
    op.create_index(
        "ix_entry_delays_period", "entry_delays", ["estate_id", "period", "recorded_at"]
    )
    with sqlmodel.Session(bind=op.get_bind()) as session:
        fill(session)


def downgrade() -> None:
    op.drop_table("entry_delays")
    op.drop_table("callback_tallies")
