"""The evidence chain's arithmetic: how an audit entry and a signature are hashed, and what a
chain must look like to be intact. Plain functions over plain data, shared by the service (its
database) and an auditor's offline check of an evidence pack.

Every audit entry belongs to one chain (its estate's; 0 for entries of no estate), has the next
``seq`` of that chain, the ``prev_hash`` of the entry before (``GENESIS`` for the first) and
its own ``hash``: SHA-256 over the previous hash and the entry's canonical JSON. Editing,
deleting or inserting an entry breaks the chain at that point; the chain's stored head (last
seq and hash) catches a removed tail.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64

# Built once (``json.dumps`` with these options builds one per call): the same bytes.
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


#: A string as ``canonical`` writes it (the encoder's own function for strings).
_text = json.encoder.encode_basestring  # type: ignore[attr-defined]


def canonical(value: Any) -> bytes:
    """One byte form for one value: sorted keys, no spaces, UTF-8."""
    return _ENCODER.encode(value).encode()


def json_roundtrip(value: Any) -> Any:
    """``value`` as it comes back from a JSON column (tuples become lists...)."""
    return None if value is None else json.loads(canonical(value))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def moment_text(moment: datetime) -> str:
    """A time as the chain hashes it: UTC, microseconds, ``Z``."""
    utc = moment.astimezone(UTC)
    if utc.year < 1000:  # strftime does not pad these years to four digits
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc.isoformat(timespec="microseconds")[:-6] + "Z"  # the same text, faster


@dataclass(frozen=True, slots=True)
class Entry:
    """An audit entry as the chain sees it."""

    id: int | None
    chain: int
    seq: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    detail: Any
    prev_hash: str
    hash: str

    def content(self) -> dict[str, Any]:
        return {
            "chain": self.chain,
            "seq": self.seq,
            "at": moment_text(self.at),
            "actor": self.actor,
            "action": self.action,
            "entity": self.entity,
            "entity_id": self.entity_id,
            "detail": self.detail,
        }


def entry_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    value = content if type(content) is dict else dict(content)
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(value)).hexdigest()


def entry_hash_of(
    prev_hash: str,
    *,
    chain: int,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    detail: bytes,
) -> str:
    """``entry_hash`` of the entry with these values, its detail given as ``canonical`` bytes:
    the same hash, the detail encoded once for the hash and for its column."""
    digest = entries_hasher(chain=chain, at=at, actor=actor, action=action, entity=entity)
    return digest(prev_hash, seq, entity_id, detail)


def entries_hasher(
    *, chain: int, at: datetime, actor: str, action: str, entity: str
) -> Callable[[str, int, str, bytes], str]:
    """``entry_hash_of`` for entries that share these values (one bulk creation's): a function
    of the previous hash, the seq, the entity id and the detail's ``canonical`` bytes. The text
    hashed is ``canonical``'s of ``Entry.content`` (its keys in sorted order), the shared part
    written once."""
    head = (
        f'\n{{"action":{_text(action)},"actor":{_text(actor)},'
        f'"at":{_text(moment_text(at))},"chain":{chain},"detail":'
    ).encode()
    middle = f',"entity":{_text(entity)},"entity_id":'.encode()
    sha256 = hashlib.sha256

    def digest(prev_hash: str, seq: int, entity_id: str, detail: bytes) -> str:
        tail = b',"seq":%d}' % seq
        text = prev_hash.encode() + head + detail + middle + _text(entity_id).encode() + tail
        return sha256(text).hexdigest()

    return digest


def signature_evidence(*, png_sha256: str | None, strokes: Any, answers: Mapping[str, Any]) -> str:
    """The hash of everything a signature says: its image (by its SHA-256), its strokes and
    the answers given with it."""
    return hashlib.sha256(
        canonical({"png_sha256": png_sha256, "strokes": strokes, "answers": dict(answers)})
    ).hexdigest()


@dataclass(frozen=True, slots=True)
class Head:
    chain: int
    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class Break:
    """Where a chain stops holding: the entry (or the place) and what is wrong there."""

    chain: int
    seq: int
    entry_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"entry {self.entry_id}" if self.entry_id is not None else "an entry"
        return f"chain {self.chain}: {where} (seq {self.seq}) {self.problem}"


def check_chain(
    chain: int, entries: Iterable[Entry], head: Head | None
) -> tuple[int, Break | None]:
    """Walk one chain in ``seq`` order: (entries seen, the first break or ``None``)."""
    prev, expected, count = GENESIS, 1, 0
    for entry in entries:
        count += 1
        if entry.seq > expected:
            return count, Break(chain, expected, None, f"is missing (next found: {entry.seq})")
        if entry.seq < expected:
            return count, Break(chain, entry.seq, entry.id, "repeats an earlier seq")
        if entry.prev_hash != prev:
            return count, Break(chain, entry.seq, entry.id, "does not follow the entry before")
        if entry_hash(prev, entry.content()) != entry.hash:
            return count, Break(chain, entry.seq, entry.id, "was changed after it was written")
        prev, expected = entry.hash, expected + 1
    if head is None:
        if count:
            return count, Break(chain, expected - 1, None, "has no recorded head")
        return count, None
    if head.seq != expected - 1 or head.hash != prev:
        return count, Break(
            chain,
            head.seq,
            None,
            f"is the recorded head, but the chain ends at seq {expected - 1}",
        )
    return count, None
