"""Storing one page of Odoo requests (``Syncer.store``), in the page's transaction.

What the service knows of the page's requests is read in one query (plain rows, no ORM
objects); a record whose fingerprint is the stored one costs that look-up and its hash, and
nothing else. Of the others, each is mapped (``mapping.map_request``) and either lands or is
skipped alone. The jobs of new done requests are created together by ``usecases.create_jobs``
(bulk inserts, the same rules and audit entries as one by one) when the page ends; an existing
job goes through ``usecases.upsert_job`` or is retired here with its audit entry. The links
(``odoo_requests``) are written at the end too: the new ones in one bulk insert, the changed
ones in one ``executemany`` per set of columns.
"""

from __future__ import annotations

import hashlib
import json
import logging
import marshal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlmodel import Session, col, select

from service import domain as d
from service.db import begin_write
from service.models import Estate, Job, OdooRequestLink, utcnow
from service.odoo import cursor as cur
from service.odoo.mapping import (
    CompletionSource,
    MappedRequest,
    MappingConfig,
    RequestStatus,
    SkipRecord,
    Stage,
    job_ref,
    m2o,
    map_request,
)
from service.schemas import JobIn
from service.usecases import jobs as job_cases
from service.usecases.audit import audit
from service.usecases.bulk import among, write_rows

log = logging.getLogger(__name__)
ACTOR = "odoo-sync"
LINKS: sa.Table = OdooRequestLink.__table__  # type: ignore[attr-defined]
#: What a page needs to know of a request it has seen before.
_KNOWN = (
    LINKS.c.odoo_id,
    LINKS.c.job_id,
    LINKS.c.status,
    LINKS.c.fingerprint,
    LINKS.c.completed_at,
    LINKS.c.completion_source,
    LINKS.c.note,
)
#: A new link's columns, in the order of the bulk insert.
_NEW_LINK = {
    "job_id": None,
    "status": None,
    "stage": None,
    "write_date": None,
    "fingerprint": "",
    "completed_at": None,
    "completion_source": None,
    "worker_user_id": None,
    "team_id": None,
    "note": None,
    "written_hash": None,
    "synced_at": None,
}
# For what JSON-RPC cannot give (``fingerprint``'s fallback): the same text for the same value.
_FINGERPRINT = json.JSONEncoder(sort_keys=True, default=str, ensure_ascii=False)


def fingerprint(record: dict[str, Any]) -> str:
    """A record's content, as a digest: the same for the same fields and values, in whatever
    order Odoo lists them. ``marshal`` format 2 (no references to repeated objects: only the
    values count) of the sorted fields is twice as fast as their JSON text; a value it cannot
    write (none that JSON-RPC gives) falls back on that."""
    try:
        raw = marshal.dumps(sorted(record.items()), 2)
    except ValueError:
        raw = b"json:" + _FINGERPRINT.encode(record).encode()
    return hashlib.sha1(raw, usedforsecurity=False).hexdigest()


@dataclass(slots=True)
class SyncReport:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cancelled: int = 0
    archived: int = 0
    deleted: int = 0
    not_required: int = 0
    open: int = 0
    skipped: int = 0
    pages: int = 0
    seconds: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"read {self.read} in {self.pages} pages ({self.seconds:.1f}s): "
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.cancelled} cancelled, {self.archived} archived, {self.deleted} deleted, "
            f"{self.not_required} not required, {self.open} open, {self.skipped} skipped"
        )


