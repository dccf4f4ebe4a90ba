"""The scheduler's notifications (ARCHITECTURE.md section 3, "Notifications"): each kind made
at the contracted moment, for the contracted people, once per key and person, ever; delivered
by the person's channel with retries, never twice."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from service.config import get_settings
from service.models import Notification
from service.usecases.notifications import ChannelError, deliver, make_due

from .helpers import callback_body, job_body

SH = ZoneInfo("Asia/Shanghai")
STAFF = [
    ("张伟", "lead"),
    ("刘洋", "lead"),
    ("李主管", "supervisor"),
    ("王经理", "manager"),
    ("孙师傅", "worker"),
]


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 5, day, hour, 0, tzinfo=SH)


@pytest.fixture
def office(client, estate):
    for name, role in STAFF:
        assert client.post(
            "/api/v1/staff", json={"estate": "YG", "name": name, "role": role}
        ).status_code in (200, 201)
    job = client.post("/api/v1/jobs", json=job_body()).json()  # leak: deadline 13 May 09:30
    assert job["assigned_role"] == "lead"
    return job


def cycle(engine, when: datetime) -> list[tuple[str, int | None, str]]:
    with Session(engine, expire_on_commit=False) as session:
        report = make_due(session=session, settings=get_settings(), as_of=when)
        return [(n.kind, n.step, n.recipient) for n in report.made]


def test_a_reminder_goes_to_the_assigned_role_once_within_the_hours_before(office, engine):
    assert cycle(engine, at(12, 8)) == []  # 25.5 h before the deadline
    made = cycle(engine, at(12, 10))
    assert sorted(made) == [("reminder", None, "刘洋"), ("reminder", None, "张伟")]
    assert cycle(engine, at(12, 11)) == [] and cycle(engine, at(13, 9)) == []


def test_escalation_goes_up_a_role_then_to_the_managers(office, engine):
    assert cycle(engine, at(13, 10)) == [("escalation", 1, "李主管")]
    assert cycle(engine, at(14, 9)) == []  # not yet 24 h past the deadline
    assert cycle(engine, at(14, 10)) == [("escalation", 2, "王经理")]
    assert cycle(engine, at(20, 10)) == []


def test_a_job_called_back_calls_for_nothing(client, office, engine):
    client.post("/api/v1/jobs/J-1/callbacks", json=callback_body())
    assert cycle(engine, at(13, 10)) == []


def test_a_rectification_sends_its_notice_then_warns_when_late(client, office, engine):
    client.post(
        "/api/v1/jobs/J-1/callbacks",
        json=callback_body(problems="仍渗水", done_at="2026-05-11T10:00:00+08:00"),
    )
    assert cycle(engine, at(11, 11)) == [("notice", None, "孙师傅")]
    assert cycle(engine, at(12, 11)) == [("notice_late", None, "李主管")]
    made = cycle(engine, at(14, 11))
    assert sorted(made) == [("fix_late", None, "张伟"), ("fix_late", None, "李主管")]
    assert cycle(engine, at(16, 11)) == []


def test_without_a_worker_record_the_finder_hands_the_notice_over(client, estate, engine):
    client.post("/api/v1/staff", json={"estate": "YG", "name": "张伟", "role": "lead"})
    client.post("/api/v1/jobs", json=job_body())
    client.post("/api/v1/jobs/J-1/callbacks", json=callback_body(problems="仍渗水"))
    assert ("notice", None, "张伟") in cycle(engine, at(11, 11))


def test_delivery_sends_once_and_retries_a_failure_with_back_off(office, engine):
    cycle(engine, at(12, 10))

    class Flaky:
        name = "log"
        calls: list[str] = []

        def send(self, notification, staff):
            self.calls.append(staff.name)
            if len(self.calls) == 1:
                raise ChannelError("gateway busy")

    flaky = Flaky()
    with Session(engine) as session:
        first = deliver(session=session, channels={"log": flaky}, now=at(12, 10))
        assert (first.sent, first.retried) == (1, 1)
        again = deliver(session=session, channels={"log": flaky}, now=at(12, 10))
        assert (again.sent, again.retried) == (0, 0)  # the retry waits for its back-off
        later = deliver(session=session, channels={"log": flaky}, now=at(12, 11))
        assert later.sent == 1
        rows = session.exec(select(Notification)).all()
    assert {r.status for r in rows} == {"sent"} and sorted(r.attempts for r in rows) == [1, 2]
    assert len(flaky.calls) == 3


def test_a_permanent_failure_is_shown_as_failed(office, engine):
    cycle(engine, at(13, 10))

    class Refused:
        name = "log"

        def send(self, notification, staff):
            raise ChannelError("no such address", permanent=True)

    with Session(engine) as session:
        assert deliver(session=session, channels={"log": Refused()}, now=at(13, 10)).failed == 1


def test_the_api_lists_them_as_contracted(client, office, engine):
    cycle(engine, at(12, 10))
    cycle(engine, at(13, 10))
    body = client.get("/api/v1/notifications", params={"estate": "YG"}).json()
    assert body["count"] == 3
    first = body["data"][0]
    assert set(first) == {
        "id", "kind", "step", "job", "rectification", "recipient", "staff_id", "channel",
        "status", "created_at", "sent_at", "attempts", "error",
    }  # fmt: skip
    assert (first["job"], first["channel"], first["status"]) == ("J-1", "log", "queued")
    assert first["created_at"] == "2026-05-12T10:00:00+08:00"
    escalations = client.get("/api/v1/notifications", params={"kind": "escalation"}).json()
    assert [(n["step"], n["recipient"]) for n in escalations["data"]] == [(1, "李主管")]
    assert client.get("/api/v1/notifications", params={"job": "J-1"}).json()["count"] == 3
    assert client.get("/api/v1/notifications", params={"job": "NOPE"}).status_code == 404
    assert client.get("/api/v1/notifications", params={"kind": "spam"}).status_code == 422


def test_messages_are_in_the_recipients_language_with_the_staff_link(client, office, engine):
    client.post(
        "/api/v1/staff",
        json={
            "estate": "YG",
            "name": "刘洋",
            "role": "lead",
            "language": "en",
            "notify_by": "email",
        },
    )
    cycle(engine, at(12, 10))
    with Session(engine) as session:
        rows = {n.recipient: n for n in session.exec(select(Notification))}
    assert rows["张伟"].subject.startswith("回访提醒") and rows["刘洋"].subject.startswith(
        "Callback due"
    )
    assert rows["刘洋"].channel == "email" and "/s/" in (rows["张伟"].link or "")


def test_escalations_and_failed_sends_show_on_the_dashboard(client, office, engine):
    from service.usecases.dashboard import build_dashboard

    client.post(
        "/api/v1/staff",
        json={
            "estate": "YG",
            "name": "王经理",
            "role": "manager",
            "login": "wang.yg",
            "password": "long-enough-pw",
        },
    )
    cycle(engine, at(13, 10))

    class Refused:
        name = "log"

        def send(self, notification, staff):
            raise ChannelError("no such number", permanent=True)

    with Session(engine) as session:
        deliver(session=session, channels={"log": Refused()}, now=at(13, 10))
        dash = build_dashboard(
            session=session, estate_code="YG", period="2026-05", as_of=at(13, 11)
        )
    assert [(e.job_ref, e.step, e.recipient) for e in dash.escalations] == [("J-1", 1, "李主管")]
    assert [(f.recipient, f.error) for f in dash.failed_notifications] == [
        ("李主管", "no such number")
    ]
    login = {"login": "wang.yg", "password": "long-enough-pw", "next": "/dashboard"}
    client.post("/login", data=login, follow_redirects=False)
    page = client.get("/dashboard", params={"period": "2026-05"})
    assert page.status_code == 200 and 'id="escalations"' in page.text
    assert "李主管" in page.text and 'id="failed-notifications"' in page.text
