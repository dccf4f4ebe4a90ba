"""The manager's page of their estate's API tokens (``/dashboard/tokens``): see them, revoke
one. Tokens are made with the admin key (``POST /api/v1/tokens``); a token kept to an estate is
that estate's to end."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from .. import domain as d
from ..catalogue import t
from ..http.access import known_callers
from ..http.deps import NowDep, SessionDep
from ..usecases.signin import SignedIn
from ..usecases.tokens import estate_of, list_tokens, revoke_token, token_out
from .auth import UserDep
from .dashboard_access import problem_page, sign_in_redirect
from .templating import render, request_lang

router = APIRouter(include_in_schema=False)


def _manager(request: Request, user: SignedIn | None) -> SignedIn | Response:
    if user is None:
        return sign_in_redirect(request)
    if user.role != "manager":
        back = "/dashboard" if user.can_see_dashboard else "/today"
        return problem_page(request, 403, t("tokens.forbidden", request_lang(request)), back)
    return user


@router.get("/dashboard/tokens")
def tokens_page(
    request: Request, session: SessionDep, user: UserDep, now: NowDep, revoked: int | None = None
) -> Response:
    manager = _manager(request, user)
    if isinstance(manager, Response):
        return manager
    estate = estate_of(session, manager.estate_id)
    if estate is None:
        return problem_page(request, 404, t("dash.notfound.estate", request_lang(request)))
    rows, _ = list_tokens(session, estate_id=manager.estate_id, limit=1000)
    tokens = [token_out(token, estate, now) for token, _ in rows]
    names = {tok["id"]: tok["name"] for tok in tokens}
    flash = (
        t("tokens.revoked", request_lang(request), name=names[revoked])
        if revoked in names
        else None
    )

    def local(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%d %H:%M")

    return render(
        request, "dashboard/tokens.html", estate=estate, tokens=tokens, local=local, flash=flash
    )


@router.post("/dashboard/tokens/{token_id}/revoke")
def revoke(
    request: Request,
    session: SessionDep,
    user: UserDep,
    now: NowDep,
    token_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> Response:
    manager = _manager(request, user)
    if isinstance(manager, Response):
        return manager
    try:
        revoke_token(
            session,
            token_id,
            actor=f"staff:{manager.staff_id}:{manager.name}"[:100],
            now=now,
            estate_id=manager.estate_id,
        )
    except d.NotFound:
        return problem_page(request, 404, t("tokens.notfound", request_lang(request)))
    known_callers(request.app).forget()
    return RedirectResponse(f"/dashboard/tokens?revoked={token_id}", status_code=303)
