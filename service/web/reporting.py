"""The monthly report (通报) of one estate: JSON, CSV, XLSX or PDF, and the ``report`` command.

Every figure comes from ``usecases.dashboard.build_dashboard``, whose headline figures are the
compliance endpoint's own (``service.usecases.compliance``).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

import typer

from .. import domain as d
from ..catalogue import t
from ..usecases.dashboard import Dashboard
from .options import time_option
from .report_pdf import to_pdf
from .report_rows import (
    bilingual,
    report_data,
    sections,
)
from .spreadsheet import append_text_row, csv_row

FORMATS = ("json", "csv", "xlsx", "pdf")
Format = Literal["json", "csv", "xlsx", "pdf"]
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def to_json(dash: Dashboard) -> bytes:
    return json.dumps(report_data(dash), ensure_ascii=False, indent=2).encode("utf-8")


# ---------------------------------------------------------------- CSV and XLSX (rows: report_rows)


def to_csv(dash: Dashboard) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([bilingual("report.title"), dash.estate.name, str(dash.period)])
    for title, head, rows in sections(dash):
        writer.writerow([])
        writer.writerow([title])
        writer.writerow(head)
        writer.writerows(csv_row(row) for row in rows)
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def to_xlsx(dash: Dashboard) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    # Sheet tabs in Chinese: the office's language, and short enough for Excel's 31 characters.
    names = [
        t(key, "zh_CN")
        for key in (
            "report.summary",
            "report.roles",
            "report.overdue_list",
            "report.late_rects",
            "report.staff_table",
            "report.worker_table",
        )
    ]
    for name, (title, head, rows) in zip(names, sections(dash), strict=True):
        sheet = book.create_sheet(name)
        sheet.append([title])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append(head)
        for cell in sheet[2]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="0F766E")
        for row in rows:
            append_text_row(sheet, row)
        for index in range(1, len(head) + 1):
            longest = max(
                (_display_width(str(r[index - 1])) for r in [head, *rows] if len(r) >= index),
                default=8,
            )
            sheet.column_dimensions[get_column_letter(index)].width = min(max(longest + 2, 8), 48)
        sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _display_width(text: str) -> int:
    """Width in Excel columns: a Chinese character takes two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def render_report(dash: Dashboard, fmt: str) -> bytes:
    if fmt == "json":
        return to_json(dash)
    if fmt == "csv":
        return to_csv(dash)
    if fmt == "xlsx":
        return to_xlsx(dash)
    if fmt == "pdf":
        return to_pdf(dash)
    raise d.InvalidInput(f"format {fmt!r} must be one of {', '.join(FORMATS)}")


def report_filename(dash: Dashboard, fmt: str) -> str:
    return f"{t('report.file', 'zh_CN')}-{dash.estate.code}-{dash.period}.{fmt}"


# ---------------------------------------------------------------- command


def report(
    estate: Annotated[str, typer.Option(help="estate code, e.g. YGHY")],
    period: Annotated[
        str | None, typer.Option(help="YYYY-MM; default: this month in the estate's timezone")
    ] = None,
    format: Annotated[str, typer.Option("--format", help="json, csv, xlsx or pdf")] = "json",
    out: Annotated[
        Path | None,
        typer.Option(help="file to write; default: stdout for json/csv, a named file otherwise"),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="ISO 8601 time with offset; default now")
    ] = None,
) -> None:
    """Monthly callback report (回访通报) of one estate: figures, shortfalls, overdue lists."""
    from rich.console import Console
    from sqlmodel import Session

    from ..db import get_engine, migrate
    from ..http.progress import LateProgress
    from ..usecases.dashboard import build_dashboard

    if format not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    moment = datetime.now(UTC)
    if as_of:
        moment = time_option(as_of, "--as-of")
    engine = get_engine()
    migrate(engine)
    bar = LateProgress(f"Monthly report {estate} ({format})", console=Console(stderr=True))
    with bar, Session(engine, expire_on_commit=False) as session:
        try:
            dash = build_dashboard(session=session, estate_code=estate, period=period, as_of=moment)
        except d.DomainError as exc:
            typer.echo(f"error: {exc.detail}", err=True)
            raise typer.Exit(2) from None
        content = render_report(dash, format)
        name = report_filename(dash, format)
    if out is None and format in ("json", "csv"):
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return
    target = out or Path(name)
    target.write_bytes(content)
    typer.echo(f"{target} ({len(content)} bytes)", err=True)
