"""Repeat repairs: a new job for the same unit and category within the estate's window (30 days
by default) is linked to the earlier one, which is marked as followed by a repeat."""

import pytest
import sqlalchemy as sa

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


def test_an_earlier_repair_arriving_later_is_linked_all_the_same(client, estate):
    client.post("/api/v1/jobs", json=job_body("LATE", completed_at="2026-05-20T09:00:00+08:00"))
    client.post("/api/v1/jobs", json=job_body("EARLY", completed_at="2026-05-12T09:00:00+08:00"))
    assert client.get("/api/v1/jobs/LATE").json()["repeat_of"] == "EARLY"
    assert client.get("/api/v1/jobs/EARLY").json()["followed_by_repeat"] is True


def test_changing_a_jobs_unit_moves_its_links(client, first):
    client.post("/api/v1/jobs", json=job_body("J-2", completed_at="2026-05-15T09:00:00+08:00"))
    moved = client.post(
        "/api/v1/jobs",
        json=job_body("J-2", unit="9栋1单元101", completed_at="2026-05-15T09:00:00+08:00"),
    ).json()
    assert moved["repeat_of"] is None
    assert client.get("/api/v1/jobs/J-1").json()["followed_by_repeat"] is False
    back = client.post(
        "/api/v1/jobs", json=job_body("J-2", completed_at="2026-05-15T09:00:00+08:00")
    ).json()
    assert back["repeat_of"] == "J-1"


def test_listing_jobs_reads_the_repeated_refs_in_one_query(client, estate, engine):
    import sqlalchemy as sa

    for n in range(6):
        client.post(
            "/api/v1/jobs", json=job_body(f"J-{n}", completed_at=f"2026-05-1{n}T09:00:00+08:00")
        )
    counted: list[str] = []

    def count(*args):
        counted.append(args[2])

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        page = client.get("/api/v1/jobs", params={"offset": 3}).json()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert [j["repeat_of"] for j in page["data"]] == ["J-2", "J-3", "J-4"]
    selects = [q for q in counted if q.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 4, selects  # estates, count, the page, the repeated refs


def test_only_jobs_with_a_unit_are_in_the_repeat_index_and_its_look_up_reads_it(
    client, estate, engine
):
    """Jobs without a unit (most Odoo requests without the add-on) write no entry in
    ``ix_jobs_unit_repeat``; the repeat look-up by estate and units still reads it."""

    with_unit = client.post("/api/v1/jobs", json=job_body("J-1"))
    without = client.post("/api/v1/jobs", json={**job_body("J-2"), "unit": None})
    assert with_unit.status_code == without.status_code == 201
    look_up = (
        "SELECT id, unit, category, completed_at FROM jobs"
        " WHERE estate_id = 1 AND unit IN ('3栋2单元1201', '3栋2单元1202')"
    )
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            definition = conn.execute(
                sa.text("SELECT sql FROM sqlite_master WHERE name = 'ix_jobs_unit_repeat'")
            ).scalar_one()
            plan = " ".join(
                str(r[-1]) for r in conn.execute(sa.text(f"EXPLAIN QUERY PLAN {look_up}"))
            )
        else:
            definition = conn.execute(
                sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_jobs_unit_repeat'")
            ).scalar_one()
            conn.execute(sa.text("SET enable_seqscan = off"))
            plan = " ".join(r[0] for r in conn.execute(sa.text(f"EXPLAIN {look_up}")))
    assert "unit IS NOT NULL" in definition
    assert "ix_jobs_unit_repeat" in plan
