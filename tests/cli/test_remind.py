"""`huifang remind --once --as-of T`: one scheduler cycle, printing what it made; a second run
makes nothing new."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session
from typer.testing import CliRunner

from service.cli import app
from service.config import get_settings
from service.db import get_engine, migrate
from service.schemas import EstateIn, JobIn, StaffIn
from service.usecases.estates import put_estate
from service.usecases.jobs import upsert_job
from service.usecases.staff import upsert_staff


def test_remind_once_makes_and_sends_then_makes_nothing_more(tmp_path, monkeypatch):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", f"sqlite:///{tmp_path / 'remind.db'}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    engine = get_engine()
    migrate(engine)
    with Session(engine) as session:
        put_estate(session=session, code="YG", estate_in=EstateIn(name="阳光花园"), actor="t")
        upsert_staff(
            session=session, staff_in=StaffIn(estate="YG", name="张伟", role="lead"), actor="t"
        )
        upsert_job(
            session=session,
            actor="t",
            job_in=JobIn(
                ref="J-1",
                estate="YG",
                title="门锁更换",
                completed_at=datetime(2026, 5, 10, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
            ),
        )
    # a door lock is a safety repair: due 48 h after, 12 May 09:30; half an hour before it
    args = ["remind", "--once", "--as-of", "2026-05-12T09:00:00+08:00"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "reminder J-1 -> 张伟 (log)" in first.output
    assert "remind: 1 made, 1 sent" in first.output
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and "remind: 0 made" in again.output
    bad = CliRunner().invoke(app, ["remind", "--once", "--as-of", "tomorrow"])
    assert bad.exit_code == 2
    engine.dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()
