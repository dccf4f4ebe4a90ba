"""Read a whole spreadsheet into repair jobs: a CSV file (UTF-8 with or without BOM, or
GB18030/GBK) or an XLSX workbook, the first non-empty row holding the headings.

Good rows are kept and bad rows are listed with the reason and their row number in the
spreadsheet; ``atomic`` makes the whole file all-or-nothing. What the headings and cells mean
is ``importer.columns``'s; the files' rows come from ``importer.sheets``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from .. import domain as d
from ..db import begin_write
from ..models import Estate
from ..usecases.audit import audit
from ..usecases.jobs import upsert_job
from .columns import (
    BY_NAME,
    HeaderMap,
    Rejected,
    accepted_headings,
    is_blank,
    map_headers,
    parse_row,
    suggest,
)
from .sheets import ImportFileError, Row, csv_rows, decode, sniff, xlsx_sheet


@dataclass
class ImportReport:
    encoding: str  # of a CSV file; "xlsx" for a workbook
    sheet: str | None = None
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    committed: bool = True

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def source(self) -> str:
        return self.encoding if self.sheet is None else f"{self.encoding}, sheet {self.sheet}"


def import_file(
    session: Session,
    data: bytes,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    on_start: Callable[[int | None], None] | None = None,
    **options: Any,
) -> ImportReport:
    """A CSV file or an XLSX workbook, told apart by their first bytes. ``on_start`` hears
    how many rows the file seems to hold once it is open."""
    kind = sniff(data)
    if kind == "xls":
        raise ImportFileError("an old Excel .xls file: save it as .xlsx or CSV, then import that")
    if kind == "xlsx":
        return import_xlsx(session, data, sheet=sheet, on_start=on_start, **options)
    if sheet is not None:
        raise ImportFileError("--sheet is for XLSX workbooks; this file is CSV text")
    if on_start:
        on_start(max(0, data.count(b"\n") - 1) or None)
    return import_csv(session, data, encoding=encoding, **options)


def import_csv(
    session: Session, data: bytes, *, encoding: str | None = None, **options: Any
) -> ImportReport:
    text, used = decode(data, encoding)
    return import_rows(session, csv_rows(text), source=used, **options)


def import_xlsx(
    session: Session,
    data: bytes,
    *,
    sheet: str | None = None,
    on_start: Callable[[int | None], None] | None = None,
    **options: Any,
) -> ImportReport:
    opened = xlsx_sheet(data, sheet)
    if on_start:
        on_start(max(0, opened.declared_rows - 1) if opened.declared_rows else None)
    return import_rows(session, opened.rows, source="xlsx", sheet=opened.name, **options)


def import_rows(
    session: Session,
    rows: Iterable[Row],
    *,
    source: str,
    sheet: str | None = None,
    default_estate: str | None = None,
    atomic: bool = False,
    actor: str = "import",
    on_row: Callable[[int], None] | None = None,
    batch_size: int = 500,
) -> ImportReport:
    """The rows of one sheet, the first non-empty one holding the headings."""
    rows = iter(rows)
    headers: Sequence[Any] | None = None
    for _number, cells in rows:
        if not all(is_blank(cell) for cell in cells):
            headers = cells
            break
    if headers is None:
        raise ImportFileError("the file is empty")
    found = map_headers(headers)
    _check_required(found, headers, default_estate)
    begin_write(session)
    estates = {e.code: e for e in session.exec(select(Estate)).all()}
    if default_estate and default_estate not in estates:
        raise ImportFileError(f"unknown estate {default_estate!r}")
    report = ImportReport(
        encoding=source, sheet=sheet, ignored_columns=found.ignored, unknown_columns=found.unknown
    )
    pending = 0
    for number, cells in rows:
        if all(is_blank(cell) for cell in cells):
            continue
        report.rows += 1
        if on_row:
            on_row(report.rows)
        values = {found.columns[i]: v for i, v in enumerate(cells) if i in found.columns}
        job_in, problem = parse_row(values, estates, default_estate, number)
        if problem is not None:
            report.rejected.append(problem)
            continue
        assert job_in is not None
        try:
            with session.begin_nested():
                result = upsert_job(
                    session=session, job_in=job_in, actor=actor, source="import", commit=False
                )
        except d.DomainError as exc:
            report.rejected.append(Rejected(number, "row", exc.detail))
            continue
        if result.created:
            report.created += 1
        elif result.changed:
            report.updated += 1
        else:
            report.unchanged += 1
        pending += 1
        if not atomic and pending >= batch_size:
            session.commit()
            begin_write(session)  # the next batch takes the write lock first too
            pending = 0
    if atomic and report.rejected:
        session.rollback()
        report.committed = False
        report.created = report.updated = report.unchanged = 0
        return report
    audit(
        session,
        actor=actor,
        action="jobs.imported",
        entity="import",
        entity_id=source,
        detail={
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "rejected": len(report.rejected),
        },
    )
    session.commit()
    return report


def _check_required(found: HeaderMap, headers: Sequence[Any], default_estate: str | None) -> None:
    present = set(found.columns.values())
    missing = [n for n in ("ref", "completed_at") if n not in present]
    if "estate" not in present and not default_estate:
        missing.append("estate")
    if not missing:
        return
    lines = []
    for name in missing:
        extra = " (or give --estate)" if name == "estate" else ""
        lines.append(
            f"{BY_NAME[name].zh} / {name}{extra}: a heading such as {accepted_headings(name)}"
        )
    shown = ", ".join(str(h).strip() for h in headers if not is_blank(h)) or "none"
    guesses = [
        f"{header} may be {guess.zh} ({guess.name})"
        for header in found.unknown
        if (guess := suggest(header)) is not None and guess.name in missing
    ]
    raise ImportFileError(
        "missing column(s): "
        + "; ".join(lines)
        + f". Headings found: {shown}"
        + (f" ({'; '.join(guesses)})" if guesses else "")
        + ". All accepted headings: huifang import --columns"
    )


__all__ = [
    "ImportFileError",
    "ImportReport",
    "Rejected",
    "decode",
    "import_csv",
    "import_file",
    "import_rows",
    "import_xlsx",
]
