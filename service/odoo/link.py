"""One pass of the Odoo link (sync, then write-back) and the loop that repeats it.

A pass runs under the database's ``odoo-sync`` lock (``usecases.locks``): of several instances
on one database, one syncs at a time; the others skip the pass (``SyncRunning``) and try again
at their next round, so when the one syncing dies another takes over.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace

from sqlalchemy.engine import Engine

from service.config import Settings
from service.odoo import outbox
from service.odoo.connect import connect
from service.odoo.errors import OdooConfigError, OdooError, OdooUnavailable
from service.odoo.gateway import Odoo
from service.odoo.settings import (
    connection_settings,
    outbox_config,
    sync_config,
)
from service.odoo.sync import Progress, Syncer, SyncReport
from service.usecases.locks import try_lock
from service.usecases.signin import SignInUnavailable

log = logging.getLogger(__name__)
#: The lock a sync pass holds on the database.
SYNC_LOCK = "odoo-sync"


class SyncRunning(Exception):
    """Another process (or thread) is in a sync pass on this database."""

    def __init__(self) -> None:
        super().__init__("another sync is running")


@dataclass(slots=True)
class PassReport:
    sync: SyncReport
    queued: int
    delivery: outbox.DeliveryReport

    def summary(self) -> str:
        dl = self.delivery
        return (
            f"{self.sync.summary()}; write-back: {self.queued} queued, {dl.sent} sent, "
            f"{dl.failed} to retry, {dl.dead} given up"
        )


def open_gateway(settings: Settings) -> Odoo:
    return connect(connection_settings(settings))


def verify_login(settings: Settings, login: str, password: str) -> int | None:
    """Odoo's own check of a staff member's Odoo login and password: the Odoo user id, or
    ``None`` when Odoo refuses them; ``SignInUnavailable`` when Odoo cannot say."""
    try:
        gateway = open_gateway(settings)
        try:
            return gateway.verify_login(login, password)
        finally:
            gateway.close()
    except OdooError as exc:  # unreachable, or the link itself is misconfigured
        raise SignInUnavailable(str(exc)) from exc


def sync_once(
    *,
    engine: Engine,
    settings: Settings,
    gateway: Odoo | None = None,
    progress: Progress | None = None,
) -> PassReport:
    """Read what changed in Odoo, store it, queue and send the write-back.

    Raises ``SyncRunning`` at once when another pass holds the database's sync lock,
    ``OdooConfigError`` for wrong settings and ``OdooUnavailable`` when Odoo cannot be reached
    (after retries); the outbox keeps what could not be sent."""
    with try_lock(engine, SYNC_LOCK) as mine:
        if not mine:
            raise SyncRunning
        own = gateway is None
        gw = gateway or open_gateway(settings)
        try:
            syncer = Syncer(engine=engine, gateway=gw, config=sync_config(settings))
            report = syncer.run(progress=progress)
            retried = syncer.retry_skipped()
            report.created += retried.created
            report.updated += retried.updated
            # a claimed row is left to its sender for three Odoo timeouts (see OutboxConfig)
            config = replace(outbox_config(settings, gw), claim_seconds=3 * settings.odoo_timeout)
            queued = outbox.plan(engine=engine, gateway=gw, config=config)
            delivery = outbox.deliver(engine=engine, gateway=gw, config=config)
            return PassReport(report, queued, delivery)
        finally:
            if own:
                gw.close()


def sync_ids(*, engine: Engine, settings: Settings, ids: list[int]) -> SyncReport:
    """Sync the given requests now (the add-on's push)."""
    gw = open_gateway(settings)
    try:
        syncer = Syncer(engine=engine, gateway=gw, config=sync_config(settings))
        return syncer.sync_ids(ids)
    finally:
        gw.close()


def run_sync_loop(
    *,
    engine: Engine,
    settings: Settings,
    stop: threading.Event,
    wake: threading.Event | None = None,
) -> None:
    """Repeat ``sync_once`` every ``settings.sync_interval_seconds`` until ``stop`` is set.

    Odoo being down is logged and retried next round; wrong settings are logged once a
    round too (an administrator may fix them without a restart of Odoo); a round that finds
    another instance syncing skips its pass."""
    wake = wake or threading.Event()
    interval = settings.sync_interval_seconds
    while not stop.is_set():
        try:
            log.info("Odoo sync: %s", sync_once(engine=engine, settings=settings).summary())
        except SyncRunning:
            log.info("Odoo sync: another instance is syncing; next try in %ss", interval)
        except OdooConfigError as exc:
            log.error("Odoo sync: %s", exc)
        except OdooUnavailable as exc:
            log.warning("Odoo sync: Odoo unreachable (%s); next try in %ss", exc, interval)
        except OdooError as exc:
            log.error("Odoo sync failed: %s", exc)
        except Exception:  # the loop must outlive one bad round
            log.exception("Odoo sync failed")
        wake.wait(interval)
        wake.clear()
