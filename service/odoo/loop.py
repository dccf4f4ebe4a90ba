"""The background sync inside ``huifang serve``: a thread started and stopped with the app.

Each round is one ``link.sync_once``. The thread outlives every failing round: Odoo down or
refusing is logged and tried again next round, as ``link.run_sync_loop`` does; the service's
own database unreachable (restarted, failed over) is logged in one line and tried again
sooner, a few seconds doubling up to the interval (``db.OutageBackoff``), so the sync carries
on soon after the database is back, without a restart. A round cut short by an outage leaves
nothing half done that the next one does twice: the sync's cursor moves only with what it
stored, and the outbox rows claimed but not marked sent are sent again once their claim runs
out, finding their marker in Odoo (``odoo.outbox``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from service.config import Settings, get_settings
from service.db import OutageBackoff, error_summary, get_engine, unreachable
from service.odoo.errors import OdooConfigError, OdooError, OdooUnavailable
from service.odoo.link import SyncRunning, sync_once

log = logging.getLogger("service.odoo.link")


def run_rounds(
    *,
    engine: Engine,
    settings: Settings,
    stop: threading.Event,
    wake: threading.Event | None = None,
) -> None:
    """Sync every ``settings.sync_interval_seconds`` (or when ``wake`` is set) until ``stop``
    is set, whatever a round meets."""
    wake = wake or threading.Event()
    interval = settings.sync_interval_seconds
    outage = OutageBackoff(interval)
    while not stop.is_set():
        wait: float = interval
        try:
            report = sync_once(engine=engine, settings=settings)
            _back(outage)
            log.info("Odoo sync: %s", report.summary())
        except SyncRunning:
            _back(outage)
            log.info("Odoo sync: another instance is syncing; next try in %ss", interval)
        except OdooConfigError as exc:
            log.error("Odoo sync: %s", exc)
        except OdooUnavailable as exc:
            log.warning("Odoo sync: Odoo unreachable (%s); next try in %ss", exc, interval)
        except OdooError as exc:
            log.error("Odoo sync failed: %s", exc)
        except Exception as exc:  # the loop must outlive one bad round
            if not unreachable(exc):
                log.exception("Odoo sync failed")
            else:
                wait = outage.failed()
                log.warning(
                    "Odoo sync: the database is unreachable (%s); next try in %.0fs",
                    error_summary(exc),
                    wait,
                )
        wake.wait(wait)
        wake.clear()


def _back(outage: OutageBackoff) -> None:
    failed = outage.recovered()
    if failed:
        log.info(
            "Odoo sync: the database answers again, after %d rounds that could not reach it", failed
        )


class SyncLoop:
    def __init__(self) -> None:
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(
            target=run_rounds,
            kwargs={
                "engine": get_engine(),
                "settings": get_settings(),
                "stop": self.stop,
                "wake": self.wake,
            },
            name="odoo-sync",
            daemon=True,
        )
        self.thread.start()

    def close(self, timeout: float = 10.0) -> None:
        self.stop.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout)


def attach_sync_loop(app: FastAPI) -> SyncLoop:
    """Run the Odoo sync loop for the app's lifetime (``app.state.odoo_sync``)."""
    loop = SyncLoop()
    previous = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[object]:
        loop.start()
        try:
            async with previous(application) as state:
                yield state
        finally:
            loop.close()

    app.router.lifespan_context = lifespan
    app.state.odoo_sync = loop
    return loop
