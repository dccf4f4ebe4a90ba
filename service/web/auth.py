"""Sign-in for the pages: a signed, time-limited cookie carrying the key of a server-side session.

The cookie is signed with itsdangerous and carries only the random key of a ``WebSession``
row (``usecases.sessions``): every request checks that row (not ended, not expired) and reads
the staff member's role and estate anew. Passwords and sign-in are a use case
(``usecases.signin``); this module is the cookie.

Sessions live on the wall clock, not on the business clock the pages are given (``get_now``,
which tests pin and the scheduler may move): a sign-in lasts twelve real hours.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlmodel import Session

from ..config import Settings, get_settings
from ..db import get_session
from ..usecases.sessions import SESSION_LIFETIME, end_session, session_user, start_session
from ..usecases.signin import SignedIn

COOKIE = "huifang_session"
SESSION_MAX_AGE = int(SESSION_LIFETIME.total_seconds())


def wall_clock() -> datetime:
    return datetime.now(UTC)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt="huifang.session")


def _session_key(request: Request) -> str | None:
    """The session key of the request's cookie, when its signature holds and is young."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw, max_age=SESSION_MAX_AGE)
    except (BadSignature, SignatureExpired):
        return None
    key = data.get("k") if isinstance(data, dict) else None
    return key if isinstance(key, str) and key else None


def sign_in_response(
    response: Response, session: Session, settings: Settings, staff_id: int
) -> Response:
    """Start a session for this staff member and hand its cookie to the browser."""
    key = start_session(session=session, staff_id=staff_id, now=wall_clock())
    response.set_cookie(
        COOKIE,
        _serializer().dumps({"k": key}),
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="lax",
        # over https (the public address), the browser never sends it in clear text
        secure=settings.public_base_url.startswith("https://"),
    )
    return response


def sign_out_response(response: Response, request: Request, session: Session) -> Response:
    """End the request's session on the server (an older copy of its cookie stops working)
    and drop the cookie."""
    key = _session_key(request)
    if key is not None:
        end_session(session=session, key=key, now=wall_clock())
    response.delete_cookie(COOKIE)
    return response


def current_user(request: Request, session: Session) -> SignedIn | None:
    key = _session_key(request)
    return session_user(session=session, key=key, now=wall_clock()) if key else None


def optional_user(
    request: Request, session: Annotated[Session, Depends(get_session)]
) -> SignedIn | None:
    return current_user(request, session)


UserDep = Annotated[SignedIn | None, Depends(optional_user)]
