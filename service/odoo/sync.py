"""Incremental sync of Odoo repair requests into jobs.

One run reads the requests changed since the stored cursor, page by page (one
``search_read`` with a field list per page, the next pages fetched while the current one is
stored), maps each record (``mapping.map_request``), upserts the job of every done request
(``ref`` = ``odoo-<id>``), and commits each page together with the cursor, so the cursor
never moves past what is committed and an error in the middle of a page leaves it where it
was. A record that cannot be used is skipped with a logged reason and kept as ``skipped``
so it is retried when it changes (or by ``retry_skipped``).

Idempotent: a record whose content (fingerprint) is unchanged is not touched; an edited
request updates its job; a request moved back out of a done stage cancels its job's open
callback; an archived request marks its job ``archived``, a deleted one ``deleted``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from service import domain as d
from service.db import begin_write
from service.models import Estate, Job, OdooCursor, OdooRequestLink, utcnow
from service.odoo import cursor as cur
from service.odoo.gateway import ESTATE_MODEL, REQUEST_MODEL, OdooGateway
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
from service.usecases.queries import insert_many

log = logging.getLogger(__name__)
ACTOR = "odoo-sync"
CURSOR_NAME = REQUEST_MODEL


@dataclass(frozen=True, slots=True)
class SyncConfig:
    page_size: int = 500
    mapping: MappingConfig = field(default_factory=MappingConfig)
    #: Seconds re-read before the cursor at the start of a run (late commits in Odoo).
    lookback_seconds: int = 30
    #: Pages read ahead of the one being stored.
    prefetch_pages: int = 2


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


Progress = Callable[[int, int | None], None]  # (records read so far, total or None)


def fingerprint(record: dict[str, Any]) -> str:
    raw = json.dumps(record, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()


def load_cursor(session: Session) -> cur.Cursor:
    row = session.get(OdooCursor, CURSOR_NAME)
    if row is None:
        return cur.Cursor()
    return cur.Cursor(row.second, row.last_id, row.in_second)


def save_cursor(session: Session, cursor: cur.Cursor) -> None:
    row = session.get(OdooCursor, CURSOR_NAME) or OdooCursor(name=CURSOR_NAME)
    row.second, row.last_id, row.in_second = cursor.second, cursor.last_id, cursor.in_second
    row.updated_at = utcnow()
    session.add(row)


def reset_cursor(engine: Engine) -> None:
    """Read everything again on the next run (re-seen records that did not change cost
    nothing)."""
    with Session(engine) as session:
        row = session.get(OdooCursor, CURSOR_NAME)
        if row is not None:
            session.delete(row)
            session.commit()


class Syncer:
    """Sync state for one run: Odoo's stages and estates, read once."""

    def __init__(self, *, engine: Engine, gateway: OdooGateway, config: SyncConfig) -> None:
        self.engine = engine
        self.gateway = gateway
        self.config = config
        self.has_addon = gateway.has_addon
        self.stages = self._stages()
        self.estates = self._estates()

    def _stages(self) -> dict[int, Stage]:
        rows = self.gateway.search_read("maintenance.stage", [], ["name", "done"])
        return {r["id"]: Stage(r["id"], r.get("name") or "", bool(r.get("done"))) for r in rows}

    def _estates(self) -> dict[int, str]:
        if not self.has_addon:
            return {}
        rows = self.gateway.search_read(ESTATE_MODEL, [], ["code"], context={"active_test": False})
        return {r["id"]: r["code"] for r in rows if r.get("code")}

    # -- reading ------------------------------------------------------------------------
    def pages(self, start: cur.Cursor) -> Iterator[cur.Step]:
        """Pages from ``start``. A reader thread fetches up to ``prefetch_pages`` pages ahead
        (a bounded queue) while the caller stores and commits; the cursor the caller saves
        is the one of the page it committed, so reading ahead never moves it. An Odoo error
        reaches the caller at the page where it happened; when the caller stops (an error
        of its own, or done), the reader stops too before this returns."""
        size = self.config.page_size
        steps: queue.Queue[cur.Step | BaseException] = queue.Queue(
            maxsize=max(1, self.config.prefetch_pages)
        )
        stop = threading.Event()

        def offer(item: cur.Step | BaseException) -> bool:
            while not stop.is_set():
                try:
                    steps.put(item, timeout=0.05)
                    return True
                except queue.Full:
                    continue
            return False

        def read() -> None:
            cursor = start
            try:
                while not stop.is_set():
                    domain, order = cur.query(cursor)
                    page = self.gateway.search_requests(
                        domain, limit=cur.fetch_limit(size), order=order
                    )
                    step = cur.advance(cursor, page, size)
                    if not offer(step) or step.finished:
                        return
                    cursor = step.cursor
            except BaseException as exc:  # handed to the caller, raised there
                offer(exc)

        reader = threading.Thread(target=read, name="odoo-read", daemon=True)
        reader.start()
        try:
            while True:
                item = steps.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
                if item.finished:
                    return
        finally:
            stop.set()
            reader.join()

    # -- storing ------------------------------------------------------------------------
    def store(
        self, session: Session, records: Sequence[dict[str, Any]], report: SyncReport
    ) -> None:
        """Store one page (no commit). Each record either lands or is skipped alone.

        New jobs are created together by ``usecases.create_jobs`` (bulk inserts, the same
        rules as one by one); every other change goes through ``usecases.upsert_job`` one
        record at a time."""
        if not records:
            return
        begin_write(session)
        ids = [r["id"] for r in records if isinstance(r.get("id"), int)]
        links = {
            link.odoo_id: link
            for link in session.exec(
                select(OdooRequestLink).where(col(OdooRequestLink.odoo_id).in_(ids))
            )
        }
        refs = [job_ref(i) for i in ids]
        jobs = {job.ref: job for job in session.exec(select(Job).where(col(Job.ref).in_(refs)))}
        writes = _PageWrites(estates=set(session.exec(select(Estate.code))))
        for record in records:
            report.read += 1
            rid = record.get("id")
            link = links.get(rid) if isinstance(rid, int) else None
            try:
                self._store_one(session, record, link, jobs, writes, report)
            except SkipRecord as exc:
                self._skip(session, record, link, str(exc), report)
        report.created += writes.flush(session)

    def _skip(
        self,
        session: Session,
        record: dict[str, Any],
        link: OdooRequestLink | None,
        reason: str,
        report: SyncReport,
    ) -> None:
        report.skipped += 1
        if len(report.reasons) < 50:
            report.reasons.append(reason)
        # Said once as a warning; the same reason on every later retry is only debug noise.
        repeated = link is not None and link.status == "skipped" and link.note == reason[:1000]
        log.log(logging.DEBUG if repeated else logging.WARNING, "Odoo request skipped: %s", reason)
        rid = record.get("id")
        if not isinstance(rid, int) or isinstance(rid, bool):
            return
        write_date = cur.second_of(record)
        if link is None:
            link = OdooRequestLink(
                odoo_id=rid, status="skipped", write_date=write_date, fingerprint=""
            )
        link.status = "skipped" if link.job_id is None else link.status
        link.fingerprint = ""  # retried when seen again
        link.note = reason[:1000]
        link.write_date = write_date
        link.synced_at = utcnow()
        session.add(link)

    def _store_one(
        self,
        session: Session,
        record: dict[str, Any],
        link: OdooRequestLink | None,
        jobs: dict[str, Job],
        writes: _PageWrites,
        report: SyncReport,
    ) -> None:
        fp = fingerprint(record)
        if link is not None and link.fingerprint == fp:
            report.unchanged += 1
            return
        known = None
        if link is not None and link.completed_at and link.status == RequestStatus.DONE:
            known = (link.completed_at, CompletionSource(link.completion_source or "write_date"))
        mapped = map_request(
            record,
            stages=self.stages,
            config=self.config.mapping,
            has_addon=self.has_addon,
            estates=self.estates,
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
            "synced_at": utcnow(),
        }
        job = jobs.get(mapped.ref)
        if mapped.status is RequestStatus.DONE:
            job_in = _job_in(mapped)
            values["completed_at"] = job_in.completed_at
            values["completion_source"] = mapped.completion_source
            if job is None:
                writes.add_job(job_in)
            else:
                values["job_id"] = self._upsert(session, mapped, job_in, job, report).id
        else:
            self._retire(session, mapped, job, report)
            if job is not None:
                values["job_id"] = job.id
            if mapped.status is RequestStatus.OPEN:
                values["completed_at"] = None
                values["completion_source"] = None
        if link is None:
            writes.add_link(mapped.odoo_id, mapped.ref, values)
        else:
            for name, value in values.items():
                setattr(link, name, value)
            if "job_id" not in values and mapped.status is RequestStatus.DONE:
                writes.attach(link, mapped.ref)
            session.add(link)

    def _upsert(
        self,
        session: Session,
        mapped: MappedRequest,
        job_in: JobIn,
        job: Job | None,
        report: SyncReport,
    ) -> Job:
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

    def _retire(
        self, session: Session, mapped: MappedRequest, job: Job | None, report: SyncReport
    ) -> None:
        status = mapped.status
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
            session.add(job)
            audit(
                session,
                actor=ACTOR,
                action=f"job.{new_state}",
                entity="job",
                entity_id=job.ref,
                estate_id=job.estate_id,
                detail={"odoo_id": mapped.odoo_id, "stage": mapped.stage},
            )

    # -- runs ---------------------------------------------------------------------------
    def run(self, *, progress: Progress | None = None) -> SyncReport:
        report = SyncReport()
        started = time.perf_counter()
        with Session(self.engine, expire_on_commit=False) as session:
            stored = load_cursor(session)
        start = stored.rewound(self.config.lookback_seconds)
        total = None
        if stored.second is None and progress is not None:
            total = self.gateway.count_requests()
        for step in self.pages(start):
            report.pages += 1
            with Session(self.engine, expire_on_commit=False) as session:
                self.store(session, step.records, report)
                if _after(step.cursor, stored):
                    save_cursor(session, step.cursor)
                session.commit()
            if progress is not None:
                progress(report.read, total)
        report.deleted += self.mark_deleted()
        report.seconds = time.perf_counter() - started
        log.info("Odoo sync: %s", report.summary())
        return report

    def sync_ids(self, ids: Sequence[int]) -> SyncReport:
        """Sync the given requests now (the add-on's push); the cursor does not move."""
        report = SyncReport()
        records = self.gateway.read_requests(list(ids))
        with Session(self.engine, expire_on_commit=False) as session:
            self.store(session, records, report)
            session.commit()
        missing = set(ids) - {r["id"] for r in records}
        if missing:
            report.deleted += self._mark_deleted(sorted(missing))
        return report

    def mark_deleted(self) -> int:
        """Requests the service tracks that no longer exist in Odoo: mark their jobs."""
        with Session(self.engine) as session:
            ids = list(
                session.exec(
                    select(OdooRequestLink.odoo_id).where(
                        col(OdooRequestLink.status).not_in(["deleted"])
                    )
                )
            )
        if not ids:
            return 0
        existing = self.gateway.existing_request_ids(ids)
        return self._mark_deleted([i for i in ids if i not in existing])

    def _mark_deleted(self, ids: Sequence[int]) -> int:
        count = 0
        with Session(self.engine) as session:
            for link in session.exec(
                select(OdooRequestLink).where(col(OdooRequestLink.odoo_id).in_(list(ids)))
            ):
                if link.status == "deleted":
                    continue
                link.status = "deleted"
                link.synced_at = utcnow()
                session.add(link)
                count += 1
                job = session.get(Job, link.job_id) if link.job_id else None
                if job is not None and job.state != "deleted":
                    job.state = "deleted"
                    job.updated_at = utcnow()
                    session.add(job)
                    audit(
                        session,
                        actor=ACTOR,
                        action="job.deleted",
                        entity="job",
                        entity_id=job.ref,
                        estate_id=job.estate_id,
                        detail={"odoo_id": link.odoo_id},
                    )
            session.commit()
        if count:
            log.info("Odoo sync: %d requests deleted in Odoo", count)
        return count

    def retry_skipped(self) -> SyncReport:
        """Read again the requests skipped earlier (e.g. before their estate existed)."""
        with Session(self.engine) as session:
            ids = list(
                session.exec(
                    select(OdooRequestLink.odoo_id).where(OdooRequestLink.status == "skipped")
                )
            )
        report = SyncReport()
        for start in range(0, len(ids), self.config.page_size):
            part = self.sync_ids(ids[start : start + self.config.page_size])
            for name in ("read", "created", "updated", "skipped", "deleted"):
                setattr(report, name, getattr(report, name) + getattr(part, name))
        return report


