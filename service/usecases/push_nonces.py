"""Nonces of the Odoo add-on's pushes: each nonce is accepted once.

A push carries a timestamp and a random nonce under its signature. The service accepts a
timestamp at most ``MAX_SKEW`` (5 minutes) away from its own clock and records every nonce it
accepts (``PushNonce``, the nonce its primary key); a second push with a recorded nonce is a
replay. A push signed at T is accepted until T + 5 min and its nonce was recorded no earlier
than T - 5 min, so keeping nonces ``KEEP_FOR`` (10 minutes) keeps every one that could still
be replayed; older ones are deleted as later pushes come in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, col, delete

from ..db import begin_write
from ..models import PushNonce

MAX_SKEW = timedelta(minutes=5)
KEEP_FOR = 2 * MAX_SKEW


def use_push_nonce(*, session: Session, nonce: str, now: datetime) -> bool:
    """Record ``nonce`` as used at ``now`` (committed): True the first time, False when it was
    used before (a replay, refused even when two pushes with it race: the second insert
    fails). Then deletes the nonces older than ``KEEP_FOR``, as a chore that may fail."""
    begin_write(session)
    session.add(PushNonce(nonce=nonce, seen_at=now))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    try:
        begin_write(session)
        session.exec(  # type: ignore[call-overload]
            delete(PushNonce).where(col(PushNonce.seen_at) < now - KEEP_FOR)
        )
        session.commit()
    except DBAPIError:  # e.g. two pushes deleting the same rows at once: the next one will
        session.rollback()
    return True
