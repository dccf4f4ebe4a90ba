"""The callback rules, as plain functions over plain data.

Everything here is the single source of a rule: windows and deadlines, periods in the estate's
timezone, quota arithmetic, on-time, and role assignment. No I/O, no framework imports.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from .categories import Category
from .errors import Conflict, InvalidInput


class Role(StrEnum):
    MANAGER = "manager"
    SUPERVISOR = "supervisor"
    LEAD = "lead"


#: Tie-break order for role assignment and the order roles are shown in.
ROLE_ORDER: tuple[Role, ...] = (Role.MANAGER, Role.SUPERVISOR, Role.LEAD)


class Channel(StrEnum):
    ON_SITE = "on_site"
    PHONE = "phone"


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"
    FAIRLY_SATISFIED = "fairly_satisfied"
    UNSATISFIED = "unsatisfied"


class JobStatus(StrEnum):
    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"


DEFAULT_WINDOWS_HOURS: Mapping[Category, int] = {
    Category.SAFETY: 48,
    Category.LEAK: 72,
    Category.GENERAL: 168,
}
DEFAULT_TARGETS_PCT: Mapping[Role, int] = {Role.MANAGER: 10, Role.SUPERVISOR: 30, Role.LEAD: 60}
DEFAULT_TIMEZONE = "Asia/Shanghai"
CALLBACK_FUTURE_TOLERANCE = timedelta(minutes=5)
COMPLAINT_TARGET_PCT = 1


@dataclass(frozen=True, slots=True)
class EstateRules:
    """An estate's callback windows (hours) and role targets (whole percent)."""

    timezone: str = DEFAULT_TIMEZONE
    windows_hours: Mapping[Category, int] = field(
        default_factory=lambda: dict(DEFAULT_WINDOWS_HOURS)
    )
    targets_pct: Mapping[Role, int] = field(default_factory=lambda: dict(DEFAULT_TARGETS_PCT))

    def __post_init__(self) -> None:
        zone(self.timezone)
        for category in Category:
            hours = self.windows_hours.get(category)
            if not isinstance(hours, int) or isinstance(hours, bool) or hours <= 0:
                raise InvalidInput(f"window for {category} must be a whole number of hours > 0")
        for role in Role:
            pct = self.targets_pct.get(role)
            if not isinstance(pct, int) or isinstance(pct, bool) or not 0 <= pct <= 100:
                raise InvalidInput(f"target for {role} must be a whole percent from 0 to 100")


# tzdata's zones, less the host-dependent aliases ("localtime" follows /etc/localtime).
_ZONES = frozenset(available_timezones()) - {"localtime", "posixrules", "Factory"}


def zone(name: str) -> ZoneInfo:
    """The IANA timezone ``name``; ``InvalidInput`` when there is no such zone."""
    if name not in _ZONES:
        raise InvalidInput(f"unknown timezone {name!r}: use an IANA name such as Asia/Shanghai")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - listed but unreadable
        raise InvalidInput(f"unknown timezone {name!r}") from None


def require_aware(moment: datetime, what: str = "time") -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"{what} needs a timezone offset, e.g. 2026-05-01T09:30:00+08:00")
    return moment


def deadline(completed_at: datetime, category: Category, rules: EstateRules) -> datetime:
    """Completion plus the category's window, in absolute hours (a DST change never moves it)."""
    return deadlines(rules)(completed_at, category)


def deadlines(rules: EstateRules) -> Callable[[datetime, Category | str], datetime]:
    """``deadline`` for the many jobs of one estate (a bulk creation): each category's window
    made once."""
    windows = {category: timedelta(hours=rules.windows_hours[category]) for category in Category}

    def of(completed_at: datetime, category: Category | str) -> datetime:
        require_aware(completed_at, "completed_at")
        return completed_at.astimezone(UTC) + windows[category]  # type: ignore[index]

    return of


def is_on_time(done_at: datetime, due: datetime) -> bool:
    return done_at <= due


