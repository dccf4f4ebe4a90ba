"""GET /api/v1/compliance/plan: each role's planned jobs, drawn once a day, topped up when
short, logged so the draw repeats from its log, and the same on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from service.models import QuotaDraw
from service.usecases.planner import plan_of, redraw_mismatches
from tests.api.helpers import callback_body, job_body

NOW = datetime(2026, 5, 20, 4, 0, tzinfo=UTC)  # the client's fixed clock: 12:00 in Shanghai


def _jobs(client, n: int, start: int = 1, category: str = "general", hours_ago: int = 24):
    for i in range(start, start + n):
        done = (NOW - timedelta(hours=hours_ago + i)).isoformat()
        body = job_body(f"J-{i}", category=category, completed_at=done, erp_category=None)
        assert client.post("/api/v1/jobs", json=body).status_code in (200, 201)


def _plan(client, **params):
    response = client.get("/api/v1/compliance/plan", params={"estate": "YG", **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_each_role_gets_what_it_needs_from_jobs_whose_windows_are_open(client, estate):
    _jobs(client, 20)  # general: 7-day windows, all open
    _jobs(client, 3, start=21, category="safety", hours_ago=60)  # 48 h windows: closed
    body = _plan(client)
    assert body["day"] == "2026-05-20" and [p["period"] for p in body["periods"]] == ["2026-05"]
    (period,) = body["periods"]
    assert period["jobs"] == 23
    roles = period["roles"]
    # 23 jobs: ceil(2.3) = 3, ceil(6.9) = 7, ceil(13.8) = 14; 20 jobs still qualify
    assert [roles[r]["need"] for r in ("manager", "supervisor", "lead")] == [3, 7, 14]
    picked = {r: [j["ref"] for j in roles[r]["jobs"]] for r in roles}
    assert [len(picked[r]) for r in ("manager", "supervisor", "lead")] == [3, 7, 14]
    closed = {"J-21", "J-22", "J-23"}
    assert not closed & {ref for refs in picked.values() for ref in refs}
    # 3 + 7 = 10 drawn apart; the lead's 14 must share 4 with the others (only 20 qualify)
    assert not set(picked["manager"]) & set(picked["supervisor"])
    assert len(set(picked["lead"]) - set(picked["manager"]) - set(picked["supervisor"])) == 10
    for role in roles.values():
        assert role["reachable"] and role["short"] == 0 and role["draws"] is None
        deadlines = [j["deadline"] for j in role["jobs"]]
        assert deadlines == sorted(deadlines)


def test_the_day_keeps_its_draw_and_tops_it_up_only_when_short(client, estate):
    _jobs(client, 20)
    first = _plan(client, draws="true")["periods"][0]["roles"]["manager"]
    assert [d["round"] for d in first["draws"]] == [1]
    assert first["draws"][0]["method"] == "weighted" and first["draws"][0]["seed"]
    again = _plan(client, draws="true")["periods"][0]["roles"]["manager"]
    assert again["jobs"] == first["jobs"] and len(again["draws"]) == 1

    # the manager calls one planned job back: one to go, nothing redrawn
    ref = first["jobs"][0]["ref"]
    call = callback_body(role="manager", staff="李经理", done_at=NOW.isoformat())
    assert client.post(f"/api/v1/jobs/{ref}/callbacks", json=call).status_code == 201
    after = _plan(client, draws="true")["periods"][0]["roles"]["manager"]
    assert (after["done"], after["need"]) == (1, 1)
    assert [j["ref"] for j in after["jobs"]] == [j["ref"] for j in first["jobs"][1:]]
    assert len(after["draws"]) == 1

    # eleven more repairs: 31 jobs need 4 manager callbacks, the day's draw is topped up
    _jobs(client, 11, start=21)
    topped = _plan(client, draws="true")["periods"][0]["roles"]["manager"]
    assert (topped["required"], topped["done"], topped["need"]) == (4, 1, 3)
    assert [d["round"] for d in topped["draws"]] == [1, 2]
    assert topped["draws"][1]["needed"] == 2 and len(topped["draws"][1]["picked"]) == 2
    assert len(topped["jobs"]) == 3 and ref not in [j["ref"] for j in topped["jobs"]]


def test_every_logged_draw_repeats_from_its_log_and_an_edit_is_caught(client, estate, engine):
    _jobs(client, 30)
    _jobs(client, 6, start=31, category="safety", hours_ago=2)
    _plan(client)
    with Session(engine) as session:
        draws = list(session.exec(select(QuotaDraw)).all())
        assert {d.role for d in draws} == {"manager", "supervisor", "lead"}
        assert redraw_mismatches(session, draws) == []
        manager = next(d for d in draws if d.role == "manager")
        others = [c[0] for c in manager.candidates if c[0] not in manager.picked]
        session.execute(
            sa.update(QuotaDraw)
            .where(QuotaDraw.id == manager.id)
            .values(picked=[others[0], *manager.picked[1:]])
        )
        session.commit()
        draws = list(session.exec(select(QuotaDraw)).all())
        assert [d.id for d in redraw_mismatches(session, draws)] == [manager.id]


class TestTheFirstOfAMonth:
    @pytest.fixture
    def now(self):
        return datetime(2026, 6, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai

    def test_last_months_open_windows_are_planned_too(self, client, estate):
        for i, day in enumerate(("2026-05-28", "2026-05-30", "2026-05-31"), start=1):
            body = job_body(f"M-{i}", category="general", completed_at=f"{day}T15:00:00+08:00")
            assert client.post("/api/v1/jobs", json=body).status_code == 201
        body = _plan(client)
        assert body["day"] == "2026-06-01"
        periods = {p["period"]: p for p in body["periods"]}
        assert set(periods) == {"2026-05", "2026-06"}
        assert periods["2026-05"]["jobs"] == 3
        may = {r: [j["ref"] for j in v["jobs"]] for r, v in periods["2026-05"]["roles"].items()}
        assert [len(may[r]) for r in ("manager", "supervisor", "lead")] == [1, 1, 2]
        drawn = {*may["manager"], *may["supervisor"]}
        assert len(drawn) == 2 and (set(may["lead"]) - drawn) == {"M-1", "M-2", "M-3"} - drawn
        assert periods["2026-06"]["jobs"] == 0
        assert all(r["need"] == 0 for r in periods["2026-06"]["roles"].values())


def test_a_quota_that_can_no_longer_be_met_says_how_short_it_is(client, estate):
    _jobs(client, 10, category="safety", hours_ago=60)  # every window closed
    roles = _plan(client)["periods"][0]["roles"]
    assert roles["lead"]["need"] == 6 and roles["lead"]["jobs"] == []
    assert not roles["lead"]["reachable"] and roles["lead"]["short"] == 6


def test_an_unknown_estate_is_404(client):
    response = client.get("/api/v1/compliance/plan", params={"estate": "NOPE"})
    assert response.status_code == 404 and "NOPE" in response.json()["detail"]


def test_two_processes_drawing_at_once_keep_one_draw(client, estate, engine):
    _jobs(client, 20)
    results: list[list[int]] = []
    barrier = threading.Barrier(2)

    def look() -> None:
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            plan = plan_of(session=session, estate_code="YG", as_of=NOW)
            results.append([j.id for j in plan.periods[0].roles["manager"].jobs])

    threads = [threading.Thread(target=look) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 2 and results[0] == results[1]
    with Session(engine) as session:
        rounds = session.exec(select(QuotaDraw.role, QuotaDraw.round)).all()
    assert sorted(rounds) == [("lead", 1), ("manager", 1), ("supervisor", 1)]


def test_the_scheduler_draws_each_estates_day_once_after_its_midnight(client, estate, engine):
    from service.config import Settings
    from service.scheduler import run_cycle

    _jobs(client, 12)
    run_cycle(engine, Settings(), NOW)
    run_cycle(engine, Settings(), NOW + timedelta(minutes=5))
    with Session(engine) as session:
        days = session.exec(select(QuotaDraw.day, QuotaDraw.role, QuotaDraw.round)).all()
    assert sorted(days) == [("2026-05-20", r, 1) for r in ("lead", "manager", "supervisor")]
    run_cycle(engine, Settings(), datetime(2026, 5, 20, 16, 5, tzinfo=UTC))  # 00:05 on the 21st
    with Session(engine) as session:
        days = session.exec(select(QuotaDraw.day)).all()
    assert sorted(set(days)) == ["2026-05-20", "2026-05-21"] and len(days) == 6
