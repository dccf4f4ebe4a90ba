"""The background loops of ``huifang serve`` (the scheduler, the Odoo sync) through a restart
of their database: each says the database is unreachable, waits, and carries on by itself once
it is back: what is due afterwards is made and sent, what changed in Odoo is synced.

The database is on a cluster of the test's own (``tests.pg.own_database``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service.config import Settings
from service.models import Estate, Staff
from service.odoo.loop import run_rounds
from service.scheduler import run_loop
from service.schemas import JobIn
from service.usecases.jobs import upsert_job
from tests.cli.test_instances import _wait
from tests.odoo.conftest import API_KEY
from tests.pg import Cluster, own_estate_database
from tests.support.odoo_standin import OdooStandIn

pytestmark = pytest.mark.postgres


@pytest.fixture
def restartable() -> Iterator[tuple[Cluster, Engine]]:
    with own_estate_database("loops") as database:
        yield database


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


@contextmanager
def _running(target: Callable[..., None], **kwargs: object) -> Iterator[threading.Thread]:
    """``target`` running in a thread for the block, stopped (its ``stop`` set) after it."""
    stop = threading.Event()
    thread = threading.Thread(target=target, kwargs={**kwargs, "stop": stop}, daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(15)
    assert not thread.is_alive(), "the loop did not stop"


def test_the_scheduler_outlives_a_database_restart_and_carries_on(
    restartable: tuple[Cluster, Engine], caplog: pytest.LogCaptureFixture
):
    cluster, engine = restartable
    settings = Settings(remind_interval_seconds=5)
    with caplog.at_level(logging.INFO, logger="huifang.scheduler"):
        with _running(run_loop, engine=engine, settings=settings) as thread:
            with cluster.outage():
                assert _wait(lambda: "database is unreachable" in caplog.text, 30), caplog.text
                assert thread.is_alive()
            with Session(engine) as session:  # due in 12 hours: a reminder to the lead
                estate_id = session.exec(sa.select(Estate.id)).scalar_one()
                session.add(Staff(estate_id=estate_id, name="张伟", role="lead"))
                session.commit()
                done = datetime.now(UTC) - timedelta(days=6, hours=12)
                job = JobIn(ref="K-1", estate="YG", completed_at=done, category="general")
                upsert_job(session=session, job_in=job, actor="test")
            assert _wait(lambda: _count(engine, "notifications") == 1, 30), caplog.text
    assert "the database answers again" in caplog.text
    assert "Traceback" not in caplog.text  # an outage is one line, not a stack


def test_the_odoo_sync_outlives_a_database_restart_and_carries_on(
    restartable: tuple[Cluster, Engine], caplog: pytest.LogCaptureFixture
):
    cluster, engine = restartable
    with OdooStandIn(version="18.0") as odoo:
        repaired = odoo.stage_id("Repaired")
        odoo.create("maintenance.request", {"name": "水管 1", "stage_id": repaired})
        settings = Settings(
            odoo_url=odoo.url,
            odoo_db=odoo.db,
            odoo_user="admin",
            odoo_api_key=API_KEY,
            odoo_default_estate="YG",
            odoo_lookback_seconds=0,
            sync_interval_seconds=5,
        )
        with caplog.at_level(logging.INFO, logger="service.odoo.link"):
            with _running(run_rounds, engine=engine, settings=settings) as thread:
                assert _wait(lambda: _count(engine, "odoo_requests") == 1, 30), caplog.text
                with cluster.outage():
                    assert _wait(lambda: "database is unreachable" in caplog.text, 30)
                    assert thread.is_alive()
                    # changed in Odoo meanwhile: synced once the database is back
                    odoo.create("maintenance.request", {"name": "水管 2", "stage_id": repaired})
                assert _wait(lambda: _count(engine, "odoo_requests") == 2, 30), caplog.text
    assert "the database answers again" in caplog.text
    assert _count(engine, "jobs") == 2
