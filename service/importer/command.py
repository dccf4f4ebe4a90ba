"""``huifang import``: the command around ``importer.columns`` and ``importer.jobs`` — its
help and ``--columns`` made from the importer's list of columns, ``--template`` (an example
file to fill in), the progress bar, and the summary with the rejected rows.

Exit codes: 0 all rows imported, 1 rows rejected, 2 the file cannot be read.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..http.progress import LateProgress, counted_columns
from .columns import COLUMNS, EXAMPLE_ROWS, LOCAL_FORMATS, suggest
from .jobs import ImportReport, import_file
from .sheets import ImportFileError

#: Rejected rows shown in the table; the count of the rest follows.
SHOWN_REJECTED = 200


def _pad(text: str, width: int) -> str:
    """Pad to a width in terminal cells: a Chinese character takes two."""
    return text + " " * max(0, width - cell_len(text))


def columns_help() -> str:
    """The command's ``--help``: what it reads, then one line per column."""
    zh_width = max(cell_len(c.zh) for c in COLUMNS) + 2
    en_width = max(len(c.name) for c in COLUMNS) + 2
    lines = [
        "Import repair jobs from a spreadsheet: CSV (UTF-8 with or without BOM, or "
        "GB18030/GBK) or an XLSX workbook (its first sheet, or --sheet). The first row holds "
        "the headings, Chinese or English; a job already imported is updated by its number; "
        "rejected rows are listed with their row number and the reason.",
        "",
        "\b",
        "Columns (* required; --estate stands in for the estate column):",
    ]
    for c in COLUMNS:
        mark = "*" if c.required.startswith("yes") else " "
        lines.append(f"  {mark} {_pad(c.zh, zh_width)}{c.name:<{en_width}}{c.format}")
    lines += [
        "",
        "Other headings read the same way (the ledger export's among them) and the formats in "
        "full: huifang import --columns. An example file to fill in: huifang import --template "
        "jobs.xlsx (or jobs.csv).",
    ]
    return "\n".join(lines)


def _examples(name: str) -> str:
    return next((row[name] for row in EXAMPLE_ROWS if row.get(name)), "")


