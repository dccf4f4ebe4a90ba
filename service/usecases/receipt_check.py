"""Receipts anyone can check: the code a signed receipt's QR code carries (``/v/<code>``) and
the check behind it.

A code names one signature: its id, signed with the deployment's secret (HMAC-SHA256 cut to
128 bits), so it is short, cannot be guessed and cannot be altered into another signature's
code. Nothing is stored for it: the same signature always gets the same code.

The check hashes the stored signature again and compares it with what the signature's audit
entry recorded when it was taken: the image's SHA-256 (the hash the receipt printed) and the
evidence hash of image, strokes and answers. The entry itself cannot be changed without
breaking its estate's hash chain, so the check also looks at the entry where it sits: its own
hash, and its links to the entries on either side (or to the chain's head). Walking the whole
chain is ``huifang audit verify``'s work, too slow for a public page.

What the check hands back is what the receipt showed, with the resident's name and unit
masked and never the phone: the page is public.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, Signer
from itsdangerous.signer import SigningAlgorithm
from sqlmodel import Session, col, select

from .. import domain as d
from ..config import Settings
from ..domain import evidence as E
from ..models import AuditChainHead, AuditLog, Job, Signature
from .audit import signature_evidence

__all__ = [
    "ReceiptCheck",
    "check_receipt",
    "mask_name",
    "mask_unit",
    "receipt_check_url",
    "receipt_code",
]

SALT = "huifang.receipt"
SIGNATURE_ACTIONS = ("signature.recorded", "signature.refused")
MAX_CODE_CHARS = 64
_SIGNATURE_BYTES = 16


class _TruncatedHmacSha256(SigningAlgorithm):
    """HMAC-SHA256 cut to 128 bits: as strong as forgery resistance needs, and a short code."""

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.new(key, value, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def _signer(settings: Settings) -> Signer:
    return Signer(
        settings.secret_key,
        salt=SALT,
        key_derivation="hmac",
        digest_method=hashlib.sha256,
        algorithm=_TruncatedHmacSha256(),
    )


def receipt_code(settings: Settings, signature_id: int) -> str:
    """The code naming one signature: URL-safe, about 25 characters (``"42.<signature>"``)."""
    if signature_id < 1:
        raise ValueError("signature_id must be a stored signature's id")
    return _signer(settings).sign(str(signature_id)).decode("ascii")


def receipt_check_url(settings: Settings, signature_id: int) -> str:
    """The address a receipt's QR code carries: ``<public base url>/v/<code>``."""
    base = settings.public_base_url.rstrip("/")
    return f"{base}/v/{receipt_code(settings, signature_id)}"


def _unknown() -> d.NotFound:
    return d.NotFound(
        "no receipt has this code: scan the QR code on the receipt again, or type the whole"
        " address printed beside it",
        code="verify.unknown",
    )


def _signature_id(settings: Settings, code: str) -> int:
    if not code or len(code) > MAX_CODE_CHARS or not code.isascii():
        raise _unknown()
    try:
        value = _signer(settings).unsign(code.encode("ascii")).decode("ascii")
    except BadSignature:
        raise _unknown() from None
    if not value.isdigit():
        raise _unknown()
    return int(value)


# ---------------------------------------------------------------- masking


def mask_name(name: str | None) -> str:
    """``王*`` for 王秀英: the first character only (empty when there is no name)."""
    name = (name or "").strip()
    return f"{name[0]}*" if name else ""


