"""The callback ledger (回访台帐): every callback with its job, filterable and sortable.

- ``GET /api/v1/callbacks`` (bearer key): ``{"data": [...], "count": n}``.
- ``GET /ledger``, ``/ledger.csv`` (UTF-8 with BOM), ``/ledger.xlsx``: for signed-in managers
  and supervisors, their own estate only.

A period selects callbacks on the jobs completed in that month (the same jobs the compliance
figures count), so the ledger's satisfaction answers add up to the dashboard's.
"""

from __future__ import annotations

import csv
import importlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import Session, col, func, select

from .. import domain as d
from ..api.deps import Limit, NowDep, Offset, SessionDep
from ..models import Callback, Estate, Job, Rectification
from ..schemas import money
from ..usecases import get_estate
from .auth import UserDep
from .dashboard_access import Scope, resolve_scope
from .dashboard_data import period_clause
from .i18n import register, t
from .spreadsheet import append_text_row, csv_row
from .templating import render, request_lang

api_router = APIRouter(tags=["ledger"])
page_router = APIRouter(include_in_schema=False)

SORTS = {
    "done_at": col(Callback.done_at),
    "completed_at": col(Job.completed_at),
    "job": col(Job.ref),
    "staff": col(Callback.staff),
    "role": col(Callback.role),
    "channel": col(Callback.channel),
    "satisfaction": col(Callback.satisfaction),
    "worker": col(Job.worker),
}
SortKey = Literal[
    "done_at",
    "-done_at",
    "completed_at",
    "-completed_at",
    "job",
    "-job",
    "staff",
    "-staff",
    "role",
    "-role",
    "channel",
    "-channel",
    "satisfaction",
    "-satisfaction",
    "worker",
    "-worker",
]
RoleFilter = Literal["manager", "supervisor", "lead"]
ChannelFilter = Literal["on_site", "phone"]
SatisfactionFilter = Literal["satisfied", "fairly_satisfied", "unsatisfied"]

#: (key, Chinese header, English header, xlsx column width)
COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    ("id", "序号", "No.", 8),
    ("job", "维修单号", "Job", 18),
    ("unit", "房号", "Unit", 16),
    ("title", "维修内容", "Repair", 24),
    ("category", "类别", "Category", 10),
    ("worker", "维修人员", "Worker", 10),
    ("completed_at", "完工时间", "Completed", 17),
    ("deadline", "回访期限", "Deadline", 17),
    ("role", "回访人角色", "Role", 12),
    ("staff", "回访人", "Staff", 10),
    ("channel", "回访方式", "Channel", 10),
    ("done_at", "回访时间", "Called back", 17),
    ("on_time", "是否按时", "On time", 9),
    ("inspected", "现场查看", "Inspected", 9),
    ("charge_verified", "收费核实", "Charge verified", 9),
    ("charge_amount", "核实金额", "Charge", 10),
    ("satisfaction", "满意度", "Satisfaction", 10),
    ("service_feedback", "服务评价", "Feedback", 28),
    ("suggestions", "改进建议", "Suggestions", 28),
    ("problems", "发现问题", "Problems", 28),
    ("rectification", "整改情况", "Rectification", 12),
    ("signature", "签名", "Signature", 10),
)

register(
    {
        "ledger.title": ("回访台帐", "Callback ledger"),
        "ledger.all": ("全部", "All"),
        "ledger.filter": ("筛选", "Filter"),
        "ledger.count": ("共 {n} 条回访记录", "{n} callbacks"),
        "ledger.csv": ("导出 CSV", "Export CSV"),
        "ledger.xlsx": ("导出 Excel", "Export Excel"),
        "ledger.prev": ("上一页", "Previous"),
        "ledger.next": ("下一页", "Next"),
        "ledger.empty": ("没有符合条件的回访记录。", "No callbacks match."),
        "ledger.signature.none": (
            "签名状态：签名功能上线后显示。",
            "Signature status appears once resident signatures are recorded.",
        ),
        "ledger.sort": ("排序", "Sort"),
        "ledger.yes": ("是", "Yes"),
        "ledger.no": ("否", "No"),
        "ledger.signed": ("已签名", "Signed"),
        "ledger.rect.open": ("整改中", "Open"),
        "ledger.rect.done": ("已整改", "Closed"),
        **{f"ledger.col.{key}": (zh, en) for key, zh, en, _ in COLUMNS},
    }
)


@dataclass(frozen=True, slots=True)
class LedgerQuery:
    estates: Sequence[Estate]
    period: d.Period | None = None
    role: str | None = None
    channel: str | None = None
    satisfaction: str | None = None
    sort: str = "done_at"


def _where(query: LedgerQuery) -> Any:
    parts: list[Any] = []
    if query.period is not None:
        parts.append(sa.or_(*(period_clause(e, query.period) for e in query.estates)))
    else:
        parts.append(col(Job.estate_id).in_([e.id for e in query.estates]))
    if query.role:
        parts.append(Callback.role == query.role)
    if query.channel:
        parts.append(Callback.channel == query.channel)
    if query.satisfaction:
        parts.append(Callback.satisfaction == query.satisfaction)
    return sa.and_(*parts) if query.estates else sa.false()


def _order(sort: str) -> list[Any]:
    key = sort.lstrip("-")
    column = SORTS[key]
    first = column.desc() if sort.startswith("-") else column.asc()
    tie = col(Callback.id).desc() if sort.startswith("-") else col(Callback.id).asc()
    return [first, tie]


