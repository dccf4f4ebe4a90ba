"""Benchmark: Odoo sync throughput against the bare batched transfer, in the same run.

    python benchmarks/sync.py [--requests 20000] [--page-size 500] [--naive-sample 300]

The stand-in Odoo runs in its own process (as a real server would) with N done requests.
When ``HUIFANG_BENCH_ODOO_URL``, ``_DB``, ``_USER``, ``_API_KEY`` name a real Odoo (use a
scratch database: N requests are created there once), the same figures are taken there too.

Figures, per server:
- bare: the batched ``search_read`` of the same fields, pages of ``--page-size`` by id;
- cursor read: the sync's own queries alone (``write_date`` order, one record more than a
  page to see what follows, inside crowded seconds by id), nothing stored: what the sync's
  read costs Odoo and the wire over the bare transfer;
- sync: a first full ``Syncer.run()`` into a fresh SQLite file (read, map, store, commit);
- naive: one ``read`` per record, measured on a sample and given as records/s.
The goal is sync <= 1.3 x bare.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import Session  # noqa: E402

from service.db import make_engine, migrate  # noqa: E402
from service.models import Estate  # noqa: E402
from service.odoo.connect import connect  # noqa: E402
from service.odoo.cursor import Cursor  # noqa: E402
from service.odoo.gateway import REQUEST_MODEL, Odoo  # noqa: E402
from service.odoo.mapping import MappingConfig  # noqa: E402
from service.odoo.sync import SyncConfig, Syncer  # noqa: E402
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


def _serve_standin(n: int, conn) -> None:  # child process
    from datetime import UTC, datetime, timedelta

    from tests.support.odoo_standin import OdooStandIn

    server = OdooStandIn(version="18.0")
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


def full_sync(gw: Odoo, page_size: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        migrate(engine)
        with Session(engine) as session:
            session.add(Estate(code="BENCH", name="Bench estate"))
            session.commit()
        config = SyncConfig(
            page_size=page_size, lookback_seconds=0, mapping=MappingConfig(default_estate="BENCH")
        )
        started = time.perf_counter()
        report = Syncer(engine=engine, gateway=gw, config=config).run()
        elapsed = time.perf_counter() - started
        engine.dispose()
    return elapsed, report.created


def cursor_read(gw: Odoo, page_size: int) -> tuple[float, int]:
    config = SyncConfig(page_size=page_size, lookback_seconds=0)
    syncer = Syncer(engine=None, gateway=gw, config=config)  # type: ignore[arg-type]
    started = time.perf_counter()
    rows = sum(len(step.records) for step in syncer.pages(Cursor()))
    return time.perf_counter() - started, rows


def naive_rate(gw: Odoo, sample: int) -> float:
    fields = gw.request_fields()
    ids = gw.call(REQUEST_MODEL, "search", domain=[], limit=sample, order="id asc")
    started = time.perf_counter()
    for rid in ids:
        gw.call(REQUEST_MODEL, "read", ids=[rid], fields=fields)
    return len(ids) / (time.perf_counter() - started)


def measure(label: str, gw: Odoo, n: int, page_size: int, repeats: int, sample: int) -> None:
    bares, reads, syncs = [], [], []
    for _ in range(repeats):
        t, rows = bare_transfer(gw, page_size)
        bares.append(t)
        r, _read = cursor_read(gw, page_size)
        reads.append(r)
        s, created = full_sync(gw, page_size)
        syncs.append(s)
    bare, read, sync = (statistics.median(x) for x in (bares, reads, syncs))
    naive = naive_rate(gw, sample)
    print(f"\n{label}: {rows} requests, pages of {page_size}, median of {repeats}")
    print(f"  bare batched search_read : {bare:6.2f} s  {rows / bare:8.0f} records/s")
    print(f"  the sync's queries alone : {read:6.2f} s  {rows / read:8.0f} records/s")
    print(f"  full sync (first run)    : {sync:6.2f} s  {created / sync:8.0f} records/s")
    print(f"  naive one read per record: {'':6}    {naive:8.0f} records/s (sample of {sample})")
    ratio, speedup = sync / bare, rows / bare / naive
    print(
        f"  sync / bare = {ratio:.2f}x (goal <= 1.3x); queries alone / bare = {read / bare:.2f}x;"
        f" bare / naive = {speedup:.0f}x"
    )


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--naive-sample", type=int, default=300)
    args = parser.parse_args()

    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(target=_serve_standin, args=(args.requests, child))
    proc.start()
    try:
        url = parent.recv()
        gw = connect(
            ConnectionSettings(url=url, db="odoo", user="admin", api_key="standin-api-key")
        )
        measure(
            "stand-in Odoo 18", gw, args.requests, args.page_size, args.repeats, args.naive_sample
        )
        gw.close()
    finally:
        parent.send("stop")
        proc.join(10)

    env = {k: os.environ.get(f"HUIFANG_BENCH_ODOO_{k}") for k in ("URL", "DB", "USER", "API_KEY")}
    if all(env.values()):
        gw = connect(
            ConnectionSettings(
                url=env["URL"] or "",
                db=env["DB"] or "",
                user=env["USER"] or "",
                api_key=env["API_KEY"] or "",
                timeout=300,
            )
        )
        seed_real(gw, args.requests)
        measure(
            f"real Odoo {gw.version.text} at {env['URL']} db={env['DB']}",
            gw,
            args.requests,
            args.page_size,
            args.repeats,
            args.naive_sample,
        )
    else:
        print("\n(real Odoo: set HUIFANG_BENCH_ODOO_URL, _DB, _USER, _API_KEY to measure one)")


if __name__ == "__main__":
    main()
