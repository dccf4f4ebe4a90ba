"""Import repair jobs from a spreadsheet: CSV exported from Excel/WPS, or the XLSX itself.

Offices keep jobs in Excel/WPS and export CSV in UTF-8 (often with a BOM) or, on Chinese
Windows, GB18030/GBK, or hand over the workbook. Headings may be Chinese or English, and the
ledger export's own headings read back as the job fields they show. Good rows are kept and bad
rows are listed with the reason and their row number in the spreadsheet; ``atomic`` makes the
whole file all-or-nothing.

``COLUMNS`` is the single list of what a file may hold: the command's ``--help``, ``--columns``
(a markdown table for the README) and ``--template`` (an example file) are made from it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, select

from . import domain as d
from .catalogue import LANGS, t
from .catalogue.ledger import LEDGER_COLUMNS
from .db import begin_write
from .import_sheets import ImportFileError, Row, csv_rows, decode, sniff, xlsx_sheet
from .models import Estate
from .schemas import JobIn
from .usecases.audit import audit
from .usecases.jobs import upsert_job


@dataclass(frozen=True, slots=True)
class Column:
    """One column a file may hold: the job field it fills and how a cell is written."""

    name: str  # the job's field, as the API names it; also the English heading
    zh: str  # the Chinese heading the template writes
    required: str  # "yes", "no", or "yes, or --estate"
    format: str  # one line for --help
    details: str  # the format in full, for --columns
    aliases: tuple[str, ...]  # other headings read as this column, Chinese and English


COLUMNS: tuple[Column, ...] = (
    Column(
        "ref",
        "维修单号",
        "yes",
        "text, unique across estates",
        "the job's number in the office's system, unique across all estates; importing the "
        "same number again updates that job (no spaces, / ? # % or \\)",
        ("工单号", "报修单号", "单号", "编号", "job", "job ref", "job no"),
    ),
    Column(
        "estate",
        "管理处",
        "yes, or --estate",
        "the estate's code, e.g. YGHY",
        "the estate's code as created in Huifang (PUT /api/v1/estates/{code}); may be left "
        "out when every row is for the estate named by --estate",
        ("管理处编码", "项目", "项目编码", "物业项目", "小区", "estate code"),
    ),
    Column(
        "unit",
        "房号",
        "no",
        "text",
        "the building, entrance and room, as the office writes it",
        ("单元", "房屋", "房间", "地址", "room"),
    ),
    Column(
        "resident_name",
        "业主姓名",
        "no",
        "text",
        "whom the callback asks: the owner or the resident who reported the repair",
        ("业主", "住户", "住户姓名", "联系人", "resident", "owner"),
    ),
    Column(
        "resident_phone",
        "联系电话",
        "no",
        "digits, + - ( ) and spaces",
        "the number the callback rings; a number cell is read as its digits",
        ("电话", "手机", "手机号", "phone", "mobile"),
    ),
    Column(
        "title",
        "维修内容",
        "no",
        "text",
        "what was repaired; with 维修类别 it decides the category when 回访类别 is empty",
        ("报修内容", "维修事项", "事项", "标题", "description", "repair"),
    ),
    Column(
        "category",
        "回访类别",
        "no",
        "安全设施 / 漏水 / 一般维修, or empty",
        "the callback window: 安全设施 or 安全 (safety, 2 days), 漏水 or 渗漏 (leak, 3 days), "
        "一般维修 or 一般 (general, 7 days), or safety / leak / general; empty: found from "
        "维修类别 and 维修内容 by the category rules",
        ("类别", "callback category"),
    ),
    Column(
        "erp_category",
        "维修类别",
        "no",
        "text, e.g. 给排水, 电梯",
        "the type of repair in the office's system (给排水, 电梯, 消防, 公共照明...); read by "
        "the category rules when 回访类别 is empty",
        ("报修类别", "维修类型", "设备类别", "erp category", "type", "repair type"),
    ),
    Column(
        "worker",
        "维修人员",
        "no",
        "text",
        "the repair worker, who receives the rectification notices",
        ("维修工", "维修人", "师傅", "technician"),
    ),
    Column(
        "completed_at",
        "完工时间",
        "yes",
        "YYYY-MM-DD HH:MM (estate's time), or a date cell",
        "when the repair was finished: YYYY-MM-DD HH:MM (or HH:MM:SS; / or . between the date's "
        "parts; 2026年5月1日 9:30) in the estate's own time, an ISO 8601 time with an offset "
        "(2026-05-01T09:30:00+08:00), or an Excel date cell",
        ("完成时间", "维修完成时间", "竣工时间", "completed", "completion time"),
    ),
    Column(
        "charge",
        "收费金额",
        "no",
        "yuan, e.g. 50 or 50.00",
        "what the resident paid, in yuan: at most 2 decimals, not negative (50, 50.00, ￥50, "
        "1,200.00 or a number cell); empty: no charge",
        ("收费", "费用", "金额", "amount", "fee"),
    ),
)
BY_NAME = {column.name: column for column in COLUMNS}
#: The template's example rows (``huifang import --template``): a leak with a charge, and a
#: safety repair whose category is written out; local times, read in the estate's zone.
EXAMPLE_ROWS: tuple[dict[str, str], ...] = (
    {
        "ref": "WX-20260506-001",
        "estate": "YGHY",
        "unit": "3栋2单元1201",
        "resident_name": "王女士",
        "resident_phone": "13800001234",
        "title": "厨房水管漏水，更换角阀",
        "category": "",
        "erp_category": "给排水",
        "worker": "孙师傅",
        "completed_at": "2026-05-06 09:30",
        "charge": "50.00",
    },
    {
        "ref": "WX-20260506-002",
        "estate": "YGHY",
        "unit": "5栋1单元0302",
        "resident_name": "李先生",
        "resident_phone": "13900005678",
        "title": "电梯厅应急照明不亮",
        "category": "安全设施",
        "erp_category": "消防",
        "worker": "马师傅",
        "completed_at": "2026-05-06 14:10",
        "charge": "",
    },
)


def _normalise_header(header: str) -> str:
    return re.sub(r"[\s_\-()（）:：.。]", "", header.strip().lstrip("\ufeff")).casefold()


def _headings(column: Column) -> tuple[str, ...]:
    """Every heading read as this column, the template's two first."""
    return (column.zh, column.name, *column.aliases)


