"""Cells that stay text in the ledger and report exports.

Titles, workers and answers come from Odoo, spreadsheet imports and residents' phones: a value
such as ``=HYPERLINK(...)`` must never become a live formula when an office opens the export
(CSV injection). CSV cells starting with ``= + - @`` (or a tab / carriage return) get a leading
apostrophe, as OWASP recommends; XLSX cells keep their exact text but are stored as strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_safe(v) for v in values]


def append_text_row(sheet: Any, values: Iterable[Any]) -> None:
    """``sheet.append`` that keeps text as text: openpyxl would store "=..." as a formula."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"
