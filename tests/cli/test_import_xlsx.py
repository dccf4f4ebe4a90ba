"""``huifang import jobs.xlsx``: workbooks as Excel and WPS save them, read like CSV files."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import Session, select
from typer.testing import CliRunner

from service.cli import app
from service.db import get_engine, migrate
from service.importer.jobs import ImportFileError, import_file
from service.models import Estate, Job

HEADINGS = ["维修单号", "管理处", "房号", "联系电话", "维修内容", "完工时间", "收费金额"]


def workbook(*sheets: tuple[str, list[list[object]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


#: Row numbers as Excel shows them: the headings are row 1, row 4 is left empty.
JOBS = [
    HEADINGS,
    ["X-1", "YG", "3栋2单元1201", 13800001234, "厨房水管漏水", datetime(2026, 5, 1, 9, 30), 50],
    ["X-2", "YG", 1201, None, "门锁更换", "2026-05-02 14:00", 12.5],
    [],
    ["X-BAD", "YG", "5栋", None, "灯不亮", "下周三", "十元"],
    ["X-3", "YG", "6栋", None, "楼道灯不亮", 46145.375, None],  # a date cell that lost its format
]


@pytest.fixture
def estate_yg(session):
    session.add(Estate(code="YG", name="阳光花园", timezone="Asia/Shanghai"))
    session.commit()


def test_a_workbook_imports_like_a_csv_file_with_excel_dates_and_number_cells(session, estate_yg):
    report = import_file(session, workbook(("工单", JOBS)))
    assert (report.encoding, report.sheet) == ("xlsx", "工单")
    assert (report.rows, report.created) == (4, 3)
    jobs = {j.ref: j for j in session.exec(select(Job)).all()}
    first = jobs["X-1"]
    # an Excel date cell holds the estate's local time
    assert first.completed_at.isoformat() == "2026-05-01T01:30:00+00:00"
    assert first.charge == Decimal("50.00") and first.resident_phone == "13800001234"
    assert first.category == "leak"
    assert (jobs["X-2"].unit, jobs["X-2"].charge) == ("1201", Decimal("12.50"))
    assert jobs["X-3"].completed_at.isoformat() == "2026-05-03T01:00:00+00:00"


def test_rejected_rows_carry_their_row_number_in_the_sheet(session, estate_yg):
    report = import_file(session, workbook(("工单", JOBS)))
    assert [(r.row, r.field) for r in report.rejected] == [(5, "completed_at")]
    assert "下周三" in report.rejected[0].reason


def test_headings_need_not_start_on_the_first_row(session, estate_yg):
    report = import_file(session, workbook(("工单", [[], [None], *JOBS])))
    assert [(r.row, r.field) for r in report.rejected] == [(7, "completed_at")]
    assert report.created == 3


def test_sheet_picks_a_sheet_by_name_and_an_unknown_one_is_named(session, estate_yg):
    data = workbook(("说明", [["请在第二页填写"]]), ("工单", JOBS))
    with pytest.raises(ImportFileError, match="missing column"):
        import_file(session, data)
    assert import_file(session, data, sheet="工单").created == 3
    with pytest.raises(ImportFileError, match="说明, 工单"):
        import_file(session, data, sheet="Sheet1")


def test_an_old_xls_file_is_refused_with_what_to_do(session, estate_yg):
    with pytest.raises(ImportFileError, match=r"save it as \.xlsx or CSV"):
        import_file(session, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500)


def test_a_broken_workbook_is_refused(session, estate_yg):
    with pytest.raises(ImportFileError, match="XLSX"):
        import_file(session, b"PK\x03\x04 not really a zip")


def test_atomic_workbook_imports_nothing_when_a_row_is_bad(session, estate_yg):
    report = import_file(session, workbook(("工单", JOBS)), atomic=True)
    assert not report.committed
    assert session.exec(select(Job)).all() == []


def test_command_imports_a_workbook_and_lists_the_bad_row(cli_db, tmp_path: Path):
    engine = get_engine()
    migrate(engine)
    with Session(engine) as session:
        session.add(Estate(code="YG", name="阳光花园"))
        session.commit()
    path = tmp_path / "jobs.xlsx"
    path.write_bytes(workbook(("说明", [["见下一页"]]), ("工单", JOBS)))
    result = CliRunner().invoke(app, ["import", str(path), "--sheet", "工单"])
    assert result.exit_code == 1, result.output
    assert "xlsx, sheet 工单" in result.output
    assert "Created 3" in result.output and "rejected 1" in result.output
    assert "│ 5 " in result.output and "下周三" in result.output
    result = CliRunner().invoke(app, ["import", str(path), "--sheet", "nope"])
    assert result.exit_code == 2 and "no sheet 'nope'" in result.output
