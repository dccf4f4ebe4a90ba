"""Request and response bodies of the REST API (pydantic). Unknown fields are refused."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from .domain import Category, Channel, Role, Satisfaction, zone
from .domain.errors import InvalidInput

T = TypeVar("T")

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Ref = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^/\s?#%\\]+$"
    ),
]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WindowsIn(Strict):
    safety: int = Field(48, gt=0, le=24 * 365, strict=True)
    leak: int = Field(72, gt=0, le=24 * 365, strict=True)
    general: int = Field(168, gt=0, le=24 * 365, strict=True)


class TargetsIn(Strict):
    manager: int = Field(10, ge=0, le=100, strict=True)
    supervisor: int = Field(30, ge=0, le=100, strict=True)
    lead: int = Field(60, ge=0, le=100, strict=True)


class EstateIn(Strict):
    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    timezone: str = "Asia/Shanghai"
    windows_hours: WindowsIn = Field(default_factory=WindowsIn)
    targets_pct: TargetsIn = Field(default_factory=TargetsIn)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            zone(value)
        except InvalidInput as exc:
            raise ValueError(exc.detail) from None
        return value


class EstateOut(BaseModel):
    code: str
    name: str
    timezone: str
    windows_hours: dict[str, int]
    targets_pct: dict[str, int]


class JobIn(Strict):
    ref: Ref
    estate: Name
    unit: Text | None = None
    resident_name: Text | None = None
    resident_phone: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None
    ) = None
    title: Text | None = None
    category: Category | None = None
    erp_category: Text | None = None
    worker: Text | None = None
    completed_at: AwareDatetime
    charge: Money | None = None


class JobOut(BaseModel):
    ref: str
    estate: str
    unit: str | None
    resident_name: str | None
    resident_phone: str | None
    title: str | None
    category: Category
    erp_category: str | None
    worker: str | None
    completed_at: datetime
    charge: str | None
    deadline: datetime
    assigned_role: Role
    status: str
    state: str
    source: str
    first_callback_at: datetime | None


class CallbackIn(Strict):
    role: Role
    staff: Name
    channel: Channel
    done_at: AwareDatetime
    inspected: bool = False
    service_feedback: LongText | None = None
    suggestions: LongText | None = None
    charge_verified: bool = False
    charge_amount: Money | None = None
    satisfaction: Satisfaction | None = None
    problems: LongText | None = None


class CallbackOut(BaseModel):
    id: int
    job: str
    role: Role
    staff: str
    channel: Channel
    done_at: datetime
    inspected: bool
    service_feedback: str | None
    suggestions: str | None
    charge_verified: bool
    charge_amount: str | None
    satisfaction: Satisfaction | None
    problems: str | None
    on_time: bool
    rectification_id: int | None = None


class RectificationOut(BaseModel):
    id: int
    job: str
    callback_id: int
    worker: str | None
    problems: str
    due_at: datetime
    done_at: datetime | None
    resolution: str | None
    late: bool


class RectificationClose(Strict):
    done_at: AwareDatetime
    resolution: LongText | None = None


class Page(BaseModel, Generic[T]):
    data: list[T]
    count: int


class RoleFigures(BaseModel):
    target_pct: int
    done: int
    rate: float
    required: int
    shortfall: int
    compliant: bool


class OnTimeFigures(BaseModel):
    done: int
    on_time: int
    rate: float | None


class RectificationFigures(BaseModel):
    open: int
    late: int


class ComplianceOut(BaseModel):
    estate: str
    period: str
    as_of: datetime
    jobs: int
    compliant: bool
    roles: dict[str, RoleFigures]
    on_time: OnTimeFigures
    overdue_open: int
    satisfaction: dict[str, int]
    complaint_rate: float | None
    rectifications: RectificationFigures


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


class StaffIn(Strict):
    estate: Name
    name: Name
    role: Role
    login: (
        Annotated[
            str,
            StringConstraints(
                strip_whitespace=True, min_length=3, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$"
            ),
        ]
        | None
    ) = None
    password: Annotated[str, StringConstraints(min_length=8, max_length=200)] | None = None
    odoo_user_id: Annotated[int, Field(gt=0)] | None = None
    active: bool = True


class StaffOut(BaseModel):
    id: int
    estate: str
    name: str
    role: Role
    login: str | None
    odoo_user_id: int | None
    active: bool
