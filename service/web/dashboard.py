"""The manager dashboard (``/dashboard``), its report download and the ledger pages.

Managers and supervisors sign in and see their own estate. Every figure comes from
``usecases.dashboard.build_dashboard``, whose headline numbers are the compliance endpoint's own.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ..catalogue import t
from ..catalogue.formats import fmt_age, pct
from ..http.deps import NowDep, SessionDep
from ..usecases.dashboard import build_dashboard
from . import charts
from .auth import UserDep
from .dashboard_access import Scope, resolve_scope
from .ledger import attachment
from .ledger import page_router as ledger_pages
from .reporting import MEDIA_TYPES, render_report, report_filename
from .templating import render, request_lang

router = APIRouter(include_in_schema=False)
router.include_router(ledger_pages)


@router.get("/dashboard")
def dashboard(
    request: Request,
    session: SessionDep,
    user: UserDep,
    now: NowDep,
    estate: str | None = None,
    period: str | None = None,
) -> Response:
    scope = resolve_scope(request, session, user, estate, period, now)
    if not isinstance(scope, Scope):
        return scope
    dash = build_dashboard(
        session=session, estate_code=scope.estate.code, period=str(scope.period), as_of=now
    )
    lang = request_lang(request)
    tr = lambda key, **values: t(key, lang, **values)  # noqa: E731
    gauges = [
        charts.gauge(
            view.quota.done,
            view.quota.required,
            label=tr(f"role.{view.role.value}"),
            sublabel=tr(f"role.{view.role.value}"),
        )
        for view in dash.roles
    ]
    sat = dash.result.satisfaction
    satisfaction_chart = charts.stacked_bar(
        [(tr(f"satisfaction.{s.value}"), n) for s, n in sat.items()],
        empty_text=tr("dash.no_answers"),
    )
    complaint_chart = charts.rate_meter(
        dash.result.complaint_rate,
        dash.complaint_target,
        label=tr("dash.complaint_target", target=pct(dash.complaint_target, 0)),
    )
    worker_chart = charts.hbars(
        [
            (
                w.worker or "—",
                (w.satisfied_rate or 0) * 100,
                charts.OK if (w.satisfied_rate or 0) >= 0.8 else charts.WARN,
            )
            for w in dash.workers
            if w.answers
        ],
        max_value=100,
        value_format="{:.0f}%",
    )
    return render(
        request,
        "dashboard/index.html",
        dash=dash,
        scope=scope,
        user=user,
        gauges=gauges,
        satisfaction_chart=satisfaction_chart,
        complaint_chart=complaint_chart,
        worker_chart=worker_chart,
        pct=pct,
        age=lambda hours: fmt_age(hours, lang),
        local=lambda moment: moment.astimezone(dash.tz).strftime("%m-%d %H:%M"),
        query=urlencode({"estate": scope.estate.code, "period": str(scope.period)}),
    )


@router.get("/dashboard/report")
def download_report(
    request: Request,
    session: SessionDep,
    user: UserDep,
    now: NowDep,
    estate: str | None = None,
    period: str | None = None,
    format: Literal["pdf", "xlsx", "csv", "json"] = Query("pdf"),
) -> Response:
    """The monthly report (通报) of the estate-month on screen."""
    scope = resolve_scope(request, session, user, estate, period, now)
    if not isinstance(scope, Scope):
        return scope
    dash = build_dashboard(
        session=session, estate_code=scope.estate.code, period=str(scope.period), as_of=now
    )
    ascii_name = f"huifang-report-{dash.estate.code}-{dash.period}.{format}"
    return Response(
        render_report(dash, format),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": attachment(report_filename(dash, format), ascii_name)},
    )
