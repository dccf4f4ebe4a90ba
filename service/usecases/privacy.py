"""Residents' personal data kept no longer than needed (PIPL): after the retention period
(``HUIFANG_RETENTION_YEARS``, default 3) the resident's name and phone number, the signature
images and strokes and the signer's name of older repairs are removed.

What stays is what the evidence needs: each signature's SHA-256 and evidence hash, the answers,
and the audit chain, which never held the personal data itself (``audit.sealed``). Each purge
is an audit entry naming the jobs and signatures it emptied, so ``huifang audit verify`` tells
a purged signature from one emptied behind the service's back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from ..db import begin_write
from ..models import Estate, Job, ResidentLinkSend, Signature
from .audit import audit

#: Jobs per purge entry (a long purge is several entries).
CHUNK = 1000


@dataclass(slots=True)
class PurgeReport:
    before: datetime
    jobs: int = 0
    signatures: int = 0


def retention_cutoff(now: datetime, years: int) -> datetime:
    """The moment ``years`` calendar years before ``now`` (29 February becomes the 28th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def purge(*, session: Session, before: datetime, actor: str, now: datetime) -> PurgeReport:
    """Remove the personal data of the jobs completed before ``before``. Commits."""
    report = PurgeReport(before=before)
    estates = {e.id: e for e in session.exec(select(Estate)).all()}
    while True:
        begin_write(session)
        jobs = list(
            session.exec(
                select(Job)
                .where(col(Job.completed_at) < before, col(Job.purged_at).is_(None))
                .order_by(col(Job.estate_id), col(Job.id))
                .limit(CHUNK)
            ).all()
        )
        if not jobs:
            session.commit()
            return report
        by_estate: dict[int, list[Job]] = {}
        for job in jobs:
            by_estate.setdefault(job.estate_id, []).append(job)
        for estate_id, group in by_estate.items():
            ids = [job.id for job in group]
            signatures = list(
                session.exec(
                    select(Signature).where(
                        col(Signature.job_id).in_(ids), col(Signature.purged_at).is_(None)
                    )
                ).all()
            )
            for sig in signatures:
                sig.png, sig.strokes, sig.signer_name, sig.purged_at = None, None, None, now
                session.add(sig)
            for link in session.exec(
                select(ResidentLinkSend).where(col(ResidentLinkSend.job_id).in_(ids))
            ).all():
                link.address = link.address_masked
                session.add(link)
            for job in group:
                job.resident_name, job.resident_phone, job.purged_at = None, None, now
                session.add(job)
            audit(
                session,
                actor=actor,
                action="privacy.purged",
                entity="estate",
                entity_id=estates[estate_id].code,
                estate_id=estate_id,
                detail={
                    "before": before.isoformat(),
                    "jobs": [job.ref for job in group],
                    "signatures": sorted(sig.id for sig in signatures),  # type: ignore[type-var]
                },
                at=now,
            )
            report.jobs += len(group)
            report.signatures += len(signatures)
        session.commit()


def purge_due(*, session: Session, now: datetime, retention_years: int) -> PurgeReport | None:
    """The scheduler's part: purge what the retention period ended for (cheap when nothing
    is due: one indexed look)."""
    before = retention_cutoff(now, retention_years)
    due = session.exec(
        select(Job.id).where(col(Job.completed_at) < before, col(Job.purged_at).is_(None)).limit(1)
    ).first()
    session.commit()
    if due is None:
        return None
    return purge(session=session, before=before, actor="retention", now=now)
