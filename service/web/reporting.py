"""The monthly report (通报) of one estate: JSON, CSV, XLSX or PDF, and the ``report`` command.

Every figure comes from ``dashboard_data.build_dashboard``, whose headline figures are the
compliance endpoint's own (``service.usecases.compliance``).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from fastapi.encoders import jsonable_encoder

from .. import domain as d
from . import dashboard_text  # noqa: F401 - registers the page text
from .dashboard_data import Dashboard, fmt_age, pct
from .i18n import t
from .spreadsheet import append_text_row, csv_row

FORMATS = ("json", "csv", "xlsx", "pdf")
Format = Literal["json", "csv", "xlsx", "pdf"]
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def bilingual(key: str, **values: object) -> str:
    zh, en = t(key, "zh_CN", **values), t(key, "en", **values)
    return zh if zh == en else f"{zh} {en}"


# ---------------------------------------------------------------- JSON


def report_data(dash: Dashboard) -> dict[str, Any]:
    """The report as plain data; ``compliance`` is the compliance endpoint's body."""
    tz = dash.tz
    local = lambda moment: None if moment is None else moment.astimezone(tz)  # noqa: E731
    return jsonable_encoder(
        {
            "estate": dash.estate.code,
            "estate_name": dash.estate.name,
            "period": str(dash.period),
            "as_of": local(dash.as_of),
            "compliance": dash.compliance_json,
            "complaint_target": dash.complaint_target,
            "projection": {
                "days_total": round(dash.clock.days_total, 3),
                "days_elapsed": round(dash.clock.days_elapsed, 3),
                "days_left": dash.clock.days_left,
                "needed_by_end": {r.role.value: r.needed_by_end for r in dash.roles},
            },
            "shortfalls": [
                {
                    "role": r.role.value,
                    "target_pct": r.quota.target_pct,
                    "required": r.quota.required,
                    "done": r.quota.done,
                    "shortfall": r.quota.shortfall,
                    "needed_by_end": r.needed_by_end,
                    "staff": r.staff,
                }
                for r in dash.shortfalls
            ],
            "due": {"today": dash.due_today_count, "tomorrow": dash.due_tomorrow_count},
            "overdue": [
                {
                    "job": j.ref,
                    "unit": j.unit,
                    "title": j.title,
                    "category": j.category,
                    "worker": j.worker,
                    "assigned_role": j.assigned_role,
                    "assignees": j.assignees,
                    "completed_at": local(j.completed_at),
                    "deadline": local(j.deadline),
                    "age_hours": round(j.age_hours, 1),
                }
                for j in dash.overdue
            ],
            "late_rectifications": [
                {
                    "id": r.id,
                    "job": r.job_ref,
                    "unit": r.unit,
                    "worker": r.worker,
                    "problems": r.problems,
                    "due_at": local(r.due_at),
                    "done_at": local(r.done_at),
                    "hours_late": round(r.hours_late, 1),
                }
                for r in dash.late_rectifications
            ],
            "channels": dash.channels,
            # Completed callbacks only are recorded: no attempts, so no success rate yet.
            "phone_attempts_tracked": False,
            "phone_success_rate": None,
            "staff": [
                {
                    "name": s.name,
                    "role": s.role,
                    "callbacks": s.callbacks,
                    "on_time": s.on_time,
                    "on_site": s.on_site,
                    "phone": s.phone,
                    "phone_success_rate": s.phone_success_rate,
                }
                for s in dash.staff
            ],
            "workers": [
                {
                    "worker": w.worker,
                    "jobs": w.jobs,
                    "satisfied": w.satisfied,
                    "fairly_satisfied": w.fairly_satisfied,
                    "unsatisfied": w.unsatisfied,
                    "rectifications": w.rectifications,
                    "rectifications_open": w.rectifications_open,
                    "rectifications_late": w.rectifications_late,
                }
                for w in dash.workers
            ],
        }
    )


def to_json(dash: Dashboard) -> bytes:
    return json.dumps(report_data(dash), ensure_ascii=False, indent=2).encode("utf-8")


# ---------------------------------------------------------------- tables shared by CSV/XLSX/PDF


def _when(moment: datetime | None, dash: Dashboard) -> str:
    return "" if moment is None else moment.astimezone(dash.tz).strftime("%Y-%m-%d %H:%M")


def summary_rows(dash: Dashboard) -> list[list[str]]:
    r = dash.result
    sat = r.satisfaction
    return [
        [bilingual("report.estate"), f"{dash.estate.name} ({dash.estate.code})"],
        [bilingual("report.period"), str(dash.period)],
        [bilingual("report.as_of"), _when(dash.as_of, dash)],
        [bilingual("dash.jobs"), str(r.jobs)],
        [bilingual("dash.on_time_rate"), f"{pct(r.on_time_rate)} ({r.on_time}/{r.on_time_done})"],
        [bilingual("dash.overdue"), str(r.overdue_open)],
        [bilingual("dash.due_today"), str(dash.due_today_count)],
        [bilingual("dash.due_tomorrow"), str(dash.due_tomorrow_count)],
        [bilingual("satisfaction.satisfied"), str(sat[d.Satisfaction.SATISFIED])],
        [bilingual("satisfaction.fairly_satisfied"), str(sat[d.Satisfaction.FAIRLY_SATISFIED])],
        [bilingual("satisfaction.unsatisfied"), str(sat[d.Satisfaction.UNSATISFIED])],
        [
            bilingual("dash.complaint_rate"),
            f"{pct(r.complaint_rate, 2)} / {pct(dash.complaint_target, 0)}",
        ],
        [bilingual("dash.rect_open"), str(r.rectifications_open)],
        [bilingual("dash.rect_late"), str(r.rectifications_late)],
        [bilingual("channel.on_site"), str(dash.channels["on_site"])],
        [bilingual("channel.phone"), str(dash.channels["phone"])],
        [bilingual("dash.phone_success"), bilingual("dash.phone_not_tracked")],
    ]


