"""GET /api/v1/compliance against figures worked out by hand."""

import pytest

from .helpers import callback_body, job_body


def _jobs(client, n, *, start_day=1, prefix="J"):
    for i in range(n):
        day = start_day + i % 9
        body = job_body(
            f"{prefix}{i:03d}",
            completed_at=f"2026-05-{day:02d}T10:00:00+08:00",
            title="换灯泡",
            erp_category="电气",
        )  # general: 7-day window
        assert client.post("/api/v1/jobs", json=body).status_code == 201


def _callback(client, ref, role, done_at="2026-05-15T10:00:00+08:00", **kw):
    body = callback_body(
        role=role,
        staff={"manager": "王经理", "supervisor": "李主管", "lead": "张伟"}[role],
        done_at=done_at,
        **kw,
    )
    response = client.post(f"/api/v1/jobs/{ref}/callbacks", json=body)
    assert response.status_code == 201, response.text


def test_thirty_jobs_at_ten_percent_need_three_manager_callbacks(client, estate):
    _jobs(client, 30)
    for i in range(2):
        _callback(client, f"J{i:03d}", "manager")
    for i in range(9):
        _callback(client, f"J{i:03d}", "supervisor")
    for i in range(20):
        _callback(client, f"J{i:03d}", "lead")
    _callback(client, "J000", "lead")  # a second lead callback on the same job counts once
    body = client.get("/api/v1/compliance?estate=YG&period=2026-05").json()
    assert body["estate"] == "YG" and body["period"] == "2026-05" and body["jobs"] == 30
    assert body["roles"]["manager"] == {
        "target_pct": 10,
        "done": 2,
        "rate": pytest.approx(2 / 30),
        "required": 3,
        "shortfall": 1,
        "compliant": False,
    }
    assert body["roles"]["supervisor"] == {
        "target_pct": 30,
        "done": 9,
        "rate": pytest.approx(0.3),
        "required": 9,
        "shortfall": 0,
        "compliant": True,
    }
    assert body["roles"]["lead"]["required"] == 18 and body["roles"]["lead"]["shortfall"] == 0
    assert body["compliant"] is False


def test_on_time_counts_jobs_by_their_earliest_callback(client, estate):
    _jobs(client, 3)  # completed 1, 2, 3 May; general window -> due 8, 9, 10 May
    _callback(client, "J000", "lead", done_at="2026-05-07T10:00:00+08:00")  # on time
    _callback(client, "J000", "manager", done_at="2026-05-19T10:00:00+08:00")  # later, ignored
    _callback(client, "J001", "lead", done_at="2026-05-12T10:00:00+08:00")  # late
    body = client.get("/api/v1/compliance?estate=YG&period=2026-05").json()
    assert body["on_time"] == {"done": 2, "on_time": 1, "rate": 0.5}
    assert body["overdue_open"] == 1  # J002, due 10 May, never called back


def test_overdue_open_depends_on_as_of(client, estate):
    _jobs(client, 3)
    before = client.get(
        "/api/v1/compliance?estate=YG&period=2026-05&as_of=2026-05-08T10:00:00%2B08:00"
    ).json()
    after = client.get(
        "/api/v1/compliance?estate=YG&period=2026-05&as_of=2026-05-09T10:00:01%2B08:00"
    ).json()
    assert (before["overdue_open"], after["overdue_open"]) == (0, 2)


def test_satisfaction_counts_jobs_and_rectifications_open_and_late(client, estate):
    _jobs(client, 3)
    _callback(
        client,
        "J000",
        "lead",
        satisfaction="unsatisfied",
        problems="仍漏水",
        done_at="2026-05-05T10:00:00+08:00",
    )
    _callback(
        client,
        "J001",
        "lead",
        satisfaction="fairly_satisfied",
        problems="没清理",
        done_at="2026-05-18T10:00:00+08:00",
    )
    _callback(client, "J002", "manager", satisfaction="satisfied", channel="phone", inspected=False)
    body = client.get("/api/v1/compliance?estate=YG&period=2026-05").json()
    assert body["satisfaction"] == {"satisfied": 1, "fairly_satisfied": 1, "unsatisfied": 1}
    # Both open, neither notice delivered: due 6 May and 19 May, late as of 20 May. The fixes
    # are due 72 h after the finding: 8 May (late) and 21 May (not yet).
    assert body["rectifications"] == {
        "open": 2,
        "late": 2,
        "notice_late": 2,
        "fix_late": 1,
        "verified": 0,
    }
    assert body["answered"] == 3
    assert body["complaint_rate"] == pytest.approx(1 / 3)


def test_a_period_without_jobs_is_compliant(client, estate):
    body = client.get("/api/v1/compliance?estate=YG&period=2026-01").json()
    assert body["jobs"] == 0 and body["compliant"] is True
    assert all(r["rate"] == 1.0 and r["compliant"] for r in body["roles"].values())
    assert body["on_time"]["rate"] is None


def test_period_defaults_to_the_current_month_in_the_estate_timezone(client, estate):
    _jobs(client, 2)
    assert client.get("/api/v1/compliance?estate=YG").json()["period"] == "2026-05"


def test_jobs_of_other_estates_and_months_do_not_count(client, estate):
    client.put("/api/v1/estates/OTHER", json={"name": "别处"})
    _jobs(client, 2)
    client.post("/api/v1/jobs", json=job_body("X1", estate="OTHER"))
    client.post("/api/v1/jobs", json=job_body("X2", completed_at="2026-04-30T10:00:00+08:00"))
    assert client.get("/api/v1/compliance?estate=YG&period=2026-05").json()["jobs"] == 2


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("estate=NOPE", 404),
        ("", 422),
        ("estate=YG&period=May", 422),
        ("estate=YG&as_of=2026-05-01T00:00:00", 422),
        ("estate=YG&as_of=soon", 422),
    ],
)
def test_bad_compliance_queries(client, estate, query, status):
    response = client.get(f"/api/v1/compliance?{query}")
    assert response.status_code == status
    assert isinstance(response.json()["detail"], str)
