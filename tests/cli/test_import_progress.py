"""The progress bar of the long commands (import, forms, notices, report, sync): on a terminal,
on stderr, only once the work takes over a second; without a terminal the commands print
exactly what they print without it, and data on stdout stays clean."""

from __future__ import annotations

import io
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console
from sqlmodel import Session
from typer.testing import CliRunner

from service.cli import app
from service.db import get_engine, migrate
from service.http import progress
from service.http.progress import LateProgress, counted_columns
from service.importer.command import template_csv
from service.schemas import EstateIn, JobIn
from service.usecases.dashboard import build_dashboard
from service.usecases.estates import put_estate
from service.usecases.jobs import upsert_job
from service.web.reporting import render_report

SHANGHAI = ZoneInfo("Asia/Shanghai")


def terminal() -> tuple[Console, io.StringIO]:
    screen = io.StringIO()
    return Console(file=screen, force_terminal=True, width=80), screen


def test_work_longer_than_the_delay_shows_the_bar_on_a_terminal_then_clears_it():
    console, screen = terminal()
    with LateProgress("Importing", console=console, delay=0.05, columns=counted_columns()) as bar:
        bar.update(total=10)
        deadline = time.monotonic() + 5
        while not bar.shown and time.monotonic() < deadline:
            time.sleep(0.01)
        assert bar.shown
        bar.update(completed=4)
        time.sleep(0.2)
    assert not bar.shown
    assert "Importing" in screen.getvalue() and "4/10" in screen.getvalue()


def test_work_shorter_than_the_delay_shows_nothing():
    console, screen = terminal()
    with LateProgress("Importing", console=console, delay=5) as bar:
        bar.update(completed=1, total=1)
    assert screen.getvalue() == "" and not bar.shown


def test_without_a_terminal_no_bar_and_no_thread_however_long_the_work():
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=False)
    before = threading.active_count()
    with LateProgress("Importing", console=console, delay=0) as bar:
        assert threading.active_count() == before
        time.sleep(0.05)
        bar.update(completed=3, total=3)
        assert not bar.shown
    assert screen.getvalue() == ""


def test_disable_keeps_a_terminal_quiet_too():
    console, screen = terminal()
    with LateProgress("Odoo requests", console=console, delay=0, disable=True):
        time.sleep(0.05)
    assert screen.getvalue() == ""


@pytest.fixture
def office(cli_db, monkeypatch):
    """The command's database with 阳光花园 and a job; the bar would start at once."""
    monkeypatch.setattr(progress, "DELAY_SECONDS", 0.0)
    engine = get_engine()
    migrate(engine)
    with Session(engine, expire_on_commit=False) as session:
        put_estate(session=session, code="YGHY", estate_in=EstateIn(name="阳光花园"), actor="t")
        upsert_job(
            session=session,
            actor="t",
            job_in=JobIn(
                ref="WX-1",
                estate="YGHY",
                title="门锁更换",
                completed_at=datetime(2026, 5, 18, 10, tzinfo=SHANGHAI),
            ),
        )
    return engine


def test_import_prints_only_its_summary_when_not_a_terminal(office, tmp_path: Path):
    path = tmp_path / "jobs.csv"
    path.write_bytes(template_csv())
    result = CliRunner().invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Read 2 rows (utf-8-sig). Created 2, updated 0, unchanged 0, rejected 0.\n"
    )
    assert result.stderr == ""


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_report_on_stdout_is_the_report_and_nothing_else(office, fmt):
    as_of = "2026-05-25T12:00:00+08:00"
    result = CliRunner().invoke(
        app,
        ["report", "--estate", "YGHY", "--period", "2026-05", "--format", fmt, "--as-of", as_of],
    )
    assert result.exit_code == 0, result.output
    with Session(office, expire_on_commit=False) as session:
        dash = build_dashboard(
            session=session,
            estate_code="YGHY",
            period="2026-05",
            as_of=datetime.fromisoformat(as_of),
        )
        expected = render_report(dash, fmt)
    assert result.stdout_bytes == expected
    assert result.stderr == ""


def test_a_report_written_to_a_file_says_only_where(office, tmp_path: Path):
    out = tmp_path / "report.xlsx"
    result = CliRunner().invoke(
        app,
        ["report", "--estate", "YGHY", "--period", "2026-05", "--format", "xlsx", "--out", out],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == f"{out} ({out.stat().st_size} bytes)\n"


def test_forms_print_only_what_they_wrote(office, tmp_path: Path):
    out = tmp_path / "forms.pdf"
    result = CliRunner().invoke(
        app, ["forms", "--estate", "YGHY", "--date", "2026-05-18", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("Wrote 1 callback form(s)") and "\x1b" not in result.stderr
    assert out.read_bytes().startswith(b"%PDF")


def test_a_report_for_an_unknown_estate_still_says_why(office):
    result = CliRunner().invoke(app, ["report", "--estate", "NOPE", "--period", "2026-05"])
    assert result.exit_code == 2
    assert result.stdout == "" and result.stderr.startswith("error:")
