import threading
from datetime import datetime

import pytest
from sqlmodel import Session, func, select

from service.models import AuditLog, Job

from .helpers import callback_body, job_body


def test_new_job_gets_category_deadline_role_and_status(client, estate):
    response = client.post("/api/v1/jobs", json=job_body())
    assert response.status_code == 201, response.text
    job = response.json()
    assert job["category"] == "leak"  # from the title and the ERP category
    assert job["deadline"] == "2026-05-13T09:30:00+08:00"
    assert job["assigned_role"] == "lead"
    assert job["status"] == "overdue"  # the clock is fixed at 2026-05-20
    assert job["charge"] == "50.00"


def test_times_come_back_in_the_estate_offset_whatever_offset_went_in(client, estate):
    job = client.post("/api/v1/jobs", json=job_body(completed_at="2026-05-10T01:30:00Z")).json()
    assert job["completed_at"] == "2026-05-10T09:30:00+08:00"


def test_reposting_the_same_job_updates_it_and_never_duplicates(client, estate, engine):
    assert client.post("/api/v1/jobs", json=job_body()).status_code == 201
    again = client.post("/api/v1/jobs", json=job_body(unit="3栋2单元1202"))
    assert again.status_code == 200
    assert again.json()["unit"] == "3栋2单元1202"
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Job)).one() == 1


def test_changing_completion_moves_the_deadline_but_not_the_role(client, estate):
    first = client.post("/api/v1/jobs", json=job_body()).json()
    moved = client.post(
        "/api/v1/jobs", json=job_body(completed_at="2026-05-12T09:30:00+08:00")
    ).json()
    assert moved["deadline"] == "2026-05-15T09:30:00+08:00"
    assert moved["assigned_role"] == first["assigned_role"]


def test_later_window_changes_do_not_rewrite_old_jobs(client, estate):
    client.post("/api/v1/jobs", json=job_body())
    client.put("/api/v1/estates/YG", json={"name": "阳光花园", "windows_hours": {"leak": 24}})
    assert client.get("/api/v1/jobs/J-1").json()["deadline"] == "2026-05-13T09:30:00+08:00"
    new = client.post("/api/v1/jobs", json=job_body("J-2")).json()
    assert new["deadline"] == "2026-05-11T09:30:00+08:00"


@pytest.mark.parametrize(
    ("title", "erp", "category"),
    [
        ("消防栓箱门损坏", None, "safety"),
        ("换灯泡", "电气照明", "general"),
        ("Leaking tap", None, "leak"),
        (None, None, "general"),
    ],
)
def test_category_is_derived_when_omitted(client, estate, title, erp, category):
    body = job_body(title=title, erp_category=erp)
    assert client.post("/api/v1/jobs", json=body).json()["category"] == category


def test_an_explicit_category_wins(client, estate):
    body = job_body(title="厨房水管漏水", category="general")
    job = client.post("/api/v1/jobs", json=body).json()
    assert job["category"] == "general"
    assert job["deadline"] == "2026-05-17T09:30:00+08:00"


def test_required_fields_only(client, estate):
    body = {"ref": "MIN", "estate": "YG", "completed_at": "2026-05-10T09:30:00+08:00"}
    job = client.post("/api/v1/jobs", json=body)
    assert job.status_code == 201 and job.json()["category"] == "general"


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"completed_at": "2026-05-10T09:30:00"}, "completed_at: needs a timezone offset"),
        ({"completed_at": "yesterday"}, "completed_at"),
        ({"completed_at": None}, "completed_at"),
        ({"category": "urgent"}, "category"),
        ({"charge": "-1"}, "charge"),
        ({"charge": "1.234"}, "charge"),
        ({"charge": "abc"}, "charge"),
        ({"estate": "NOPE"}, "unknown estate 'NOPE'"),
        ({"ref": ""}, "ref"),
        ({"ref": "a/b"}, "ref"),
        ({"extra": 1}, "extra: unknown field"),
    ],
)
def test_bad_jobs_are_422_and_write_nothing(client, estate, engine, overrides, fragment):
    response = client.post("/api/v1/jobs", json=job_body(**overrides))
    assert response.status_code == 422, response.text
    assert fragment in response.json()["detail"]
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Job)).one() == 0


def test_missing_required_fields_are_named(client, estate):
    response = client.post("/api/v1/jobs", json={"estate": "YG"})
    assert response.status_code == 422
    assert "ref" in response.json()["detail"] and "completed_at" in response.json()["detail"]


