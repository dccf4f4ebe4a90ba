"""The reminder, escalation and notice rules (domain.reminders), read as the rules they are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.domain import FollowUp, Role
from service.domain import reminders as r

DEADLINE = datetime(2026, 5, 13, 1, 30, tzinfo=UTC)
RULES = FollowUp()


def kinds(role: Role, as_of: datetime, called_back: bool = False):
    job = r.JobFacts(1, role, DEADLINE, called_back)
    return [(d.kind.value, d.step, d.role) for d in r.job_notifications(job, as_of, RULES)]


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        (-25, []),
        (-24, [("reminder", None, Role.LEAD)]),
        (0, [("reminder", None, Role.LEAD)]),
        (1, [("escalation", 1, Role.SUPERVISOR)]),
        (24, [("escalation", 1, Role.SUPERVISOR), ("escalation", 2, Role.MANAGER)]),
    ],
)
def test_a_leads_job_over_time(hours, expected):
    assert kinds(Role.LEAD, DEADLINE + timedelta(hours=hours)) == expected


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.MANAGER])
def test_when_step_one_reaches_the_managers_there_is_no_step_two(role):
    assert kinds(role, DEADLINE + timedelta(days=3)) == [("escalation", 1, Role.MANAGER)]


def test_a_job_called_back_calls_for_nothing():
    assert kinds(Role.LEAD, DEADLINE + timedelta(days=3), called_back=True) == []


def test_keys_name_the_subject_once():
    job = r.Due(r.Kind.ESCALATION, 7, r.Audience.ROLE, Role.MANAGER, step=2)
    assert job.key == "escalation:job:7:2"
    assert r.Due(r.Kind.NOTICE, 7, r.Audience.WORKER, rectification_id=3).key == (
        "notice:rectification:3"
    )


def test_rectification_notice_and_late_warnings():
    found = DEADLINE
    rect = r.RectificationFacts(
        3, 7, "open", found + timedelta(hours=24), None, found + timedelta(hours=72), None
    )
    soon = [d.kind for d in r.rectification_notifications(rect, found + timedelta(hours=1))]
    assert soon == [r.Kind.NOTICE]
    later = [
        (d.kind, d.audience)
        for d in r.rectification_notifications(rect, found + timedelta(hours=73))
    ]
    assert later == [
        (r.Kind.NOTICE, r.Audience.WORKER),
        (r.Kind.NOTICE_LATE, r.Audience.ROLE),
        (r.Kind.FIX_LATE, r.Audience.FINDER),
        (r.Kind.FIX_LATE, r.Audience.ROLE),
    ]
    delivered = r.RectificationFacts(
        3,
        7,
        "notified",
        found + timedelta(hours=24),
        found + timedelta(hours=2),
        found + timedelta(hours=72),
        None,
    )
    assert r.rectification_notifications(delivered, found + timedelta(hours=30)) == []
