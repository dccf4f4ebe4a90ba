"""Scoped API tokens: made by the admin, shown once, stored as a SHA-256, limited to a role and
an estate, ended by their expiry or by revocation.

A token is ``hf_`` and 43 random URL-safe characters (256 bits), so a plain SHA-256 of it is
as good as a slow password hash and lets every request find its token with one indexed read.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from .. import domain as d
from ..models import ApiToken, Estate
from .audit import audit
from .queries import get_estate

PREFIX = "hf_"
TOKEN_ROLES = ("manager", "supervisor", "lead", "integration", "readonly")
# ``last_used_at`` is written at most this often, so reading with a token is not a write.
USE_RESOLUTION = timedelta(minutes=5)


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class TokenHolder:
    """What a valid token may do, as read for one request."""

    token_id: int
    name: str
    role: str
    estate_id: int | None
    estate_code: str | None
    expires_at: datetime | None = None


def create_token(
    session: Session,
    *,
    name: str,
    role: str,
    estate: str | None,
    expires_at: datetime | None,
    actor: str,
    now: datetime,
) -> tuple[ApiToken, str]:
    """A new token and its key (the only time the key exists outside the caller's hands)."""
    if role not in TOKEN_ROLES:
        raise d.InvalidInput(f"role must be one of {', '.join(TOKEN_ROLES)}")
    if expires_at is not None and expires_at <= now:
        raise d.InvalidInput("expires_at must be in the future")
    est: Estate | None = None
    if estate is not None:
        try:
            est = get_estate(session, estate)
        except d.NotFound:
            raise d.InvalidInput(f"estate {estate!r} not found") from None
    key = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        role=role,
        estate_id=est.id if est else None,
        token_hash=token_hash(key),
        prefix=key[: len(PREFIX) + 6],
        created_by=actor,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    audit(
        session,
        actor=actor,
        action="token.create",
        entity="api_token",
        entity_id=token.id,
        detail={"name": name, "role": role, "estate": estate, "expires_at": _iso(expires_at)},
        estate_id=token.estate_id,
        at=now,
    )
    session.commit()
    session.refresh(token)
    return token, key


def holder_of(session: Session, key: str, now: datetime) -> TokenHolder | None:
    """The token with this key, when it is neither expired nor revoked."""
    if not key.startswith(PREFIX) or len(key) > 100:
        return None
    row = session.exec(
        select(ApiToken, Estate.code)
        .join(Estate, col(Estate.id) == col(ApiToken.estate_id), isouter=True)
        .where(ApiToken.token_hash == token_hash(key))
    ).first()
    if row is None:
        return None
    token, code = row
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= USE_RESOLUTION:
        token.last_used_at = now
        session.add(token)
        session.commit()
    assert token.id is not None
    return TokenHolder(token.id, token.name, token.role, token.estate_id, code, token.expires_at)


def list_tokens(
    session: Session, *, estate_id: int | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[tuple[ApiToken, Estate | None]], int]:
    """Tokens, newest first, with their estate; ``estate_id`` keeps one estate's."""
    where = [] if estate_id is None else [col(ApiToken.estate_id) == estate_id]
    total = session.exec(select(func.count()).select_from(ApiToken).where(*where)).one()
    rows = session.exec(
        select(ApiToken, Estate)
        .join(Estate, col(Estate.id) == col(ApiToken.estate_id), isouter=True)
        .where(*where)
        .order_by(col(ApiToken.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [(t, c) for t, c in rows], total


def revoke_token(
    session: Session, token_id: int, *, actor: str, now: datetime, estate_id: int | None = None
) -> ApiToken:
    """Ends a token at once (again: nothing changes). ``estate_id``: only that estate's."""
    token = session.get(ApiToken, token_id)
    if token is None or (estate_id is not None and token.estate_id != estate_id):
        raise d.NotFound(f"token {token_id} not found")
    if token.revoked_at is None:
        token.revoked_at = now
        token.revoked_by = actor
        session.add(token)
        audit(
            session,
            actor=actor,
            action="token.revoke",
            entity="api_token",
            entity_id=token.id,
            detail={"name": token.name, "role": token.role},
            estate_id=token.estate_id,
            at=now,
        )
        session.commit()
        session.refresh(token)
    return token


def estate_of(session: Session, estate_id: int) -> Estate | None:
    return session.get(Estate, estate_id)


def token_state(token: ApiToken, now: datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def token_out(token: ApiToken, estate: Estate | None, now: datetime) -> dict[str, Any]:
    """The token as listed (never its key); times in its estate's timezone, else UTC."""
    zone = ZoneInfo(estate.timezone) if estate else UTC

    def local(value: datetime | None) -> datetime | None:
        return value.astimezone(zone) if value else None

    return {
        "id": token.id,
        "name": token.name,
        "role": token.role,
        "estate": estate.code if estate else None,
        "prefix": token.prefix,
        "created_at": local(token.created_at),
        "created_by": token.created_by,
        "expires_at": local(token.expires_at),
        "revoked_at": local(token.revoked_at),
        "last_used_at": local(token.last_used_at),
        "state": token_state(token, now),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