_LOOKUP = {
    _normalise_header(heading): column.name for column in COLUMNS for heading in _headings(column)
}
#: Headings of the ledger export that are not a job's fields (回访时间, 满意度...): listed as
#: not imported, but not as unknown.
_EXPORT_HEADINGS = {
    _normalise_header(heading) for _key, zh, en, _width in LEDGER_COLUMNS for heading in (zh, en)
}
CATEGORY_WORDS = {
    "安全": "safety",
    "安全设施": "safety",
    "漏水": "leak",
    "渗漏": "leak",
    "一般": "general",
    "普通": "general",
    "其他": "general",
    # and the words the ledger and the pages show, in both languages
    **{
        t(f"category.{category.value}", lang).casefold(): category.value
        for category in d.Category
        for lang in LANGS
    },
    **{category.value: category.value for category in d.Category},
}
LOCAL_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y.%m.%d %H:%M",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
)


def column_of(header: str) -> str | None:
    """The job field a heading names: any accepted heading, however spaced or cased; a
    heading in both languages ("维修单号 Job", as the monthly report writes them) too."""
    name = _LOOKUP.get(_normalise_header(header))
    if name is None:
        parts = {_LOOKUP.get(_normalise_header(part)) for part in header.split()}
        if len(parts) == 1 and None not in parts and len(header.split()) > 1:
            name = parts.pop()
    return name


def suggest(header: str) -> Column | None:
    """The column a mistyped heading most likely means (完工日期 -> 完工时间)."""
    wanted = _normalise_header(header)
    close = difflib.get_close_matches(wanted, list(_LOOKUP), n=1, cutoff=0.5)
    return BY_NAME[_LOOKUP[close[0]]] if close else None


def accepted_headings(name: str) -> str:
    return ", ".join(_headings(BY_NAME[name]))


@dataclass
class HeaderMap:
    columns: dict[int, str]
    ignored: list[str]  # present but not imported: unknown, a second copy, or export-only
    unknown: list[str]  # not a heading Huifang knows at all


def map_headers(headers: Iterable[Any]) -> HeaderMap:
    found = HeaderMap(columns={}, ignored=[], unknown=[])
    for index, cell in enumerate(headers):
        header = "" if cell is None else str(cell).strip()
        name = column_of(header) if header else None
        if name is None or name in found.columns.values():
            if header:
                found.ignored.append(header)
                if name is None and _normalise_header(header) not in _EXPORT_HEADINGS:
                    found.unknown.append(header)
            continue
        found.columns[index] = name
    return found


