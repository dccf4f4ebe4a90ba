"""Incremental sync of Odoo repair requests into jobs.

One run reads the requests changed since the stored cursor (the first run: all of them, by
id, ``cursor.first_read``), page by page (one ``search_read`` with a field list per page, the
next pages fetched while the current ones are stored), maps each record
(``mapping.map_request``), upserts the job of every done request (``ref`` = ``odoo-<id>``),
and commits each run of pages (the next one, with those read ahead meanwhile, up to
``store_batch`` records) together with the cursor, so the cursor never moves past what is
committed and an error in the middle of a run leaves it where it was. A record that cannot
be used is skipped with a logged reason and kept as ``skipped`` so it is retried when it
changes (or by ``retry_skipped``).

Idempotent: a record whose content (fingerprint) is unchanged is not touched; an edited
request updates its job; a request moved back out of a done stage cancels its job's open
callback; an archived request marks its job ``archived``, a deleted one ``deleted``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from service.db import begin_write
from service.models import Job, OdooCursor, OdooRequestLink, utcnow
from service.odoo import cursor as cur
from service.odoo.gateway import ESTATE_MODEL, REQUEST_MODEL, OdooGateway
from service.odoo.mapping import MappingConfig, Stage
from service.odoo.page import ACTOR, PageStore, SyncReport, fingerprint, valid_id
from service.usecases.audit import audit

__all__ = ["ACTOR", "SyncConfig", "SyncReport", "Syncer", "fingerprint", "load_cursor"]

log = logging.getLogger(__name__)
CURSOR_NAME = REQUEST_MODEL


@dataclass(frozen=True, slots=True)
class SyncConfig:
    page_size: int = 500
    mapping: MappingConfig = field(default_factory=MappingConfig)
    #: Seconds re-read before the cursor at the start of a run (late commits in Odoo).
    lookback_seconds: int = 30
    #: Pages read ahead of the one being stored.
    prefetch_pages: int = 4
    #: At most this many records stored and committed together: the pages read ahead while
    #: the ones before were stored go in one transaction, up to this size (each transaction
    #: has a cost of its own: the look-ups, the locks, the bulk writes' starts, the commit).
    store_batch: int = 2000


Progress = Callable[[int, int | None], None]  # (records read so far, total or None)


def load_cursor(session: Session) -> cur.Cursor:
    row = session.get(OdooCursor, CURSOR_NAME)
    if row is None:
        return cur.Cursor()
    return cur.Cursor(row.second, row.last_id, row.in_second, by_id=row.by_id)


def save_cursor(session: Session, cursor: cur.Cursor) -> None:
    row = session.get(OdooCursor, CURSOR_NAME) or OdooCursor(name=CURSOR_NAME)
    row.second, row.last_id, row.in_second = cursor.second, cursor.last_id, cursor.in_second
    row.by_id = cursor.by_id
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
        """Pages from ``start``, one by one (``runs`` of one page each)."""
        for run in self.runs(start, records=0):
            yield from run

    def runs(self, start: cur.Cursor, records: int | None = None) -> Iterator[list[cur.Step]]:
        """Pages from ``start``, in runs: the next page read, and after it those already read
        ahead (never waited for) while the run holds at most ``records`` records
        (``store_batch`` by default; 0: a page a run). A reader thread fetches up to
        ``prefetch_pages`` pages ahead (a bounded queue) while the caller stores and
        commits; the cursor the caller saves is the one of the last page it committed, so
        reading ahead never moves it. An Odoo error reaches the caller after the pages read
        before it; when the caller stops (an error of its own, or done), the reader stops
        too before this returns."""
        size = self.config.page_size
        limit = self.config.store_batch if records is None else records
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
        held: BaseException | None = None
        try:
            while True:
                item = held or steps.get()
                if isinstance(item, BaseException):
                    raise item
                run, count = [item], len(item.records)
                # a page holds at most ``size`` records: taken only when it fits
                while not run[-1].finished and count + size <= limit:
                    try:
                        more = steps.get_nowait()
                    except queue.Empty:
                        break
                    if isinstance(more, BaseException):
                        held = more  # raised after this run is stored
                        break
                    run.append(more)
                    count += len(more.records)
                yield run
                if run[-1].finished:
                    return
        finally:
            stop.set()
            reader.join()

    # -- storing ------------------------------------------------------------------------
    def store(
        self, session: Session, records: Sequence[dict[str, Any]], report: SyncReport
    ) -> None:
        """Store one page, or a run of them (no commit): ``page.PageStore``. Each record
        either lands or is skipped alone."""
        if records:
            PageStore(
                session,
                report,
                stages=self.stages,
                mapping=self.config.mapping,
                has_addon=self.has_addon,
                estates=self.estates,
            ).store(records)

    # -- runs ---------------------------------------------------------------------------
    def run(self, *, progress: Progress | None = None) -> SyncReport:
        report = SyncReport()
        started = time.perf_counter()
        with Session(self.engine, expire_on_commit=False) as session:
            stored = load_cursor(session)
        if stored.second is None:  # the first read of all: by id (``cursor.first_read``)
            start = cur.first_read(self.newest_write())
        else:
            start = stored.rewound(self.config.lookback_seconds)
        total = None
        if progress is not None and (start.by_id or start.second is None):  # all, or the rest
            total = self.gateway.count_requests(cur.query(start)[0])
        for run in self.runs(start):
            report.pages += len(run)
            last = run[-1].cursor
            with Session(self.engine, expire_on_commit=False) as session:
                # what a run writes, Odoo holds: a run lost with its cursor is read again
                begin_write(session, durable=False)
                self.store(session, _latest(run), report)
                if _after(last, stored):
                    save_cursor(session, last)
                session.commit()
            if progress is not None:
                progress(report.read, total)
        report.deleted += self.mark_deleted()
        report.seconds = time.perf_counter() - started
        log.info("Odoo sync: %s", report.summary())
        return report

    def newest_write(self) -> datetime | None:
        """The second of the newest ``write_date`` in Odoo (``None``: no request yet)."""
        newest = self.gateway.search_read(
            REQUEST_MODEL, [], ["write_date"], limit=1, order="write_date desc, id desc"
        )
        return cur.second_of(newest[0]) if newest else None

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
        """Requests the service tracks that no longer exist in Odoo: mark their jobs.

        Odoo is first asked how many requests it holds: as many as the service tracks means
        none of them is gone (the tracked ones are requests Odoo had), and a pass costs one
        count, not every tracked id sent (5,000 a call). Fewer, or more (some not read yet),
        and the ids are checked. A deletion whose count a request created in the same
        moments made up for is found on the next pass, once that request is read."""
        links = OdooRequestLink.__table__  # type: ignore[attr-defined]
        with Session(self.engine) as session:  # plain rows: every request ever seen
            query = sa.select(links.c.odoo_id).where(links.c.status != "deleted")
            ids = list(session.execute(query).scalars())
        if not ids or self.gateway.count_requests() == len(ids):
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


def _latest(run: Sequence[cur.Step]) -> list[dict[str, Any]]:
    """The records of a run of pages, a request read again in a later page only as read
    last (written while the run was read, it came again with what it holds now)."""
    if len(run) == 1:
        return run[0].records
    later: set[int] = set()
    parts: list[list[dict[str, Any]]] = []
    for step in reversed(run):
        part = [r for r in step.records if not (valid_id(r.get("id")) and r["id"] in later)]
        later.update(r["id"] for r in part if valid_id(r.get("id")))
        parts.append(part)
    return [record for part in reversed(parts) for record in part]


def _after(new: cur.Cursor, old: cur.Cursor) -> bool:
    """Only ever move the stored cursor forward (a run starts a little before it; a first
    read by id goes on from it, every step forward)."""
    if old.second is None or old.by_id:
        return True
    if new.second is None:
        return False
    return (new.second, new.last_id) >= (old.second, old.last_id)
