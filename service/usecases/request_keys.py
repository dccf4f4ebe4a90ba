"""Writes made once per ``Idempotency-Key``: a client that sends a callback (or a phone
attempt) with a key, and sends it again because it never saw the answer (a timeout, a dropped
connection, a 503 that could not say whether it was saved), gets the callback the first
request made, not a second.

The key is kept per caller (``actor``) in ``request_keys``, in the same transaction as the
write: either both are stored or neither. The same key with another body (or for another kind
of write) is refused (422), as the key then names two different requests. Keys are kept
``KEEP_FOR`` (30 days), then deleted by the scheduler's cycle.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from .. import domain as d
from ..db import begin_write
from ..models import Callback, Rectification, RequestKey
from ..schemas import CallbackIn
from .callbacks import record_callback

#: How long a key is kept: far longer than any client waits before sending again (a phone
#: that was offline for days included); the scheduler deletes older ones (``purge_keys``).
KEEP_FOR = timedelta(days=30)
#: What a key may be: 1-200 visible ASCII characters (a UUID is the usual choice).
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,200}")


def checked_key(key: str | None) -> str | None:
    """The header's key, or None without one; 422 when it cannot be a key."""
    if key is None:
        return None
    if not KEY_PATTERN.fullmatch(key):
        raise d.InvalidInput("Idempotency-Key must be 1-200 visible ASCII characters (a UUID)")
    return key


def _digest(kind: str, ref: str, body: dict[str, Any]) -> str:
    text = json.dumps([kind, ref, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _made_before(session: Session, actor: str, key: str, kind: str, digest: str) -> int | None:
    row = session.exec(
        select(RequestKey).where(RequestKey.actor == actor[:100], RequestKey.key == key)
    ).first()
    if row is None:
        return None
    if row.kind != kind or row.body_hash != digest:
        raise d.InvalidInput(
            "this Idempotency-Key was sent before with another request; use a new key for"
            " a new request"
        )
    return row.record_id


def once(
    session: Session,
    *,
    actor: str,
    key: str | None,
    kind: str,
    ref: str,
    body: dict[str, Any],
    now: datetime,
    make: Callable[[], int],
) -> tuple[int, bool]:
    """Run ``make`` (a write left uncommitted, returning the id of what it made) once per
    ``key``: commits it with the key, and returns (its id, False); or, when the key made it
    before, (that id, True) with nothing written. Without a key: ``make``, committed."""
    if key is None:
        record_id = make()
        session.commit()
        return record_id, False
    begin_write(session)  # the key's lookup is the write's first read (SQLite: the lock first)
    digest = _digest(kind, ref, body)
    made = _made_before(session, actor, key, kind, digest)
    if made is not None:
        return made, True
    record_id = make()
    session.add(
        RequestKey(
            actor=actor[:100],
            key=key,
            kind=kind,
            body_hash=digest,
            record_id=record_id,
            created_at=now,
        )
    )
    try:
        session.commit()
    except IntegrityError:
        # the same key came twice at once and the other request was stored first: this one's
        # write is rolled back, and the other's is the answer
        session.rollback()
        made = _made_before(session, actor, key, kind, digest)
        if made is None:
            raise
        return made, True
    return record_id, False


def _callback(session: Session, callback_id: int) -> tuple[Callback, int | None]:
    callback = session.get_one(Callback, callback_id)
    rect = session.exec(
        select(Rectification.id).where(col(Rectification.callback_id) == callback_id)
    ).first()
    return callback, rect


def record_callback_once(
    *,
    session: Session,
    ref: str,
    cb_in: CallbackIn,
    now: datetime,
    actor: str,
    key: str | None,
) -> tuple[Callback, int | None, bool]:
    """``record_callback``, once per ``key``: the callback, its rectification's id, and
    whether it was made by an earlier request with the same key (then nothing is stored)."""

    made: list[tuple[Callback, int | None]] = []

    def make() -> int:
        callback, rectification = record_callback(
            session=session, ref=ref, cb_in=cb_in, now=now, actor=actor, commit=False
        )
        assert callback.id is not None
        made.append((callback, None if rectification is None else rectification.id))
        return callback.id

    callback_id, replayed = once(
        session,
        actor=actor,
        key=key,
        kind="callback",
        ref=ref,
        body=cb_in.model_dump(mode="json"),
        now=now,
        make=make,
    )
    if not replayed and made:  # answered from what was written: no read after the commit
        return *made[-1], False
    return *_callback(session, callback_id), replayed


def purge_keys(*, session: Session, now: datetime) -> int:
    """Delete the keys older than ``KEEP_FOR`` (committed): how many."""
    begin_write(session)
    result = session.execute(
        sa.delete(RequestKey).where(col(RequestKey.created_at) < now - KEEP_FOR)
    )
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
