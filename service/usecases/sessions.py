"""Server-side sessions of the pages: one ``WebSession`` row per signed-in browser.

The browser holds a random key (in a signed cookie, ``web.auth``); the database holds only its
SHA-256. A request is signed in while its row exists, has not ended and has not expired, and
its staff member is still active; their role and estate are read on that same request, so a
demotion takes effect at once. Signing out ends the row; a password change or a deactivation
ends every row of that person (``end_sessions_of``), so an older copy of a cookie no longer
signs anyone in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select, update

from ..db import begin_write
from ..models import WebSession
from .signin import SignedIn, signed_in

#: How long a sign-in lasts (the cookie's own signature expires at the same age).
SESSION_LIFETIME = timedelta(hours=12)
#: Rows that ended or expired longer ago than this are removed when someone signs in.
KEPT_AFTER_END = timedelta(days=1)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(*, session: Session, staff_id: int, now: datetime) -> str:
    """A new session for this staff member: the random key for the cookie (never stored)."""
    begin_write(session)
    key = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            key_hash=key_hash(key),
            staff_id=staff_id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    stale = now - KEPT_AFTER_END
    session.exec(  # type: ignore[call-overload]
        delete(WebSession).where(
            (col(WebSession.expires_at) < stale) | (col(WebSession.ended_at) < stale)
        )
    )
    session.commit()
    return key


def session_user(*, session: Session, key: str, now: datetime) -> SignedIn | None:
    """The person this key signs in now, or ``None`` when its session is unknown, ended or
    expired, or its staff member has been deactivated."""
    row = session.exec(select(WebSession).where(WebSession.key_hash == key_hash(key))).first()
    if row is None or row.ended_at is not None or row.expires_at <= now:
        return None
    return signed_in(session, row.staff_id)


def end_session(*, session: Session, key: str, now: datetime) -> None:
    """Sign out: the session of this key ends (nothing happens for an unknown key)."""
    begin_write(session)
    session.exec(  # type: ignore[call-overload]
        update(WebSession)
        .where(col(WebSession.key_hash) == key_hash(key), col(WebSession.ended_at).is_(None))
        .values(ended_at=now)
    )
    session.commit()


def end_sessions_of(*, session: Session, staff_id: int, now: datetime) -> None:
    """End every open session of this staff member, in the caller's transaction (the caller
    commits it with the change that asked for it)."""
    session.exec(  # type: ignore[call-overload]
        update(WebSession)
        .where(col(WebSession.staff_id) == staff_id, col(WebSession.ended_at).is_(None))
        .values(ended_at=now)
    )
