"""The write-back through a long Odoo outage, and through the service's own database restarted
in the middle of it: when Odoo is back, what was queued reaches it in the order it was queued
(per Odoo request: its fields, notes and activities), each write once, and the fields Odoo
ends with are the latest ones, not an older set sent late.

The outage runs on a clock of the test's own (a pass a minute for hours), the stand-in Odoo
first dropping every connection, then answering reads but refusing writes with HTTP 503, as
an Odoo behind a proxy does while it is overloaded or being upgraded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import service.models  # noqa: F401  (every table, for the private database below)
from service.models import OdooOutbox
from service.odoo.gateway import Odoo
from service.odoo.mapping import MappingConfig
from service.odoo.outbox import OutboxConfig, deliver, plan
from service.odoo.sync import SyncConfig, Syncer
from tests.odoo.test_outbox import callback
from tests.pg import Cluster, own_estate_database
from tests.support.odoo_standin import OdooStandIn

#: The write-back's settings in ``huifang serve`` (back-off doubling from 30 s to an hour).
CONFIG = OutboxConfig(language="en")
PASS = timedelta(minutes=1)  # the sync interval
#: Where the add-on's writes go: the fields, and the formatted chatter notes.
WRITES = ("write", "callback_post_message")


class Clock:
    """The passes' time: a minute later at each pass, whatever the real time is."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at

    def tick(self) -> None:
        self.at += PASS


def _requests(odoo: OdooStandIn, syncer: Syncer, count: int) -> list[int]:
    ids = [
        odoo.create(
            "maintenance.request", {"name": f"水管漏水 {n}", "stage_id": odoo.stage_id("Repaired")}
        )
        for n in range(count)
    ]
    syncer.run()
    return ids


def _outbox(engine: Engine) -> list[OdooOutbox]:
    with Session(engine) as session:
        return list(session.exec(select(OdooOutbox).order_by(col(OdooOutbox.id))))


def _drain(engine: Engine, gateway: Odoo, clock: Clock, passes: int = 300) -> int:
    """Passes until nothing is pending; how many it took."""
    for done in range(1, passes + 1):
        deliver(engine=engine, gateway=gateway, config=CONFIG, now=clock)
        clock.tick()
        if not any(row.status == "pending" for row in _outbox(engine)):
            return done
    pending = [(r.id, r.key, r.next_attempt_at) for r in _outbox(engine) if r.status == "pending"]
    raise AssertionError(f"still pending after {passes} passes: {pending}")


def _check_in_order_once(engine: Engine, odoo: OdooStandIn, requests: list[int]) -> None:
    rows = _outbox(engine)
    assert {row.status for row in rows} <= {"sent", "superseded"}, [
        (r.key, r.status, r.last_error) for r in rows
    ]
    for rid in requests:
        mine = [row for row in rows if row.odoo_id == rid and row.status == "sent"]
        # what each write made in Odoo (a note, an activity) was made in the queue's order
        made = [row.result_id for row in mine if row.result_id is not None]
        assert made == sorted(made), (rid, [(r.id, r.key, r.result_id) for r in mine])
        # once each: one note per note queued, no marker twice
        notes = odoo.search_read(
            "mail.message",
            [("res_id", "=", rid), ("callback_marker", "!=", False)],
            ["callback_marker"],
        )
        assert sorted(n["callback_marker"] for n in notes) == sorted(
            f"huifang:{row.key}" for row in mine if row.kind == "message"
        )
        assert max(Counter(n["callback_marker"] for n in notes).values(), default=1) == 1
        # the fields Odoo ends with are the last ones queued
        last = max(
            (row for row in rows if row.odoo_id == rid and row.kind == "fields"), key=lambda r: r.id
        )
        assert last.status == "sent"
        (record,) = odoo.read("maintenance.request", [rid], list(last.payload["values"]))
        for name, value in last.payload["values"].items():
            shown = record[name][0] if isinstance(record[name], list) else record[name]
            assert shown == value, (rid, name, shown, value)


