"""What a spreadsheet of repair jobs may hold, and how its cells read: the columns with their
headings, the category words, the time and money formats, and one row made into a job.

Offices keep jobs in Excel/WPS. Headings may be Chinese or English, however spaced or cased,
and the ledger export's own headings read back as the job fields they show; a local time is
read in the estate's timezone. ``COLUMNS`` is the single list of what a file may hold: the
command's ``--help``, ``--columns`` (a markdown table for the README) and ``--template`` (an
example file) are made from it. Reading a whole file into jobs is ``service.importer.jobs``'s
work, the command ``service.importer.command``'s.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from .. import domain as d
from ..catalogue import LANGS, t
from ..catalogue.ledger import LEDGER_COLUMNS
from ..models import Estate
from ..schemas import JobIn


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


def cell_text(value: Any) -> str:
    """A cell as text: a number cell holding a phone number or a unit reads as its digits."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    return str(value).strip()


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ---------------------------------------------------------------- rows


@dataclass(frozen=True, slots=True)
class Rejected:
    row: int  # the row number in the spreadsheet, the header being row 1
    field: str
    reason: str


def parse_row(
    values: dict[str, Any], estates: dict[str, Estate], default_estate: str | None, number: int
) -> tuple[JobIn | None, Rejected | None]:
    code = cell_text(values.get("estate")) or default_estate or ""
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
        if text := cell_text(values.get(name)):
            fields[name] = text
    if "ref" not in fields:
        return None, Rejected(number, "ref", "missing")
    if is_blank(values.get("completed_at")):
        return None, Rejected(number, "completed_at", "missing")
    try:
        fields["completed_at"] = parse_time(values["completed_at"], estate.timezone)
    except ValueError as exc:
        return None, Rejected(number, "completed_at", str(exc))
    if not is_blank(values.get("charge")):
        try:
            fields["charge"] = parse_money(values["charge"])
        except ValueError as exc:
            return None, Rejected(number, "charge", str(exc))
    if category_text := cell_text(values.get("category")):
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
    "CATEGORY_WORDS",
    "COLUMNS",
    "EXAMPLE_ROWS",
    "LOCAL_FORMATS",
    "Column",
    "HeaderMap",
    "Rejected",
    "accepted_headings",
    "cell_text",
    "column_of",
    "is_blank",
    "map_headers",
    "parse_money",
    "parse_row",
    "parse_time",
    "suggest",
]
