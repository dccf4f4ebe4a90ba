"""Who is signed in: staff passwords (scrypt, standard library), sign-in by login and password
or through an outside check (the Odoo link), the signed-in person a page acts for, and the
count of failed sign-ins that holds a login back.

A person sees their own estate: someone who manages several estates has one account in each.
More than ``FAILURES_ALLOWED`` failed sign-ins for one login within ``FAILURE_WINDOW`` hold
that login back, the right password too, until the window has passed; the failures are rows in
the database, so every instance counts the same ones.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from .. import domain as d
from ..db import begin_write
from ..models import SignInFailure, Staff

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}

#: Failed sign-ins one login may have within the window; the next attempt waits.
FAILURES_ALLOWED = 10
FAILURE_WINDOW = timedelta(minutes=15)
#: Failure rows older than this are deleted whenever a failure is recorded.
FAILURES_KEPT = timedelta(days=1)

#: Checks a login and password somewhere else (Odoo): the outside user id, or ``None`` for
#: wrong credentials; raises ``SignInUnavailable`` when the check cannot be made.
OutsideCheck = Callable[[str, str], int | None]


class SignInUnavailable(Exception):
    """The outside check (Odoo) cannot be reached or is misconfigured."""


class NotLinked(Exception):
    """The outside check accepted the credentials but no staff member carries that user."""


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


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The staff member a page acts for, as read from the session on every request."""

    staff_id: int
    name: str
    role: str
    estate_id: int
    estate_code: str

    @property
    def can_see_dashboard(self) -> bool:
        return self.role in ("manager", "supervisor")

    @property
    def records_callbacks(self) -> bool:
        return self.role in {r.value for r in d.Role}


def authenticate(session: Session, login: str, password: str) -> Staff | None:
    staff = session.exec(select(Staff).where(Staff.login == login, Staff.active == True)).first()  # noqa: E712
    if staff is None:
        hash_password(password)  # same cost whether or not the login exists
        return None
    return staff if verify_password(password, staff.password_hash) else None


def authenticate_outside(
    session: Session, check: OutsideCheck, login: str, password: str
) -> Staff | None:
    """Staff may sign in with their own Odoo login and password when the Odoo link is
    configured: ``check`` verifies the password, the staff record with that ``odoo_user_id``
    gives the role and estate. Raises ``NotLinked`` when no staff member carries that user,
    and ``SignInUnavailable`` when the check cannot be made."""
    uid = check(login, password)
    if uid is None:
        return None
    staff = session.exec(
        select(Staff).where(Staff.odoo_user_id == uid, Staff.active == True)  # noqa: E712
    ).first()
    if staff is None:
        raise NotLinked(f"Odoo user {uid} is not linked to a staff member")
    return staff


def signed_in(session: Session, staff_id: object) -> SignedIn | None:
    """The active staff member with this id, as a signed-in person (role and estate read now:
    deactivating someone ends their sessions)."""
    staff = session.get(Staff, staff_id) if isinstance(staff_id, int) else None
    if staff is None or not staff.active:
        return None
    return SignedIn(staff.id, staff.name, staff.role, staff.estate_id, staff.estate.code)  # type: ignore[arg-type]


def failure_key(login: str) -> str:
    """The login as failures are counted: trimmed, in lower case (``Wang`` and ``wang`` share
    one count), cut to the column's length."""
    return login.strip().lower()[:100]


def login_held_back(session: Session, *, login: str, now: datetime) -> int | None:
    """Seconds until this login may try again, or ``None`` when it may try now: held back
    while ``FAILURES_ALLOWED`` failures or more fall within the window, until enough of them
    have left it."""
    since = now - FAILURE_WINDOW
    times = session.exec(
        select(SignInFailure.at)
        .where(SignInFailure.login == failure_key(login), col(SignInFailure.at) > since)
        .order_by(col(SignInFailure.at))
    ).all()
    if len(times) < FAILURES_ALLOWED:
        return None
    # once this one leaves the window, FAILURES_ALLOWED - 1 remain: the login may try again
    freed_at = times[len(times) - FAILURES_ALLOWED] + FAILURE_WINDOW
    return max(1, math.ceil((freed_at - now).total_seconds()))


def record_failure(session: Session, *, login: str, address: str, now: datetime) -> None:
    """One failed sign-in of this login from this address; failures older than a day go."""
    begin_write(session)
    session.add(SignInFailure(login=failure_key(login), address=address[:64], at=now))
    session.exec(  # type: ignore[call-overload]
        delete(SignInFailure).where(col(SignInFailure.at) < now - FAILURES_KEPT)
    )
    session.commit()
