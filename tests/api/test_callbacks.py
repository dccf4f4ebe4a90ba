import pytest
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, func, select

from service.models import AuditLog, Callback, Job, Rectification

from .helpers import callback_body, job_body


@pytest.fixture
def job(client, estate):
    response = client.post("/api/v1/jobs", json=job_body())
    assert response.status_code == 201
    return response.json()


def test_a_callback_within_the_window_is_on_time(client, job):
    response = client.post("/api/v1/jobs/J-1/callbacks", json=callback_body())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["on_time"] is True and body["id"] > 0
    assert body["done_at"] == "2026-05-11T10:00:00+08:00"
    assert client.get("/api/v1/jobs/J-1").json()["status"] == "done"


def test_a_callback_after_the_deadline_is_late(client, job):
    body = client.post(
        "/api/v1/jobs/J-1/callbacks", json=callback_body(done_at="2026-05-13T09:30:01+08:00")
    ).json()
    assert body["on_time"] is False


def test_the_deadline_itself_is_still_on_time(client, job):
    body = client.post(
        "/api/v1/jobs/J-1/callbacks", json=callback_body(done_at="2026-05-13T09:30:00+08:00")
    ).json()
    assert body["on_time"] is True


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"done_at": "2026-05-10T09:29:59+08:00"}, "before the repair was completed"),
        ({"done_at": "2026-05-20T04:06:00Z"}, "future"),
        ({"channel": "phone", "inspected": True}, "phone callback cannot inspect"),
        ({"role": "boss"}, "role"),
        ({"channel": "wechat"}, "channel"),
        ({"satisfaction": "happy"}, "satisfaction"),
        ({"staff": ""}, "staff"),
        ({"done_at": "2026-05-11T10:00:00"}, "done_at: needs a timezone offset"),
        ({"signature": "x"}, "signature: unknown field"),
    ],
)
def test_bad_callbacks_are_422_and_write_nothing(client, job, engine, overrides, fragment):
    response = client.post("/api/v1/jobs/J-1/callbacks", json=callback_body(**overrides))
    assert response.status_code == 422, response.text
    assert fragment in response.json()["detail"]
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Callback)).one() == 0
        assert s.exec(select(Job)).one().first_callback_at is None


def test_a_callback_four_minutes_ahead_of_the_clock_is_accepted(client, job):
    response = client.post(
        "/api/v1/jobs/J-1/callbacks", json=callback_body(done_at="2026-05-20T04:04:00Z")
    )
    assert response.status_code == 201


def test_callback_for_an_unknown_job_is_404(client, estate):
    response = client.post("/api/v1/jobs/NOPE/callbacks", json=callback_body())
    assert response.status_code == 404


def test_problems_open_a_rectification_whose_notice_is_due_in_24_hours(client, job, engine):
    body = client.post(
        "/api/v1/jobs/J-1/callbacks",
        json=callback_body(problems="维修后仍有渗水", satisfaction="unsatisfied"),
    ).json()
    assert body["rectification_id"] is not None
    with Session(engine) as s:
        rect = s.exec(select(Rectification)).one()
        assert rect.worker == "孙师傅"
        assert rect.notice_due_at.isoformat() == "2026-05-12T02:00:00+00:00"
        assert rect.fix_due_at.isoformat() == "2026-05-14T02:00:00+00:00"  # 72 h by default
        assert (rect.state, rect.source, rect.found_by) == ("open", "problems", "张伟")


def test_blank_problems_open_nothing(client, job, engine):
    client.post("/api/v1/jobs/J-1/callbacks", json=callback_body(problems="   "))
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Rectification)).one() == 0


def test_closing_a_rectification_is_the_old_name_of_fixed(client, job):
    rid = client.post("/api/v1/jobs/J-1/callbacks", json=callback_body(problems="渗水")).json()[
        "rectification_id"
    ]
    closed = client.post(
        f"/api/v1/rectifications/{rid}/close",
        json={"done_at": "2026-05-12T08:00:00+08:00", "resolution": "已返修"},
    )
    assert closed.status_code == 200
    assert (closed.json()["state"], closed.json()["fix_late"]) == ("fixed", False)
    again = client.post(
        f"/api/v1/rectifications/{rid}/close", json={"done_at": "2026-05-12T08:00:00+08:00"}
    )
    assert again.status_code == 409
    assert (
        client.post(
            "/api/v1/rectifications/999/close", json={"done_at": "2026-05-12T08:00:00+08:00"}
        ).status_code
        == 404
    )


def test_any_role_may_call_back_and_all_are_listed(client, job):
    client.post(
        "/api/v1/jobs/J-1/callbacks",
        json=callback_body(
            role="manager",
            staff="王经理",
            done_at="2026-05-12T10:00:00+08:00",
            channel="phone",
            inspected=False,
        ),
    )
    client.post("/api/v1/jobs/J-1/callbacks", json=callback_body())
    listed = client.get("/api/v1/jobs/J-1/callbacks").json()
    assert listed["count"] == 2
    assert [c["role"] for c in listed["data"]] == ["lead", "manager"]  # by done_at


def test_the_audit_log_refuses_updates_and_deletes(client, job, engine):
    client.post("/api/v1/jobs/J-1/callbacks", json=callback_body())
    with Session(engine) as s:
        entry = s.exec(select(AuditLog).where(AuditLog.action == "callback.recorded")).one()
        assert entry.detail["staff"] == "张伟"
        entry.actor = "someone else"
        s.add(entry)
        with pytest.raises(DBAPIError):
            s.commit()


def test_a_callback_records_when_it_was_entered_and_flags_a_late_entry(client, job):
    # entered on 20 May (the clock) for a callback done on 11 May: 9 days later
    late = client.post("/api/v1/jobs/J-1/callbacks", json=callback_body()).json()
    assert late["recorded_at"] == "2026-05-20T12:00:00+08:00" and late["late_entry"] is True
    fresh = client.post(
        "/api/v1/jobs/J-1/callbacks",
        json=callback_body(done_at="2026-05-20T09:00:00+08:00", role="supervisor", staff="李"),
    ).json()
    assert fresh["late_entry"] is False
    rows = client.get("/api/v1/callbacks", params={"estate": "YG"}).json()["data"]
    assert sorted(r["late_entry"] for r in rows) == [False, True]