def mask_unit(unit: str | None) -> str:
    """``3栋2****01`` for 3栋2单元1201: the first quarter and the last two characters kept
    (only the first one of a short unit)."""
    unit = (unit or "").strip()
    if len(unit) <= 4:
        return unit[:1] + "*" * (len(unit) - 1)
    head = -(-len(unit) // 4)
    return unit[:head] + "*" * (len(unit) - head - 2) + unit[-2:]


# ---------------------------------------------------------------- the check


@dataclass(frozen=True, slots=True)
class ReceiptCheck:
    """What a receipt showed, and whether the stored signature still says the same.

    Attributes:
        estate_name, job_ref: the receipt's header.
        signed_at: when the resident signed (or refused); ``timezone`` is the estate's.
        refused: the resident refused to sign (the receipt printed no image hash).
        printed_sha256: the image hash the receipt printed, as the audit entry recorded it
            (``None`` for a refusal, or when no entry recorded the signature).
        resident, unit: masked (``王*``, ``3栋2****01``).
        image_matches: the stored image still has the printed hash.
        evidence_matches: strokes and answers too (the evidence hash); ``None`` for an entry
            made before evidence hashes existed, which recorded the image's hash only.
        entry_sealed: the audit entry exists, is unchanged and still linked in its chain.
        purged: the image was deleted at the end of retention; its kept hashes are compared.
    """

    estate_name: str
    job_ref: str
    signed_at: datetime
    timezone: str
    refused: bool
    printed_sha256: str | None
    resident: str
    unit: str
    image_matches: bool
    evidence_matches: bool | None
    entry_sealed: bool
    purged: bool = False  # image, strokes and name deleted at the end of retention

    @property
    def matches(self) -> bool:
        """The signature matches the receipt: every check passed."""
        return self.image_matches and self.evidence_matches is not False and self.entry_sealed


def check_receipt(session: Session, settings: Settings, code: str) -> ReceiptCheck:
    """Check the signature a receipt code names against its audit entry.

    Raises:
        domain.NotFound: the code is unknown or altered, or its signature no longer exists.
    """
    signature = session.get(Signature, _signature_id(settings, code))
    if signature is None:
        raise _unknown()
    job = signature.job
    entry = _entry_of(session, signature, job)
    recorded: dict[str, Any] = (
        entry.detail if entry is not None and isinstance(entry.detail, dict) else {}
    )
    printed = recorded.get("sha256")
    purged = signature.purged_at is not None
    image = E.sha256_hex(signature.png) if signature.png is not None else None
    if purged:  # the image was deleted at the end of retention: its kept hash answers for it
        image = signature.sha256
    evidence = recorded.get("evidence_sha256")
    evidence_matches: bool | None
    if entry is None:
        evidence_matches = False
    elif evidence is None:  # an entry from before the evidence hash
        evidence_matches = None
    elif purged:
        evidence_matches = evidence == signature.evidence_sha256
    else:
        evidence_matches = signature_evidence(signature) == evidence == signature.evidence_sha256
    return ReceiptCheck(
        estate_name=job.estate.name,
        job_ref=job.ref,
        signed_at=signature.signed_at,
        timezone=job.estate.timezone,
        refused=signature.refused,
        printed_sha256=printed if isinstance(printed, str) else None,
        resident=mask_name(job.resident_name),
        unit=mask_unit(job.unit),
        image_matches=entry is not None and image == printed == signature.sha256,
        evidence_matches=evidence_matches,
        entry_sealed=entry is not None and _sealed(session, entry),
        purged=purged,
    )


def _entry_of(session: Session, signature: Signature, job: Job) -> AuditLog | None:
    """The audit entry written with the signature: the first one naming it, looked for in the
    job's estate's chain (then in every chain, for a job that has moved estate)."""
    query = (
        select(AuditLog)
        .where(
            AuditLog.entity == "job",
            AuditLog.entity_id == job.ref,
            col(AuditLog.action).in_(SIGNATURE_ACTIONS),
        )
        .order_by(col(AuditLog.chain), col(AuditLog.seq))
    )
    for candidates in (query.where(AuditLog.chain == job.estate_id), query):
        for row in session.exec(candidates).all():
            if isinstance(row.detail, dict) and row.detail.get("signature_id") == signature.id:
                return row
    return None


def _sealed(session: Session, row: AuditLog) -> bool:
    """The entry hashes to its stored hash, follows the entry before it and is followed by
    the entry after it (or is its chain's recorded head)."""
    entry = E.Entry(
        id=row.id,
        chain=row.chain,
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        entity=row.entity,
        entity_id=row.entity_id,
        detail=row.detail,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )
    if E.entry_hash(entry.prev_hash, entry.content()) != entry.hash:
        return False

    def at_seq(seq: int) -> AuditLog | None:
        return session.exec(
            select(AuditLog).where(AuditLog.chain == entry.chain, AuditLog.seq == seq)
        ).first()

    before = at_seq(entry.seq - 1) if entry.seq > 1 else None
    if entry.seq > 1 and (before is None or before.hash != entry.prev_hash):
        return False
    if entry.seq == 1 and entry.prev_hash != E.GENESIS:
        return False
    after = at_seq(entry.seq + 1)
    if after is not None:
        return after.prev_hash == entry.hash
    head = session.get(AuditChainHead, entry.chain)
    return head is not None and head.seq == entry.seq and head.hash == entry.hash
