"""``huifang import``: real-looking spreadsheet exports in UTF-8, UTF-8 with BOM and GBK."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from service.cli import app
from service.db import get_engine, migrate
from service.importer.jobs import ImportFileError, decode, import_csv
from service.models import Estate, Job

CHINESE = (
    "维修单号,管理处,房号,业主姓名,联系电话,报修内容,维修类别,维修人员,完成时间,收费金额\r\n"
    "WX-0501,YG,3栋2单元1201,王女士,13800001234,厨房水管漏水,给排水,孙师傅,"
    "2026-05-01 09:30,￥50.00\r\n"
    "WX-0502,YG,5栋1单元0302,李先生,13900005678,电梯按钮失灵,电梯,马师傅,2026/05/02 14:00,0\r\n"
    'WX-0503,YG,"7栋, 架空层",物业,,"楼道灯不亮，需更换",公共照明,胡师傅,'
    "2026-05-03T08:00:00+08:00,\r\n"
)
ENGLISH = (
    "Ref,Estate,Unit,Resident,Phone,Title,Type,Worker,Completed at,Charge\n"
    "EN-1,YG,B3-1201,Ms Wang,13800001234,Leaking tap,Plumbing,Sun,2026-05-04 10:00,12.5\n"
)
BAD_ROWS = (
    "单号,管理处,完成时间,收费,类别\n"
    "OK-1,YG,2026-05-01 09:00,10,\n"
    "BAD-TIME,YG,下周三,10,\n"
    "BAD-ESTATE,NOPE,2026-05-01 09:00,10,\n"
    ",YG,2026-05-01 09:00,10,\n"
    "BAD-MONEY,YG,2026-05-01 09:00,十元,\n"
    "BAD-CAT,YG,2026-05-01 09:00,10,紧急\n"
    "OK-2,YG,2026-05-01 10:00,-3,\n"
    "OK-3,YG,2026-05-01 11:00,1.5,漏水\n"
)


@pytest.fixture
def estate_yg(session):
    estate = Estate(code="YG", name="阳光花园", timezone="Asia/Shanghai")
    session.add(estate)
    session.commit()
    return estate


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (CHINESE.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + CHINESE.encode("utf-8"), "utf-8-sig"),
        (CHINESE.encode("gbk"), "gb18030"),
        (CHINESE.encode("gb18030"), "gb18030"),
    ],
)
def test_chinese_exports_in_every_common_encoding_import_the_same(
    session, estate_yg, encoded, encoding
):
    report = import_csv(session, encoded)
    assert report.encoding == encoding
    assert (report.rows, report.created, report.rejected) == (3, 3, [])
    jobs = {j.ref: j for j in session.exec(select(Job)).all()}
    assert jobs["WX-0501"].title == "厨房水管漏水" and jobs["WX-0501"].category == "leak"
    assert jobs["WX-0501"].charge == Decimal("50.00")
    assert jobs["WX-0502"].category == "safety"
    assert jobs["WX-0503"].unit == "7栋, 架空层"
    # a spreadsheet's local time is read in the estate's timezone
    assert jobs["WX-0501"].completed_at.isoformat() == "2026-05-01T01:30:00+00:00"


def test_english_headers(session, estate_yg):
    report = import_csv(session, ENGLISH.encode())
    assert report.created == 1
    job = session.exec(select(Job)).one()
    assert (job.resident_name, job.category, job.charge) == ("Ms Wang", "leak", Decimal("12.50"))


def test_bad_rows_are_listed_and_good_rows_kept(session, estate_yg):
    report = import_csv(session, BAD_ROWS.encode())
    rejected = {(r.row, r.field) for r in report.rejected}
    assert rejected == {
        (3, "completed_at"),
        (4, "estate"),
        (5, "ref"),
        (6, "charge"),
        (7, "category"),
        (8, "charge"),
    }
    assert sorted(session.exec(select(Job.ref)).all()) == ["OK-1", "OK-3"]


def test_atomic_imports_nothing_when_a_row_is_bad(session, estate_yg):
    report = import_csv(session, BAD_ROWS.encode(), atomic=True)
    assert not report.committed and report.created == 0
    assert session.exec(select(Job)).all() == []


def test_reimporting_updates_instead_of_duplicating(session, estate_yg):
    import_csv(session, CHINESE.encode())
    report = import_csv(session, CHINESE.replace("孙师傅", "林师傅").encode())
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert len(session.exec(select(Job)).all()) == 3


def test_missing_columns_are_named(session, estate_yg):
    with pytest.raises(ImportFileError, match="completed_at"):
        import_csv(session, "单号,管理处\nA,YG\n".encode())


def test_binary_junk_is_refused():
    with pytest.raises(ImportFileError, match="UTF-8"):
        decode(b"\xff\xfe\x00\x81\x00\xff" * 10)


def test_command_shows_progress_and_rejected_rows(cli_db, tmp_path: Path):
    engine = get_engine()
    migrate(engine)
    with Session(engine) as session:
        session.add(Estate(code="YG", name="阳光花园"))
        session.commit()
    path = tmp_path / "jobs.csv"
    path.write_bytes(BAD_ROWS.encode("gbk"))
    result = CliRunner().invoke(app, ["import", str(path)])
    assert result.exit_code == 1, result.output
    assert "Created 2" in result.output and "rejected 6" in result.output
    assert "下周三" in result.output
    good = tmp_path / "good.csv"
    good.write_bytes(b"\xef\xbb\xbf" + CHINESE.encode())
    result = CliRunner().invoke(app, ["import", str(good), "--atomic"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["import", str(path), "--atomic"])
    assert result.exit_code == 1 and "nothing was imported" in result.output


def test_command_refuses_a_file_without_the_needed_columns(cli_db, tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text("name,age\nbob,3\n")
    result = CliRunner().invoke(app, ["import", str(path), "--estate", "YG"])
    assert result.exit_code == 2
    assert "missing column" in result.output or "unknown estate" in result.output