def valid_id(value: Any) -> bool:
    """An Odoo record id as JSON-RPC gives one (an int, not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool)


class PageStore:
    """One page's storing: ``store(records)`` adds its counts to ``report``; nothing is
    committed."""

    def __init__(
        self,
        session: Session,
        report: SyncReport,
        *,
        stages: Mapping[int, Stage],
        mapping: MappingConfig,
        has_addon: bool,
        estates: Mapping[int, str],
    ) -> None:
        self.session = session
        self.report = report
        self.stages = stages
        self.mapping = mapping
        self.has_addon = has_addon
        self.odoo_estates = estates
        self.now = utcnow()
        self.jobs: dict[str, Job] = {}
        self.estates: set[str] = set()
        self.new_jobs: list[JobIn] = []
        self.new_refs: set[str] = set()
        self.new_links: list[dict[str, Any]] = []
        self.changed_links: list[dict[str, Any]] = []
        #: Links (new or changed) whose job is among ``new_jobs``: (link values, its ref).
        self.attach: list[tuple[dict[str, Any], str]] = []

    def store(self, records: Sequence[dict[str, Any]]) -> None:
        session = self.session
        begin_write(session)
        ids = [r["id"] for r in records if valid_id(r.get("id"))]
        known: dict[int, Any] = {}
        if ids:
            query = sa.select(*_KNOWN).where(among(session, LINKS.c.odoo_id, ids))
            known = {row.odoo_id: row for row in session.execute(query)}
        todo: list[tuple[dict[str, Any], Any, str]] = []
        seen: set[int] = set()
        self.report.read += len(records)
        for record in records:
            rid = record.get("id")
            row = None
            if valid_id(rid):
                if rid in seen:
                    self._skipped(f"request {rid}: read twice in one page", None)
                    continue
                seen.add(rid)
                row = known.get(rid)
            fp = fingerprint(record)
            if row is not None and row.fingerprint == fp:
                self.report.unchanged += 1
                continue
            todo.append((record, row, fp))
        if not todo:
            return
        refs = [job_ref(r["id"]) for r, _row, _fp in todo if valid_id(r.get("id"))]
        if refs:
            found = select(Job).where(among(session, col(Job.ref), refs))
            self.jobs = {j.ref: j for j in session.exec(found)}
        self.estates = set(session.exec(select(Estate.code)))
        for record, row, fp in todo:
            try:
                self._store_one(record, row, fp)
            except SkipRecord as exc:
                self._skip(record, row, str(exc))
        self._flush()

    # -- one record ---------------------------------------------------------------------
    def _store_one(self, record: dict[str, Any], row: Any, fp: str) -> None:
        known = None
        if row is not None and row.completed_at and row.status == RequestStatus.DONE:
            known = (row.completed_at, CompletionSource(row.completion_source or "write_date"))
        mapped = map_request(
            record,
            stages=self.stages,
            config=self.mapping,
            has_addon=self.has_addon,
            estates=self.odoo_estates,
            known_completion=known,
        )
        for note in mapped.notes:
            log.info("Odoo request %s: %s", mapped.odoo_id, note)
        worker = m2o(record.get("user_id"))
        team = m2o(record.get("maintenance_team_id"))
        values: dict[str, Any] = {
            "status": mapped.status.value,
            "stage": mapped.stage[:100],
            "write_date": mapped.write_date,
            "fingerprint": fp,
            "note": "; ".join(mapped.notes)[:1000] or None,
            "worker_user_id": worker[0] if worker else None,
            "team_id": team[0] if team else None,
            "synced_at": self.now,
        }
        job = self.jobs.get(mapped.ref)
        new_job = False
        if mapped.status is RequestStatus.DONE:
            job_in = _job_in(mapped)
            values["completed_at"] = job_in.completed_at
            values["completion_source"] = mapped.completion_source
            if job is None:
                self._add_job(job_in)
                new_job = True
            else:
                values["job_id"] = self._upsert(mapped, job_in).id
        else:
            self._retire(mapped, job)
            if job is not None:
                values["job_id"] = job.id
            if mapped.status is RequestStatus.OPEN:
                values["completed_at"] = None
                values["completion_source"] = None
        if row is None:
            values = {"odoo_id": mapped.odoo_id, **_NEW_LINK, **values}
            self.new_links.append(values)
        else:
            values["odoo_id"] = mapped.odoo_id
            self.changed_links.append(values)
        if new_job:
            self.attach.append((values, mapped.ref))

    def _add_job(self, job_in: JobIn) -> None:
        if job_in.estate not in self.estates:
            raise SkipRecord(
                f"{job_in.ref}: unknown estate {job_in.estate!r}: create it with "
                "PUT /api/v1/estates/{code}"
            )
        if job_in.ref in self.new_refs:
            raise SkipRecord(f"{job_in.ref}: read twice in one page")
        self.new_refs.add(job_in.ref)
        self.new_jobs.append(job_in)

    def _upsert(self, mapped: MappedRequest, job_in: JobIn) -> Job:
        session, report = self.session, self.report
        try:
            result = job_cases.upsert_job(
                session=session, job_in=job_in, actor=ACTOR, source="odoo", commit=False
            )
        except d.DomainError as exc:  # e.g. completed again after its callback: job kept
            raise SkipRecord(f"request {mapped.odoo_id}: {exc}") from None
        job = result.job
        reopened = job.state != "active"
        if reopened:
            job.state = "active"
            job.updated_at = utcnow()
            session.add(job)
        if result.created:
            report.created += 1
        elif result.changed or reopened:
            report.updated += 1
        else:
            report.unchanged += 1
        session.flush()
        return job

    def _retire(self, mapped: MappedRequest, job: Job | None) -> None:
        report, status = self.report, mapped.status
        if status is RequestStatus.OPEN:
            report.open += 1
        elif status is RequestStatus.NOT_REQUIRED:
            report.not_required += 1
        elif status is RequestStatus.ARCHIVED:
            report.archived += 1
        if job is None:
            return
        new_state = {
            RequestStatus.OPEN: "cancelled",
            RequestStatus.NOT_REQUIRED: "not_required",
            RequestStatus.ARCHIVED: "archived",
        }[status]
        if status is RequestStatus.OPEN and job.first_callback_at is not None:
            return  # its callback was made: nothing open to cancel
        if job.state != new_state:
            if status is RequestStatus.OPEN:
                report.cancelled += 1
            job.state = new_state
            job.updated_at = utcnow()
            self.session.add(job)
            audit(
                self.session,
                actor=ACTOR,
                action=f"job.{new_state}",
                entity="job",
                entity_id=job.ref,
                estate_id=job.estate_id,
                detail={"odoo_id": mapped.odoo_id, "stage": mapped.stage},
            )

    def _skipped(self, reason: str, row: Any) -> None:
        report = self.report
        report.skipped += 1
        if len(report.reasons) < 50:
            report.reasons.append(reason)
        # Said once as a warning; the same reason on every later retry is only debug noise.
        repeated = row is not None and row.status == "skipped" and row.note == reason[:1000]
        log.log(logging.DEBUG if repeated else logging.WARNING, "Odoo request skipped: %s", reason)

    def _skip(self, record: dict[str, Any], row: Any, reason: str) -> None:
        """Kept as ``skipped`` (its fingerprint emptied), so it is retried when seen again."""
        self._skipped(reason, row)
        rid = record.get("id")
        if not valid_id(rid):
            return
        values = {
            "odoo_id": rid,
            "fingerprint": "",
            "note": reason[:1000],
            "write_date": cur.second_of(record),
            "synced_at": self.now,
        }
        if row is None:
            self.new_links.append({**_NEW_LINK, **values, "status": "skipped"})
        else:
            values["status"] = "skipped" if row.job_id is None else row.status
            self.changed_links.append(values)

    # -- the page's writes --------------------------------------------------------------
    def _flush(self) -> None:
        session = self.session
        ids = job_cases.create_jobs(session=session, jobs=self.new_jobs, actor=ACTOR, source="odoo")
        self.report.created += len(ids)
        for values, ref in self.attach:
            values["job_id"] = ids[ref]
        write_rows(session, LINKS, self.new_links)
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for values in self.changed_links:
            groups.setdefault(tuple(values), []).append(values)
        for names, rows in groups.items():
            statement = (
                sa.update(LINKS)
                .where(LINKS.c.odoo_id == sa.bindparam("b_odoo_id"))
                .values({n: sa.bindparam(f"b_{n}") for n in names if n != "odoo_id"})
            )
            session.execute(statement, [{f"b_{n}": v[n] for n in names} for v in rows])


def _job_in(mapped: MappedRequest) -> JobIn:
    assert mapped.job is not None
    try:
        return JobIn.model_validate(mapped.job)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise SkipRecord(f"request {mapped.odoo_id}: {problems}") from None
