"""`huifang plan --estate E [--as-of T] [--verify]`: the day's quota plan as a table, and every
logged draw redrawn from its log (exit 1 when a row was edited)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select
from typer.testing import CliRunner

from service.cli import app
from service.config import get_settings
from service.db import get_engine, migrate
from service.models import QuotaDraw
from service.schemas import EstateIn, JobIn
from service.usecases.estates import put_estate
from service.usecases.jobs import upsert_job

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_plan_prints_the_day_and_verifies_its_draws(tmp_path, monkeypatch):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", f"sqlite:///{tmp_path / 'plan.db'}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    engine = get_engine()
    migrate(engine)
    start = datetime(2026, 5, 18, 9, 0, tzinfo=SHANGHAI)
    with Session(engine) as session:
        put_estate(session=session, code="YG", estate_in=EstateIn(name="阳光花园"), actor="t")
        for n in range(30):
            upsert_job(
                session=session,
                actor="t",
                job_in=JobIn(
                    ref=f"J-{n:02d}",
                    estate="YG",
                    category="safety" if n % 3 == 0 else "general",
                    completed_at=start + timedelta(hours=n),
                ),
            )
    args = ["plan", "--estate", "YG", "--as-of", "2026-05-20T12:00:00+08:00", "--verify"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "YG 2026-05-20" in first.output and "manager" in first.output
    assert "plan: 3 of 3 draws redrawn the same" in first.output
    with Session(engine, expire_on_commit=False) as session:
        draw = session.exec(select(QuotaDraw).where(QuotaDraw.role == "supervisor")).one()
        other = next(j for j, _w, _t in draw.candidates if j not in draw.picked)
        session.execute(
            sa.update(QuotaDraw)
            .where(QuotaDraw.id == draw.id)
            .values(picked=[other, *draw.picked[1:]])
        )
        session.commit()
    edited = CliRunner().invoke(app, args)
    assert edited.exit_code == 1
    assert f"draw {draw.id} (2026-05-20 2026-05 supervisor round 1)" in edited.output
    unknown = CliRunner().invoke(app, ["plan", "--estate", "NOPE"])
    assert unknown.exit_code == 2 and "NOPE" in unknown.output
    engine.dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()
