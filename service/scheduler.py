"""The scheduler's cycle: make what is due, send it; every ``HUIFANG_REMIND_INTERVAL_SECONDS``
inside ``huifang serve`` (a thread started and stopped with the app), or once from
``huifang remind --once``.

Several processes may run it on one PostgreSQL database: each notification is made once per
key, ever (a unique key and person pair guards it), and claimed for sending with
``SKIP LOCKED``. Each cycle also
retries the residents' confirmation links that could not be sent at once
(``usecases.resident_links.retry_due``, claimed the same way), and draws the day's quota plan of
each estate at its first cycle after the estate's midnight (``usecases.planner``), removes
the residents' personal data whose retention period ended (``usecases.privacy``), and deletes
the idempotency keys older than 30 days (``usecases.request_keys``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session

from .channels import channels_for
from .channels.residents import ResidentLinkSender
from .config import Settings
from .db import OutageBackoff, error_summary, unreachable
from .usecases.notifications import CycleReport, DeliveryReport, deliver, make_due
from .usecases.planner import draw_due_plans
from .usecases.privacy import purge_due
from .usecases.request_keys import purge_keys
from .usecases.resident_links import retry_due

log = logging.getLogger("huifang.scheduler")
#: Notifications one cycle sends at most (the rest go in the next cycle).
DELIVER_BATCH = 5000


def run_cycle(
    engine: Engine, settings: Settings, as_of: datetime | None = None
) -> tuple[CycleReport, DeliveryReport]:
    """One cycle as of ``as_of`` (default now): make, then send; then retry the residents'
    links that are due again."""
    now = as_of or datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as session:
        made = make_due(session=session, settings=settings, as_of=now)
        # a catch-up after downtime goes out in this cycle, not 100 per interval
        sent = deliver(
            session=session, channels=channels_for(settings), now=now, batch=DELIVER_BATCH
        )
        links = retry_due(
            session=session, sender=ResidentLinkSender(settings), settings=settings, now=now
        )
        drawn = draw_due_plans(session=session, as_of=now)
        purged = purge_due(session=session, now=now, retention_years=settings.retention_years)
        keys = purge_keys(session=session, now=now)
    if keys:
        log.info("scheduler: %d idempotency keys older than 30 days deleted", keys)
    if purged is not None and purged.jobs:
        log.info(
            "scheduler: retention: %d jobs and %d signatures purged", purged.jobs, purged.signatures
        )
    if drawn:
        log.info("scheduler: today's quota plan drawn for %s", ", ".join(drawn))
    if links.sent or links.retried or links.failed:
        log.info(
            "scheduler: resident links %d sent, %d to retry, %d failed",
            links.sent,
            links.retried,
            links.failed,
        )
    return made, sent


def run_loop(
    engine: Engine,
    settings: Settings,
    stop: threading.Event,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Cycles until ``stop`` is set; a failing cycle is logged and tried again next time.

    The database unreachable (restarted, failed over) is logged in one line and tried again
    sooner than the interval (``db.OutageBackoff``), so the cycle carries on soon after the
    database is back. A cycle cut short leaves nothing to make twice: each notification is
    made once per key, and one claimed but not marked sent goes again under the same
    idempotency key."""
    interval = settings.remind_interval_seconds
    outage = OutageBackoff(interval)
    while not stop.is_set():
        wait: float = interval
        try:
            made, sent = run_cycle(engine, settings, clock())
            failed = outage.recovered()
            if failed:
                log.info("scheduler: the database answers again, after %d failed cycles", failed)
            if made.made or sent.sent or sent.failed:
                log.info(
                    "scheduler: %d made, %d sent, %d to retry, %d failed",
                    len(made.made),
                    sent.sent,
                    sent.retried,
                    sent.failed,
                )
        except Exception as exc:  # noqa: BLE001 - the loop must outlive one bad cycle
            if unreachable(exc):
                wait = outage.failed()
                log.warning(
                    "scheduler: the database is unreachable (%s); next cycle in %.0fs",
                    error_summary(exc),
                    wait,
                )
            else:
                log.exception("scheduler cycle failed; trying again next cycle")
        stop.wait(wait)


def attach_scheduler(app: FastAPI, engine: Engine, settings: Settings) -> threading.Event:
    """Run the scheduler for the app's lifetime; returns the event that stops it."""
    stop = threading.Event()
    previous = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[object]:
        thread = threading.Thread(
            target=run_loop, args=(engine, settings, stop), name="scheduler", daemon=True
        )
        thread.start()
        try:
            async with previous(application) as state:
                yield state
        finally:
            stop.set()
            thread.join(10)

    app.router.lifespan_context = lifespan
    return stop
