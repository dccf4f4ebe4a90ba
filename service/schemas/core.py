"""The REST API's bodies (pydantic): estates, jobs, callbacks, phone attempts, rectifications,
the ledger and compliance (staff and notifications: ``staff``). Unknown fields are refused."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)

from ..domain import (
    DEFAULT_FOLLOW_UP,
    DEFAULT_TARGETS_PCT,
    DEFAULT_TIMEZONE,
    DEFAULT_WINDOWS_HOURS,
    CallOutcome,
    Category,
    Channel,
    NoticeChannel,
    Role,
    Satisfaction,
    zone,
)
from ..domain.errors import InvalidInput
from ..domain.rules import MAX_YEAR, MIN_YEAR
from .text import ESTATE_CODE_PATTERN as ESTATE_CODE_PATTERN  # re-exported
from .text import REF_PATTERN as REF_PATTERN  # re-exported
from .text import (
    Documented,
    EstateCode,
    LongName,
    LongText,
    Name,
    Phone,
    Ref,
    Text,
    free_text,
)
from .text import FilterText as FilterText  # re-exported

T = TypeVar("T")

MONEY_PATTERN = r"^[0-9]{1,10}(\.[0-9]{1,2})?$"
_MONEY = re.compile(MONEY_PATTERN)  # ASCII digits only


def _money(value: Any) -> Any:
    """A decimal string such as "12.50": not negative, at most 2 decimals, below 10 billion (a
    JSON number is refused: 0.1 + 0.2 is not what anyone meant to charge)."""
    if not isinstance(value, str | Decimal):
        raise ValueError(f'must be a decimal string such as "12.50", not {value!r}')
    text = str(value)
    if not _MONEY.fullmatch(text):
        raise ValueError(
            f'must be a decimal string such as "12.50" (not negative, at most 2 decimals), '
            f"not {value!r}"
        )
    return Decimal(text)


Money = Annotated[
    Decimal,
    BeforeValidator(_money),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": MONEY_PATTERN,
            "description": "a decimal string: not negative, at most 2 decimals",
            "examples": ["12.50"],
        }
    ),
]

# Years MIN_YEAR-MAX_YEAR (1970-9998): the calendar rules' range (tests check the two agree).
_YEAR = r"(?:19[7-9][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
_MONTH = r"(?:0[1-9]|1[0-2])"
#: ``YYYY-MM`` with a real month, within the years the calendar rules handle.
PERIOD_PATTERN = rf"^{_YEAR}-{_MONTH}$"
_CLOCK = (
    r"-(?:0[1-9]|[12][0-9]|3[01])[Tt ](?:[01][0-9]|2[0-3]):[0-5][0-9]"
    r"(?::[0-5][0-9](?:\.[0-9]+)?)?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
)
#: ISO 8601 with an offset (``Z`` allowed; ``T`` or a space between date and clock; seconds and
#: their fraction optional), years 1970-9998: RFC 3339 and the shorter forms people write.
TIME_PATTERN = rf"^{_YEAR}-{_MONTH}{_CLOCK}"
_TIME_SHAPE = re.compile(rf"^[0-9]{{4}}-{_MONTH}{_CLOCK}")  # any year: refused below, by name
TIME_EXAMPLE = "2026-05-01T09:30:00+08:00"


def _time_text(value: Any) -> Any:
    """Only ISO 8601 text: pydantic would also read a number as seconds since 1970, and a time
    without an offset."""
    if isinstance(value, datetime) or (isinstance(value, str) and _TIME_SHAPE.fullmatch(value)):
        return value
    if isinstance(value, str) and _TIME_SHAPE.fullmatch(value + "Z"):
        return value  # no offset: refused as such (timezone_aware) by pydantic
    raise ValueError(f"must be an ISO 8601 time with an offset, e.g. {TIME_EXAMPLE}")


def _time_in_range(value: datetime) -> datetime:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"year {value.year} is out of range ({MIN_YEAR}-{MAX_YEAR})")
    return value


#: ISO 8601 with an offset (``Z`` allowed), within the years the calendar rules handle.
Time = Annotated[
    AwareDatetime,
    BeforeValidator(_time_text),
    AfterValidator(_time_in_range),
    # the pattern says what is read; JSON Schema's "date-time" format (RFC 3339) is narrower
    Documented(TIME_PATTERN, drop_format=True),
]


def _period(value: str) -> str:
    if not re.fullmatch(PERIOD_PATTERN, value):
        shape = re.fullmatch(r"([0-9]{4})-([0-9]{2})", value)
        if shape and not 1 <= int(shape[2]) <= 12:
            raise ValueError(f"period {value!r}: there is no month {shape[2]}; months are 01-12")
        raise ValueError(
            f"period {value!r} must look like YYYY-MM (a month 01-12, years"
            f" {MIN_YEAR}-{MAX_YEAR}), e.g. 2026-05"
        )
    return value


def _period_or_empty(value: str) -> str:
    return _period(value) if value else value


#: A month as ``YYYY-MM``, in a filter (empty: no filter).
PeriodQuery = Annotated[
    str, AfterValidator(_period_or_empty), Documented(rf"^(?:{PERIOD_PATTERN[1:-1]})?$")
]


def _whole_number(value: Any) -> Any:
    # JSON has numbers, not integers: 24.0 is the integer 24 (the schema's "integer" says so).
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: A whole number as JSON sends it (24 or 24.0; not "24", not true, not 24.5).
Whole = Annotated[int, BeforeValidator(_whole_number), Field(strict=True)]
#: A database id: a whole number from 1 to 2**31 - 1.
Id = Annotated[int, Field(strict=True, ge=1, le=2**31 - 1), BeforeValidator(_whole_number)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WindowsIn(Strict):
    safety: Whole = Field(DEFAULT_WINDOWS_HOURS[Category.SAFETY], gt=0, le=24 * 365, strict=True)
    leak: Whole = Field(DEFAULT_WINDOWS_HOURS[Category.LEAK], gt=0, le=24 * 365, strict=True)
    general: Whole = Field(DEFAULT_WINDOWS_HOURS[Category.GENERAL], gt=0, le=24 * 365, strict=True)


class TargetsIn(Strict):
    manager: Whole = Field(DEFAULT_TARGETS_PCT[Role.MANAGER], ge=0, le=100, strict=True)
    supervisor: Whole = Field(DEFAULT_TARGETS_PCT[Role.SUPERVISOR], ge=0, le=100, strict=True)
    lead: Whole = Field(DEFAULT_TARGETS_PCT[Role.LEAD], ge=0, le=100, strict=True)


_F = DEFAULT_FOLLOW_UP
# Whole hours > 0, up to ten years: the bound keeps date arithmetic inside the calendar.
_HOURS = {"gt": 0, "le": 24 * 366 * 10, "strict": True}


class FollowUpIn(Strict):
    """An estate's follow-up settings; each optional, in whole hours (attempts: a count)."""

    reminder_hours_before: Whole = Field(_F.reminder_hours_before, **_HOURS)
    escalation_step_hours: Whole = Field(_F.escalation_step_hours, **_HOURS)
    phone_attempts_before_visit: Whole = Field(
        _F.phone_attempts_before_visit, ge=1, le=2**31 - 1, strict=True
    )
    rectification_fix_hours: Whole = Field(_F.rectification_fix_hours, **_HOURS)
    late_entry_hours: Whole = Field(_F.late_entry_hours, **_HOURS)
    repeat_window_days: Whole = Field(_F.repeat_window_days, ge=1, le=366 * 10, strict=True)