def role_rows(dash: Dashboard) -> tuple[list[str], list[list[str]]]:
    head = [
        bilingual(k)
        for k in (
            "report.role",
            "report.target",
            "report.required",
            "report.done",
            "report.shortfall",
            "report.needed_by_end",
        )
    ]
    rows = [
        [
            bilingual(f"role.{r.role.value}"),
            f"{r.quota.target_pct}%",
            str(r.quota.required),
            str(r.quota.done),
            str(r.quota.shortfall),
            str(r.needed_by_end),
        ]
        for r in dash.roles
    ]
    return head, rows


def overdue_rows(dash: Dashboard) -> tuple[list[str], list[list[str]]]:
    head = [
        bilingual(k)
        for k in (
            "report.job",
            "report.unit",
            "report.repair",
            "report.deadline",
            "report.age",
            "report.assignee",
        )
    ]
    rows = [
        [
            j.ref,
            j.unit or "",
            j.title or "",
            _when(j.deadline, dash),
            fmt_age(j.age_hours, "zh_CN"),
            f"{t('role.' + j.assigned_role)} {'、'.join(j.assignees)}".strip(),
        ]
        for j in dash.overdue
    ]
    return head, rows


def late_rect_rows(dash: Dashboard) -> tuple[list[str], list[list[str]]]:
    head = [
        bilingual(k)
        for k in ("report.job", "report.worker", "report.problems", "report.due", "report.late_by")
    ]
    rows = [
        [
            r.job_ref,
            r.worker or "",
            r.problems,
            _when(r.due_at, dash),
            fmt_age(r.hours_late, "zh_CN") + ("" if r.done_at else " (" + t("dash.open") + ")"),
        ]
        for r in dash.late_rectifications
    ]
    return head, rows


def staff_rows(dash: Dashboard) -> tuple[list[str], list[list[str]]]:
    head = [
        bilingual(k)
        for k in (
            "report.staff",
            "report.role",
            "report.callbacks",
            "report.on_time",
            "channel.on_site",
            "channel.phone",
            "dash.phone_success",
        )
    ]
    rows = [
        [
            s.name,
            t(f"role.{s.role}"),
            str(s.callbacks),
            str(s.on_time),
            str(s.on_site),
            str(s.phone),
            "—",
        ]
        for s in dash.staff
    ]
    return head, rows


def worker_rows(dash: Dashboard) -> tuple[list[str], list[list[str]]]:
    head = [
        bilingual(k)
        for k in (
            "report.worker",
            "dash.jobs",
            "satisfaction.satisfied",
            "satisfaction.fairly_satisfied",
            "satisfaction.unsatisfied",
            "report.rectifications",
            "dash.rect_late",
        )
    ]
    rows = [
        [
            w.worker or "—",
            str(w.jobs),
            str(w.satisfied),
            str(w.fairly_satisfied),
            str(w.unsatisfied),
            str(w.rectifications),
            str(w.rectifications_late),
        ]
        for w in dash.workers
    ]
    return head, rows


def sections(dash: Dashboard) -> list[tuple[str, list[str], list[list[str]]]]:
    return [
        (
            bilingual("report.summary"),
            [bilingual("report.figure"), bilingual("report.value")],
            summary_rows(dash),
        ),
        (bilingual("report.roles"), *role_rows(dash)),
        (bilingual("report.overdue_list"), *overdue_rows(dash)),
        (bilingual("report.late_rects"), *late_rect_rows(dash)),
        (bilingual("report.staff_table"), *staff_rows(dash)),
        (bilingual("report.worker_table"), *worker_rows(dash)),
    ]


# ---------------------------------------------------------------- CSV / XLSX


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
    names = ["概况", "角色配额", "逾期回访", "整改超时", "回访人员", "维修人员"]
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
        from .report_pdf import to_pdf

        return to_pdf(dash)
    raise d.InvalidInput(f"format {fmt!r} must be one of {', '.join(FORMATS)}")


def report_filename(dash: Dashboard, fmt: str) -> str:
    return f"回访通报-{dash.estate.code}-{dash.period}.{fmt}"


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
    from sqlmodel import Session

    from ..db import get_engine, migrate
    from .dashboard_data import build_dashboard

    if format not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    moment = datetime.now(UTC)
    if as_of:
        try:
            moment = d.rules.require_aware(datetime.fromisoformat(as_of), "--as-of")
        except (ValueError, d.InvalidInput) as exc:
            raise typer.BadParameter(str(exc), param_hint="--as-of") from None
    engine = get_engine()
    migrate(engine)
    with Session(engine, expire_on_commit=False) as session:
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
