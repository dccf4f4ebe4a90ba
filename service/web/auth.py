"""Sign-in for the pages: a signed, time-limited session cookie naming the staff member.

The cookie is signed with itsdangerous and names only the staff member, whose role and estate
are read on every request (``usecases.signin.signed_in``). Passwords and sign-in are a use case
(``usecases.signin``); this module is the cookie.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlmodel import Session

from ..config import get_settings
from ..db import get_session
from ..models import Staff
from ..usecases.signin import SignedIn, signed_in

COOKIE = "huifang_session"
SESSION_MAX_AGE = 12 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt="huifang.session")


def session_cookie(staff: Staff) -> str:
    return _serializer().dumps({"sid": staff.id})


def current_user(request: Request, session: Session) -> SignedIn | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw, max_age=SESSION_MAX_AGE)
    except (BadSignature, SignatureExpired):
        return None
    return signed_in(session, data.get("sid"))


def optional_user(
    request: Request, session: Annotated[Session, Depends(get_session)]
) -> SignedIn | None:
    return current_user(request, session)


UserDep = Annotated[SignedIn | None, Depends(optional_user)]
