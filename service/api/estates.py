from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from ..http.access import needs
from ..http.deps import ActorDep, Limit, Offset, SessionDep
from ..schemas import EstateCode, EstateIn, EstateOut, Page
from ..usecases.estates import estate_out, list_estates, put_estate
from ..usecases.queries import get_estate

router = APIRouter(prefix="/estates", tags=["estates"], dependencies=[needs("estates")])


@router.put(
    "/{code}",
    response_model=EstateOut,
    status_code=200,
    responses={201: {"model": EstateOut, "description": "created"}},
)
def put(
    code: Annotated[EstateCode, Path(description="the estate's code, an identifier")],
    estate_in: EstateIn,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
):
    """Create (201) or replace (200) an estate; omitted fields take the defaults."""
    estate, created = put_estate(session=session, code=code, estate_in=estate_in, actor=actor)
    response.status_code = 201 if created else 200
    return estate_out(estate)


@router.get("/{code}", response_model=EstateOut)
def get(code: str, session: SessionDep):
    return estate_out(get_estate(session, code))


@router.get("", response_model=Page[EstateOut])
def list_(session: SessionDep, limit: Limit = 100, offset: Offset = 0):
    rows, total = list_estates(session=session, limit=limit, offset=offset)
    return {"data": [estate_out(e) for e in rows], "count": total}
