"""The audit log: one entry per change a use case makes, in the same transaction, appended to
its estate's hash chain (``domain.evidence``).

Appending locks the chain's head row (on PostgreSQL ``SELECT ... FOR UPDATE``; SQLite has one
writer at a time anyway), so entries of one estate get consecutive ``seq`` numbers and each
carries the hash of the one before; writers of different estates never wait for each other.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from ..config import get_settings
from ..domain import evidence as E
from ..models import AuditChainHead, AuditLog, Signature, utcnow
from .bulk import JSONText, write_rows

HEADS: sa.Table = AuditChainHead.__table__  # type: ignore[attr-defined]
#: Residents' personal data never enters the chain as such: an entry keeps a keyed hash of it
#: (``hmac-sha256:...``), so purging the data later leaves every entry, and the chain, whole.
PERSONAL = frozenset({"resident_name", "resident_phone", "signer_name"})


def seal(value: Any) -> str | None:
    """A keyed hash of a personal value: the office can tell whether a value is the one that
    was recorded; nobody can read it back."""
    if value is None:
        return None
    key = get_settings().secret_key.encode()
    digest = hmac.new(key, E.canonical(value), hashlib.sha256).hexdigest()
    return f"hmac-sha256:{digest}"


def sealed(detail: dict[str, Any] | None) -> dict[str, Any] | None:
    """``detail`` with its personal values sealed (see ``PERSONAL``)."""
    if not detail:
        return detail
    get = detail.get
    # most entries: nothing to seal (checked without a loop: this runs for every job created)
    if (
        get("resident_name") is None
        and get("resident_phone") is None
        and get("signer_name") is None
    ):
        return detail
    return {k: seal(v) if k in PERSONAL else v for k, v in detail.items()}


def _lock_head(session: Session, chain: int) -> tuple[int, str]:
    """The chain's (last seq, last hash), its row locked until the transaction ends: one
    statement that creates the head when the chain is new and, when not, touches it (which
    takes the row lock on PostgreSQL; SQLite has one writer anyway)."""
    statement = _head_statement(session.get_bind().dialect.name)
    seq, last = session.execute(
        statement, {"chain": chain, "seq": 0, "hash": E.GENESIS, "updated_at": utcnow()}
    ).one()
    return seq, last


@lru_cache(maxsize=4)
def _head_statement(dialect: str) -> Any:
    """``_lock_head``'s statement for a dialect, built once (its values are bound per call)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(HEADS).values(
        chain=sa.bindparam("chain"),
        seq=sa.bindparam("seq"),
        hash=sa.bindparam("hash"),
        updated_at=sa.bindparam("updated_at"),
    )
    return statement.on_conflict_do_update(
        index_elements=["chain"], set_={"chain": statement.excluded.chain}
    ).returning(HEADS.c.seq, HEADS.c.hash)


def chained_rows(
    session: Session, chain: int, entries: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Give ``entries`` (dicts with at, actor, action, entity, entity_id, detail) their places
    at the end of ``chain`` and move its head: the rows to insert, in order."""
    seq, prev = _lock_head(session, chain)
    rows = []
    for values in entries:
        seq += 1
        digest = E.entry_hash_of(
            prev,
            chain=chain,
            seq=seq,
            at=values["at"],
            actor=values["actor"],
            action=values["action"],
            entity=values["entity"],
            entity_id=values["entity_id"],
            detail=E.canonical(values["detail"]),
        )
        rows.append({**values, "chain": chain, "seq": seq, "prev_hash": prev, "hash": digest})
        prev = digest
    _move_head(session, chain, seq, prev)
    return rows


class BulkEntries:
    """Entries that share their time, actor, action and entity (one bulk creation's), appended
    to ``chain`` in three steps: made, the chain's head is locked (its seq and hash read);
    ``add`` hashes entries, (entity id, the detail's ``domain.evidence.canonical`` bytes)
    each, with no database (the caller may run it while the database is busy with other
    rows); ``write`` moves the head and stores them with one bulk insert
    (``bulk.write_rows``). Each detail is encoded once by the caller, for its hash and as the
    column's text (``bulk.JSONText``); the shared values are given, and hashed, once."""

    def __init__(
        self, session: Session, chain: int, *, at: datetime, actor: str, action: str, entity: str
    ) -> None:
        self.session, self.chain = session, chain
        self.seq, self.prev = _lock_head(session, chain)
        self.digest = E.entries_hasher(
            chain=chain, at=at, actor=actor, action=action, entity=entity
        )
        self.shared = {"at": at, "actor": actor, "action": action, "entity": entity, "chain": chain}
        self.rows: list[dict[str, Any]] = []

    def add(self, entries: Sequence[tuple[str, bytes]]) -> None:
        seq, prev, digest, rows = self.seq, self.prev, self.digest, self.rows
        for entity_id, text in entries:
            seq += 1
            entry_hash = digest(prev, seq, entity_id, text)
            rows.append(
                {
                    "entity_id": entity_id,
                    "detail": JSONText(text.decode()),
                    "seq": seq,
                    "prev_hash": prev,
                    "hash": entry_hash,
                }
            )
            prev = entry_hash
        self.seq, self.prev = seq, prev

    def write(self) -> None:
        if not self.rows:
            return
        _move_head(self.session, self.chain, self.seq, self.prev)
        table = AuditLog.__table__  # type: ignore[attr-defined]
        write_rows(self.session, table, self.rows, same=self.shared)
        self.rows = []


def _move_head(session: Session, chain: int, seq: int, last: str) -> None:
    session.execute(
        sa.update(HEADS)
        .where(HEADS.c.chain == chain)
        .values(seq=seq, hash=last, updated_at=utcnow())
    )


def audit(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: Any,
    detail: dict[str, Any] | None = None,
    estate_id: int | None = None,
    at: datetime | None = None,
) -> AuditLog:
    """Append one entry to the chain of ``estate_id`` (0: no estate)."""
    values = {
        "at": at or utcnow(),
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        # stored as JSON and hashed as JSON: the same value on the way back
        "detail": E.json_roundtrip(sealed(detail)),
    }
    (row,) = chained_rows(session, estate_id or 0, [values])
    entry = AuditLog(**row)
    session.add(entry)
    return entry


def signature_answers(row: Signature) -> dict[str, Any]:
    """What a signature says besides its image and strokes (the callback it confirms may be
    set later, so it is not part of it)."""
    return {
        "job_id": row.job_id,
        "taken_on": row.taken_on,
        "signer_name": row.signer_name,
        "signed_at": E.moment_text(row.signed_at),
        "refused": row.refused,
        "refuse_reason": row.refuse_reason,
        "satisfaction": row.satisfaction,
        "comment": row.comment,
        "charge_disputed": row.charge_disputed,
        "charge_note": row.charge_note,
    }


def signature_evidence(row: Signature, png: bytes | None = None) -> str:
    """The evidence hash of a signature row (of ``png`` instead of its stored image, when
    given): what its audit entry carries."""
    image = png if png is not None else row.png
    png_sha = E.sha256_hex(image) if image is not None else None
    return E.signature_evidence(
        png_sha256=png_sha, strokes=row.strokes, answers=signature_answers(row)
    )
