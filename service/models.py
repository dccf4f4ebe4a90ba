"""Database tables (SQLModel). Times are stored as UTC and always come back timezone-aware."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Stores an aware datetime as naive UTC; returns it aware (UTC) on both SQLite and PG."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _time(nullable: bool = False, **kw: Any) -> Any:
    return Field(sa_column=sa.Column(UTCDateTime(), nullable=nullable, **kw))


class Estate(SQLModel, table=True):
    __tablename__ = "estates"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    timezone: str = Field(max_length=64, default="Asia/Shanghai")
    window_safety_h: int = 48
    window_leak_h: int = 72
    window_general_h: int = 168
    target_manager_pct: int = 10
    target_supervisor_pct: int = 30
    target_lead_pct: int = 60
    created_at: datetime = _time(default=utcnow)
    updated_at: datetime = _time(default=utcnow)


class Staff(SQLModel, table=True):
    __tablename__ = "staff"
    __table_args__ = (sa.UniqueConstraint("estate_id", "name", name="uq_staff_estate_name"),)

    id: int | None = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estates.id", index=True)
    name: str = Field(max_length=100)
    role: str = Field(max_length=16)
    odoo_user_id: int | None = None
    login: str | None = Field(default=None, max_length=100, unique=True)
    password_hash: str | None = Field(default=None, max_length=200)
    active: bool = True


class Job(SQLModel, table=True):
    __tablename__ = "jobs"
    __table_args__ = (
        # Covers the compliance query and the role counts of new jobs: one estate-month is
        # read from the index alone.
        sa.Index(
            "ix_jobs_estate_completed_cover",
            "estate_id",
            "completed_at",
            "state",
            "deadline",
            "first_callback_at",
            "cb_manager",
            "cb_supervisor",
            "cb_lead",
            "sat_satisfied",
            "sat_fairly_satisfied",
            "sat_unsatisfied",
            "assigned_role",
            "id",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=100, unique=True, index=True)
    estate_id: int = Field(foreign_key="estates.id")
    unit: str | None = Field(default=None, max_length=100)
    resident_name: str | None = Field(default=None, max_length=100)
    resident_phone: str | None = Field(default=None, max_length=40)
    title: str | None = Field(default=None, max_length=300)
    category: str = Field(max_length=16)
    erp_category: str | None = Field(default=None, max_length=200)
    worker: str | None = Field(default=None, max_length=100)
    completed_at: datetime = _time()
    charge: Decimal | None = Field(default=None, sa_column=sa.Column(sa.Numeric(12, 2)))
    deadline: datetime = _time()
    assigned_role: str = Field(max_length=16)
    # active | cancelled (left the done stage) | archived | not_required (e.g. scrapped)
    state: str = Field(default="active", max_length=16)
    source: str = Field(default="api", max_length=16)
    # Kept up to date with the callbacks so compliance is one pass over jobs.
    first_callback_at: datetime | None = _time(nullable=True)
    cb_manager: bool = False
    cb_supervisor: bool = False
    cb_lead: bool = False
    sat_satisfied: int = 0  # callbacks of this job by answer
    sat_fairly_satisfied: int = 0
    sat_unsatisfied: int = 0
    created_at: datetime = _time(default=utcnow)
    updated_at: datetime = _time(default=utcnow)


class Callback(SQLModel, table=True):
    __tablename__ = "callbacks"

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="jobs.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    role: str = Field(max_length=16)
    staff: str = Field(max_length=100)
    channel: str = Field(max_length=16)
    done_at: datetime = _time()
    inspected: bool = False
    service_feedback: str | None = None
    suggestions: str | None = None
    charge_verified: bool = False
    charge_amount: Decimal | None = Field(default=None, sa_column=sa.Column(sa.Numeric(12, 2)))
    satisfaction: str | None = Field(default=None, max_length=20)
    problems: str | None = None
    created_at: datetime = _time(default=utcnow)


class Rectification(SQLModel, table=True):
    __tablename__ = "rectifications"

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="jobs.id", index=True)
    callback_id: int = Field(foreign_key="callbacks.id", index=True)
    worker: str | None = Field(default=None, max_length=100)
    problems: str
    due_at: datetime = _time()
    done_at: datetime | None = _time(nullable=True)
    resolution: str | None = None
    created_at: datetime = _time(default=utcnow)


class AuditLog(SQLModel, table=True):
    """Append-only: the migrations add triggers that refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _time(default=utcnow)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=50)
    entity: str = Field(max_length=50)
    entity_id: str = Field(max_length=100)
    detail: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON))