def _job_in(mapped: MappedRequest) -> JobIn:
    assert mapped.job is not None
    try:
        return JobIn.model_validate(mapped.job)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise SkipRecord(f"request {mapped.odoo_id}: {problems}") from None


class _PageWrites:
    """The new jobs and links of one page, written together at its end: the jobs by
    ``usecases.create_jobs``, the links by one bulk insert."""

    def __init__(self, estates: set[str]) -> None:
        self.estates = estates
        self.jobs: list[JobIn] = []
        self.refs: set[str] = set()
        self.links: list[dict[str, Any]] = []
        self.attach_refs: list[tuple[OdooRequestLink, str]] = []

    def add_job(self, job_in: JobIn) -> None:
        if job_in.estate not in self.estates:
            raise SkipRecord(
                f"{job_in.ref}: unknown estate {job_in.estate!r}: create it with "
                "PUT /api/v1/estates/{code}"
            )
        if job_in.ref in self.refs:
            raise SkipRecord(f"{job_in.ref}: read twice in one page")
        self.refs.add(job_in.ref)
        self.jobs.append(job_in)

    def add_link(self, odoo_id: int, ref: str, values: dict[str, Any]) -> None:
        self.links.append({"odoo_id": odoo_id, "_ref": ref, "written_hash": None, **values})

    def attach(self, link: OdooRequestLink, ref: str) -> None:
        self.attach_refs.append((link, ref))

    def flush(self, session: Session) -> int:
        """Write everything; return the number of jobs created."""
        ids = job_cases.create_jobs(session=session, jobs=self.jobs, actor=ACTOR, source="odoo")
        for link, ref in self.attach_refs:
            link.job_id = ids.get(ref, link.job_id)
            session.add(link)
        if self.links:
            rows = []
            for values in self.links:
                ref = values.pop("_ref")
                values.setdefault("job_id", None)
                values.setdefault("completed_at", None)
                values.setdefault("completion_source", None)
                if ref in ids:
                    values["job_id"] = ids[ref]
                rows.append(values)
            insert_many(session, OdooRequestLink.__table__, rows)  # type: ignore[attr-defined]
        return len(ids)


def _after(new: cur.Cursor, old: cur.Cursor) -> bool:
    """Only ever move the stored cursor forward (a run starts a little before it)."""
    if old.second is None:
        return True
    if new.second is None:
        return False
    return (new.second, new.last_id) >= (old.second, old.last_id)
