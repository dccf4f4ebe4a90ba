"""Dashboard page render against the compliance endpoint alone, same data, same run.

Builds one estate-month with 50,000 repair jobs (bulk-inserted rows: jobs, ~1.1 callbacks per
called-back job, rectifications; the kept callback counts filled from them and checked against
the raw rows), signs in as the estate's manager, then times ``GET /dashboard`` and
``GET /api/v1/compliance`` alternately through the ASGI app and prints
both medians and their ratio, on a fresh SQLite file and on a private PostgreSQL cluster
(``--only`` one of them; ``--database-url`` an empty PostgreSQL database instead).

    python benchmarks/dashboard.py [--jobs 50000] [--rounds 7] [--only sqlite|postgresql]
                                   [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the service and the test cluster helper of this tree
os.environ.setdefault("HUIFANG_ENVIRONMENT", "test")
os.environ.setdefault("HUIFANG_ADMIN_API_KEY", "bench-admin-key")
os.environ.setdefault("HUIFANG_SECRET_KEY", "bench-secret-key-0123456789")

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from service.app import create_app  # noqa: E402
from service.db import get_session, make_engine, migrate  # noqa: E402
from service.domain import Period  # noqa: E402
from service.http.deps import get_now  # noqa: E402
from service.models import Callback, Estate, Job, Rectification, Staff  # noqa: E402
from service.usecases import tallies  # noqa: E402
from service.usecases.dashboard import LIST_LIMIT  # noqa: E402
from service.usecases.dashboard_tables import callback_groups, tallied_groups  # noqa: E402
from service.usecases.queries import estate_period, more_hours_apart  # noqa: E402
from service.usecases.signin import hash_password  # noqa: E402

NOW = datetime(2026, 5, 28, 4, 0, tzinfo=UTC)  # late in May, Shanghai time
PERIOD = "2026-05"
WINDOWS = {"safety": 48, "leak": 72, "general": 168}
STAFF = [("经理甲", "manager"), ("主管乙", "supervisor"), ("主管丙", "supervisor")] + [
    (f"负责人{i}", "lead") for i in range(6)
]


def build(engine, jobs: int, seed: int = 7) -> None:  # noqa: ANN001
    rng = random.Random(seed)
    with Session(engine) as session:
        estate = Estate(code="BIG", name="大型管理处", timezone="Asia/Shanghai")
        session.add(estate)
        session.commit()
        staff_ids = {}
        for name, role in STAFF:
            row = Staff(estate_id=estate.id, name=name, role=role)
            if role == "manager":
                row.login, row.password_hash = "big.manager", hash_password("bench")
            session.add(row)
            session.flush()
            staff_ids[name] = (row.id, role)
        session.commit()
        estate_id = estate.id
    start = datetime(2026, 4, 30, 16, 0, tzinfo=UTC)  # 1 May 00:00 in Shanghai
    span = (NOW - start).total_seconds()
    job_rows, cb_rows, rect_rows = [], [], []
    callback_id = 0
    for n in range(jobs):
        completed = start + timedelta(seconds=rng.uniform(0, span))
        category = rng.choice(["safety", "leak", "general", "general"])
        deadline = completed + timedelta(hours=WINDOWS[category])
        flags = {"manager": False, "supervisor": False, "lead": False}
        first = None
        answer = None  # the latest callback's satisfaction (by done_at, then id)
        latest = None
        job_id = n + 1
        worker = f"师傅{n % 20}"
        if rng.random() < 0.8:
            for _ in range(1 + (rng.random() < 0.1)):
                name, role = rng.choice(STAFF)
                done_at = completed + (deadline - completed) * rng.uniform(0.05, 1.3)
                if done_at > NOW:
                    continue
                callback_id += 1
                flags[role] = True
                first = done_at if first is None or done_at < first else first
                unhappy = rng.random() < 0.03
                satisfaction = (
                    "unsatisfied"
                    if unhappy
                    else rng.choice(["satisfied", "satisfied", "fairly_satisfied"])
                )
                if latest is None or done_at >= latest:
                    latest, answer = done_at, satisfaction
                # a few are entered a day or two after they were done (late entries)
                recorded = done_at + timedelta(hours=30 if rng.random() < 0.02 else 0.1)
                cb_rows.append(
                    {
                        "id": callback_id,
                        "job_id": job_id,
                        "staff_id": staff_ids[name][0],
                        "role": role,
                        "staff": name,
                        "channel": rng.choice(["on_site", "phone"]),
                        "done_at": done_at,
                        "inspected": False,
                        "charge_verified": True,
                        "satisfaction": satisfaction,
                        "problems": "返工" if unhappy else None,
                        "recorded_at": min(recorded, NOW),
                        "recorded_by": name,
                        "created_at": done_at,
                    }
                )
                if unhappy:
                    notice_due = done_at + timedelta(hours=24)
                    fix_due = done_at + timedelta(hours=72)
                    notified = done_at + timedelta(hours=rng.uniform(1, 30))
                    fixed = notified + timedelta(hours=rng.uniform(4, 60))
                    notified = notified if notified <= NOW and rng.random() < 0.9 else None
                    fixed = fixed if notified and fixed <= NOW and rng.random() < 0.7 else None
                    verified = fixed + timedelta(hours=2) if fixed and rng.random() < 0.5 else None
                    verified = verified if verified and verified <= NOW else None
                    state = (
                        "verified"
                        if verified
                        else "fixed"
                        if fixed
                        else "notified"
                        if notified
                        else "open"
                    )
                    rect_rows.append(
                        {
                            "job_id": job_id,
                            "callback_id": callback_id,
                            "source": "problems",
                            "problem": "返工",
                            "found_by": name,
                            "worker": worker,
                            "state": state,
                            "opened_at": done_at,
                            "notice_due_at": notice_due,
                            "notified_at": notified,
                            "notified_via": "paper" if notified else None,
                            "ack_nonce": f"b{len(rect_rows):011d}",
                            "fix_due_at": fix_due,
                            "fixed_at": fixed,
                            "verified_at": verified,
                            "verified_by": "主管乙" if verified else None,
                            "created_at": done_at,
                        }
                    )
        job_rows.append(
            {
                "id": job_id,
                "ref": f"BIG-{n:06d}",
                "estate_id": estate_id,
                "unit": f"{n % 30 + 1}栋{n % 400 + 101}",
                "title": "维修",
                "category": category,
                "worker": worker,
                "completed_at": completed,
                "deadline": deadline,
                "assigned_role": rng.choices(["manager", "supervisor", "lead"], [10, 30, 60])[0],
                "state": "active",
                "source": "bench",
                "first_callback_at": first,
                "cb_manager": flags["manager"],
                "cb_supervisor": flags["supervisor"],
                "cb_lead": flags["lead"],
                "answer": answer,
                "answer_source": "staff" if answer else None,
                "created_at": completed,
                "updated_at": completed,
            }
        )
    with engine.begin() as conn:
        for table, rows in (
            (Job.__table__, job_rows),
            (Callback.__table__, cb_rows),
            (Rectification.__table__, rect_rows),
        ):
            for i in range(0, len(rows), 5000):
                conn.execute(table.insert(), rows[i : i + 5000])
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("jobs", "callbacks", "rectifications"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
    # The kept counts of these callbacks, as the migration that adds them fills them for the
    # callbacks already stored (recording a callback keeps them up to date).
    began = time.perf_counter()
    with Session(engine) as session:
        tallies.fill(session)
        session.commit()
    print(f"kept counts filled in {time.perf_counter() - began:.1f} s")
    # Steady state, as autovacuum leaves a database (as benchmarks/compliance.py does):
    # statistics and the visibility map up to date on PostgreSQL, statistics on SQLite.
    with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    print(f"data: {len(job_rows)} jobs, {len(cb_rows)} callbacks, {len(rect_rows)} rectifications")


def check_kept_counts(engine: Engine) -> None:
    """The page's staff table and late entries, read from the kept counts, are what a pass
    over the raw callbacks gives (the figures the page showed before the counts were kept)."""
    with Session(engine) as session:
        estate = session.exec(select(Estate).where(Estate.code == "BIG")).one()
        period = Period.parse(PERIOD)
        in_period = estate_period(estate, period)
        late = more_hours_apart(
            col(Callback.done_at), col(Callback.recorded_at), int(estate.late_entry_hours)
        )
        raw = callback_groups(session, in_period, late, with_calls=False, limit=LIST_LIMIT)
        kept = tallied_groups(
            session, estate, period, in_period, with_calls=False, limit=LIST_LIMIT
        )
        assert tallies.is_current(session, estate) and kept == raw, "kept counts differ"


def timed(client: TestClient, url: str, **kw) -> float:  # noqa: ANN003
    began = time.perf_counter()
    response = client.get(url, **kw)
    elapsed = time.perf_counter() - began
    assert response.status_code == 200, response.text[:300]
    return elapsed


def measure(engine: Engine, jobs: int, rounds: int) -> None:
    """Build the estate-month on ``engine`` (migrated, empty) and time both paths on it."""
    began = time.perf_counter()
    build(engine, jobs)
    name = engine.dialect.name
    print(f"[{name}] built in {time.perf_counter() - began:.1f} s")
    check_kept_counts(engine)
    app = create_app()

    def _session():  # noqa: ANN202
        with Session(engine, expire_on_commit=False) as session:
            yield session

    app.dependency_overrides[get_session] = _session
    app.dependency_overrides[get_now] = lambda: NOW
    with TestClient(app) as client:
        login = client.post(
            "/login",
            data={"login": "big.manager", "password": "bench"},
            follow_redirects=False,
        )
        assert login.status_code == 303, login.text
        api = ("/api/v1/compliance", {"estate": "BIG", "period": PERIOD})
        auth = {"Authorization": f"Bearer {os.environ['HUIFANG_ADMIN_API_KEY']}"}
        page = ("/dashboard", {"estate": "BIG", "period": PERIOD})
        body = client.get(api[0], params=api[1], headers=auth).json()
        assert body["jobs"] == jobs, body["jobs"]
        timed(client, page[0], params=page[1])  # warm both paths once
        timed(client, api[0], params=api[1], headers=auth)
        page_times, api_times = [], []
        for _ in range(rounds):
            api_times.append(timed(client, api[0], params=api[1], headers=auth))
            page_times.append(timed(client, page[0], params=page[1]))
    page_ms = statistics.median(page_times) * 1000
    api_ms = statistics.median(api_times) * 1000
    print(f"[{name}] jobs in the estate-month: {body['jobs']}, rounds: {rounds}")
    print(f"[{name}] compliance endpoint (baseline): median {api_ms:8.1f} ms")
    print(f"[{name}] dashboard page:                 median {page_ms:8.1f} ms")
    print(f"[{name}] ratio dashboard / compliance:   {page_ms / api_ms:8.2f}x  (goal <= 3x)")
    print(f"[{name}] load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL: an empty database (default: a private cluster)",
    )
    args = parser.parse_args()
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
            migrate(engine)
            measure(engine, args.jobs, args.rounds)
            engine.dispose()
    if args.only in (None, "postgresql"):
        from tests.pg import bench_database

        with bench_database(args.database_url) as engine:
            measure(engine, args.jobs, args.rounds)


if __name__ == "__main__":
    main()
