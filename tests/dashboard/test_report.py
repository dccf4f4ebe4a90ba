"""The monthly report (通报): every format, the command and the dashboard's download."""

from __future__ import annotations

import csv
import io
import json

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from service import domain as d
from service.catalogue.formats import fmt_age
from service.usecases.dashboard import PeriodClock, build_dashboard
from service.web.reporting import render_report

from .conftest import sign_in


def _dash(session, now, code="YGHY", period="2026-05"):
    dash = build_dashboard(session=session, estate_code=code, period=period, as_of=now)
    session.rollback()
    return dash


def test_pdf_has_the_figures_and_lists_in_chinese_and_english(session, now, demo):
    dash = _dash(session, now)
    pdf = pdfium.PdfDocument(render_report(dash, "pdf"))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "维修回访月度通报" in text and "Monthly maintenance callback report" in text
    for heading in ("角色配额", "逾期回访", "整改超时", "Late rectifications", "Overdue callbacks"):
        assert heading in text
    for job in dash.overdue:
        assert job.ref in text
    for role in dash.roles:
        assert f"{role.quota.done}/{role.quota.required}" in text


def test_csv_and_xlsx_reports_carry_the_sections(session, now, demo):
    dash = _dash(session, now)
    data = render_report(dash, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0].startswith("维修回访月度通报")
    flat = [cell for row in rows for cell in row]
    assert "逾期回访 Overdue callbacks" in flat
    assert str(dash.result.jobs) in flat
    book = load_workbook(io.BytesIO(render_report(dash, "xlsx")))
    assert book.sheetnames == ["概况", "角色配额", "逾期回访", "整改超时", "回访人员", "维修人员"]
    assert book["逾期回访"].max_row == 2 + len(dash.overdue)


def test_download_button_serves_each_format(client, demo):
    sign_in(client, "wang.yghy")
    page = client.get("/dashboard")
    link = "/dashboard/report?estate=YGHY&amp;period=2026-05&amp;format=pdf"
    assert f'id="download" href="{link}"' in page.text
    for fmt, start in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("csv", b"\xef\xbb\xbf"), ("json", b"{")):
        response = client.get("/dashboard/report", params={"format": fmt})
        assert response.status_code == 200
        assert response.content.startswith(start)
        assert "filename*=UTF-8''" in response.headers["content-disposition"]


def test_report_command_writes_each_format(engine, session, now, demo, tmp_path, monkeypatch):
    from service.cli import app
    from service.config import get_settings
    from service.db import get_engine

    session.rollback()  # the command opens its own connection: hold no lock here
    monkeypatch.setenv("HUIFANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        runner = CliRunner()
        result = runner.invoke(
            app,
            [
                "report",
                "--estate",
                "YGHY",
                "--period",
                "2026-04",
                "--format",
                "json",
                "--as-of",
                now.isoformat(),
            ],
        )
        assert result.exit_code == 0, result.output
        body = json.loads(result.stdout)
        assert body["compliance"]["period"] == "2026-04"
        for fmt in ("pdf", "xlsx", "csv"):
            out = tmp_path / f"r.{fmt}"
            result = runner.invoke(
                app,
                [
                    "report",
                    "--estate",
                    "YGHY",
                    "--period",
                    "2026-04",
                    "--format",
                    fmt,
                    "--out",
                    str(out),
                ],
            )
            assert result.exit_code == 0, result.output
            assert out.stat().st_size > 100
        bad = runner.invoke(app, ["report", "--estate", "NOPE", "--period", "2026-04"])
        assert bad.exit_code == 2 and "not found" in bad.output
        bad = runner.invoke(app, ["report", "--estate", "YGHY", "--period", "2026-13"])
        assert bad.exit_code == 2 and "YYYY-MM" in bad.output
        bad = runner.invoke(app, ["report", "--estate", "YGHY", "--format", "doc"])
        assert bad.exit_code == 2
    finally:
        get_settings.cache_clear()
        get_engine.cache_clear()


@pytest.mark.parametrize(
    ("as_of", "left"),
    [
        ("2026-05-20T04:00:00+00:00", 12),  # 12:00 on the 20th in Shanghai: 20th..31st
        ("2026-05-31T15:59:00+00:00", 1),  # 23:59 on the 31st
        ("2026-05-31T16:00:00+00:00", 0),  # June in Shanghai
        ("2026-04-10T00:00:00+00:00", 31),  # before the month
    ],
)
def test_days_left_in_the_month(as_of, left):
    from datetime import datetime

    clock = PeriodClock.of(d.Period(2026, 5), "Asia/Shanghai", datetime.fromisoformat(as_of))
    assert clock.days_left == left
    assert clock.days_total == 31


def test_projection_uses_the_domain_rule(session, now, demo):
    dash = _dash(session, now)
    for view in dash.roles:
        assert view.needed_by_end == d.rules.projection(
            view.quota,
            jobs_so_far=dash.result.jobs,
            days_elapsed=dash.clock.days_elapsed,
            days_total=dash.clock.days_total,
        )
        assert view.needed_by_end >= view.quota.shortfall


def test_age_reads_in_days_and_hours():
    assert fmt_age(75.5, "zh_CN") == "3天3小时"
    assert fmt_age(5, "en") == "5 h"


def test_the_report_pins_the_estates_audit_chain_at_the_periods_end(session):
    from datetime import UTC, datetime, timedelta

    from sqlmodel import col, select

    from service.models import AuditLog
    from service.schemas import EstateIn, JobIn
    from service.usecases.estates import put_estate
    from service.usecases.jobs import upsert_job

    written = datetime.now(UTC)  # audit entries carry the time they were really written
    estate, _ = put_estate(session=session, code="PIN", estate_in=EstateIn(name="链头"), actor="t")
    for n in range(3):
        upsert_job(
            session=session,
            actor="t",
            job_in=JobIn(ref=f"PIN-{n}", estate="PIN", completed_at=written - timedelta(hours=n)),
        )
    as_of = datetime.now(UTC) + timedelta(seconds=1)
    period = str(d.Period.containing(as_of, estate.timezone))
    last = session.exec(
        select(AuditLog).where(AuditLog.chain == estate.id).order_by(col(AuditLog.seq).desc())
    ).first()
    dash = build_dashboard(session=session, estate_code="PIN", period=period, as_of=as_of)
    session.rollback()
    assert last is not None and last.seq == 4  # the estate, then three jobs
    assert dash.chain_head is not None
    assert (dash.chain_head.seq, dash.chain_head.hash) == (last.seq, last.hash)
    body = json.loads(render_report(dash, "json"))
    assert body["chain_head"]["seq"] == 4 and body["chain_head"]["hash"] == last.hash
    pdf = pdfium.PdfDocument(render_report(dash, "pdf"))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "审计链头" in text and last.hash in text.replace("\r", "").replace("\n", "")
    # a month that ended before anything was written pins nothing yet
    before = build_dashboard(session=session, estate_code="PIN", period="2026-01", as_of=as_of)
    session.rollback()
    assert before.chain_head is None
