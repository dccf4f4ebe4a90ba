"""Evidence packs: one estate-month's callbacks as a ZIP an auditor can check with nothing else.

``huifang audit export --estate E --period YYYY-MM --out F.zip`` writes
- ``manifest.json``: the estate, the period, the chain and its head at export time, and the
  SHA-256 of every other file;
- ``audit.jsonl``: the estate's whole audit chain up to that head, one entry per line;
- ``ledger.csv``: the period's callback ledger (回访台帐);
- ``signatures.json`` and ``signatures/<id>.png``: the period's signatures with their strokes
  and answers; ``receipts/<id>.pdf``: their signed receipts.

``huifang audit verify --pack F.zip`` needs no database: it checks every file against the
manifest, walks the chain from its first entry to the head (``domain.evidence``) and hashes
every signature again against the entry recorded when it was taken. A head printed in a
published monthly report pins the pack.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from .. import domain as d
from ..domain import evidence as E
from ..models import AuditChainHead, AuditLog, Job, Signature, utcnow
from .audit import signature_answers
from .documents import receipt_pdf
from .ledger import LedgerQuery, ledger_rows
from .queries import estate_period, get_estate

FORMAT = "huifang-evidence-pack/1"


def _entry_line(row: AuditLog) -> bytes:
    return E.canonical(
        {
            "id": row.id,
            "chain": row.chain,
            "seq": row.seq,
            "at": E.moment_text(row.at),
            "actor": row.actor,
            "action": row.action,
            "entity": row.entity,
            "entity_id": row.entity_id,
            "detail": row.detail,
            "prev_hash": row.prev_hash,
            "hash": row.hash,
        }
    )


def export_pack(
    session: Session,
    *,
    estate_code: str,
    period: str,
    out: Path,
    ledger_csv: Callable[[list[dict[str, Any]]], bytes],
) -> dict[str, Any]:
    """Write the pack of one estate-month to ``out``; returns its manifest. ``ledger_csv``
    writes the ledger's rows as the office's CSV (the pages' export)."""
    estate = get_estate(session, estate_code)
    month = d.Period.parse(period)
    head = session.get(AuditChainHead, estate.id)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, E.GENESIS)
    files: dict[str, bytes] = {}
    lines = []
    last = 0
    while last < head_seq:
        rows = session.exec(
            select(AuditLog)
            .where(AuditLog.chain == estate.id, col(AuditLog.seq) > last, AuditLog.seq <= head_seq)
            .order_by(col(AuditLog.seq))
            .limit(5000)
        ).all()
        if not rows:
            break
        lines += [_entry_line(row) for row in rows]
        last = rows[-1].seq
    files["audit.jsonl"] = b"".join(line + b"\n" for line in lines)
    rows, _total = ledger_rows(
        session=session, query=LedgerQuery(estates=[estate], period=month), limit=None
    )
    files["ledger.csv"] = ledger_csv(rows)
    signatures = session.exec(
        select(Signature)
        .join(Job, col(Job.id) == Signature.job_id)
        .where(estate_period(estate, month))
        .order_by(col(Signature.id))
    ).all()
    listed = []
    for sig in signatures:
        item: dict[str, Any] = {
            "id": sig.id,
            "job": sig.job.ref,
            "sha256": sig.sha256,
            "evidence_sha256": sig.evidence_sha256,
            "strokes": sig.strokes,
            "answers": signature_answers(sig),
            "png": None,
            "purged": sig.purged_at is not None,
            "receipt": f"receipts/{sig.id}.pdf",
        }
        if sig.png is not None:
            item["png"] = f"signatures/{sig.id}.png"
            files[item["png"]] = sig.png
        if sig.purged_at is None:  # a purged signature has no image left to print
            files[item["receipt"]] = receipt_pdf(session, sig)
        else:
            item["receipt"] = None
        listed.append(item)
    files["signatures.json"] = E.canonical(listed)
    manifest = {
        "format": FORMAT,
        "estate": estate.code,
        "estate_name": estate.name,
        "period": str(month),
        "created_at": E.moment_text(utcnow()),
        "chain": estate.id,
        "head": {"seq": head_seq, "hash": head_hash},
        "entries": len(lines),
        "signatures": len(listed),
        "files": {name: E.sha256_hex(data) for name, data in sorted(files.items())},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        pack.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        for name, data in sorted(files.items()):
            pack.writestr(name, data)
    partial.replace(out)  # a pack is whole or absent
    return manifest


@dataclass(slots=True)
class PackCheck:
    files: int = 0
    entries: int = 0
    signatures: int = 0
    purged: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.intact:
            purged = f"; {self.purged} purged" if self.purged else ""
            return (
                f"audit: {self.entries} entries, chain intact; {self.signatures} signatures"
                f" match{purged}; pack: {self.files} files match"
            )
        return f"audit: {self.entries} entries checked; {self.problems[0]}"


def _entry(raw: dict[str, Any]) -> E.Entry:
    at = datetime.strptime(raw["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return E.Entry(**{**raw, "at": at})


def verify_pack(path: Path) -> PackCheck:
    """Check a pack with nothing but the pack (see the module)."""
    report = PackCheck()
    try:
        pack = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        report.problems.append(f"{path} is not a readable evidence pack: {exc}")
        return report
    with pack:
        try:
            manifest = json.loads(pack.read("manifest.json"))
        except (KeyError, ValueError):
            report.problems.append("the pack has no readable manifest.json")
            return report
        if manifest.get("format") != FORMAT:
            report.problems.append(f"unknown pack format {manifest.get('format')!r}")
            return report
        listed: dict[str, str] = manifest.get("files", {})
        names = set(pack.namelist()) - {"manifest.json"}
        for extra in sorted(names - listed.keys()):
            report.problems.append(f"file {extra} is not in the manifest")
        for name, digest in listed.items():
            if name not in names:
                report.problems.append(f"file {name} is missing")
            elif E.sha256_hex(pack.read(name)) != digest:
                report.problems.append(f"file {name} does not match the manifest")
            else:
                report.files += 1
        if report.problems:
            return report
        chain, head = manifest["chain"], manifest["head"]
        entries = [_entry(json.loads(line)) for line in pack.read("audit.jsonl").splitlines()]
        recorded = {}
        purged: set[int] = set()
        for entry in entries:
            detail = entry.detail if isinstance(entry.detail, dict) else {}
            if entry.action == "privacy.purged":
                purged.update(detail.get("signatures", []))
            if entry.action in ("signature.recorded", "signature.refused"):
                recorded[detail.get("signature_id")] = (
                    detail.get("evidence_sha256"),
                    detail.get("sha256"),
                )
        count, broken = E.check_chain(chain, entries, E.Head(chain, head["seq"], head["hash"]))
        report.entries = count
        if broken is not None:
            report.problems.append(str(broken))
        for sig in json.loads(pack.read("signatures.json")):
            png = pack.read(sig["png"]) if sig.get("png") else None
            image = E.sha256_hex(png) if png is not None else None
            if sig["id"] not in recorded:
                report.problems.append(f"signature {sig['id']} has no audit entry")
                continue
            evidence, printed = recorded[sig["id"]]
            if sig.get("purged"):
                kept = sig["sha256"] == printed and evidence in (None, sig["evidence_sha256"])
                if sig["id"] in purged and kept:
                    report.purged += 1
                else:
                    report.problems.append(
                        f"signature {sig['id']} (job {sig['job']}) was emptied without a purge"
                        " in the audit log"
                    )
                continue
            if evidence is not None:
                again = E.signature_evidence(
                    png_sha256=image, strokes=sig["strokes"], answers=sig["answers"]
                )
                ok = again == evidence
            else:
                ok = image == printed
            if not ok:
                report.problems.append(
                    f"signature {sig['id']} (job {sig['job']}) does not match its audit entry:"
                    " its image, strokes or answers were changed"
                )
                continue
            report.signatures += 1
    return report
