"""Import repair jobs from a CSV file exported from a spreadsheet.

Offices keep jobs in Excel/WPS and export CSV in UTF-8 (often with a BOM) or, on Chinese
Windows, GB18030/GBK. Headers may be Chinese or English. Good rows are kept and bad rows are
listed with the reason; ``atomic`` makes the whole file all-or-nothing.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlmodel import Session, select

from . import domain as d
from .db import begin_write
from .models import Estate
from .schemas import JobIn
from .usecases.audit import audit
from .usecases.jobs import upsert_job

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "ref": ("ref", "jobref", "job", "单号", "维修单号", "工单号", "报修单号", "编号"),
    "estate": ("estate", "estatecode", "管理处", "项目", "物业项目", "小区", "项目编码"),
    "unit": ("unit", "room", "房号", "单元", "房屋", "地址", "房间"),
    "resident_name": (
        "resident",
        "residentname",
        "owner",
        "住户",
        "业主",
        "住户姓名",
        "业主姓名",
        "联系人",
    ),
    "resident_phone": ("phone", "residentphone", "mobile", "电话", "联系电话", "手机", "手机号"),
    "title": ("title", "description", "repair", "维修内容", "报修内容", "事项", "标题", "维修事项"),
    "category": ("category", "callbackcategory", "回访类别", "类别"),
    "erp_category": (
        "erpcategory",
        "type",
        "repairtype",
        "维修类别",
        "设备类别",
        "报修类别",
        "维修类型",
    ),
    "worker": ("worker", "technician", "维修人员", "维修工", "师傅", "维修人"),
    "completed_at": (
        "completedat",
        "completed",
        "completiontime",
        "完成时间",
        "维修完成时间",
        "竣工时间",
    ),
    "charge": ("charge", "amount", "fee", "收费", "费用", "金额", "收费金额"),
}
_LOOKUP = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}
CATEGORY_WORDS = {
    "安全": "safety",
    "安全设施": "safety",
    "safety": "safety",
    "漏水": "leak",
    "渗漏": "leak",
    "leak": "leak",
    "一般": "general",
    "普通": "general",
    "其他": "general",
    "general": "general",
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


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, missing columns)."""


@dataclass(frozen=True, slots=True)
class Rejected:
    row: int  # line number in the file, the header being row 1
    field: str
    reason: str


@dataclass
class ImportReport:
    encoding: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    committed: bool = True

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged


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


def _normalise_header(header: str) -> str:
    return re.sub(r"[\s_\-()（）:：]", "", header.strip().lstrip("\ufeff")).casefold()


def map_headers(headers: Iterable[str]) -> tuple[dict[int, str], list[str]]:
    mapping: dict[int, str] = {}
    ignored = []
    for index, header in enumerate(headers):
        name = _LOOKUP.get(_normalise_header(header))
        if name is None or name in mapping.values():
            if header.strip():
                ignored.append(header.strip())
            continue
        mapping[index] = name
    return mapping, ignored


def parse_time(text: str, timezone: str) -> datetime:
    """ISO 8601 with offset as given; a spreadsheet's local time is read in the estate's zone."""
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is not None:
            return moment
    except ValueError:
        moment = None  # type: ignore[assignment]
    if moment is None:
        for fmt in LOCAL_FORMATS:
            try:
                moment = datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
    if moment is None:
        raise ValueError(f"unreadable time {value!r}: use e.g. 2026-05-01 14:30")
    return moment.replace(tzinfo=d.zone(timezone))


def parse_money(text: str) -> Decimal | None:
    value = text.strip().replace("¥", "").replace("￥", "").replace("元", "").replace(",", "")
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None


