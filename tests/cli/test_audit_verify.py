"""`huifang audit verify [--estate E]`: exit 0 and the contracted last line when the chain
holds, 1 naming the first broken entry when something was changed behind the service's back,
2 for an unknown estate."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session
from typer.testing import CliRunner

from service.cli import app
from service.config import get_settings
from service.db import get_engine, migrate
from service.schemas import EstateIn, JobIn
from service.usecases.estates import put_estate
from service.usecases.jobs import upsert_job


def test_audit_verify_says_intact_then_names_the_edited_entry(tmp_path, monkeypatch):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", f"sqlite:///{tmp_path / 'audit.db'}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    engine = get_engine()
    migrate(engine)
    with Session(engine) as session:
        put_estate(session=session, code="YG", estate_in=EstateIn(name="阳光花园"), actor="t")
        for n in range(5):
            upsert_job(
                session=session,
                actor="t",
                job_in=JobIn(
                    ref=f"J-{n}",
                    estate="YG",
                    completed_at=datetime(2026, 5, 10, 9, n, tzinfo=ZoneInfo("Asia/Shanghai")),
                ),
            )
    ok = CliRunner().invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert (
        ok.output.strip().splitlines()[-1] == "audit: 6 entries, chain intact; 0 signatures match"
    )
    assert CliRunner().invoke(app, ["audit", "verify", "--estate", "YG"]).exit_code == 0
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TRIGGER audit_log_no_update"))
        (entry_id, seq) = conn.execute(
            sa.text("SELECT id, seq FROM audit_log WHERE entity_id = 'J-2'")
        ).one()
        conn.execute(sa.text(f"UPDATE audit_log SET detail = '{{}}' WHERE id = {entry_id}"))
    broken = CliRunner().invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert f"entry {entry_id} (seq {seq}) was changed after it was written" in broken.output
    unknown = CliRunner().invoke(app, ["audit", "verify", "--estate", "NOPE"])
    assert unknown.exit_code == 2 and "NOPE" in unknown.output
    engine.dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()
