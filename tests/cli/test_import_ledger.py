"""The ledger's own exports import back, and headings are matched the way offices write them:
the ledger's, the monthly report's bilingual ones, a missing or a misspelt one named with the
headings accepted instead."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from service import domain as d
from service.catalogue.ledger import LEDGER_COLUMNS
from service.cli import app
from service.db import get_engine, migrate
from service.importer.columns import column_of
from service.importer.jobs import ImportFileError, import_csv
from service.models import Estate, Job
from service.schemas import CallbackIn, EstateIn, JobIn
from service.usecases.callbacks import record_callback
from service.usecases.estates import put_estate
from service.usecases.jobs import upsert_job
from service.usecases.ledger import LedgerQuery, ledger_rows
from service.web.ledger import to_csv, to_xlsx

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: ref, unit, title, worker, completed (Shanghai), charge
MAY = [
    ("WX-0501", "3栋2单元1201", "厨房水管漏水", "孙师傅", datetime(2026, 5, 1, 9, 30), "50.00"),
    ("WX-0502", "5栋1单元0302", "电梯按钮失灵", "马师傅", datetime(2026, 5, 2, 14, 0), None),
    # the last minutes of the month in Shanghai are still May there, and in UTC
    (
        "WX-0531",
        "7栋, 架空层",
        "楼道灯不亮，需更换",
        "胡师傅",
        datetime(2026, 5, 31, 23, 45),
        "1200",
    ),
    # cells the exports protect from spreadsheet formulas read back as they were
    (
        "WX-0520",
        "-1层车库",
        '=HYPERLINK("x","门禁")维修',
        None,
        datetime(2026, 5, 20, 8, 5),
        "12.5",
    ),
]


@pytest.fixture
def ledger_month(session: Session):
    """A month of jobs with callbacks in 阳光花园 (YGHY), one job called back twice."""
    put_estate(session=session, code="YGHY", estate_in=EstateIn(name="阳光花园"), actor="t")
    for ref, unit, title, worker, local, charge in MAY:
        upsert_job(
            session=session,
            actor="t",
            job_in=JobIn(
                ref=ref,
                estate="YGHY",
                unit=unit,
                title=title,
                worker=worker,
                completed_at=local.replace(tzinfo=SHANGHAI),
                charge=charge,
            ),
        )
    calls = [(ref, "lead", timedelta(hours=20)) for ref, *_ in MAY]
    calls.append(("WX-0501", "manager", timedelta(days=2)))
    for ref, role, after in calls:
        done = next(local for r, _u, _t, _w, local, _c in MAY if r == ref) + after
        record_callback(
            session=session,
            ref=ref,
            now=datetime(2026, 6, 10, tzinfo=SHANGHAI),
            actor="t",
            cb_in=CallbackIn(
                role=role, staff="张伟", channel="on_site", done_at=done.replace(tzinfo=SHANGHAI)
            ),
        )
    estate = session.exec(select(Estate)).one()
    rows, total = ledger_rows(
        session=session,
        query=LedgerQuery(estates=[estate], period=d.Period(2026, 5)),
        limit=None,
    )
    assert total == len(MAY) + 1
    return {job.ref: job for job in session.exec(select(Job)).all()}, rows


@pytest.fixture
def empty_office(cli_db):
    """The command's database: nothing but the estate."""
    engine = get_engine()
    migrate(engine)
    with Session(engine) as session:
        session.add(Estate(code="YGHY", name="阳光花园", timezone="Asia/Shanghai"))
        session.commit()
    return engine


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_months_ledger_export_imports_back_with_the_same_jobs(
    ledger_month, empty_office, tmp_path: Path, fmt, lang
):
    source, rows = ledger_month
    path = tmp_path / f"ledger.{fmt}"
    path.write_bytes(to_csv(rows, lang) if fmt == "csv" else to_xlsx(rows, "YGHY 2026-05", lang))
    result = CliRunner().invoke(app, ["import", str(path), "--estate", "YGHY"])
    assert result.exit_code == 0, result.output
    # one row per callback: the job called back twice is read twice, and stays one job
    assert f"Created {len(MAY)}" in result.output and "unchanged 1" in result.output
    assert "Unknown" not in result.output
    with Session(empty_office) as session:
        imported = {job.ref: job for job in session.exec(select(Job)).all()}
    assert set(imported) == set(source)
    for ref, job in imported.items():
        original = source[ref]
        assert job.unit == original.unit
        assert job.completed_at == original.completed_at
        assert job.charge == original.charge
        assert (job.title, job.worker, job.category) == (
            original.title,
            original.worker,
            original.category,
        )
    assert imported["WX-0501"].charge == Decimal("50.00")
    assert imported["WX-0520"].unit == "-1层车库"


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("完工时间", "completed_at"),
        ("维修单号", "ref"),
        ("工单号", "ref"),
        ("房号", "unit"),
        ("业主", "resident_name"),
        ("住户", "resident_name"),
        ("电话", "resident_phone"),
        ("维修内容", "title"),
        ("维修人员", "worker"),
        ("维修工", "worker"),
        ("费用", "charge"),
        ("收费", "charge"),
        ("收费金额", "charge"),
        ("类别", "category"),
        ("维修类别", "erp_category"),
        ("管理处", "estate"),
        ("Completed at", "completed_at"),
        ("completed_at", "completed_at"),
        ("Resident phone", "resident_phone"),
        ("维修单号 Job", "ref"),  # the monthly report's headings carry both languages
        ("房号 Unit", "unit"),
        ("核实金额", None),  # the amount verified on the callback, not the job's charge
        ("收费核实", None),
        ("Charge verified", None),
        ("回访期限", None),
    ],
)
def test_headings_as_offices_and_the_exports_write_them(heading, field):
    assert column_of(heading) == field


def test_every_ledger_heading_is_either_a_job_field_or_known_as_none():
    for _key, zh, en, _width in LEDGER_COLUMNS:
        assert column_of(zh) == column_of(en)


def test_a_missing_column_names_the_headings_accepted_for_it(session):
    session.add(Estate(code="YG", name="阳光花园"))
    session.commit()
    with pytest.raises(ImportFileError) as caught:
        import_csv(session, "维修单号,管理处,完工日期\nA,YG,2026-05-01 09:00\n".encode())
    message = str(caught.value)
    assert "completed_at" in message
    for heading in ("完工时间", "完成时间", "completed_at", "completed"):
        assert heading in message
    assert "完工日期 may be 完工时间" in message  # the misspelling it probably is


def test_unknown_columns_are_named_with_a_guess_and_the_accepted_headings(cli_db, tmp_path):
    migrate(get_engine())
    with Session(get_engine()) as session:
        session.add(Estate(code="YG", name="阳光花园"))
        session.commit()
    path = tmp_path / "jobs.csv"
    path.write_text("单号,管理处,完成时间,备注,维修人\nA,YG,2026-05-01 09:00,急,孙\n")
    result = CliRunner().invoke(app, ["import", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Unknown columns, not imported: 备注" in result.output
    assert "Accepted headings: 维修单号 ref, 管理处 estate" in result.output
    assert "收费金额 charge" in result.output
