"""``huifang demo`` loads into the database every command uses (HUIFANG_DATABASE_URL, default
sqlite:///huifang.db), and never over an office's own data unless told to."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select
from typer.testing import CliRunner

from service import domain as d
from service.cli import app
from service.config import get_settings
from service.db import get_engine, make_engine, migrate
from service.models import Estate
from service.schemas import EstateIn, JobIn
from service.usecases.estates import put_estate
from service.usecases.jobs import upsert_job

SMALL = ["--no-serve", "--jobs-per-estate", "4"]


@pytest.fixture
def office_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty working directory and no database setting: the commands use the default
    database, ``huifang.db`` there. What the demo sets in the environment is undone after."""
    monkeypatch.chdir(tmp_path)
    for name in ("HUIFANG_DATABASE_URL", "HUIFANG_PUBLIC_BASE_URL"):
        monkeypatch.setenv(name, "-")  # remembered as it was, so undone after the test
        monkeypatch.delenv(name)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield tmp_path
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def _office_database(path: Path) -> None:
    """An office's own database: an estate and a job that the demo did not make."""
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with Session(engine) as session:
        put_estate(session=session, code="ACME", estate_in=EstateIn(name="ACME"), actor="admin")
        upsert_job(
            session=session,
            actor="admin",
            job_in=JobIn(ref="acme-1", estate="ACME", completed_at=datetime.now(UTC)),
        )
    engine.dispose()


def _files(where: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in where.iterdir()}


def _estates(path: Path) -> set[str]:
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        codes = set(session.exec(select(Estate.code)).all())
    engine.dispose()
    return codes


def test_a_report_in_another_terminal_reads_what_the_demo_loaded(office_dir):
    env = {k: v for k, v in os.environ.items() if k != "HUIFANG_DATABASE_URL"}
    command = [sys.executable, "-m", "service.cli"]
    demo = subprocess.run(
        [*command, "demo", *SMALL], cwd=office_dir, env=env, capture_output=True, text=True
    )
    assert demo.returncode == 0, demo.stderr
    assert (office_dir / "huifang.db").exists()
    month = str(d.Period.containing(datetime.now(UTC), "Asia/Shanghai"))
    report = subprocess.run(
        [*command, "report", "--estate", "YGHY", "--period", month, "--format", "pdf"],
        cwd=office_dir,
        env=env,
        capture_output=True,
        text=True,
    )
    assert report.returncode == 0, report.stderr
    (pdf,) = office_dir.glob("*.pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and month in pdf.name


def test_the_output_says_where_the_data_is_and_what_to_open(office_dir):
    result = CliRunner().invoke(app, ["demo", *SMALL])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(
        "sqlite:///huifang.db" in line and "default database every huifang command uses" in line
        for line in lines
    )
    (curl,) = [line for line in lines if line.startswith("Try: curl")]  # one line, unwrapped
    period = curl.rsplit("period=", 1)[1].rstrip('"')
    assert d.Period.parse(period)
    assert curl.endswith(f'/api/v1/compliance?estate=YGHY&period={period}"')
    assert f"huifang report --estate YGHY --period {period} --format pdf" in result.output
    assert any(line.endswith(": http://127.0.0.1:8000/") for line in lines)  # the landing page
    for route in ("/login", "/today", "/jobs/<ref>/staff", "/docs"):
        assert f"http://127.0.0.1:8000{route}" in result.output, route
    assert f"/dashboard?estate=YGHY&period={period}" in result.output


def test_an_office_database_is_refused_and_left_as_it_is(office_dir):
    _office_database(office_dir / "huifang.db")
    before = _files(office_dir)
    result = CliRunner().invoke(app, ["demo", *SMALL])
    assert result.exit_code == 2
    for words in ("ACME", "--database PATH", "HUIFANG_DATABASE_URL", "--replace"):
        assert words in result.output
    assert _files(office_dir) == before
    assert _estates(office_dir / "huifang.db") == {"ACME"}


def test_replace_recreates_it_with_the_demo_only(office_dir):
    _office_database(office_dir / "huifang.db")
    result = CliRunner().invoke(app, ["demo", *SMALL, "--replace"])
    assert result.exit_code == 0, result.output
    assert _estates(office_dir / "huifang.db") == {"YGHY", "CHY", "WLG"}


def test_the_demo_remakes_its_own_database_and_an_empty_file(office_dir):
    (office_dir / "huifang.db").write_bytes(b"")
    runner = CliRunner()
    assert runner.invoke(app, ["demo", *SMALL]).exit_code == 0
    again = runner.invoke(app, ["demo", *SMALL])  # what the demo made, it may make again
    assert again.exit_code == 0, again.output
    assert _estates(office_dir / "huifang.db") == {"YGHY", "CHY", "WLG"}


def test_a_demo_database_someone_added_an_estate_to_is_theirs(office_dir):
    runner = CliRunner()
    assert runner.invoke(app, ["demo", *SMALL]).exit_code == 0
    get_engine().dispose()
    engine = make_engine(f"sqlite:///{office_dir / 'huifang.db'}")
    with Session(engine) as session:
        put_estate(session=session, code="ACME", estate_in=EstateIn(name="ACME"), actor="admin")
    engine.dispose()
    refused = runner.invoke(app, ["demo", *SMALL])
    assert refused.exit_code == 2 and "ACME" in refused.output


def test_a_file_that_is_not_a_database_is_refused(office_dir):
    (office_dir / "huifang.db").write_bytes(b"not a database " * 100)
    before = _files(office_dir)
    result = CliRunner().invoke(app, ["demo", *SMALL])
    assert result.exit_code == 2 and "--replace" in result.output
    assert _files(office_dir) == before


def test_database_names_another_file(office_dir):
    result = CliRunner().invoke(app, ["demo", *SMALL, "--database", "other.db"])
    assert result.exit_code == 0, result.output
    assert "HUIFANG_DATABASE_URL=sqlite:///other.db" in result.output
    assert (office_dir / "other.db").exists() and not (office_dir / "huifang.db").exists()


@pytest.mark.postgres
def test_postgresql_is_loaded_only_when_empty(office_dir, pg_cluster, monkeypatch):
    admin = make_engine(pg_cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS huifang_demo_cli"))
        conn.execute(sa.text("CREATE DATABASE huifang_demo_cli"))
    admin.dispose()
    monkeypatch.setenv("HUIFANG_DATABASE_URL", pg_cluster.url("huifang_demo_cli"))
    get_settings.cache_clear()
    get_engine.cache_clear()
    runner = CliRunner()
    first = runner.invoke(app, ["demo", *SMALL])
    assert first.exit_code == 0, first.output
    assert "(HUIFANG_DATABASE_URL), the database every huifang command uses" in first.output
    get_engine().dispose()

    def jobs() -> int:
        engine = make_engine(pg_cluster.url("huifang_demo_cli"))
        with engine.connect() as conn:
            count = conn.execute(sa.text("SELECT count(*) FROM jobs")).scalar_one()
        engine.dispose()
        return count

    loaded = jobs()
    for args in (SMALL, [*SMALL, "--replace"]):
        again = runner.invoke(app, ["demo", *args])
        assert again.exit_code == 2 and "empty" in again.output
        assert "--database PATH" in again.output
        assert jobs() == loaded