def test_writes_queued_through_a_long_odoo_outage_reach_it_in_order_once_each(
    odoo_addon, syncer_for, engine
):
    odoo, syncer = odoo_addon, syncer_for(odoo_addon)
    requests = _requests(odoo, syncer, 3)
    gateway, clock = syncer.gateway, Clock()
    for rid in requests:
        callback(engine, rid)
    assert plan(engine=engine, gateway=gateway, config=CONFIG) >= 6  # fields and a note each

    odoo.faults.down()  # Odoo gone: every connection dropped, for an hour of passes
    for _ in range(60):
        report = deliver(engine=engine, gateway=gateway, config=CONFIG, now=clock)
        assert report.sent == 0
        clock.tick()
    odoo.faults.clear()  # back for reads only: writes refused with 503, for two more hours
    for method in WRITES:
        odoo.faults.fail("http503", model="maintenance.request", method=method, times=None)
    for n, rid in enumerate(requests):  # more callbacks meanwhile: new fields and notes
        callback(engine, rid, satisfaction="unsatisfied" if n % 2 else "fairly_satisfied")
        plan(engine=engine, gateway=gateway, config=CONFIG)
        for _ in range(40):
            assert deliver(engine=engine, gateway=gateway, config=CONFIG, now=clock).sent == 0
            clock.tick()
    # three hours of an unreachable Odoo counted no attempt: no row nears max_attempts
    assert all(row.attempts == 0 for row in _outbox(engine))

    odoo.faults.clear()  # Odoo back
    _drain(engine, gateway, clock)
    _check_in_order_once(engine, odoo, requests)


# -- the service's database restarted in the middle of the drain ---------------------------
@pytest.fixture
def restartable() -> Iterator[tuple[Cluster, Engine]]:
    """A database on a cluster of this test's own, which it restarts."""
    with own_estate_database("outbox_outage") as database:
        yield database


def _restart_at(cluster: Cluster, clock: Clock, calls: int) -> Callable[[], datetime]:
    """The passes' clock, restarting the database once, at its ``calls``-th reading: between
    an Odoo write and the row marked sent (a clock reading precedes each)."""
    read = 0

    def now() -> datetime:
        nonlocal read
        read += 1
        if read == calls:
            cluster.halt()
            cluster.resume()
        return clock()

    return now


@pytest.mark.postgres
def test_a_database_restart_in_the_middle_of_the_drain_writes_nothing_twice(
    odoo_addon, gateway_for, restartable
):
    cluster, engine = restartable
    odoo = odoo_addon
    config = SyncConfig(lookback_seconds=0, mapping=MappingConfig(default_estate="YG"))
    syncer = Syncer(engine=engine, gateway=gateway_for(odoo), config=config)
    requests = _requests(odoo, syncer, 3)
    for rid in requests:
        callback(engine, rid)
    gateway, clock = syncer.gateway, Clock()
    queued = plan(engine=engine, gateway=gateway, config=CONFIG)
    odoo.faults.down()
    for _ in range(30):
        deliver(engine=engine, gateway=gateway, config=CONFIG, now=clock)
        clock.tick()
    odoo.faults.clear()
    clock.at += timedelta(hours=2)  # every row's back-off has run out

    # Odoo back; the database restarts after the third row's write reached Odoo, before
    # that row is marked sent: the pass fails, the row stays claimed
    with pytest.raises(sa.exc.OperationalError):
        deliver(
            engine=engine,
            gateway=gateway,
            config=CONFIG,
            now=_restart_at(cluster, clock, 6),
        )
    sent = [row for row in _outbox(engine) if row.status == "sent"]
    assert len(sent) == 2 and queued > 3
    _drain(engine, gateway, clock)  # the same engine: its pool finds fresh connections
    _check_in_order_once(engine, odoo, requests)
