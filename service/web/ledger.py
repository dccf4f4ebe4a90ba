"""The callback ledger (回访台帐) pages: ``GET /ledger``, ``/ledger.csv`` (UTF-8 with BOM) and
``/ledger.xlsx``, for signed-in managers and supervisors, their own estate only.

The rows are ``usecases.ledger``'s, the same as ``GET /api/v1/callbacks`` (``api/callbacks.py``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ..catalogue import t
from ..catalogue.ledger import LEDGER_COLUMNS
from ..http.deps import Limit, NowDep, Offset, SessionDep
from ..usecases.ledger import (
    ChannelFilter,
    LedgerQuery,
    RoleFilter,
    SatisfactionFilter,
    SortKey,
    ledger_rows,
)
from .auth import UserDep
from .dashboard_access import Scope, problem_page, resolve_scope
from .spreadsheet import append_text_row, csv_row
from .templating import render, request_lang

page_router = APIRouter(include_in_schema=False)

#: The ledger's columns: (key, xlsx column width); headings are ``ledger.col.<key>``.
COLUMNS: tuple[tuple[str, int], ...] = tuple(
    (key, width) for key, _zh, _en, width in LEDGER_COLUMNS
)


# ---------------------------------------------------------------- pages and exports


def cell_text(key: str, value: Any, lang: str) -> str:
    """A ledger cell as a person reads it (dates local, enums translated)."""
    if value is None:
        return "—" if key == "signature" else ""
    if isinstance(value, bool):
        return t("ledger.yes" if value else "ledger.no", lang)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if key == "answer":
        return t(f"satisfaction.{value}", lang)
    if key in ("role", "category", "channel", "satisfaction"):
        return t(f"{key}.{value}", lang)
    if key == "rectification":
        return t(f"rect.state.{value}", lang)
    if key == "signature":
        return t("ledger.signed", lang) if value == "signed" else "—"
    return str(value)


def _page_query(
    scope: Scope, role: str | None, channel: str | None, satisfaction: str | None, sort: str
) -> LedgerQuery:
    return LedgerQuery(
        estates=[scope.estate],
        period=scope.period,
        role=role or None,
        channel=channel or None,
        satisfaction=satisfaction or None,
        sort=sort,
    )


@page_router.get("/ledger")
def ledger_page(
    request: Request,
    session: SessionDep,
    user: UserDep,
    now: NowDep,
    estate: str | None = None,
    period: str | None = None,
    role: Annotated[RoleFilter | None, Query()] = None,
    channel: Annotated[ChannelFilter | None, Query()] = None,
    satisfaction: Annotated[SatisfactionFilter | None, Query()] = None,
    sort: SortKey = "done_at",
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    scope = resolve_scope(request, session, user, estate, period, now)
    if not isinstance(scope, Scope):
        return scope
    query = _page_query(scope, role, channel, satisfaction, sort)
    rows, total = ledger_rows(session=session, query=query, limit=limit, offset=offset)
    lang = request_lang(request)
    params = {
        "estate": scope.estate.code,
        "period": str(scope.period),
        "role": role or "",
        "channel": channel or "",
        "satisfaction": satisfaction or "",
        "sort": sort,
    }
    return render(
        request,
        "dashboard/ledger.html",
        scope=scope,
        rows=rows,
        total=total,
        columns=COLUMNS,
        cell=lambda key, value: cell_text(key, value, lang),
        params=params,
        query=urlencode(params),
        limit=limit,
        offset=offset,
        prev_offset=max(0, offset - limit) if offset > 0 else None,
        next_offset=offset + limit if offset + limit < total else None,
        user=user,
    )


def export_rows(rows: Iterable[dict[str, Any]], lang: str = "zh_CN") -> Iterable[list[str]]:
    for row in rows:
        yield [cell_text(key, row.get(key), lang) for key, *_ in COLUMNS]


def headers(lang: str = "zh_CN") -> list[str]:
    return [t(f"ledger.col.{key}", lang) for key, _width in COLUMNS]


def to_csv(rows: Iterable[dict[str, Any]], lang: str = "zh_CN") -> bytes:
    """UTF-8 with a byte-order mark, so Excel on Windows opens the Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers(lang))
    writer.writerows(csv_row(values) for values in export_rows(rows, lang))
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def to_xlsx(rows: Iterable[dict[str, Any]], title: str, lang: str = "zh_CN") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(headers(lang))
    bold = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor="0F766E")
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for values in export_rows(rows, lang):
        append_text_row(sheet, values)
    for index, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def attachment(filename: str, ascii_name: str) -> str:
    """A Content-Disposition naming the file in Chinese, with an ASCII name for old clients."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _download(content: bytes, filename: str, ascii_name: str, media_type: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": attachment(filename, ascii_name)},
    )


@page_router.get("/ledger.{fmt}")
def ledger_export(
    fmt: str,
    request: Request,
    session: SessionDep,
    user: UserDep,
    now: NowDep,
    estate: str | None = None,
    period: str | None = None,
    role: Annotated[RoleFilter | None, Query()] = None,
    channel: Annotated[ChannelFilter | None, Query()] = None,
    satisfaction: Annotated[SatisfactionFilter | None, Query()] = None,
    sort: SortKey = "done_at",
) -> Response:
    if fmt not in ("csv", "xlsx"):
        return problem_page(request, 404, f"/ledger.{fmt}: csv or xlsx")
    scope = resolve_scope(request, session, user, estate, period, now)
    if not isinstance(scope, Scope):
        return scope
    query = _page_query(scope, role, channel, satisfaction, sort)
    rows, _ = ledger_rows(session=session, query=query, limit=None)
    lang = request_lang(request)
    name = f"{t('ledger.title', 'zh_CN')}-{scope.estate.code}-{scope.period}.{fmt}"
    ascii_name = f"huifang-ledger-{scope.estate.code}-{scope.period}.{fmt}"
    if fmt == "csv":
        return _download(to_csv(rows, lang), name, ascii_name, "text/csv; charset=utf-8")
    return _download(
        to_xlsx(rows, f"{scope.estate.code} {scope.period}", lang),
        name,
        ascii_name,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