def timezone_names() -> list[str]:
    """Every timezone an estate may have (the IANA names the calendar rules take)."""
    names = []
    for name in sorted(available_timezones()):
        try:
            zone(name)
        except InvalidInput:
            continue
        names.append(name)
    return names


class EstateIn(Strict):
    name: LongName | None = None
    timezone: Annotated[str, Documented(enum=timezone_names)] = DEFAULT_TIMEZONE
    windows_hours: WindowsIn = Field(default_factory=WindowsIn)
    targets_pct: TargetsIn = Field(default_factory=TargetsIn)
    follow_up: FollowUpIn = Field(default_factory=FollowUpIn)

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
    follow_up: dict[str, int]


# As long as the jobs table's columns: PostgreSQL refuses a longer value.
_Text100 = free_text(max_length=100)
_Text200 = free_text(max_length=200)


class JobIn(Strict):
    ref: Ref
    estate: EstateCode
    unit: _Text100 | None = None
    resident_name: _Text100 | None = None
    resident_phone: Phone | None = None
    title: Text | None = None
    category: Category | None = None
    erp_category: _Text200 | None = None
    worker: _Text100 | None = None
    completed_at: Time
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
    answer: Satisfaction | None
    answer_source: Literal["resident", "staff"] | None
    failed_calls: int
    next_step: Literal["none", "callback", "visit"]
    repeat_of: str | None
    followed_by_repeat: bool
    calls: int
    calls_reached: int


