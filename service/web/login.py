"""GET/POST /login and /logout for the pages (staff, managers, supervisors)."""

from __future__ import annotations

import logging
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..catalogue import t
from ..http.deps import SessionDep, SettingsDep
from ..usecases.signin import NotLinked, SignInUnavailable, authenticate, authenticate_outside
from .auth import COOKIE, SESSION_MAX_AGE, session_cookie
from .templating import render, request_lang

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)


def safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a signed-in user to another host."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/today"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "") if not parts.netloc else "/today"


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=safe_next(next), error=None)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    login: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    lang = request_lang(request)
    staff = authenticate(session, login.strip(), password)
    outside = getattr(request.app.state, "outside_sign_in", None)
    if staff is None and settings.odoo_configured and outside is not None:
        try:
            staff = authenticate_outside(
                session, lambda user, word: outside(settings, user, word), login.strip(), password
            )
        except NotLinked:
            return render(
                request,
                "login.html",
                status_code=403,
                next=safe_next(next),
                error=t("login.odoo_not_linked", lang),
            )
        except SignInUnavailable as exc:
            log.warning("Odoo sign-in failed: %s", exc)
            return render(
                request,
                "login.html",
                status_code=503,
                next=safe_next(next),
                error=t("login.odoo_down", lang),
            )
    if staff is None:
        return render(
            request,
            "login.html",
            status_code=401,
            next=safe_next(next),
            error=t("login.failed", lang),
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        session_cookie(staff),
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="lax",
        # over https (the public address), the browser never sends it in clear text
        secure=settings.public_base_url.startswith("https://"),
    )
    return response


@router.post("/logout")
@router.get("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
