"""Following every answer through: phone attempts, the job's answer, and rectification.

The single source of these rules (DOMAIN.md, seed 003 回访工作制度 and 住宅区管理处回访制度):

- **Phone attempts** (电话回访): each call has an outcome; ``no_answer``, ``busy``, ``refused``
  and ``wrong_number`` failed. After ``phone_attempts_before_visit`` failed calls, or when the
  latest call was refused or went to a wrong number, the callback becomes an on-site visit.
- **A job's answer** is the resident's own latest answer when there is one, else the latest
  answer a staff member recorded: satisfaction and complaints count jobs, not callbacks.
- **Rectification** (整改): a problem found is notified *in writing to the worker within 24
  hours* of being found; the fix then has its own due time (``rectification_fix_hours``), is
  verified by someone other than the worker, and may be rejected back to the worker.
  ``open -> notified -> fixed -> verified``; a rejected fix goes back to ``notified``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from .errors import Conflict, InvalidInput
from .rules import CALLBACK_FUTURE_TOLERANCE, Satisfaction, require_aware


@dataclass(frozen=True, slots=True)
class FollowUp:
    """An estate's follow-up settings, in whole hours (attempts: a count; repeats: days)."""

    reminder_hours_before: int = 24
    escalation_step_hours: int = 24
    phone_attempts_before_visit: int = 3
    rectification_fix_hours: int = 72
    late_entry_hours: int = 24
    repeat_window_days: int = 30

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidInput(f"follow_up.{name} must be a whole number >= 1")


DEFAULT_FOLLOW_UP = FollowUp()
NOTICE_HOURS = 24  # the written notice reaches the worker within 24 hours of the finding


# ---------------------------------------------------------------- phone attempts
class CallOutcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    REFUSED = "refused"
    WRONG_NUMBER = "wrong_number"
    RESCHEDULED = "rescheduled"


FAILED_OUTCOMES = frozenset(
    {CallOutcome.NO_ANSWER, CallOutcome.BUSY, CallOutcome.REFUSED, CallOutcome.WRONG_NUMBER}
)
#: Outcomes after which calling again makes no sense: the next step is a visit at once.
VISIT_AT_ONCE = frozenset({CallOutcome.REFUSED, CallOutcome.WRONG_NUMBER})


class NextStep(StrEnum):
    NONE = "none"
    CALLBACK = "callback"
    VISIT = "visit"


def is_failed(outcome: CallOutcome) -> bool:
    return outcome in FAILED_OUTCOMES


def next_step(
    *,
    done: bool,
    failed_calls: int,
    last_outcome: CallOutcome | None,
    attempts_before_visit: int,
) -> NextStep:
    """``none`` once the job has a callback; ``visit`` when the failed calls reached the
    estate's limit or the latest call (by its time) was refused or a wrong number; else
    ``callback``."""
    if done:
        return NextStep.NONE
    if failed_calls >= attempts_before_visit or last_outcome in VISIT_AT_ONCE:
        return NextStep.VISIT
    return NextStep.CALLBACK


def check_phone_attempt(
    *,
    completed_at: datetime,
    deadline: datetime,
    at: datetime,
    outcome: CallOutcome,
    next_at: datetime | None,
    note: str | None,
    now: datetime,
) -> None:
    """A call may be recorded: after the repair, not in the future; a reschedule names a later
    time, and one past the callback deadline says why."""
    if at < completed_at:
        raise InvalidInput(
            f"at {at.isoformat()} is before the repair was completed ({completed_at.isoformat()})"
        )
    if at > now + CALLBACK_FUTURE_TOLERANCE:
        raise InvalidInput("at is in the future: record a call once it has been made")
    if outcome == CallOutcome.RESCHEDULED:
        if next_at is None:
            raise InvalidInput("next_at: a rescheduled call needs the agreed time")
        if next_at <= at:
            raise InvalidInput("next_at must be after the call (at)")
        if next_at > deadline and not (note or "").strip():
            raise InvalidInput(
                "note: the new time is after the callback deadline: say why (the resident's "
                "wish, travel...)"
            )


# ---------------------------------------------------------------- the job's answer
class AnswerSource(StrEnum):
    RESIDENT = "resident"
    STAFF = "staff"


def job_answer(
    resident: Satisfaction | None, staff: Satisfaction | None
) -> tuple[Satisfaction | None, AnswerSource | None]:
    """The job's answer from the latest resident confirmation that has one and the latest
    callback that has one: the resident's own word first."""
    if resident is not None:
        return resident, AnswerSource.RESIDENT
    if staff is not None:
        return staff, AnswerSource.STAFF
    return None, None


