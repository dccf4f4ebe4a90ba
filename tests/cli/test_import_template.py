"""``huifang import --template`` and ``--columns``: an office learns the file's shape from the
command itself, and the example file it writes imports as it is."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select
from typer.testing import CliRunner

from service.cli import app
from service.db import get_engine, migrate
from service.importer.columns import COLUMNS, EXAMPLE_ROWS
from service.models import Estate, Job


@pytest.fixture
def office(cli_db):
    """The command's database with the estate of the examples, 阳光花园 (YGHY)."""
    engine = get_engine()
    migrate(engine)
    with Session(engine) as session:
        session.add(Estate(code="YGHY", name="阳光花园管理处", timezone="Asia/Shanghai"))
        session.commit()
    return engine


@pytest.mark.parametrize("name", ["jobs.xlsx", "jobs.csv"])
def test_the_template_imports_cleanly_once_the_estate_exists(office, tmp_path: Path, name):
    path = tmp_path / name
    result = CliRunner().invoke(app, ["import", "--template", str(path)])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output and "完工时间" in result.output and path.exists()
    result = CliRunner().invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"Created {len(EXAMPLE_ROWS)}" in result.output and "rejected 0" in result.output
    assert "Unknown" not in result.output and "Not imported" not in result.output
    with Session(office) as session:
        jobs = {j.ref: j for j in session.exec(select(Job)).all()}
    leak, safety = (jobs[row["ref"]] for row in EXAMPLE_ROWS)
    assert leak.completed_at.isoformat() == "2026-05-06T01:30:00+00:00"  # 09:30 in Shanghai
    assert (leak.category, leak.charge, leak.resident_phone) == (
        "leak",
        Decimal("50.00"),
        "13800001234",
    )
    assert (safety.category, safety.charge) == ("safety", None)


def test_the_template_carries_the_chinese_headings_an_excel_date_and_a_number(tmp_path: Path):
    path = tmp_path / "jobs.xlsx"
    assert CliRunner().invoke(app, ["import", "--template", str(path)]).exit_code == 0
    book = load_workbook(path)
    sheet = book.worksheets[0]
    headings = [cell.value for cell in sheet[1]]
    assert headings == [c.zh for c in COLUMNS]
    assert headings[:1] == ["维修单号"] and "完工时间" in headings
    row = {h: cell for h, cell in zip(headings, sheet[2], strict=True)}
    assert row["完工时间"].is_date and row["收费金额"].data_type == "n"
    assert row["联系电话"].data_type == "s" and row["管理处"].value == "YGHY"
    assert book.sheetnames[1] == "columns"  # what each column holds, for whoever fills it in


def test_the_template_uses_the_estate_given(office, tmp_path: Path):
    path = tmp_path / "jobs.csv"
    result = CliRunner().invoke(app, ["import", "--template", str(path), "--estate", "HXY"])
    assert result.exit_code == 0
    assert ",HXY," in path.read_bytes().decode("utf-8-sig")


def test_the_template_never_overwrites_a_file_and_wants_a_known_suffix(tmp_path: Path):
    kept = tmp_path / "jobs.xlsx"
    kept.write_bytes(b"the office's own work")
    result = CliRunner().invoke(app, ["import", "--template", str(kept)])
    assert result.exit_code == 2 and "exists" in result.output
    assert kept.read_bytes() == b"the office's own work"
    result = CliRunner().invoke(app, ["import", "--template", str(tmp_path / "jobs.txt")])
    assert result.exit_code == 2 and ".xlsx or .csv" in result.output


def test_columns_prints_one_markdown_row_per_column_with_its_headings():
    result = CliRunner().invoke(app, ["import", "--columns"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("| heading | English | required |")
    assert len(lines) == 2 + len(COLUMNS)
    for column, line in zip(COLUMNS, lines[2:], strict=True):
        assert line.startswith(f"| {column.zh} | `{column.name}` | {column.required[:3]}")
        assert all(alias in line for alias in column.aliases)
    assert "| 完工时间 | `completed_at` | yes |" in result.stdout


def test_help_lists_every_column_in_both_languages_and_which_are_required():
    result = CliRunner().invoke(app, ["import", "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    for column in COLUMNS:
        line = next(line for line in result.output.splitlines() if f" {column.zh} " in line)
        assert f" {column.name} " in line
        assert ("*" in line) == column.required.startswith("yes")
    assert "--template" in result.output and "--columns" in result.output


def test_without_a_file_the_command_says_what_it_needs(cli_db):
    result = CliRunner().invoke(app, ["import"])
    assert result.exit_code == 2
    assert "--template" in result.output
