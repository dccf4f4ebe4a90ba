"""What the scheduler must tell whom, as of a moment: the single source of the reminder,
escalation and notice rules (ARCHITECTURE.md section 3, "Notifications").

- ``reminder`` (once per job): no callback, the deadline not passed and at most
  ``reminder_hours_before`` away -> the job's assigned role;
- ``escalation`` step 1 (once per job): the deadline passed with no callback -> the next role up
  (lead -> supervisor -> manager; manager -> manager); step 2: still none
  ``escalation_step_hours`` after the deadline -> the managers (not when step 1 went to them);
- ``notice`` (once per rectification): an open rectification -> its worker;
- ``notice_late``: the written notice became late -> the supervisors;
- ``fix_late``: the fix became late -> the finder and the supervisors.

Pure functions over plain facts; the use case finds the people and stores each notification
under its key, once. The job rules are also given as windows of deadlines as of a moment
(``deadline_windows``), so that a query can pick out the jobs they may apply to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .followup import FollowUp, is_late
from .rules import Role


class Kind(StrEnum):
    REMINDER = "reminder"
    ESCALATION = "escalation"
    NOTICE = "notice"
    NOTICE_LATE = "notice_late"
    FIX_LATE = "fix_late"


class Audience(StrEnum):
    """Who receives a notification, before the use case names the people."""

    ROLE = "role"  # every active staff member of the estate in ``role``
    WORKER = "worker"  # the rectification's worker (else its finder, to hand it over on paper)
    FINDER = "finder"  # who found the problem


#: Escalation goes one role up; a manager's job stays with the managers.
NEXT_UP = {Role.LEAD: Role.SUPERVISOR, Role.SUPERVISOR: Role.MANAGER, Role.MANAGER: Role.MANAGER}


@dataclass(frozen=True, slots=True)
class JobFacts:
    job_id: int
    assigned_role: Role
    deadline: datetime
    called_back: bool


@dataclass(frozen=True, slots=True)
class RectificationFacts:
    rectification_id: int
    job_id: int
    state: str
    notice_due_at: datetime
    notified_at: datetime | None
    fix_due_at: datetime
    fixed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Due:
    """One notification the rules call for: its kind and key, and to whom."""

    kind: Kind
    job_id: int
    audience: Audience
    role: Role | None = None
    step: int | None = None
    rectification_id: int | None = None

    @property
    def key(self) -> str:
        """What makes it once-only: the kind and its subject (job, step, rectification)."""
        if self.rectification_id is not None:
            return f"{self.kind}:rectification:{self.rectification_id}"
        if self.step is not None:
            return f"{self.kind}:job:{self.job_id}:{self.step}"
        return f"{self.kind}:job:{self.job_id}"


@dataclass(frozen=True, slots=True)
class DeadlineWindow:
    """When one of a job's notifications is due as of a moment, said of the job's deadline:
    a job with no callback, assigned to a role in ``audience``, calls for it when its deadline
    lies between ``earliest`` (inclusive; ``None``: no bound) and ``latest`` (inclusive when
    ``latest_included``). ``audience`` names the role told for each assigned role."""

    kind: Kind
    step: int | None
    audience: dict[Role, Role]
    earliest: datetime | None
    latest: datetime
    latest_included: bool = True

    def covers(self, deadline: datetime, assigned_role: Role) -> bool:
        if assigned_role not in self.audience:
            return False
        if self.earliest is not None and deadline < self.earliest:
            return False
        return deadline <= self.latest if self.latest_included else deadline < self.latest


def deadline_windows(as_of: datetime, follow_up: FollowUp) -> tuple[DeadlineWindow, ...]:
    """The reminder and the escalations as deadline windows, in the order they are made:
    the reminder while the deadline is at most ``reminder_hours_before`` away and not passed;
    step 1 once it passed, one role up; step 2 ``escalation_step_hours`` after it, to the
    managers, for the jobs whose step 1 did not go to them."""
    before = timedelta(hours=follow_up.reminder_hours_before)
    step_two = timedelta(hours=follow_up.escalation_step_hours)
    every_role = {role: role for role in Role}
    below_managers = {role: Role.MANAGER for role, up in NEXT_UP.items() if up != Role.MANAGER}
    return (
        DeadlineWindow(Kind.REMINDER, None, every_role, as_of, as_of + before),
        DeadlineWindow(Kind.ESCALATION, 1, dict(NEXT_UP), None, as_of, latest_included=False),
        DeadlineWindow(Kind.ESCALATION, 2, below_managers, None, as_of - step_two),
    )


def job_notifications(
    job: JobFacts,
    as_of: datetime,
    follow_up: FollowUp,
    windows: tuple[DeadlineWindow, ...] | None = None,
) -> list[Due]:
    """The reminder and escalations a job calls for as of ``as_of`` (each is stored once; the
    caller skips what it made before). ``windows``: ``deadline_windows(as_of, follow_up)``,
    when the caller has them already."""
    if job.called_back:
        return []
    return [
        Due(
            w.kind,
            job.job_id,
            Audience.ROLE,
            role=w.audience[job.assigned_role],
            step=w.step,
        )
        for w in windows or deadline_windows(as_of, follow_up)
        if w.covers(job.deadline, job.assigned_role)
    ]


def rectification_notifications(rect: RectificationFacts, as_of: datetime) -> list[Due]:
    """The notice, and the late warnings, a rectification calls for as of ``as_of``."""
    due: list[Due] = []
    rid, job = rect.rectification_id, rect.job_id
    supervisors = Role.SUPERVISOR
    if rect.state == "open" and rect.notified_at is None:
        due.append(Due(Kind.NOTICE, job, Audience.WORKER, rectification_id=rid))
    if is_late(rect.notified_at, rect.notice_due_at, as_of):
        due.append(Due(Kind.NOTICE_LATE, job, Audience.ROLE, supervisors, rectification_id=rid))
    if is_late(rect.fixed_at, rect.fix_due_at, as_of):
        due.append(Due(Kind.FIX_LATE, job, Audience.FINDER, rectification_id=rid))
        due.append(Due(Kind.FIX_LATE, job, Audience.ROLE, supervisors, rectification_id=rid))
    return due


def all_due(
    jobs: Iterable[tuple[JobFacts, FollowUp]],
    rectifications: Iterable[RectificationFacts],
    as_of: datetime,
) -> list[Due]:
    """Every notification the rules call for, jobs first, in the order given."""
    out: list[Due] = []
    windows: dict[FollowUp, tuple[DeadlineWindow, ...]] = {}
    for job, follow_up in jobs:
        if follow_up not in windows:
            windows[follow_up] = deadline_windows(as_of, follow_up)
        out += job_notifications(job, as_of, follow_up, windows[follow_up])
    for rect in rectifications:
        out += rectification_notifications(rect, as_of)
    return out