# ---------------------------------------------------------------- rectification
class RectificationSource(StrEnum):
    PROBLEMS = "problems"  # a callback found problems
    UNSATISFIED = "unsatisfied"  # a callback recorded an unsatisfied answer
    RESIDENT = "resident"  # the resident's own answer: unsatisfied, or the charge disputed


class RectificationState(StrEnum):
    OPEN = "open"
    NOTIFIED = "notified"
    FIXED = "fixed"
    VERIFIED = "verified"


class NoticeChannel(StrEnum):
    ODOO = "odoo"
    EMAIL = "email"
    WEBHOOK = "webhook"
    PAPER = "paper"
    IN_PERSON = "in_person"


class Move(StrEnum):
    NOTIFIED = "notified"
    FIXED = "fixed"
    VERIFY = "verify"


_FROM: dict[Move, frozenset[RectificationState]] = {
    Move.NOTIFIED: frozenset({RectificationState.OPEN}),
    Move.FIXED: frozenset({RectificationState.OPEN, RectificationState.NOTIFIED}),
    Move.VERIFY: frozenset({RectificationState.FIXED}),
}


_DOING = {Move.NOTIFIED: "marked notified", Move.FIXED: "marked fixed", Move.VERIFY: "verified"}


def notice_due(opened_at: datetime) -> datetime:
    return require_aware(opened_at, "opened_at").astimezone(UTC) + timedelta(hours=NOTICE_HOURS)


def fix_due(start: datetime, follow_up: FollowUp) -> datetime:
    """When the fix is due, counted from ``start`` (the finding, or a rejected fix)."""
    return require_aware(start).astimezone(UTC) + timedelta(hours=follow_up.rectification_fix_hours)


def is_late(done_at: datetime | None, due_at: datetime, as_of: datetime) -> bool:
    """Done after its due time, or not done and the due time has passed."""
    return done_at > due_at if done_at is not None else due_at < as_of


def after_move(
    state: RectificationState, move: Move, *, accepted: bool = True
) -> RectificationState:
    """The state a move leads to; ``Conflict`` (409) from a state the move does not start
    from."""
    if state not in _FROM[move]:
        doing = {
            Move.NOTIFIED: "marked notified",
            Move.FIXED: "marked fixed",
            Move.VERIFY: "verified",
        }
        raise Conflict(f"a rectification that is {state} cannot be {doing[move]}")
    if move == Move.NOTIFIED:
        return RectificationState.NOTIFIED
    if move == Move.FIXED:
        return RectificationState.FIXED
    return RectificationState.VERIFIED if accepted else RectificationState.NOTIFIED


def check_move(
    *,
    move: Move,
    at: datetime,
    by: str,
    opened_at: datetime,
    worker: str | None,
    now: datetime,
) -> None:
    """A move's time is after the finding and not in the future; nobody verifies their own
    work."""
    if at < opened_at:
        raise InvalidInput(f"at {at.isoformat()} is before the problem was found")
    if at > now + CALLBACK_FUTURE_TOLERANCE:
        raise InvalidInput("at is in the future")
    if not by.strip():
        raise InvalidInput("by: say who made this move")
    if move == Move.VERIFY and worker and by.strip() == worker.strip():
        raise InvalidInput("by: the worker cannot verify their own fix; someone else verifies it")


def opens_rectification(problems: str | None, satisfaction: Satisfaction | None) -> bool:
    """A callback with problems, or with an unsatisfied answer, opens a rectification."""
    return bool(problems and problems.strip()) or satisfaction == Satisfaction.UNSATISFIED


def is_late_entry(done_at: datetime, recorded_at: datetime, follow_up: FollowUp) -> bool:
    """A callback entered more than ``late_entry_hours`` after it was done (shown for review)."""
    return recorded_at - done_at > timedelta(hours=follow_up.late_entry_hours)


# ---------------------------------------------------------------- repeat repairs
@dataclass(frozen=True, slots=True)
class RepairKey:
    """What makes two repairs the same repair again: the unit and the category."""

    id: int
    unit: str
    category: str
    completed_at: datetime


def repeat_of(job: RepairKey, others: list[RepairKey], window_days: int) -> int | None:
    """The earlier repair this one repeats: the latest of the same unit and category completed
    before it and at most ``window_days`` days earlier; ``None`` when there is none."""
    if not job.unit.strip():
        return None
    window = timedelta(days=window_days)
    earlier = [
        other
        for other in others
        if other.id != job.id
        and other.unit.strip() == job.unit.strip()
        and other.category == job.category
        and job.completed_at - window <= other.completed_at < job.completed_at
    ]
    if not earlier:
        return None
    return max(earlier, key=lambda other: (other.completed_at, other.id)).id
