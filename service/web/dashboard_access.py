"""Who may open the manager pages, for which estate and period; friendly pages when not."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from .. import domain as d
from ..catalogue import t
from ..usecases.dashboard import Scope, dashboard_scope
from ..usecases.signin import SignedIn
from .templating import render, request_lang


def sign_in_redirect(request: Request) -> RedirectResponse:
    """To the sign-in page and back here afterwards, the query string kept whole (encoded)."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


def problem_page(request: Request, status: int, message: str, back: str = "/dashboard") -> Response:
    """A readable refusal, with the way back (the dashboard, or /today for those without one)."""
    return render(request, "dashboard/problem.html", status_code=status, message=message, back=back)


def resolve_scope(
    request: Request,
    session: Session,
    user: SignedIn | None,
    estate_code: str | None,
    period: str | None,
    now: datetime,
) -> Scope | Response:
    """The checked scope, or the response to send instead (sign-in, 403, 404, 422)."""
    if user is None:
        return sign_in_redirect(request)
    try:
        return dashboard_scope(session, user, estate_code, period, now)
    except d.DomainError as exc:
        code = (estate_code or user.estate_code).strip()
        message = t(exc.code, request_lang(request), code=code, period=period)
        back = "/dashboard" if user.can_see_dashboard else "/today"
        return problem_page(request, exc.status, message, back)
