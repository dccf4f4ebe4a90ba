"""The rows of the monthly report (通报), shared by its CSV, XLSX and PDF forms.

Every figure comes from ``usecases.dashboard.build_dashboard``, whose headline figures are the
compliance endpoint's own (``usecases.compliance``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.encoders import jsonable_encoder

from .. import domain as d
from ..catalogue import t
from ..catalogue.formats import fmt_age, pct
from ..usecases.dashboard import Dashboard


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
            "chain_head": None
            if dash.chain_head is None
            else {
                "seq": dash.chain_head.seq,
                "hash": dash.chain_head.hash,
                "at": local(dash.chain_head.at),
            },
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
                    "problem": r.problem,
                    "state": r.state,
                    "notice_late": r.notice_late,
                    "fix_late": r.fix_late,
                    "due_at": local(r.due_at),
                    "done_at": local(r.done_at),
                    "hours_late": round(r.hours_late, 1),
                }
                for r in dash.late_rectifications
            ],
            "channels": dash.channels,
            "visits": {"count": dash.visits_count, "jobs": [j.ref for j in dash.visits]},
            "repeats": {"count": dash.repeats_count, "jobs": [j.ref for j in dash.repeats]},
            "rectification_states": dash.rectification_states,
            "phone": {
                "attempts": dash.result.phone_attempts,
                "reached": dash.result.phone_reached,
                "success_rate": dash.result.phone_success_rate,
            },
            "staff": [
                {
                    "name": s.name,
                    "role": s.role,
                    "callbacks": s.callbacks,
                    "on_time": s.on_time,
                    "on_site": s.on_site,
                    "phone": s.phone,
                    "calls": s.calls,
                    "calls_reached": s.calls_reached,
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
        [bilingual("dash.answered"), str(r.answered)],
        [bilingual("dash.rect_open"), str(r.rectifications_open)],
        [bilingual("dash.rect_late"), str(r.rectifications_late)],
        [bilingual("rect.notice_late"), str(r.rectifications_notice_late)],
        [bilingual("rect.fix_late"), str(r.rectifications_fix_late)],
        [bilingual("channel.on_site"), str(dash.channels["on_site"])],
        [bilingual("channel.phone"), str(dash.channels["phone"])],
        [bilingual("dash.visits"), str(dash.visits_count)],
        [bilingual("dash.repeats"), str(dash.repeats_count)],
        *[
            [bilingual(f"rect.state.{state}"), str(n)]
            for state, n in dash.rectification_states.items()
        ],
        [bilingual("dash.calls"), str(r.phone_attempts)],
        [bilingual("dash.calls_reached"), str(r.phone_reached)],
        [bilingual("dash.phone_success"), pct(r.phone_success_rate)],
        [bilingual("report.chain_head"), chain_head_text(dash)],
    ]


def chain_head_text(dash: Dashboard) -> str:
    """``#seq sha256`` of the estate's audit chain at the period's end: the report pins it."""
    head = dash.chain_head
    return "—" if head is None else f"#{head.seq} {head.hash}"


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
            r.problem,
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
            "dash.calls",
            "dash.calls_reached",
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
            str(s.calls),
            str(s.calls_reached),
            pct(s.phone_success_rate),
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