def import_csv(
    session: Session,
    data: bytes,
    *,
    default_estate: str | None = None,
    atomic: bool = False,
    encoding: str | None = None,
    actor: str = "import",
    on_row: Callable[[int], None] | None = None,
    batch_size: int = 500,
) -> ImportReport:
    text, used = decode(data, encoding)
    begin_write(session)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        headers = next(reader)
    except StopIteration:
        raise ImportFileError("the file is empty") from None
    mapping, ignored = map_headers(headers)
    present = set(mapping.values())
    missing = [n for n in ("ref", "completed_at") if n not in present]
    if "estate" not in present and not default_estate:
        missing.append("estate (or --estate)")
    if missing:
        raise ImportFileError(
            "missing column(s): "
            + ", ".join(missing)
            + f"; headers found: {', '.join(h for h in headers if h.strip()) or 'none'}"
        )
    estates = {e.code: e for e in session.exec(select(Estate)).all()}
    if default_estate and default_estate not in estates:
        raise ImportFileError(f"unknown estate {default_estate!r}")
    report = ImportReport(encoding=used, ignored_columns=ignored)
    pending = 0
    for line_no, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        report.rows += 1
        if on_row:
            on_row(report.rows)
        values = {mapping[i]: cell.strip() for i, cell in enumerate(row) if i in mapping}
        job_in, problem = _parse_row(values, estates, default_estate, line_no)
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
            report.rejected.append(Rejected(line_no, "row", exc.detail))
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
        entity_id=used,
        detail={
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "rejected": len(report.rejected),
        },
    )
    session.commit()
    return report


def _parse_row(
    values: dict[str, str], estates: dict[str, Estate], default_estate: str | None, line_no: int
) -> tuple[JobIn | None, Rejected | None]:
    code = values.get("estate") or default_estate or ""
    estate = estates.get(code)
    if estate is None:
        return None, Rejected(line_no, "estate", f"unknown estate {code!r}" if code else "missing")
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
        if values.get(name):
            fields[name] = values[name]
    if not values.get("ref"):
        return None, Rejected(line_no, "ref", "missing")
    if not values.get("completed_at"):
        return None, Rejected(line_no, "completed_at", "missing")
    try:
        fields["completed_at"] = parse_time(values["completed_at"], estate.timezone)
    except ValueError as exc:
        return None, Rejected(line_no, "completed_at", str(exc))
    if values.get("charge"):
        try:
            fields["charge"] = parse_money(values["charge"])
        except ValueError as exc:
            return None, Rejected(line_no, "charge", str(exc))
    if values.get("category"):
        category = CATEGORY_WORDS.get(values["category"].strip().casefold())
        if category is None:
            return None, Rejected(
                line_no,
                "category",
                f"{values['category']!r} is not safety/leak/general (安全/漏水/一般)",
            )
        fields["category"] = category
    try:
        return JobIn(**fields), None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "row"
        return None, Rejected(line_no, where, first.get("msg", "invalid"))


def import_csv_command(
    path: Path, *, default_estate: str | None, atomic: bool, encoding: str | None, console: Console
) -> int:
    """The ``huifang import`` command: progress bar, summary, and exit code
    (0 all imported, 1 rows rejected, 2 the file cannot be read)."""
    from .db import get_engine

    data = path.read_bytes()
    total = max(0, data.count(b"\n") - 1)
    progress = Progress(
        TextColumn("[bold]Importing 导入"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
    try:
        with progress, Session(get_engine()) as session:
            task = progress.add_task("rows", total=total or None)
            report = import_csv(
                session,
                data,
                default_estate=default_estate,
                atomic=atomic,
                encoding=encoding,
                on_row=lambda n: progress.update(task, completed=n),
            )
            progress.update(task, completed=report.rows, total=report.rows)
    except ImportFileError as exc:
        console.print(f"[red]Cannot import {path.name}:[/] {exc}")
        return 2
    console.print(
        f"Read {report.rows} rows ({report.encoding}). Created {report.created}, updated "
        f"{report.updated}, unchanged {report.unchanged}, rejected {len(report.rejected)}."
    )
    if report.ignored_columns:
        console.print(f"[yellow]Ignored columns:[/] {', '.join(report.ignored_columns)}")
    if report.rejected:
        table = Table(title="Rejected rows 未导入的行")
        for column in ("Row 行", "Field 字段", "Reason 原因"):
            table.add_column(column)
        for item in report.rejected[:200]:
            table.add_row(str(item.row), item.field, item.reason)
        console.print(table)
        if len(report.rejected) > 200:
            console.print(f"... and {len(report.rejected) - 200} more")
        if not report.committed:
            console.print("[red]--atomic: nothing was imported.[/]")
        return 1
    return 0
