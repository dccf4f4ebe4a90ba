"""The Odoo link's tables: the read cursor, what is known of each request, the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import _time, utcnow


# ------------------------------------------------------------------ Odoo link
# Rows point at jobs by ``job_id``; the Odoo link reads and writes them, use cases write
# outbox rows (what Odoo must be told) in their own transactions.
class OdooCursor(SQLModel, table=True):
    """Where the incremental read stopped: every request written before ``second`` is done,
    and, when ``in_second``, those of that second with an id up to ``last_id``; when
    ``by_id``, the first read of all has read every id up to ``last_id`` and goes on from
    ``second`` after the last (``odoo.cursor``)."""

    __tablename__ = "odoo_sync_cursor"

    name: str = Field(primary_key=True, max_length=100)
    second: datetime | None = _time(nullable=True)
    last_id: int = 0
    in_second: bool = False
    by_id: bool = False
    updated_at: datetime = _time(default=utcnow)


#: The rows of the partial index of skipped requests.
SKIPPED = "status = 'skipped'"


class OdooRequestLink(SQLModel, table=True):
    """What the service knows of one Odoo maintenance request."""

    __tablename__ = "odoo_requests"
    # The skipped requests, retried (``Syncer.retry_skipped``): the one look-up by status.
    __table_args__ = (
        sa.Index(
            "ix_odoo_requests_skipped",
            "odoo_id",
            sqlite_where=sa.text(SKIPPED),
            postgresql_where=sa.text(SKIPPED),
        ),
    )

    odoo_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    job_id: int | None = Field(default=None, foreign_key="jobs.id", unique=True)
    # open | done | not_required | archived | deleted | skipped
    status: str = Field(max_length=16)
    stage: str | None = Field(default=None, max_length=100)
    write_date: datetime = _time()
    fingerprint: str = Field(max_length=40)
    completed_at: datetime | None = _time(nullable=True)
    # addon | write_date | close_date: where the job's completion time came from
    completion_source: str | None = Field(default=None, max_length=16)
    worker_user_id: int | None = None
    team_id: int | None = None
    note: str | None = Field(default=None, max_length=1000)
    # Fingerprint of the callback fields last queued for Odoo (nothing queued twice).
    written_hash: str | None = Field(default=None, max_length=40)
    synced_at: datetime = _time(default=utcnow)


class OdooOutbox(SQLModel, table=True):
    """A write to Odoo waiting to be made; ``key`` makes it happen at most once."""

    __tablename__ = "odoo_outbox"
    __table_args__ = (sa.Index("ix_odoo_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    odoo_id: int = Field(index=True)
    job_id: int | None = Field(default=None, foreign_key="jobs.id")
    # fields | message | activity | attachment | request
    kind: str = Field(max_length=16)
    payload: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    # pending | sent | superseded | dead
    status: str = Field(default="pending", max_length=12)
    attempts: int = 0
    next_attempt_at: datetime = _time(default=utcnow)
    last_error: str | None = Field(default=None, max_length=2000)
    result_id: int | None = None
    created_at: datetime = _time(default=utcnow)
    sent_at: datetime | None = _time(nullable=True)