def columns_markdown() -> str:
    """The columns as a markdown table (``huifang import --columns``), for the README."""
    lines = [
        "| heading | English | required | format | example | also read as |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for c in COLUMNS:
        example = _examples(c.name)
        cells = [
            c.zh,
            f"`{c.name}`",
            c.required.replace("--estate", "`--estate`"),
            c.details,
            f"`{example}`" if example else "",
            ", ".join(c.aliases),
        ]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- --template


def _example_rows(estate: str | None) -> list[dict[str, str]]:
    return [{**row, "estate": estate or row["estate"]} for row in EXAMPLE_ROWS]


def template_csv(estate: str | None = None) -> bytes:
    """The headings and the example rows as CSV, UTF-8 with a BOM (Excel opens it right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.zh for c in COLUMNS])
    for row in _example_rows(estate):
        writer.writerow([row[c.name] for c in COLUMNS])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def template_xlsx(estate: str | None = None) -> bytes:
    """A workbook: the jobs sheet to fill in (completion as an Excel date, the charge as a
    number, the phone as text), then a sheet describing every column."""
    from decimal import Decimal

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "jobs"
    sheet.append([c.zh for c in COLUMNS])
    for row in _example_rows(estate):
        cells: list[Any] = []
        for c in COLUMNS:
            value: Any = row[c.name]
            if c.name == "completed_at":
                value = datetime.strptime(value, LOCAL_FORMATS[1])
            elif c.name == "charge" and value:
                value = Decimal(value)
            cells.append(value or None)
        sheet.append(cells)
    header_font = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor="0F766E")
    for cell in sheet[1]:
        cell.font = header_font
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")
    for index, c in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        wide = c.name in ("completed_at", "title", "unit")
        sheet.column_dimensions[letter].width = 20 if wide else max(12, cell_len(c.zh) + 4)
        for cell in sheet[letter][1:]:
            if c.name == "completed_at":
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif c.name == "charge":
                cell.number_format = "0.00"
            else:
                cell.number_format = "@"  # text: a phone number never turns into 1.38E+10
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("columns")
    notes.append(["heading", "English", "required", "format", "also read as"])
    for cell in notes[1]:
        cell.font = header_font
        cell.fill = fill
    for c in COLUMNS:
        notes.append([c.zh, c.name, c.required, c.details, ", ".join(c.aliases)])
    for letter, width in zip("ABCDE", (12, 16, 16, 80, 50), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_template(path: Path, estate: str | None, console: Console) -> int:
    suffix = path.suffix.casefold()
    if suffix not in (".xlsx", ".csv"):
        console.print(f"[red]--template: name a .xlsx or .csv file, not {escape(path.name)}[/]")
        return 2
    if path.exists():
        console.print(f"[red]--template: {escape(str(path))} exists; choose a new name[/]")
        return 2
    content = template_xlsx(estate) if suffix == ".xlsx" else template_csv(estate)
    path.write_bytes(content)
    code = estate or EXAMPLE_ROWS[0]["estate"]
    console.print(
        f"Wrote {escape(str(path))}: the headings {', '.join(c.zh for c in COLUMNS)} and "
        f"{len(EXAMPLE_ROWS)} example rows for estate {escape(code)}. Replace the examples "
        f"with your jobs, then: huifang import {escape(str(path))}",
        highlight=False,
    )
    return 0


# ---------------------------------------------------------------- the import


def run_import(
    path: Path,
    *,
    default_estate: str | None,
    atomic: bool,
    encoding: str | None,
    sheet: str | None,
    console: Console,
    progress_console: Console | None = None,
) -> int:
    """Import the file with a progress bar (on stderr, on a terminal, after a second), then
    print the summary and the rejected rows."""
    from sqlmodel import Session

    from ..db import get_engine

    data = path.read_bytes()
    bar = LateProgress("Importing", total=None, console=progress_console, columns=counted_columns())
    try:
        with bar, Session(get_engine()) as session:
            report = import_file(
                session,
                data,
                sheet=sheet,
                encoding=encoding,
                default_estate=default_estate,
                atomic=atomic,
                on_start=lambda total: bar.update(total=total),
                on_row=lambda n: bar.update(completed=n),
            )
    except ImportFileError as exc:
        console.print(f"[red]Cannot import {escape(path.name)}:[/] {escape(str(exc))}")
        return 2
    _summary(report, console)
    return 1 if report.rejected else 0


def _summary(report: ImportReport, console: Console) -> None:
    console.print(
        f"Read {report.rows} row{'' if report.rows == 1 else 's'} ({escape(report.source)})."
        f" Created {report.created}, updated {report.updated}, unchanged {report.unchanged},"
        f" rejected {len(report.rejected)}.",
        highlight=False,
    )
    if report.unknown_columns:
        named = []
        for header in report.unknown_columns:
            guess = suggest(header)
            named.append(header + (f" (did you mean {guess.zh} / {guess.name}?)" if guess else ""))
        console.print(
            f"[yellow]Unknown columns, not imported:[/] {escape('; '.join(named))}",
            highlight=False,
        )
        accepted = ", ".join(f"{c.zh} {c.name}" for c in COLUMNS)
        console.print(
            f"Accepted headings: {accepted}; the others read the same way: huifang import "
            "--columns",
            highlight=False,
        )
    others = [h for h in report.ignored_columns if h not in report.unknown_columns]
    if others:
        console.print(
            "Not imported (not a job's field, or a second column for one): "
            + escape(", ".join(others)),
            highlight=False,
        )
    if report.rejected:
        table = Table(title="Rejected rows")
        for column in ("Row", "Field", "Reason"):
            table.add_column(column)
        for item in report.rejected[:SHOWN_REJECTED]:
            table.add_row(str(item.row), escape(item.field), escape(item.reason))
        console.print(table)
        if len(report.rejected) > SHOWN_REJECTED:
            console.print(f"... and {len(report.rejected) - SHOWN_REJECTED} more")
        if not report.committed:
            console.print("[red]--atomic: nothing was imported.[/]")


__all__ = [
    "columns_help",
    "columns_markdown",
    "run_import",
    "template_csv",
    "template_xlsx",
    "write_template",
]
