"""Sign-in for the pages: staff accounts with a role, a signed session cookie.

Passwords are hashed with scrypt (standard library); the cookie is signed and time-limited with
itsdangerous and names only the staff member, whose role and estate are read on every request
(deactivating someone ends their sessions). A person sees their own estate: someone who manages
several estates has one account in each.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlmodel import Session, select

from ..config import Settings, get_settings
from ..db import get_session
from ..models import Estate, Staff

COOKIE = "huifang_session"
SESSION_MAX_AGE = 12 * 3600
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, salt_hex, digest_hex = stored.split("$", 2)
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), **_SCRYPT)
    return hmac.compare_digest(digest.hex(), digest_hex)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt="huifang.session")


@dataclass(frozen=True, slots=True)
class SignedIn:
    staff_id: int
    name: str
    role: str
    estate_id: int
    estate_code: str

    @property
    def can_see_dashboard(self) -> bool:
        return self.role in ("manager", "supervisor")


def authenticate(session: Session, login: str, password: str) -> Staff | None:
    staff = session.exec(select(Staff).where(Staff.login == login, Staff.active == True)).first()  # noqa: E712
    if staff is None:
        hash_password(password)  # same cost whether or not the login exists
        return None
    return staff if verify_password(password, staff.password_hash) else None


class OdooNotLinked(Exception):
    """Odoo accepted the credentials but no Huifang staff member carries that Odoo user."""


def authenticate_with_odoo(
    session: Session, settings: Settings, login: str, password: str
) -> Staff | None:
    """Staff may sign in with their own Odoo login and password when the Odoo link is
    configured: Odoo checks the password, the staff record with that ``odoo_user_id`` gives the
    role and estate. Raises ``OdooNotLinked`` when no staff member carries that Odoo user, and
    the gateway's ``OdooUnavailable`` when Odoo cannot be reached."""
    from ..odoo.link import open_gateway

    gateway = open_gateway(settings)
    try:
        uid = gateway.verify_login(login, password)
    finally:
        gateway.close()
    if uid is None:
        return None
    staff = session.exec(
        select(Staff).where(Staff.odoo_user_id == uid, Staff.active == True)  # noqa: E712
    ).first()
    if staff is None:
        raise OdooNotLinked(f"Odoo user {uid} is not linked to a staff member")
    return staff


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
    staff = session.get(Staff, data.get("sid"))
    if staff is None or not staff.active:
        return None
    estate = session.get(Estate, staff.estate_id)
    return SignedIn(staff.id, staff.name, staff.role, staff.estate_id, estate.code)  # type: ignore[arg-type, union-attr]


def optional_user(
    request: Request, session: Annotated[Session, Depends(get_session)]
) -> SignedIn | None:
    return current_user(request, session)


UserDep = Annotated[SignedIn | None, Depends(optional_user)]
