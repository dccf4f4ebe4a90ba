"""Phone attempts (电话回访): outcomes, validation, the job's failed calls and next step, and the
phone figures of compliance (ARCHITECTURE.md section 3, "Phone attempts")."""

import pytest

from .helpers import callback_body, job_body

CALL = {"staff": "张伟", "role": "lead", "at": "2026-05-10T15:00:00+08:00", "outcome": "no_answer"}


@pytest.fixture
def job(client, estate):
    response = client.post("/api/v1/jobs", json=job_body())  # leak: deadline 13 May 09:30
    assert response.status_code == 201
    return response.json()


def call(client, ref="J-1", **overrides):
    return client.post(f"/api/v1/jobs/{ref}/phone-attempts", json={**CALL, **overrides})


def test_a_call_is_recorded_and_listed_by_time(client, job):
    later = call(client, at="2026-05-11T09:00:00+08:00", outcome="busy")
    earlier = call(client)
    assert later.status_code == 201 and earlier.status_code == 201, later.text
    body = earlier.json()
    assert set(body) == {"id", "job", "staff", "role", "at", "outcome", "next_at", "note"}
    assert (body["job"], body["outcome"], body["at"]) == (
        "J-1",
        "no_answer",
        "2026-05-10T15:00:00+08:00",
    )
    listed = client.get("/api/v1/jobs/J-1/phone-attempts").json()
    assert listed["count"] == 2
    assert [a["outcome"] for a in listed["data"]] == ["no_answer", "busy"]


def test_a_new_job_needs_a_callback_and_has_no_failed_calls(client, job):
    assert (job["failed_calls"], job["next_step"]) == (0, "callback")


def test_three_failed_calls_turn_the_callback_into_a_visit(client, job):
    for hour, outcome in ((12, "no_answer"), (13, "busy"), (14, "no_answer")):
        call(client, at=f"2026-05-11T{hour}:00:00+08:00", outcome=outcome)
        seen = client.get("/api/v1/jobs/J-1").json()
    assert (seen["failed_calls"], seen["next_step"]) == (3, "visit")


@pytest.mark.parametrize("outcome", ["refused", "wrong_number"])
def test_a_refusal_or_a_wrong_number_means_a_visit_at_once(client, job, outcome):
    call(client, outcome=outcome)
    seen = client.get("/api/v1/jobs/J-1").json()
    assert (seen["failed_calls"], seen["next_step"]) == (1, "visit")


def test_the_latest_call_by_its_time_decides_not_the_order_recorded(client, job):
    call(client, at="2026-05-11T12:00:00+08:00", outcome="busy")
    call(client, at="2026-05-10T12:00:00+08:00", outcome="refused")  # earlier, recorded later
    assert client.get("/api/v1/jobs/J-1").json()["next_step"] == "callback"


def test_reached_and_rescheduled_calls_are_not_failures(client, job):
    call(client, outcome="reached")
    call(
        client,
        outcome="rescheduled",
        at="2026-05-11T10:00:00+08:00",
        next_at="2026-05-12T10:00:00+08:00",
    )
    assert client.get("/api/v1/jobs/J-1").json()["failed_calls"] == 0


def test_the_estate_sets_how_many_failed_calls_make_a_visit(client, estate):
    client.put(
        "/api/v1/estates/YG",
        json={"name": "阳光花园", "follow_up": {"phone_attempts_before_visit": 1}},
    )
    client.post("/api/v1/jobs", json=job_body())
    call(client, outcome="busy")
    assert client.get("/api/v1/jobs/J-1").json()["next_step"] == "visit"


def test_a_job_called_back_needs_nothing_more(client, job):
    call(client, outcome="refused")
    client.post("/api/v1/jobs/J-1/callbacks", json=callback_body(channel="on_site", inspected=True))
    assert client.get("/api/v1/jobs/J-1").json()["next_step"] == "none"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"at": "2026-05-10T09:00:00+08:00"}, "before the repair was completed"),
        ({"at": "2026-05-20T12:06:00+08:00"}, "in the future"),
        ({"outcome": "rescheduled"}, "needs the agreed time"),
        (
            {"outcome": "rescheduled", "next_at": "2026-05-10T14:00:00+08:00"},
            "must be after the call",
        ),
        (
            {"outcome": "rescheduled", "next_at": "2026-05-14T10:00:00+08:00"},
            "after the callback deadline",
        ),
        ({"outcome": "hung_up"}, "outcome"),
        ({"at": "2026-05-10T15:00:00"}, "timezone offset"),
        ({"extra": 1}, "unknown field"),
        ({"staff": None}, "staff"),
    ],
)
def test_bad_calls_are_422_with_a_readable_detail(client, job, change, words):
    response = call(client, **change)
    assert response.status_code == 422, response.text
    assert words in response.json()["detail"]


