"""``GET /api/v1/callbacks``: the callback ledger (回访台帐) for scripts and office tools."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from .. import domain as d
from ..http.access import CallerDep, needs
from ..http.deps import Limit, Offset, SessionDep
from ..schemas import FilterText, LedgerRowOut, Page, PeriodQuery
from ..usecases.ledger import (
    ChannelFilter,
    LedgerQuery,
    RoleFilter,
    SatisfactionFilter,
    SortKey,
    ledger_estates,
    ledger_rows,
)

router = APIRouter(prefix="/callbacks", tags=["ledger"])


@router.get("", response_model=Page[LedgerRowOut], dependencies=[needs("reports.read")])
def list_callbacks(
    session: SessionDep,
    caller: CallerDep,
    estate: Annotated[FilterText | None, Query(description="estate code; default all")] = None,
    period: Annotated[
        PeriodQuery | None, Query(description="YYYY-MM: callbacks on the jobs completed that month")
    ] = None,
    role: RoleFilter | None = None,
    channel: ChannelFilter | None = None,
    satisfaction: SatisfactionFilter | None = None,
    sort: Annotated[SortKey, Query(description="column, '-' for descending")] = "done_at",
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    """The callback ledger (回访台帐): callbacks with their job, filtered and sorted."""
    estates = ledger_estates(session, caller.estate_filter(estate))
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