@pytest.mark.parametrize("payload", [b"", b"{", b"[]", b'"x"', b"null"])
def test_malformed_bodies_are_422_not_500(client, estate, payload):
    response = client.post(
        "/api/v1/jobs", content=payload, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)


def test_unknown_job_is_404(client, estate):
    response = client.get("/api/v1/jobs/NOPE")
    assert response.status_code == 404 and "NOPE" in response.json()["detail"]


def test_an_update_that_puts_a_callback_before_completion_is_422(client, estate):
    client.post("/api/v1/jobs", json=job_body())
    client.post(
        "/api/v1/jobs/J-1/callbacks", json=callback_body(done_at="2026-05-11T10:00:00+08:00")
    )
    response = client.post("/api/v1/jobs", json=job_body(completed_at="2026-05-12T09:00:00+08:00"))
    assert response.status_code == 422
    assert "callback" in response.json()["detail"]
    assert client.get("/api/v1/jobs/J-1").json()["completed_at"] == "2026-05-10T09:30:00+08:00"


def test_two_identical_requests_racing_make_one_job(client, estate, engine):
    results: list[int] = []
    barrier = threading.Barrier(4)

    def post() -> None:
        barrier.wait()
        results.append(client.post("/api/v1/jobs", json=job_body("RACE")).status_code)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 200, 200, 201]
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Job).where(Job.ref == "RACE")).one() == 1
        created = s.exec(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "job.created")
        ).one()
        assert created == 1


def _seed(client, refs_and_times):
    for ref, completed in refs_and_times:
        assert (
            client.post("/api/v1/jobs", json=job_body(ref, completed_at=completed)).status_code
            == 201
        )


def test_list_filters_by_period_in_the_estate_timezone_and_sorts(client, estate):
    _seed(
        client,
        [
            ("B", "2026-05-10T09:00:00+08:00"),
            ("A", "2026-05-10T09:00:00+08:00"),
            ("EDGE", "2026-04-30T17:00:00Z"),  # 1 May 01:00 in Shanghai
            ("APRIL", "2026-04-30T15:00:00Z"),  # 30 April 23:00 in Shanghai
        ],
    )
    page = client.get("/api/v1/jobs?estate=YG&period=2026-05").json()
    assert page["count"] == 3
    assert [j["ref"] for j in page["data"]] == ["EDGE", "A", "B"]


def test_list_filters_by_status(client, estate):
    _seed(
        client,
        [
            ("OLD", "2026-05-01T09:00:00+08:00"),
            ("NEW", "2026-05-19T09:00:00+08:00"),
            ("DONE", "2026-05-02T09:00:00+08:00"),
        ],
    )
    client.post(
        "/api/v1/jobs/DONE/callbacks", json=callback_body(done_at="2026-05-03T09:00:00+08:00")
    )

    def refs(status: str) -> list[str]:
        return [j["ref"] for j in client.get(f"/api/v1/jobs?status={status}").json()["data"]]

    assert refs("overdue") == ["OLD"]
    assert refs("due") == ["NEW"]
    assert refs("done") == ["DONE"]


def test_list_pages_with_limit_and_offset(client, estate):
    _seed(client, [(f"P{i:02d}", f"2026-05-{i + 1:02d}T09:00:00+08:00") for i in range(12)])
    page = client.get("/api/v1/jobs?limit=5&offset=10").json()
    assert page["count"] == 12 and [j["ref"] for j in page["data"]] == ["P10", "P11"]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("estate=NOPE", 404),
        ("period=2026-13", 422),
        ("status=late", 422),
        ("limit=0", 422),
        ("limit=1001", 422),
        ("offset=-1", 422),
    ],
)
def test_bad_list_filters(client, estate, query, status):
    response = client.get(f"/api/v1/jobs?{query}")
    assert response.status_code == status
    assert isinstance(response.json()["detail"], str)


def test_every_change_is_in_the_audit_log(client, estate, engine):
    client.post("/api/v1/jobs", json=job_body())
    client.post("/api/v1/jobs", json=job_body(unit="X"))
    client.post("/api/v1/jobs", json=job_body(unit="X"))  # no change, no entry
    with Session(engine) as s:
        actions = s.exec(select(AuditLog.action).order_by(AuditLog.id)).all()
        assert actions == ["estate.created", "job.created", "job.updated"]
        assert all(isinstance(a.at, datetime) for a in s.exec(select(AuditLog)).all())
