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
under its key, once.
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


def job_notifications(job: JobFacts, as_of: datetime, follow_up: FollowUp) -> list[Due]:
    """The reminder and escalations a job calls for as of ``as_of`` (each is stored once; the
    caller skips what it made before)."""
    if job.called_back:
        return []
    due: list[Due] = []
    before = timedelta(hours=follow_up.reminder_hours_before)
    if job.deadline - before <= as_of <= job.deadline:
        due.append(Due(Kind.REMINDER, job.job_id, Audience.ROLE, role=job.assigned_role))
    if as_of > job.deadline:
        up = NEXT_UP[job.assigned_role]
        due.append(Due(Kind.ESCALATION, job.job_id, Audience.ROLE, role=up, step=1))
        step_two = job.deadline + timedelta(hours=follow_up.escalation_step_hours)
        if as_of >= step_two and up != Role.MANAGER:
            due.append(Due(Kind.ESCALATION, job.job_id, Audience.ROLE, role=Role.MANAGER, step=2))
    return due


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
    for job, follow_up in jobs:
        out += job_notifications(job, as_of, follow_up)
    for rect in rectifications:
        out += rectification_notifications(rect, as_of)
    return out
