"""GET/POST /login and POST /logout for the pages (staff, managers, supervisors).

- A post from another site is refused (403): its ``Origin`` (else its ``Referer``) must be the
  service's own, the public address or the address the request was made to; a client that
  sends neither (not a browser) is let through.
- Failed sign-ins hold back: more than ``usecases.signin.FAILURES_ALLOWED`` for one login
  within the window (counted in the database, every instance alike), or more than
  ``FAILURES_PER_ADDRESS`` from one client address (counted in memory), answer 429 with
  ``Retry-After`` whatever the password, until the window has passed.
- Signing in starts a server-side session (``web.auth``); signing out ends it.
"""

from __future__ import annotations

import logging
import math
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..catalogue import t
from ..config import Settings
from ..http.deps import SessionDep, SettingsDep
from ..http.ratelimit import RateLimiter, client_address
from ..schemas.text import control_character
from ..usecases.signin import (
    NotLinked,
    SignInUnavailable,
    authenticate,
    authenticate_outside,
    login_held_back,
    record_failure,
)
from .auth import sign_in_response, sign_out_response, wall_clock
from .dashboard_access import problem_page
from .templating import render, request_lang

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)

#: Failed sign-ins one client address may make (any logins), in memory per instance.
FAILURES_PER_ADDRESS = "30/15minutes"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a signed-in user to another host."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/today"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "") if not parts.netloc else "/today"


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


def _origin(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an address, or ``None`` when it has no usable origin (such
    as ``null``)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def from_this_site(request: Request, settings: Settings) -> bool:
    """Whether a browser's post comes from the service's own pages: its ``Origin``, else its
    ``Referer``, names the public address or the address the request was made to. A post with
    neither header (a script, a command-line client) is not a browser's and passes."""
    claimed = request.headers.get("origin")
    if claimed is None:
        claimed = request.headers.get("referer")
    if claimed is None:
        return True
    origin = _origin(claimed)
    own = {_origin(settings.public_base_url)}
    host = request.headers.get("host")
    if host:
        own.add(_origin(f"{request.url.scheme}://{host}"))
    return origin is not None and origin in own


def _limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:  # an app built without one: keep a private one on it
        limiter = request.app.state.rate_limiter = RateLimiter()
    return limiter


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

    def refused(status: int, key: str, **values: object) -> Response:
        return render(
            request,
            "login.html",
            status_code=status,
            next=safe_next(next),
            error=t(key, lang, **values),
        )

    if not from_this_site(request, settings):
        return refused(403, "login.cross_site")
    if any(control_character(v, multi_line=False) for v in (login, password, next or "")):
        # no login holds one, and PostgreSQL could not even look for it (NUL)
        return refused(422, "login.bad_characters")
    now = wall_clock()
    address = client_address(request.scope)
    limiter = _limiter(request)
    waits = [
        login_held_back(session, login=login, now=now),
        limiter.check("signin.address", address, FAILURES_PER_ADDRESS),
    ]
    wait = max((w for w in waits if w is not None), default=None)
    if wait is not None:
        response = refused(429, "login.throttled", minutes=math.ceil(wait / 60))
        response.headers["Retry-After"] = str(wait)
        return response
    staff = authenticate(session, login.strip(), password)
    outside = getattr(request.app.state, "outside_sign_in", None)
    if staff is None and settings.odoo_configured and outside is not None:
        try:
            staff = authenticate_outside(
                session, lambda user, word: outside(settings, user, word), login.strip(), password
            )
        except NotLinked:
            return refused(403, "login.odoo_not_linked")
        except SignInUnavailable as exc:
            log.warning("Odoo sign-in failed: %s", exc)
            return refused(503, "login.odoo_down")
    if staff is None:
        record_failure(session, login=login, address=address, now=now)
        limiter.hit("signin.address", address, FAILURES_PER_ADDRESS)
        return refused(401, "login.failed")
    response = RedirectResponse(safe_next(next), status_code=303)
    return sign_in_response(response, session, settings, staff.id)  # type: ignore[arg-type]


@router.post("/logout")
def logout(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    if not from_this_site(request, settings):
        return problem_page(request, 403, t("logout.cross_site", request_lang(request)), "/today")
    return sign_out_response(RedirectResponse("/login", status_code=303), request, session)
