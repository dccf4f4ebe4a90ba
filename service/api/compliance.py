from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from ..http.access import CallerDep, needs
from ..http.deps import NowDep, SessionDep
from ..schemas import ComplianceOut, FilterText, PeriodQuery, Time
from ..schemas.plan import PlanOut
from ..usecases.compliance import compliance, compliance_out
from ..usecases.planner import plan_of, plan_out

router = APIRouter(prefix="/compliance", tags=["compliance"], dependencies=[needs("reports.read")])


@router.get("", response_model=ComplianceOut)
def get(
    session: SessionDep,
    now: NowDep,
    caller: CallerDep,
    estate: Annotated[FilterText, Query(description="estate code")],
    period: PeriodQuery | None = Query(
        None, description="YYYY-MM; default: this month in the estate's timezone"
    ),
    as_of: Time | None = Query(None, description="ISO 8601 with offset; default now"),
):
    """Role quotas, on-time rate, overdue, satisfaction and rectifications for one estate-month."""
    caller.own(estate)
    moment: datetime = as_of or now
    est, result = compliance(
        session=session, estate_code=estate, period=period or None, as_of=moment, now=now
    )
    return compliance_out(est, result, moment)


@router.get("/plan", response_model=PlanOut)
def plan(
    session: SessionDep,
    now: NowDep,
    caller: CallerDep,
    estate: Annotated[FilterText, Query(description="estate code")],
    as_of: Time | None = Query(None, description="ISO 8601 with offset; default now"),
    draws: bool = Query(False, description="add each draw's log: candidates, weights, seed"),
):
    """Today's quota plan: per period with open windows and per role, the callbacks still
    needed and the jobs planned to meet them (drawn once a day and logged; ``draws=true``
    shows the log, enough to redraw it)."""
    caller.own(estate)
    day = plan_of(session=session, estate_code=estate, as_of=as_of or now)
    return plan_out(session, day, with_draws=draws)