def test_a_reschedule_past_the_deadline_is_fine_with_a_reason(client, job):
    response = call(
        client, outcome="rescheduled", next_at="2026-05-14T10:00:00+08:00", note="住户出差"
    )
    assert response.status_code == 201
    assert response.json()["next_at"] == "2026-05-14T10:00:00+08:00"


def test_calls_to_an_unknown_job_are_404(client, estate):
    assert call(client, ref="NOPE").status_code == 404
    assert client.get("/api/v1/jobs/NOPE/phone-attempts").status_code == 404


def test_a_phone_callback_may_name_the_call_that_reached_the_resident(client, job):
    failed = call(client).json()["id"]
    reached = call(client, at="2026-05-10T16:00:00+08:00", outcome="reached").json()["id"]
    body = callback_body(channel="phone", inspected=False, done_at="2026-05-10T16:05:00+08:00")
    wrong = client.post("/api/v1/jobs/J-1/callbacks", json={**body, "attempt_id": failed})
    assert wrong.status_code == 422 and "did not reach" in wrong.json()["detail"]
    on_site = client.post(
        "/api/v1/jobs/J-1/callbacks",
        json={**callback_body(), "attempt_id": reached},
    )
    assert on_site.status_code == 422 and "only a phone callback" in on_site.json()["detail"]
    ok = client.post("/api/v1/jobs/J-1/callbacks", json={**body, "attempt_id": reached})
    assert ok.status_code == 201, ok.text


def test_a_call_to_another_job_cannot_back_a_callback(client, job):
    client.post("/api/v1/jobs", json=job_body("J-2"))
    other = call(client, ref="J-2", outcome="reached").json()["id"]
    body = callback_body(channel="phone", inspected=False, attempt_id=other)
    response = client.post("/api/v1/jobs/J-1/callbacks", json=body)
    assert response.status_code == 422 and "not a call to this job" in response.json()["detail"]


def test_compliance_counts_calls_reached_and_the_success_rate(client, job):
    client.post("/api/v1/jobs", json=job_body("J-2"))
    for ref, outcome in (
        ("J-1", "no_answer"),
        ("J-1", "reached"),
        ("J-2", "busy"),
        ("J-2", "reached"),
    ):
        call(client, ref=ref, outcome=outcome)
    body = client.get("/api/v1/compliance?estate=YG&period=2026-05").json()
    assert body["phone"] == {"attempts": 4, "reached": 2, "success_rate": 0.5}


def test_compliance_without_calls_has_no_success_rate(client, job):
    body = client.get("/api/v1/compliance?estate=YG&period=2026-05").json()
    assert body["phone"] == {"attempts": 0, "reached": 0, "success_rate": None}


def test_concurrent_calls_are_all_counted(client, job, engine):
    """Eight phones record a call at the same moment: the job counts eight (its row is locked
    for the update on PostgreSQL; SQLite serialises writers)."""
    from concurrent.futures import ThreadPoolExecutor
    from datetime import UTC, datetime

    from sqlmodel import Session

    from service.schemas import PhoneAttemptIn
    from service.usecases.phone import record_attempt

    def one_call(n: int) -> None:
        with Session(engine) as session:
            record_attempt(
                session=session,
                ref="J-1",
                attempt_in=PhoneAttemptIn(**{**CALL, "at": f"2026-05-10T15:{n:02d}:00+08:00"}),
                now=datetime(2026, 5, 20, 4, tzinfo=UTC),
                actor="t",
            )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one_call, range(8)))
    seen = client.get("/api/v1/jobs/J-1").json()
    assert seen["failed_calls"] == 8 and seen["calls"] == 8
    assert client.get("/api/v1/jobs/J-1/phone-attempts").json()["count"] == 8