def _signatures(session: Session, callback_ids: list[int]) -> dict[int, datetime | None] | None:
    """Signed callbacks from the resident-signature table, or ``None`` while it does not exist.

    The table is ``Signature`` (``signatures``) in ``service.web.phone_models``: a row with the
    callback's id means the visited resident signed for it.
    """
    try:
        module = importlib.import_module("service.web.phone_models")
    except ModuleNotFoundError:
        return None
    table = getattr(getattr(module, "Signature", None), "__table__", None)
    if table is None or "callback_id" not in table.c:
        return None
    if not callback_ids:
        return {}
    signed = table.c["signed_at"] if "signed_at" in table.c else table.c.callback_id
    rows = session.execute(
        sa.select(table.c.callback_id, signed).where(table.c.callback_id.in_(callback_ids))
    ).all()
    return {row[0]: row[1] for row in rows}


def ledger_rows(
    *, session: Session, query: LedgerQuery, limit: int | None = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    where = _where(query)
    total = session.exec(
        select(func.count())
        .select_from(Callback)
        .join(Job, col(Job.id) == Callback.job_id)
        .where(where)
    ).one()
    stmt = (
        select(Callback, Job, Rectification.id, Rectification.done_at)
        .join(Job, col(Job.id) == Callback.job_id)
        .join(Rectification, col(Rectification.callback_id) == Callback.id, isouter=True)
        .where(where)
        .order_by(*_order(query.sort))
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = session.exec(stmt).all()
    zones = {e.id: d.zone(e.timezone) for e in query.estates}
    codes = {e.id: e.code for e in query.estates}
    signatures = _signatures(session, [cb.id for cb, *_ in rows])  # type: ignore[misc]
    out = []
    for cb, job, rect_id, rect_done in rows:
        tz = zones[job.estate_id]
        if rect_id is None:
            rectification = None
        else:
            rectification = "closed" if rect_done is not None else "open"
        if signatures is None:
            signature: str | None = None
        else:
            signature = "signed" if cb.id in signatures else "unsigned"
        out.append(
            {
                "id": cb.id,
                "estate": codes[job.estate_id],
                "job": job.ref,
                "unit": job.unit,
                "title": job.title,
                "category": job.category,
                "worker": job.worker,
                "completed_at": job.completed_at.astimezone(tz),
                "deadline": job.deadline.astimezone(tz),
                "role": cb.role,
                "staff": cb.staff,
                "channel": cb.channel,
                "done_at": cb.done_at.astimezone(tz),
                "on_time": d.is_on_time(cb.done_at, job.deadline),
                "inspected": cb.inspected,
                "charge_verified": cb.charge_verified,
                "charge_amount": money(cb.charge_amount),
                "satisfaction": cb.satisfaction,
                "service_feedback": cb.service_feedback,
                "suggestions": cb.suggestions,
                "problems": cb.problems,
                "rectification_id": rect_id,
                "rectification": rectification,
                "signature": signature,
            }
        )
    return out, int(total)


# ---------------------------------------------------------------- API


@api_router.get("/callbacks")
def list_callbacks(
    session: SessionDep,
    estate: Annotated[str | None, Query(description="estate code; default all")] = None,
    period: Annotated[
        str | None, Query(description="YYYY-MM: callbacks on the jobs completed that month")
    ] = None,
    role: RoleFilter | None = None,
    channel: ChannelFilter | None = None,
    satisfaction: SatisfactionFilter | None = None,
    sort: Annotated[SortKey, Query(description="column, '-' for descending")] = "done_at",
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The callback ledger (回访台帐): callbacks with their job, filtered and sorted."""
    estates = [get_estate(session, estate)] if estate else list(session.exec(select(Estate)).all())
    query = LedgerQuery(
        estates=estates,
        period=d.Period.parse(period) if period else None,
        role=role,
        channel=channel,
        satisfaction=satisfaction,
        sort=sort,
    )
    rows, total = ledger_rows(session=session, query=query, limit=limit, offset=offset)
    return {"data": rows, "count": total}


# ---------------------------------------------------------------- pages and exports


def cell_text(key: str, value: Any, lang: str) -> str:
    """A ledger cell as a person reads it (dates local, enums translated)."""
    if value is None:
        return "—" if key == "signature" else ""
    if isinstance(value, bool):
        return t("ledger.yes" if value else "ledger.no", lang)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if key in ("role", "category", "channel", "satisfaction"):
        return t(f"{key}.{value}", lang)
    if key == "rectification":
        return t(f"ledger.rect.{value}", lang)
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
        signatures_tracked=_signatures(session, []) is not None,
        user=user,
    )


def export_rows(rows: Iterable[dict[str, Any]], lang: str = "zh_CN") -> Iterable[list[str]]:
    for row in rows:
        yield [cell_text(key, row.get(key), lang) for key, *_ in COLUMNS]


def headers(lang: str = "zh_CN") -> list[str]:
    return [zh if lang == "zh_CN" else en for _, zh, en, _ in COLUMNS]


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
    for index, (_, _, _, width) in enumerate(COLUMNS, start=1):
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
        from .dashboard_access import problem_page

        return problem_page(request, 404, f"/ledger.{fmt}: csv or xlsx")
    scope = resolve_scope(request, session, user, estate, period, now)
    if not isinstance(scope, Scope):
        return scope
    query = _page_query(scope, role, channel, satisfaction, sort)
    rows, _ = ledger_rows(session=session, query=query, limit=None)
    lang = request_lang(request)
    name = f"回访台帐-{scope.estate.code}-{scope.period}.{fmt}"
    ascii_name = f"huifang-ledger-{scope.estate.code}-{scope.period}.{fmt}"
    if fmt == "csv":
        return _download(to_csv(rows, lang), name, ascii_name, "text/csv; charset=utf-8")
    return _download(
        to_xlsx(rows, f"{scope.estate.code} {scope.period}", lang),
        name,
        ascii_name,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
