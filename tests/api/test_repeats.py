"""Repeat repairs: a new job for the same unit and category within the estate's window (30 days
by default) is linked to the earlier one, which is marked as followed by a repeat."""

import pytest

from .helpers import job_body


@pytest.fixture
def first(client, estate):
    response = client.post("/api/v1/jobs", json=job_body("J-1"))  # 10 May, leak, 3栋2单元1201
    assert response.status_code == 201
    return response.json()


def test_a_new_job_for_the_same_unit_and_category_is_a_repeat(client, first):
    again = client.post(
        "/api/v1/jobs", json=job_body("J-2", completed_at="2026-06-05T09:00:00+08:00")
    ).json()
    assert again["repeat_of"] == "J-1" and again["followed_by_repeat"] is False
    assert client.get("/api/v1/jobs/J-1").json()["followed_by_repeat"] is True


@pytest.mark.parametrize(
    "change",
    [
        {"completed_at": "2026-06-10T09:31:00+08:00"},  # 31 days later
        {"unit": "3栋2单元1202"},
        {"title": "客厅灯不亮", "erp_category": "电气", "category": "general"},
        {"completed_at": "2026-05-01T09:00:00+08:00"},  # earlier, not after
    ],
)
def test_other_units_categories_or_times_are_not_repeats(client, first, change):
    other = client.post("/api/v1/jobs", json=job_body("J-2", **change)).json()
    assert other["repeat_of"] is None
    assert client.get("/api/v1/jobs/J-1").json()["followed_by_repeat"] is False


def test_the_window_is_an_estate_setting(client, first):
    client.put(
        "/api/v1/estates/YG", json={"name": "阳光花园", "follow_up": {"repeat_window_days": 60}}
    )
    later = client.post(
        "/api/v1/jobs", json=job_body("J-2", completed_at="2026-07-01T09:00:00+08:00")
    ).json()
    assert later["repeat_of"] == "J-1"


def test_the_latest_earlier_repair_is_the_one_repeated(client, first):
    client.post("/api/v1/jobs", json=job_body("J-2", completed_at="2026-05-15T09:00:00+08:00"))
    third = client.post(
        "/api/v1/jobs", json=job_body("J-3", completed_at="2026-05-20T09:00:00+08:00")
    ).json()
    assert third["repeat_of"] == "J-2"


def test_a_job_without_a_unit_repeats_nothing(client, estate):
    client.post("/api/v1/jobs", json=job_body("J-1", unit=None))
    again = client.post(
        "/api/v1/jobs", json=job_body("J-2", unit=None, completed_at="2026-05-12T09:00:00+08:00")
    ).json()
    assert again["repeat_of"] is None