def job_status(first_callback_at: datetime | None, due: datetime, now: datetime) -> JobStatus:
    if first_callback_at is not None:
        return JobStatus.DONE
    return JobStatus.OVERDUE if due < now else JobStatus.DUE


def check_callback(
    *,
    job_ref: str,
    job_state: str,
    completed_at: datetime,
    done_at: datetime,
    channel: Channel,
    inspected: bool,
    now: datetime,
) -> None:
    """A callback may be recorded: the job needs one, it happened after the repair and not in
    the future, and a phone callback inspected nothing on site. Raises ``Conflict`` or
    ``InvalidInput``."""
    if job_state != "active":
        raise Conflict(f"job {job_ref!r} is {job_state}: it needs no callback")
    if done_at < completed_at:
        raise InvalidInput(
            f"done_at {done_at.isoformat()} is before the repair was completed "
            f"({completed_at.isoformat()})"
        )
    if done_at > now + CALLBACK_FUTURE_TOLERANCE:
        raise InvalidInput("done_at is in the future: record a callback once it has happened")
    if channel == Channel.PHONE and inspected:
        raise InvalidInput(
            "a phone callback cannot inspect the repair on site: inspected must be false"
        )


# ---------------------------------------------------------------- periods
MIN_YEAR, MAX_YEAR = 1970, 9998  # a period's bounds must stay inside datetime's range
_PERIOD = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A calendar month, read in an estate's timezone."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.fullmatch(text or "")
        if not match:
            raise InvalidInput(f"period {text!r} must look like YYYY-MM, e.g. 2026-05")
        if not MIN_YEAR <= int(match[1]) <= MAX_YEAR:
            raise InvalidInput(f"period {text!r} is out of range: years {MIN_YEAR}-{MAX_YEAR}")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def containing(cls, moment: datetime, timezone: str) -> Period:
        local = require_aware(moment).astimezone(zone(timezone))
        return cls(local.year, local.month)

    def next(self) -> Period:
        return Period(self.year + self.month // 12, self.month % 12 + 1)

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """``[start, end)`` of the month as UTC instants."""
        tz = zone(timezone)
        following = self.next()
        start = datetime(self.year, self.month, 1, tzinfo=tz).astimezone(UTC)
        end = datetime(following.year, following.month, 1, tzinfo=tz).astimezone(UTC)
        return start, end

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


# ---------------------------------------------------------------- quotas
def required_callbacks(jobs: int, pct: int) -> int:
    """``ceil(jobs x pct / 100)`` in integers: 30 jobs at 10% need 3, never 4."""
    if jobs < 0 or not 0 <= pct <= 100:
        raise ValueError("jobs must be >= 0 and pct within 0..100")
    return -(-jobs * pct // 100)


@dataclass(frozen=True, slots=True)
class RoleQuota:
    target_pct: int
    done: int
    required: int
    shortfall: int
    rate: float
    compliant: bool


def role_quota(jobs: int, done: int, pct: int) -> RoleQuota:
    required = required_callbacks(jobs, pct)
    return RoleQuota(
        target_pct=pct,
        done=done,
        required=required,
        shortfall=max(0, required - done),
        rate=1.0 if jobs == 0 else done / jobs,
        compliant=done >= required,
    )


@dataclass(frozen=True, slots=True)
class PeriodCounts:
    """What the database counts for one estate and period; the rules turn it into figures."""

    jobs: int = 0
    done_by_role: Mapping[Role, int] = field(default_factory=dict)
    callbacks_done: int = 0  # jobs with at least one callback
    on_time: int = 0  # jobs whose earliest callback was at or before the deadline
    overdue_open: int = 0
    satisfaction: Mapping[Satisfaction, int] = field(default_factory=dict)  # jobs by answer
    phone_attempts: int = 0
    phone_reached: int = 0
    rectifications_open: int = 0  # not yet verified
    rectifications_late: int = 0  # notice or fix late (in any state)
    rectifications_notice_late: int = 0
    rectifications_fix_late: int = 0
    rectifications_verified: int = 0


@dataclass(frozen=True, slots=True)
class Compliance:
    period: Period
    jobs: int
    roles: dict[Role, RoleQuota]
    on_time_done: int
    on_time: int
    on_time_rate: float | None
    overdue_open: int
    satisfaction: dict[Satisfaction, int]
    phone_attempts: int
    phone_reached: int
    rectifications_open: int
    rectifications_late: int
    rectifications_notice_late: int
    rectifications_fix_late: int
    rectifications_verified: int

    @property
    def compliant(self) -> bool:
        return all(quota.compliant for quota in self.roles.values())

    @property
    def answered(self) -> int:
        """Jobs with an answer (the resident's own, else the staff's)."""
        return sum(self.satisfaction.values())

    @property
    def complaint_rate(self) -> float | None:
        """Unsatisfied jobs over answered jobs (the office aims below 1%)."""
        answers = self.answered
        return None if answers == 0 else self.satisfaction[Satisfaction.UNSATISFIED] / answers

    @property
    def phone_success_rate(self) -> float | None:
        """Calls that reached the resident over all calls ("4,428 calls, 3,158 reached")."""
        return None if self.phone_attempts == 0 else self.phone_reached / self.phone_attempts


def compliance(period: Period, counts: PeriodCounts, rules: EstateRules) -> Compliance:
    return Compliance(
        period=period,
        jobs=counts.jobs,
        roles={
            role: role_quota(counts.jobs, counts.done_by_role.get(role, 0), rules.targets_pct[role])
            for role in ROLE_ORDER
        },
        on_time_done=counts.callbacks_done,
        on_time=counts.on_time,
        on_time_rate=None if counts.callbacks_done == 0 else counts.on_time / counts.callbacks_done,
        overdue_open=counts.overdue_open,
        satisfaction={s: counts.satisfaction.get(s, 0) for s in Satisfaction},
        phone_attempts=counts.phone_attempts,
        phone_reached=counts.phone_reached,
        rectifications_open=counts.rectifications_open,
        rectifications_late=counts.rectifications_late,
        rectifications_notice_late=counts.rectifications_notice_late,
        rectifications_fix_late=counts.rectifications_fix_late,
        rectifications_verified=counts.rectifications_verified,
    )


def projection(
    quota: RoleQuota, *, jobs_so_far: int, days_elapsed: float, days_total: float
) -> int:
    """Callbacks a role still needs by period end if jobs keep arriving at the current pace."""
    if days_elapsed <= 0:
        return quota.shortfall
    expected_jobs = round(jobs_so_far * days_total / days_elapsed)
    return max(
        0, required_callbacks(max(expected_jobs, jobs_so_far), quota.target_pct) - quota.done
    )


# ---------------------------------------------------------------- role assignment
def assign_role(assigned: Mapping[Role, int], targets_pct: Mapping[Role, int]) -> Role:
    """Smooth weighted round-robin, computed from the counts assigned so far.

    In smooth WRR each pick adds every role's weight to its running score and takes the total
    weight from the winner; after ``n`` picks a role's score is ``n*w - total*count``. So the
    next pick is the role with the highest ``(n+1)*w - total*count``, ties going manager,
    supervisor, lead. Keeping no state beyond the counts lets the database be the state.
    """
    total = sum(targets_pct[r] for r in ROLE_ORDER)
    if total == 0:
        return Role.LEAD
    n = sum(assigned.get(r, 0) for r in ROLE_ORDER)
    best = ROLE_ORDER[0]
    best_score: int | None = None
    for role in ROLE_ORDER:
        score = (n + 1) * targets_pct[role] - total * assigned.get(role, 0)
        if best_score is None or score > best_score:
            best, best_score = role, score
    return best


def rectifications_state(
    rectifications: Iterable[tuple[datetime, datetime | None]], now: datetime
) -> str:
    """One job's rectifications, given as ``(due_at, done_at)``, in one word: ``none``,
    ``late`` (one open past its due time), ``open`` (one still open) or ``done``."""
    items = list(rectifications)
    if not items:
        return "none"
    if any(done is None and due < now for due, done in items):
        return "late"
    if any(done is None for _due, done in items):
        return "open"
    return "done"