# ---------------------------------------------------------------- cells


def parse_time(value: Any, timezone: str) -> datetime:
    """ISO 8601 with offset as given; a spreadsheet's local time (text, or an Excel date cell)
    is read in the estate's zone."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=d.zone(timezone))
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=d.zone(timezone))
    if isinstance(value, time):
        raise ValueError(f"a time without a date: {value.isoformat()}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _excel_serial(value, timezone)
    text = str(value).strip()
    try:
        moment: datetime | None = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is not None and moment.tzinfo is not None:
        return moment
    if moment is None:
        for fmt in LOCAL_FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if moment is None:
        raise ValueError(f"unreadable time {text!r}: use e.g. 2026-05-01 14:30")
    return moment.replace(tzinfo=d.zone(timezone))


def _excel_serial(value: float, timezone: str) -> datetime:
    """A date cell whose format was lost (Excel stores days since 1899-12-30)."""
    from openpyxl.utils.datetime import from_excel

    if not 1 <= value < 2958466:
        raise ValueError(f"unreadable time {value!r}: use e.g. 2026-05-01 14:30")
    moment = from_excel(value)
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time())
    return moment.replace(tzinfo=d.zone(timezone))


def parse_money(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))  # the float's shortest form: 12.5, never 12.4999...
    text = str(value).strip()
    cleaned = text.replace("¥", "").replace("￥", "").replace("元", "").replace(",", "").strip()
    if not cleaned:
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None


def _text(value: Any) -> str:
    """A cell as text: a number cell holding a phone number or a unit reads as its digits."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    return str(value).strip()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ---------------------------------------------------------------- import


@dataclass(frozen=True, slots=True)
class Rejected:
    row: int  # the row number in the spreadsheet, the header being row 1
    field: str
    reason: str


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
        if not all(_blank(cell) for cell in cells):
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
        if all(_blank(cell) for cell in cells):
            continue
        report.rows += 1
        if on_row:
            on_row(report.rows)
        values = {found.columns[i]: v for i, v in enumerate(cells) if i in found.columns}
        job_in, problem = _parse_row(values, estates, default_estate, number)
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
    shown = ", ".join(str(h).strip() for h in headers if not _blank(h)) or "none"
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


def _parse_row(
    values: dict[str, Any], estates: dict[str, Estate], default_estate: str | None, number: int
) -> tuple[JobIn | None, Rejected | None]:
    code = _text(values.get("estate")) or default_estate or ""
    estate = estates.get(code)
    if estate is None:
        if not code:
            return None, Rejected(number, "estate", "missing")
        hint = f"create it first (PUT /api/v1/estates/{code})"
        return None, Rejected(number, "estate", f"unknown estate {code!r}: {hint}")
    fields: dict[str, Any] = {"estate": code}
    for name in (
        "ref",
        "unit",
        "resident_name",
        "resident_phone",
        "title",
        "erp_category",
        "worker",
    ):
        if text := _text(values.get(name)):
            fields[name] = text
    if "ref" not in fields:
        return None, Rejected(number, "ref", "missing")
    if _blank(values.get("completed_at")):
        return None, Rejected(number, "completed_at", "missing")
    try:
        fields["completed_at"] = parse_time(values["completed_at"], estate.timezone)
    except ValueError as exc:
        return None, Rejected(number, "completed_at", str(exc))
    if not _blank(values.get("charge")):
        try:
            fields["charge"] = parse_money(values["charge"])
        except ValueError as exc:
            return None, Rejected(number, "charge", str(exc))
    if category_text := _text(values.get("category")):
        category = CATEGORY_WORDS.get(category_text.casefold())
        if category is None:
            return None, Rejected(
                number,
                "category",
                f"{category_text!r} is not safety/leak/general (安全设施/漏水/一般维修)",
            )
        fields["category"] = category
    try:
        return JobIn(**fields), None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "row"
        return None, Rejected(number, where, first.get("msg", "invalid"))


__all__ = [
    "BY_NAME",
    "COLUMNS",
    "Column",
    "ImportFileError",
    "ImportReport",
    "Rejected",
    "column_of",
    "decode",
    "import_csv",
    "import_file",
    "import_rows",
    "import_xlsx",
    "map_headers",
    "parse_money",
    "parse_time",
    "suggest",
]
