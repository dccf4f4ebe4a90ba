"""Callbacks entered long after they were done (补录) are counted as usual and listed on the
dashboard for the manager's review, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from service import domain as d
from service.models import Staff
from service.schemas import CallbackIn, EstateIn, JobIn
from service.usecases.callbacks import record_callback
from service.usecases.dashboard import build_dashboard
from service.usecases.estates import put_estate
from service.usecases.jobs import upsert_job
from service.usecases.signin import hash_password

from .conftest import shown_figures, sign_in


def test_late_entries_are_listed_for_review(client, session: Session, now: datetime):
    estate, _ = put_estate(
        session=session, code="YG", estate_in=EstateIn(name="阳光花园"), actor="t"
    )
    session.add(
        Staff(
            estate_id=estate.id,
            name="王经理",
            role="manager",
            login="wang",
            password_hash=hash_password("pw-long-enough"),
        )
    )
    session.commit()
    for n, (done_hours_ago, entered_hours_ago) in enumerate([(30, 1), (26, 1), (20, 1), (50, 0)]):
        ref = f"J-{n}"
        upsert_job(
            session=session,
            actor="t",
            job_in=JobIn(ref=ref, estate="YG", completed_at=now - timedelta(hours=60)),
        )
        record_callback(
            session=session,
            ref=ref,
            now=now - timedelta(hours=entered_hours_ago),
            actor="t",
            cb_in=CallbackIn(
                role=d.Role.LEAD,
                staff="张伟",
                channel=d.Channel.PHONE,
                done_at=now - timedelta(hours=done_hours_ago),
            ),
        )
    dash = build_dashboard(session=session, estate_code="YG", period="2026-05", as_of=now)
    # 29, 25 and 50 hours late are over the default 24; 19 is not
    assert dash.late_entries_count == 3
    assert [e.job_ref for e in dash.late_entries] == ["J-3", "J-1", "J-0"]
    assert dash.result.on_time_done == 4  # still counted

    sign_in(client, "wang", "pw-long-enough")
    page = client.get("/dashboard", params={"period": "2026-05"})
    assert shown_figures(page.text)["late_entries"] == "3"
    assert "补录待复核" in page.text


def test_the_late_entries_list_holds_the_latest_ones_and_the_count_holds_them_all(
    session: Session, now: datetime, monkeypatch
):
    import service.usecases.dashboard as dashboard

    put_estate(session=session, code="YG", estate_in=EstateIn(name="阳光花园"), actor="t")
    for n in range(4):
        ref = f"J-{n}"
        upsert_job(
            session=session,
            actor="t",
            job_in=JobIn(ref=ref, estate="YG", completed_at=now - timedelta(hours=80)),
        )
        record_callback(
            session=session,
            ref=ref,
            now=now - timedelta(hours=4 - n),  # J-3 entered last
            actor="t",
            cb_in=CallbackIn(
                role=d.Role.LEAD,
                staff="张伟",
                channel=d.Channel.PHONE,
                done_at=now - timedelta(hours=70),
            ),
        )
    monkeypatch.setattr(dashboard, "LIST_LIMIT", 2)
    dash = build_dashboard(session=session, estate_code="YG", period="2026-05", as_of=now)
    assert dash.late_entries_count == 4
    assert [e.job_ref for e in dash.late_entries] == ["J-3", "J-2"]
    assert [(s.name, s.callbacks, s.phone) for s in dash.staff] == [("张伟", 4, 4)]
