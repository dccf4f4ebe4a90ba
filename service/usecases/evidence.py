"""Checking the evidence: every audit chain walked from its first entry to its recorded head,
and every signature's image, strokes and answers hashed again and compared with what its audit
entry recorded when it was taken.

Anything edited, deleted or inserted behind the service's back (triggers dropped and put back,
a signature image swapped) shows as the first entry or signature that no longer matches.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..domain import evidence as E
from ..models import AuditChainHead, AuditLog, Job, Signature
from .audit import signature_evidence
from .queries import get_estate

BATCH = 20_000
SIGNATURE_ACTIONS = ("signature.recorded", "signature.refused")
LOG: sa.Table = AuditLog.__table__  # type: ignore[attr-defined]
# The columns an entry is made of, in ``E.Entry``'s field order: rows, not ORM objects (an
# ORM instance costs more than hashing its entry).
ENTRY_COLUMNS = [LOG.c[f.name] for f in dataclasses.fields(E.Entry)]


@dataclass(slots=True)
class Verification:
    entries: int = 0
    chains: int = 0
    signatures: int = 0
    purged: int = 0  # signatures emptied at the end of retention (their hashes checked)
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.intact:
            purged = f"; {self.purged} purged" if self.purged else ""
            return (
                f"audit: {self.entries} entries, chain intact; {self.signatures} signatures"
                f" match{purged}"
            )
        return f"audit: {self.entries} entries checked; {self.problems[0]}"


def _entries(
    session: Session, chain: int, recorded: dict[int, tuple[str | None, str | None]]
) -> Iterator[E.Entry]:
    """The chain's entries in ``seq`` order, a page at a time; the evidence of each signature
    entry is noted in ``recorded`` (signature id -> evidence hash, image hash)."""
    query = sa.select(*ENTRY_COLUMNS).where(LOG.c.chain == chain).order_by(LOG.c.seq).limit(BATCH)
    last = 0
    while True:
        rows = session.connection().execute(query.where(LOG.c.seq > last)).all()
        if not rows:
            return
        for row in rows:
            entry = E.Entry(*row)
            if entry.action in SIGNATURE_ACTIONS and isinstance(entry.detail, dict):
                sid = entry.detail.get("signature_id")
                if isinstance(sid, int):
                    recorded[sid] = (
                        entry.detail.get("evidence_sha256"),
                        entry.detail.get("sha256"),
                    )
            yield entry
        last = rows[-1].seq


def verify(session: Session, *, estate_code: str | None = None) -> Verification:
    """Walk the chains (one estate's, or all) and re-hash the signatures."""
    report = Verification()
    chains: set[int]
    if estate_code:
        chains = {get_estate(session, estate_code).id}  # type: ignore[arg-type]
    else:
        chains = set(session.exec(select(AuditLog.chain).distinct()).all())
        chains |= set(session.exec(select(AuditChainHead.chain)).all())
    heads = {h.chain: h for h in session.exec(select(AuditChainHead)).all()}
    # signature id -> (evidence hash, image hash) its entry carries
    recorded: dict[int, tuple[str | None, str | None]] = {}
    for chain in sorted(chains):
        head = heads.get(chain)
        stored = E.Head(head.chain, head.seq, head.hash) if head else None
        count, broken = E.check_chain(chain, _entries(session, chain, recorded), stored)
        report.entries += count
        report.chains += 1
        if broken is not None:
            report.problems.append(str(broken))
    purged = _purged(session, chains)
    report.signatures, report.purged, wrong = _signatures(session, recorded, purged, estate_code)
    report.problems += wrong
    return report


def _purged(session: Session, chains: set[int]) -> set[int]:
    """The signatures the (verified) chains record as purged at the end of retention."""
    found: set[int] = set()
    for detail in session.exec(
        select(AuditLog.detail).where(
            AuditLog.action == "privacy.purged", col(AuditLog.chain).in_(chains)
        )
    ).all():
        if isinstance(detail, dict):
            found.update(i for i in detail.get("signatures", []) if isinstance(i, int))
    return found


def _signatures(
    session: Session,
    recorded: dict[int, tuple[str | None, str | None]],
    purged: set[int],
    estate_code: str | None,
) -> tuple[int, int, list[str]]:
    query = select(Signature).order_by(col(Signature.id))
    if estate_code:
        estate = get_estate(session, estate_code)
        query = query.join(Job, col(Job.id) == Signature.job_id).where(Job.estate_id == estate.id)
    matched, emptied, problems = 0, 0, []
    for sig in session.exec(query).all():
        if sig.id not in recorded:
            problems.append(f"signature {sig.id} has no audit entry")
            continue
        evidence, image = recorded[sig.id]  # type: ignore[index]
        if sig.purged_at is not None:  # only its hashes are left: they must be the recorded ones
            kept = image == sig.sha256 and evidence in (None, sig.evidence_sha256)
            if sig.id in purged and kept:
                emptied += 1
            else:
                problems.append(
                    f"signature {sig.id} (job {sig.job.ref}) was emptied without a purge in"
                    " the audit log"
                )
            continue
        if evidence is not None:
            ok = signature_evidence(sig) == evidence == sig.evidence_sha256
        else:  # an entry from before the evidence hash: it carries the image's hash only
            ok = (E.sha256_hex(sig.png) if sig.png is not None else None) == image
        if not ok:
            problems.append(
                f"signature {sig.id} (job {sig.job.ref}) does not match its audit entry:"
                " its image, strokes or answers were changed"
            )
            continue
        matched += 1
    return matched, emptied, problems
