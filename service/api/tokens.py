"""``/api/v1/tokens``: scoped API tokens, made, listed and revoked with the admin key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from ..http.access import known_callers, needs
from ..http.deps import ActorDep, Limit, NowDep, Offset, SessionDep
from ..schemas import Page, TokenCreatedOut, TokenIn, TokenOut
from ..usecases import tokens as uc

router = APIRouter(prefix="/tokens", tags=["tokens"], dependencies=[needs("tokens")])


@router.post("", response_model=TokenCreatedOut, status_code=201)
def create(body: TokenIn, session: SessionDep, now: NowDep, actor: ActorDep) -> Any:
    """A new token: ``token`` is shown this once (only its SHA-256 is kept). Send it as
    ``Authorization: Bearer <token>``; it acts in its role, on its estate only when it has one."""
    token, key = uc.create_token(
        session,
        name=body.name,
        role=body.role,
        estate=body.estate,
        expires_at=body.expires_at,
        actor=actor,
        now=now,
    )
    estate = token.estate_id and uc.estate_of(session, token.estate_id)
    return {**uc.token_out(token, estate or None, now), "token": key}


@router.get("", response_model=Page[TokenOut])
def list_(session: SessionDep, now: NowDep, limit: Limit = 100, offset: Offset = 0) -> Any:
    """Every token, newest first, without its key."""
    rows, total = uc.list_tokens(session, limit=limit, offset=offset)
    return {"data": [uc.token_out(t, e, now) for t, e in rows], "count": total}


@router.delete("/{token_id}", status_code=204, response_class=Response)
def revoke(
    request: Request,
    token_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
    now: NowDep,
    actor: ActorDep,
) -> Response:
    """Revokes the token: any later request with it -> 401 (from this process at once, from
    other processes and instances within ``HUIFANG_TOKEN_CACHE_SECONDS``)."""
    uc.revoke_token(session, token_id, actor=actor, now=now)
    known_callers(request.app).forget()
    return Response(status_code=204)
