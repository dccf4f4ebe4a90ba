"""`huifang privacy purge --before DATE`: removes the personal data of older jobs, and
`huifang audit verify` still passes afterwards."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select
from typer.testing import CliRunner

from service.cli import app
from service.config import get_settings
from service.db import get_engine, migrate
from service.models import Job
from service.schemas import EstateIn, JobIn
from service.usecases.estates import put_estate
from service.usecases.jobs import upsert_job


def test_purge_before_a_date_then_verify(tmp_path, monkeypatch):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", f"sqlite:///{tmp_path / 'purge.db'}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    engine = get_engine()
    migrate(engine)
    with Session(engine) as session:
        put_estate(session=session, code="YG", estate_in=EstateIn(name="阳光花园"), actor="t")
        for ref, month in (("OLD", 3), ("NEW", 7)):
            upsert_job(
                session=session,
                actor="t",
                job_in=JobIn(
                    ref=ref,
                    estate="YG",
                    resident_name="王女士",
                    resident_phone="13812345678",
                    completed_at=datetime(2023, month, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
                ),
            )
    done = CliRunner().invoke(app, ["privacy", "purge", "--before", "2023-06-01"])
    assert done.exit_code == 0, done.output
    assert "privacy: 1 jobs and 0 signatures completed before 2023-06-01" in done.output
    with Session(engine) as session:
        phones = dict(session.exec(select(Job.ref, Job.resident_phone)).all())
    assert phones == {"OLD": None, "NEW": "13812345678"}
    verified = CliRunner().invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert CliRunner().invoke(app, ["privacy", "purge", "--before", "someday"]).exit_code == 2
    assert CliRunner().invoke(app, ["privacy", "purge", "--before", "2999-01-01"]).exit_code == 2
    engine.dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()
