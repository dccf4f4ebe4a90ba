"""Who may open the manager pages, for which estate and period; friendly pages when not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, select

from .. import domain as d
from ..models import Estate
from .auth import SignedIn
from .dashboard_data import visible_estates
from .i18n import register, t
from .templating import render, request_lang

register(
    {
        "dash.forbidden.role": (
            "看板仅供经理和主管查看。维修负责人请使用现场回访页面。",
            "The dashboard is for managers and supervisors. Maintenance leads record callbacks "
            "on the job pages.",
        ),
        "dash.forbidden.estate": (
            "您无权查看管理处 {code} 的数据。",
            "You may not see the figures of estate {code}.",
        ),
        "dash.notfound.estate": ("没有管理处 {code}。", "There is no estate {code}."),
        "dash.bad.period": (
            "期间 {period} 无效，请使用 YYYY-MM 格式，例如 2026-05。",
            "Period {period} is not valid: use YYYY-MM, e.g. 2026-05.",
        ),
        "dash.back": ("返回看板", "Back to the dashboard"),
    }
)


@dataclass(frozen=True, slots=True)
class Scope:
    """What a signed-in manager or supervisor asked to see, checked."""

    user: SignedIn
    estate: Estate
    estates: list[Estate]
    period: d.Period


def sign_in_redirect(request: Request) -> RedirectResponse:
    """To the sign-in page and back here afterwards, the query string kept whole (encoded)."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


def problem_page(request: Request, status: int, message: str) -> Response:
    return render(request, "dashboard/problem.html", status_code=status, message=message)


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
    lang = request_lang(request)
    if not user.can_see_dashboard:
        return problem_page(request, 403, t("dash.forbidden.role", lang))
    allowed = visible_estates(session, user.estate_id)
    code = (estate_code or user.estate_code).strip()
    estate = next((e for e in allowed if e.code == code), None)
    if estate is None:
        exists = session.exec(select(Estate.id).where(Estate.code == code)).first()
        if exists is None:
            return problem_page(request, 404, t("dash.notfound.estate", lang, code=code))
        return problem_page(request, 403, t("dash.forbidden.estate", lang, code=code))
    if period:
        try:
            parsed = d.Period.parse(period)
        except d.InvalidInput:
            return problem_page(request, 422, t("dash.bad.period", lang, period=period))
    else:
        parsed = d.Period.containing(now, estate.timezone)
    return Scope(user=user, estate=estate, estates=allowed, period=parsed)
