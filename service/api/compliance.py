from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query

from ..http.deps import NowDep, SessionDep
from ..schemas import ComplianceOut, Time
from ..usecases.compliance import compliance, compliance_out

router = APIRouter(prefix="/compliance", tags=["compliance"])


@router.get("", response_model=ComplianceOut)
def get(
    session: SessionDep,
    now: NowDep,
    estate: str = Query(..., description="estate code"),
    period: str | None = Query(
        None, description="YYYY-MM; default: this month in the estate's timezone"
    ),
    as_of: Time | None = Query(None, description="ISO 8601 with offset; default now"),
):
    """Role quotas, on-time rate, overdue, satisfaction and rectifications for one estate-month."""
    moment: datetime = as_of or now
    est, result = compliance(
        session=session, estate_code=estate, period=period or None, as_of=moment, now=now
    )
    return compliance_out(est, result, moment)
