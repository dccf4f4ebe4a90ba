"""My work today (``/today``): the page a lead, supervisor or manager lands on after signing in,
made for the phone. What it lists comes from ``usecases.today``."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .. import domain as d
from ..catalogue import t
from ..catalogue.formats import pct
from ..http.deps import NowDep, SessionDep, SettingsDep
from ..usecases.documents import form_url
from ..usecases.today import today
from .auth import UserDep
from .dashboard_access import problem_page, sign_in_redirect
from .templating import render, request_lang

router = APIRouter(include_in_schema=False)


@router.get("/today")
def today_page(
    request: Request, session: SessionDep, settings: SettingsDep, user: UserDep, now: NowDep
) -> Response:
    if user is None:
        return sign_in_redirect(request)
    try:
        work = today(session=session, user=user, now=now)
    except d.NotFound:  # the estate went away while the sign-in lasted
        message = t("dash.notfound.estate", request_lang(request), code=user.estate_code)
        return problem_page(request, 404, message, back="/login")
    tz = d.zone(work.estate.timezone)

    def local(moment: datetime | None) -> str:
        return moment.astimezone(tz).strftime("%m-%d %H:%M") if moment else ""

    links = {task.job.ref: form_url(settings, "staff", task.job.ref, now) for task in work.tasks}
    return render(
        request, "today.html", work=work, user=user, local=local, links=links, pct=pct, now=now
    )
