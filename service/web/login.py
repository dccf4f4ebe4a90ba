"""GET/POST /login and POST /logout for the pages (staff, managers, supervisors).

- A post from another site is refused (403): its ``Origin`` (else its ``Referer``) must be the
  service's own, the public address or the address the request was made to; a client that
  sends neither (not a browser) is let through.
- Signing in starts a server-side session (``web.auth``); signing out ends it.
"""

from __future__ import annotations

import logging
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..catalogue import t
from ..config import Settings
from ..http.deps import SessionDep, SettingsDep
from ..usecases.signin import NotLinked, SignInUnavailable, authenticate, authenticate_outside
from .auth import sign_in_response, sign_out_response
from .dashboard_access import problem_page
from .templating import render, request_lang

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)

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
        return refused(401, "login.failed")
    response = RedirectResponse(safe_next(next), status_code=303)
    return sign_in_response(response, session, settings, staff.id)  # type: ignore[arg-type]


@router.post("/logout")
def logout(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    if not from_this_site(request, settings):
        return problem_page(request, 403, t("logout.cross_site", request_lang(request)), "/today")
    return sign_out_response(RedirectResponse("/login", status_code=303), request, session)
