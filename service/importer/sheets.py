"""The rows of the files offices import, each with its number as the spreadsheet shows it.

CSV text comes in UTF-8 (often with a BOM) or, from Chinese Windows, GB18030/GBK; an XLSX
workbook (Excel, WPS) is read sheet by sheet, its cells as openpyxl gives them: text, numbers,
dates. What the cells mean is ``service.importer``'s business.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Cells the ledger and report exports protect against formulas with a leading apostrophe
#: (``service/web/spreadsheet.py``); reading such an export back drops that apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: One row: its number in the spreadsheet (the first row is 1) and its cells.
Row = tuple[int, Sequence[Any]]


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, format, sheet, missing columns)."""


def sniff(data: bytes) -> Literal["csv", "xlsx", "xls"]:
    """The file's kind by its first bytes: an XLSX is a zip, an old .xls an OLE2 file."""
    if data.startswith(XLSX_MAGIC):
        return "xlsx"
    if data.startswith(XLS_MAGIC):
        return "xls"
    return "csv"


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Text and the encoding used: a UTF-8 BOM, else UTF-8, else GB18030 (a superset of GBK)."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise ImportFileError(f"cannot read the file as {encoding}: {exc}") from None
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise ImportFileError("the file is neither UTF-8 nor GB18030/GBK text") from None


def _unprotect(cell: str) -> str:
    if cell.startswith("'") and cell[1:2] and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def csv_rows(text: str) -> Iterator[Row]:
    """Records, not lines: a quoted cell may hold a line break and is still one row."""
    reader = csv.reader(io.StringIO(text, newline=""))
    for number, cells in enumerate(reader, start=1):
        yield number, [_unprotect(cell) for cell in cells]


@dataclass
class Sheet:
    name: str
    #: Rows the workbook declares (its dimension); None when it does not say.
    declared_rows: int | None
    rows: Iterator[Row]


def xlsx_sheet(data: bytes, sheet: str | None = None) -> Sheet:
    """The named sheet, else the first; cell values as stored (dates as ``datetime``, numbers
    as ``int``/``float``, a formula as its last computed value)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(f"not a readable XLSX workbook: {exc}") from None
    names = book.sheetnames
    if not names:
        raise ImportFileError("the workbook has no sheet")
    if sheet is None:
        chosen = book[names[0]]
    elif sheet in names:
        chosen = book[sheet]
    else:
        raise ImportFileError(f"no sheet {sheet!r}; the workbook has: {', '.join(names)}")
    if not hasattr(chosen, "iter_rows"):
        raise ImportFileError(f"sheet {chosen.title!r} holds a chart, not rows")
    declared = getattr(chosen, "max_row", None)
    if hasattr(chosen, "reset_dimensions"):
        # a workbook may declare a smaller range than it holds: read every row it has
        chosen.reset_dimensions()

    def rows() -> Iterator[Row]:
        try:
            yield from enumerate(chosen.iter_rows(min_row=1, values_only=True), 1)
        finally:
            book.close()

    return Sheet(name=chosen.title, declared_rows=declared, rows=rows())


__all__ = [
    "FORMULA_STARTS",
    "ImportFileError",
    "Row",
    "Sheet",
    "csv_rows",
    "decode",
    "sniff",
    "xlsx_sheet",
]
