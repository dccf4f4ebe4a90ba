"""Benchmark: Odoo sync throughput against the bare batched transfer, in the same run.

    python benchmarks/sync.py [--requests 20000] [--page-size 500] [--repeats 3]
        [--transport auto|jsonrpc|xmlrpc|json2] [--standin-version 18.0] [--addon]
        [--odoo-url [URL] [--odoo-db DB] [--odoo-user USER] [--odoo-api-key KEY]]
        [--no-standin] [--no-postgres] [--naive-sample 300]

The stand-in Odoo (``tests/support/odoo_standin``) runs in its own process, as a real server
would, with N done requests; it speaks JSON-RPC, XML-RPC and, when it plays Odoo 19
(``--standin-version 19.0``, the default with ``--transport json2``), JSON-2.

A real Odoo is measured too when ``--odoo-url`` is given: what the option leaves out (and the
URL itself when the option has no value) comes from the service's settings,
``HUIFANG_ODOO_URL``, ``_DB``, ``_USER``, ``_API_KEY`` and ``_TRANSPORT``. Use a scratch
database: N requests named ``bench-...`` are created there once.

``--transport``: ``jsonrpc`` and ``json2`` are the service's own transports (``auto``: JSON-2
from Odoo 19, JSON-RPC before); ``xmlrpc`` is a plain ``xmlrpc.client`` transport of this
benchmark (the service has none), for comparing the wire formats.

Figures, per server:
- bare: the batched ``search_read`` of the same fields, pages of ``--page-size`` by id;
- cursor read: the first sync's own queries alone (the newest ``write_date``, then by id, one
  record more than a page to see what follows), nothing stored: what the sync's
  read costs Odoo and the wire over the bare transfer;
- sync: a first full ``Syncer.run()`` into a fresh database (read, map, store, commit), on
  SQLite (a file) and on PostgreSQL (a private cluster, ``tests/pg.py``; ``--no-postgres``
  leaves it out);
- storing alone: the same pages read first, then stored and committed into a fresh database
  as the sync stores the pages it has read ahead (runs of up to ``store_batch`` records), with
  no read in between (what storing costs, apart from the transfer);
- naive: one ``read`` per record, measured on a sample and given as records/s;
- client CPU: this process's CPU per record during the bare transfer and the syncs (reading,
  mapping, storing; neither the database's nor Odoo's), which moves less with the machine's
  load than the times.
Goals: sync <= 3 x bare against the stand-in (which serves far faster than a real Odoo, so
storing shows), sync <= 1.3 x bare against a real Odoo. The load average is printed with the
figures: on a shared machine the ratios move with it.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
import xmlrpc.client
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from service.config import get_settings  # noqa: E402
from service.db import make_engine, migrate  # noqa: E402
from service.heap import settle  # noqa: E402
from service.models import Estate  # noqa: E402
from service.odoo.connect import connect, detect_version  # noqa: E402
from service.odoo.cursor import first_read  # noqa: E402
from service.odoo.errors import (  # noqa: E402
    OdooAuthError,
    OdooError,
    OdooUnavailable,
    call_error,
)
from service.odoo.gateway import REQUEST_MODEL, Odoo  # noqa: E402
from service.odoo.mapping import MappingConfig  # noqa: E402
from service.odoo.sync import SyncConfig, Syncer, SyncReport  # noqa: E402
from service.odoo.transport import ConnectionSettings  # noqa: E402

WORDS = [
    "厨房水管漏水",
    "电梯门感应器",
    "走廊灯不亮",
    "消防栓检查",
    "卫生间渗水",
    "门禁失灵",
    "墙面粉刷",
]
TRANSPORTS = ("auto", "jsonrpc", "xmlrpc", "json2")
ESTATE = "BENCH"


def _serve_standin(n: int, version: str, addon: bool, conn) -> None:  # child process
    from datetime import UTC, datetime, timedelta

    from tests.support.odoo_standin import OdooStandIn

    server = OdooStandIn(version=version, addon=addon)
    done = server.stage_id("Repaired")
    store = server.store
    start = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=2)
    with store.lock:
        for i in range(n):
            # Batches of 1,000 share a write_date, as one Odoo write would give them.
            moment = start + timedelta(seconds=i // 1000, microseconds=(i % 7) * 1000)
            store.insert(
                REQUEST_MODEL,
                {"name": f"{WORDS[i % len(WORDS)]} {i}", "stage_id": done, "company_id": 1},
                now=moment,
            )
    server.start()
    conn.send(server.url)
    conn.recv()  # until told to stop
    server.stop()


# -- XML-RPC, for comparison ---------------------------------------------------------------
class XmlRpcTransport:
    """Odoo's ``/xmlrpc/2`` endpoints through ``xmlrpc.client`` (the gateway's ``Transport``)."""

    name = "xmlrpc"

    def __init__(self, settings: ConnectionSettings) -> None:
        base = settings.url.rstrip("/")
        self._settings = settings
        self._common = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/2/common", allow_none=True)
        self._object = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/2/object", allow_none=True)
        self._uid: int | None = None

    def _rpc(self, fn: Callable[[], Any], model: str = "", method: str = "") -> Any:
        try:
            return fn()
        except xmlrpc.client.Fault as exc:
            text = str(exc.faultString)
            name = text.splitlines()[0].split(":")[0] if ":" in text else ""
            raise call_error(text, name=name, model=model, method=method) from None
        except (OSError, xmlrpc.client.ProtocolError) as exc:
            raise OdooUnavailable(f"Odoo at {self._settings.url}: {exc}") from exc

    def authenticate(self) -> int:
        s = self._settings
        uid = self._rpc(lambda: self._common.authenticate(s.db, s.user, s.api_key, {}))
        if not uid:
            raise OdooAuthError(f"Odoo refused user {s.user!r} on database {s.db!r}")
        self._uid = int(uid)
        return self._uid

    def verify_login(self, login: str, password: str) -> int | None:
        uid = self._rpc(lambda: self._common.authenticate(self._settings.db, login, password, {}))
        return int(uid) if uid else None

    def call(
        self,
        model: str,
        method: str,
        *,
        ids: Sequence[int] | None = None,
        kwargs: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
    ) -> Any:
        if self._uid is None:
            self.authenticate()
        s = self._settings
        args: list[Any] = [list(ids)] if ids is not None else []
        kw = {k: v for k, v in (kwargs or {}).items() if v is not None}
        if method == "create" and "vals_list" in kw:
            args.append(kw.pop("vals_list"))
        if context:
            kw["context"] = context
        return self._rpc(
            lambda: self._object.execute_kw(s.db, self._uid, s.api_key, model, method, args, kw),
            model,
            method,
        )

    def close(self) -> None:
        """One HTTP connection per call: nothing to release."""


def open_gateway(settings: ConnectionSettings, transport: str) -> Odoo:
    if transport != "xmlrpc":
        return connect(settings)
    return Odoo(XmlRpcTransport(settings), detect_version(settings.url, timeout=settings.timeout))


# -- databases -------------------------------------------------------------------------------
def _with_estate(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Estate(code=ESTATE, name="Bench estate"))
        session.commit()


@contextmanager
def sqlite_databases() -> Iterator[Callable[[], Any]]:
    """Each call: a fresh, migrated SQLite file (a context giving its engine)."""
    with tempfile.TemporaryDirectory() as tmp:
        count = 0

        @contextmanager
        def fresh() -> Iterator[Engine]:
            nonlocal count
            count += 1
            engine = make_engine(f"sqlite:///{tmp}/bench{count}.db")
            migrate(engine)
            _with_estate(engine)
            try:
                yield engine
            finally:
                engine.dispose()

        yield fresh


@contextmanager
def postgres_databases() -> Iterator[Callable[[], Any]]:
    """Each call: a fresh database on a private PostgreSQL cluster, copied from a migrated
    template (the copy is made before the clock starts)."""
    from tests.pg import start_cluster

    cluster = start_cluster()
    admin = make_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE bench_template"))
        template = make_engine(cluster.url("bench_template"))
        migrate(template)
        _with_estate(template)
        template.dispose()
        count = 0

        @contextmanager
        def fresh() -> Iterator[Engine]:
            nonlocal count
            count += 1
            name = f"bench{count}"
            with admin.connect() as conn:
                conn.execute(sa.text(f"CREATE DATABASE {name} TEMPLATE bench_template"))
            engine = make_engine(cluster.url(name))
            try:
                yield engine
            finally:
                engine.dispose()
                with admin.connect() as conn:
                    conn.execute(sa.text(f"DROP DATABASE {name}"))

        yield fresh
    finally:
        admin.dispose()
        cluster.stop()


# -- measurements ----------------------------------------------------------------------------
def bare_transfer(gw: Odoo, page_size: int) -> tuple[float, int]:
    fields = gw.request_fields()
    started = time.perf_counter()
    last, rows = 0, 0
    while True:
        page = gw.call(
            REQUEST_MODEL,
            "search_read",
            domain=[("id", ">", last)],
            fields=fields,
            order="id asc",
            limit=page_size,
        )
        if not page:
            break
        rows += len(page)
        last = page[-1]["id"]
    return time.perf_counter() - started, rows


def full_sync(gw: Odoo, page_size: int, database: Callable[[], Any]) -> tuple[float, float, int]:
    """(seconds, this process's CPU seconds, jobs created)."""
    with database() as engine:
        config = SyncConfig(
            page_size=page_size, lookback_seconds=0, mapping=MappingConfig(default_estate=ESTATE)
        )
        started, cpu = time.perf_counter(), time.process_time()
        report = Syncer(engine=engine, gateway=gw, config=config).run()
        return time.perf_counter() - started, time.process_time() - cpu, report.created


def read_pages(gw: Odoo, page_size: int) -> tuple[Syncer, list[list[dict[str, Any]]]]:
    """Every page a first sync reads, read before anything is stored (``storing_alone``)."""
    config = SyncConfig(
        page_size=page_size, lookback_seconds=0, mapping=MappingConfig(default_estate=ESTATE)
    )
    syncer = Syncer(engine=None, gateway=gw, config=config)  # type: ignore[arg-type]
    return syncer, [step.records for step in syncer.pages(first_read(syncer.newest_write()))]


def storing_alone(
    syncer: Syncer, pages: Sequence[Sequence[dict[str, Any]]], database: Callable[[], Any]
) -> tuple[float, float, int]:
    """The pages stored and committed into a fresh database as a sync stores them when it
    has read them ahead (in runs of up to ``store_batch`` records), with no read in between:
    (seconds, this process's CPU seconds, jobs created)."""
    runs: list[list[dict[str, Any]]] = []
    for page in pages:
        if runs and len(runs[-1]) + len(page) <= syncer.config.store_batch:
            runs[-1] = [*runs[-1], *page]
        else:
            runs.append(list(page))
    with database() as engine:
        syncer.engine = engine
        report = SyncReport()
        started, cpu = time.perf_counter(), time.process_time()
        for records in runs:
            with Session(engine, expire_on_commit=False) as session:
                syncer.store(session, records, report)
                session.commit()
        return time.perf_counter() - started, time.process_time() - cpu, report.created


def cursor_read(gw: Odoo, page_size: int) -> tuple[float, int]:
    config = SyncConfig(page_size=page_size, lookback_seconds=0)
    syncer = Syncer(engine=None, gateway=gw, config=config)  # type: ignore[arg-type]
    started = time.perf_counter()
    start = first_read(syncer.newest_write())  # as a first ``Syncer.run`` starts
    rows = sum(len(step.records) for step in syncer.pages(start))
    return time.perf_counter() - started, rows


def naive_rate(gw: Odoo, sample: int) -> float:
    fields = gw.request_fields()
    ids = gw.call(REQUEST_MODEL, "search", domain=[], limit=sample, order="id asc")
    started = time.perf_counter()
    for rid in ids:
        gw.call(REQUEST_MODEL, "read", ids=[rid], fields=fields)
    return len(ids) / (time.perf_counter() - started)


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def measure(
    label: str,
    gw: Odoo,
    args: argparse.Namespace,
    databases: dict[str, Callable[[], Any]],
    goal: float,
) -> None:
    page_size, repeats = args.page_size, args.repeats
    print(f"\n{label} over {gw.transport.name}, pages of {page_size}, median of {repeats}")
    print(f"  at the start: {load()}")
    bares: list[float] = []
    bare_cpus: list[float] = []
    reads: list[float] = []
    syncs: dict[str, list[float]] = {name: [] for name in databases}
    cpus: dict[str, list[float]] = {name: [] for name in databases}
    stores: dict[str, list[tuple[float, float]]] = {name: [] for name in databases}
    syncer, pages = read_pages(gw, page_size)
    created: dict[str, int] = {}
    rows = 0
    for _ in range(repeats):
        # interleaved, so a change of the machine's load touches every figure alike
        cpu = time.process_time()
        t, rows = bare_transfer(gw, page_size)
        bares.append(t)
        bare_cpus.append(time.process_time() - cpu)
        reads.append(cursor_read(gw, page_size)[0])
        for name, database in databases.items():
            s, cpu, created[name] = full_sync(gw, page_size, database)
            syncs[name].append(s)
            cpus[name].append(cpu)
            stored, stored_cpu, _ = storing_alone(syncer, pages, database)
            stores[name].append((stored, stored_cpu))
    bare, read = statistics.median(bares), statistics.median(reads)
    naive = naive_rate(gw, args.naive_sample)
    print(f"  bare batched search_read : {bare * 1000:8.0f} ms {rows / bare:8.0f} records/s")
    print(
        f"  the sync's queries alone : {read * 1000:8.0f} ms {rows / read:8.0f} records/s"
        f"  ({read / bare:.2f}x bare)"
    )
    for name, times in syncs.items():
        sync = statistics.median(times)
        print(
            f"  full sync, {name:10s}    : {sync * 1000:8.0f} ms {created[name] / sync:8.0f}"
            f" records/s  {sync / bare:.2f}x bare (goal <= {goal}x), {created[name]} jobs"
        )
    # CPU of this process (reading, mapping, storing; not the database's nor Odoo's): it
    # moves less with the machine's load than the times do.
    per_record = 1e6 / max(1, rows)
    for name, runs in stores.items():
        seconds = statistics.median(t for t, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(
            f"  storing alone, {name:10s}: {seconds * 1000:8.0f} ms  {seconds / bare:.2f}x bare,"
            f" {cpu * per_record:.1f} us/record of client CPU (the pages read first)"
        )
    for name, spent in {"bare": bare_cpus, **cpus}.items():
        cpu = statistics.median(spent) * per_record
        print(f"  client CPU, {name:10s}   : {cpu:8.1f} us/record")
    print(
        f"  naive one read per record: {'':8}    {naive:8.0f} records/s"
        f" (sample of {args.naive_sample})"
    )
    print(f"  bare / naive = {rows / bare / naive:.0f}x; at the end: {load()}")


def seed_real(gw: Odoo, n: int) -> None:
    have = gw.count_requests([("name", "like", "bench-")])
    if have >= n:
        return
    done = gw.search_read("maintenance.stage", [("done", "=", True)], ["id"], order="sequence")[0][
        "id"
    ]
    ctx = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}
    for start in range(have, n, 1000):
        vals = [
            {"name": f"bench-{WORDS[i % len(WORDS)]} {i}", "stage_id": done}
            for i in range(start, min(n, start + 1000))
        ]
        gw.call(REQUEST_MODEL, "create", vals_list=vals, context=ctx)
    print(f"seeded {n - have} requests in the real Odoo")


def standin(args: argparse.Namespace, databases: dict[str, Callable[[], Any]]) -> None:
    version = args.standin_version or ("19.0" if args.transport == "json2" else "18.0")
    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(
        target=_serve_standin, args=(args.requests, version, args.addon, child)
    )
    proc.start()
    try:
        url = parent.recv()
        settings = ConnectionSettings(
            url=url,
            db="odoo",
            user="admin",
            api_key="standin-api-key",
            transport="auto" if args.transport == "xmlrpc" else args.transport,
        )
        gw = open_gateway(settings, args.transport)
        addon = " with the add-on" if args.addon else ""
        label = f"stand-in Odoo {version}{addon}: {args.requests} requests"
        measure(label, gw, args, databases, goal=3.0)
        gw.close()
    finally:
        parent.send("stop")
        proc.join(10)


def real(args: argparse.Namespace, databases: dict[str, Callable[[], Any]]) -> None:
    settings = get_settings()
    transport = args.transport or settings.odoo_transport
    conn = ConnectionSettings(
        url=args.odoo_url or settings.odoo_url or "",
        db=args.odoo_db or settings.odoo_db or "",
        user=args.odoo_user or settings.odoo_user or "",
        api_key=args.odoo_api_key or settings.odoo_api_key or "",
        transport="auto" if transport == "xmlrpc" else transport,
        timeout=300,
    )
    gw = open_gateway(conn, transport)
    seed_real(gw, args.requests)
    label = f"real Odoo {gw.version.text} at {conn.url} db={conn.db}"
    measure(label, gw, args, databases, goal=1.3)
    gw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--naive-sample", type=int, default=300)
    parser.add_argument(
        "--transport",
        choices=TRANSPORTS,
        default=None,
        help="default: auto (for a real Odoo: HUIFANG_ODOO_TRANSPORT)",
    )
    parser.add_argument(
        "--standin-version", help="the Odoo the stand-in plays (18.0; 19.0 for json2)"
    )
    parser.add_argument("--addon", action="store_true", help="the stand-in has the add-on's fields")
    parser.add_argument("--no-standin", action="store_true", help="measure a real Odoo only")
    parser.add_argument("--no-postgres", action="store_true", help="sync into SQLite only")
    parser.add_argument(
        "--odoo-url",
        nargs="?",
        const="",
        default=None,
        help="measure this real Odoo too (no value: HUIFANG_ODOO_URL)",
    )
    parser.add_argument("--odoo-db", help="default: HUIFANG_ODOO_DB")
    parser.add_argument("--odoo-user", help="default: HUIFANG_ODOO_USER")
    parser.add_argument("--odoo-api-key", help="default: HUIFANG_ODOO_API_KEY")
    args = parser.parse_args()
    if args.transport == "json2" and args.standin_version and not args.no_standin:
        if int(args.standin_version.split(".")[0]) < 19:
            parser.error("the stand-in speaks JSON-2 only as Odoo 19 or later")

    with sqlite_databases() as sqlite, _postgres(args) as postgres:
        databases = {"SQLite": sqlite} | ({"PostgreSQL": postgres} if postgres else {})
        settle()  # as ``huifang sync`` does once it has started
        try:
            if not args.no_standin:
                standin(args, databases)
            if args.odoo_url is not None:
                real(args, databases)
            else:
                print("\n(real Odoo: give --odoo-url, or --odoo-url alone for HUIFANG_ODOO_URL)")
        except OdooError as exc:
            parser.exit(2, f"{parser.prog}: {exc}\n")


@contextmanager
def _postgres(args: argparse.Namespace) -> Iterator[Callable[[], Any] | None]:
    from tests.pg import find_pg_bin

    if args.no_postgres:
        yield None
    elif find_pg_bin() is None:
        print("(PostgreSQL left out: no initdb/pg_ctl found; set HUIFANG_PG_BIN)")
        yield None
    else:
        with postgres_databases() as fresh:
            yield fresh


if __name__ == "__main__":
    main()
