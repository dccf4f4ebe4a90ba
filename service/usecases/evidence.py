"""Checking the evidence: every audit chain walked from its first entry to its recorded head,
and every signature's image, strokes and answers hashed again and compared with what its audit
entry recorded when it was taken.

Anything edited, deleted or inserted behind the service's back (triggers dropped and put back,
a signature image swapped) shows as the first entry or signature that no longer matches.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from ..domain import evidence as E
from ..models import AuditChainHead, AuditLog, Job, Signature
from .audit import signature_evidence
from .queries import get_estate

BATCH = 5000


@dataclass(slots=True)
class Verification:
    entries: int = 0
    chains: int = 0
    signatures: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.intact:
            return (
                f"audit: {self.entries} entries, chain intact; {self.signatures} signatures match"
            )
        return f"audit: {self.entries} entries checked; {self.problems[0]}"


def _entries(session: Session, chain: int) -> Iterator[E.Entry]:
    last = 0
    while True:
        rows = session.exec(
            select(AuditLog)
            .where(AuditLog.chain == chain, col(AuditLog.seq) > last)
            .order_by(col(AuditLog.seq))
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            yield E.Entry(
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
        last = rows[-1].seq
        session.expunge_all()


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

        def watched(entries: Iterator[E.Entry]) -> Iterator[E.Entry]:
            for entry in entries:
                detail = entry.detail if isinstance(entry.detail, dict) else {}
                if entry.action in ("signature.recorded", "signature.refused"):
                    sid = detail.get("signature_id")
                    if isinstance(sid, int):
                        recorded[sid] = (detail.get("evidence_sha256"), detail.get("sha256"))
                yield entry

        count, broken = E.check_chain(chain, watched(_entries(session, chain)), stored)
        report.entries += count
        report.chains += 1
        if broken is not None:
            report.problems.append(str(broken))
    report.signatures, wrong = _signatures(session, recorded, estate_code)
    report.problems += wrong
    return report


def _signatures(
    session: Session,
    recorded: dict[int, tuple[str | None, str | None]],
    estate_code: str | None,
) -> tuple[int, list[str]]:
    query = select(Signature).order_by(col(Signature.id))
    if estate_code:
        estate = get_estate(session, estate_code)
        query = query.join(Job, col(Job.id) == Signature.job_id).where(Job.estate_id == estate.id)
    matched, problems = 0, []
    for sig in session.exec(query).all():
        if sig.id not in recorded:
            problems.append(f"signature {sig.id} has no audit entry")
            continue
        evidence, image = recorded[sig.id]  # type: ignore[index]
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
    return matched, problems