class CallbackAnswers(Strict):
    """What a callback found: the checklist of the callback rules, the answer, the problems."""

    inspected: StrictBool = False
    service_feedback: LongText | None = None
    suggestions: LongText | None = None
    charge_verified: StrictBool = False
    charge_amount: Money | None = None
    satisfaction: Satisfaction | None = None
    problems: LongText | None = None


class _CallbackWho(Strict):
    role: Role
    staff: Name
    channel: Channel
    done_at: Time


# pydantic lists the fields of the last base first: who called back, then what they found.
class CallbackIn(CallbackAnswers, _CallbackWho):
    attempt_id: Id | None = Field(
        default=None, description="the reached call a phone callback follows"
    )


class PhoneAttemptIn(Strict):
    staff: Name
    role: Role
    at: Time
    outcome: CallOutcome
    next_at: Time | None = None
    note: LongText | None = None


#: A page's own key for one submission, kept for its resends (a dropped connection).
SubmissionKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]


class PageCallIn(Strict):
    """A call made from the staff page: its outcome; the time is the server's. ``call_key``:
    the tap's key, sent again with a resend of the same tap (recorded once)."""

    outcome: CallOutcome
    next_at: Time | None = None
    note: LongText | None = None
    call_key: SubmissionKey | None = None


class PhoneAttemptOut(BaseModel):
    id: int
    job: str
    staff: str
    role: Role
    at: datetime
    outcome: CallOutcome
    next_at: datetime | None
    note: str | None


class ConfirmationOut(BaseModel):
    """What the resident answered and signed on their own phone."""

    id: int
    at: datetime
    satisfaction: Satisfaction | None
    comment: str | None
    signed: bool
    refused: bool
    refusal_reason: str | None
    signature_sha256: str | None
    charge_disputed: bool
    charge_note: str | None
    rectification_id: int | None


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
    recorded_at: datetime
    late_entry: bool
    rectification_id: int | None = None


class RectificationOut(BaseModel):
    id: int
    job: str
    source: Literal["problems", "unsatisfied", "resident"]
    problem: str
    found_by: str
    worker: str | None
    callback_id: int | None
    confirmation_id: int | None
    opened_at: datetime
    notice_due_at: datetime
    notified_at: datetime | None
    notified_via: str | None
    acknowledged_at: datetime | None
    dispute: str | None
    fix_due_at: datetime
    fixed_at: datetime | None
    fix_note: str | None
    verified_at: datetime | None
    verified_by: str | None
    state: Literal["open", "notified", "fixed", "verified"]
    notice_late: bool
    fix_late: bool


class VerifiedOut(RectificationOut):
    """The rectification after a verification, and the fresh confirmation link for the
    resident when the fix was accepted (the office sends it, or it goes on a new form)."""

    resident_link: str | None


class MoveIn(Strict):
    at: Time
    by: Name


class NotifiedIn(MoveIn):
    via: NoticeChannel


class FixedIn(MoveIn):
    note: LongText | None = None


class VerifyIn(MoveIn):
    accepted: StrictBool
    note: LongText | None = None


class RectificationClose(Strict):
    """The old way to say a rectification was fixed (``POST .../close``)."""

    done_at: Time
    resolution: LongText | None = None


class LedgerRowOut(BaseModel):
    """One row of the callback ledger (回访台帐): a callback with its job."""

    id: int
    estate: str
    job: str
    unit: str | None
    title: str | None
    category: Category
    worker: str | None
    completed_at: datetime
    deadline: datetime
    role: Role
    staff: str
    channel: Channel
    done_at: datetime
    on_time: bool
    late_entry: bool
    answer: Satisfaction | None
    answer_source: Literal["resident", "staff"] | None
    inspected: bool
    charge_verified: bool
    charge: str | None
    charge_amount: str | None
    charge_differs: bool
    satisfaction: Satisfaction | None
    service_feedback: str | None
    suggestions: str | None
    problems: str | None
    rectification_id: int | None
    rectification: Literal["open", "notified", "fixed", "verified"] | None
    signature: Literal["signed", "unsigned"] | None
    repeat_of: str | None
    followed_by_repeat: bool
    calls: int
    calls_reached: int


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
    notice_late: int
    fix_late: int
    verified: int


class PhoneFigures(BaseModel):
    attempts: int
    reached: int
    success_rate: float | None


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
    answered: int
    complaint_rate: float | None
    phone: PhoneFigures
    rectifications: RectificationFigures


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"
