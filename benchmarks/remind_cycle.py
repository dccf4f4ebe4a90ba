"""One scheduler cycle on 50,000 open jobs, against the bare query of what it must look at.

Starts a private PostgreSQL 15 cluster on loopback (``--database-url`` for another database,
SQLite included), seeds N open jobs (no callback, default 50,000) over a few estates with
staff in every role, repair workers and rectifications in every state, deadlines spread from
two days before to nine days after the benchmark's moment (so about a tenth of the jobs is
due for a reminder and a fifth overdue, escalated once or twice), then times in the same run:
  * baseline - a bare SQL query of the rows the cycle must look at: the active jobs with no
               callback whose deadline is within the reminder horizon, and the rectifications
               still open or late (the columns the cycle reads, fetched into Python);
  * steady   - ``make_due`` when nothing new is due: a cycle right after the one that made
               everything (it must make nothing);
  * first    - the first ``make_due`` cycle, which makes the notifications (count and cost
               per notification; the notifications table is emptied between runs);
  * deliver  - ``deliver`` through the log channel of everything the first cycle made (the
               rows are queued again between runs).
Medians over --repeat runs after one warm-up (--repeat-slow for first and deliver), and the
ratio of each to the baseline. No figure is asserted; a steady cycle that makes anything, or
a delivery that does not send everything, stops the run.

    python benchmarks/remind_cycle.py [--jobs 50000] [--repeat 9] [--repeat-slow 3]
                                      [--database-url URL] [--profile]
    python benchmarks/remind_cycle.py --smoke     # 2,000 jobs, one run each
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("HUIFANG_ENVIRONMENT", "test")
os.environ.setdefault("HUIFANG_SECRET_KEY", "bench-secret-key-0123456789")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from service.channels import LogChannel  # noqa: E402
from service.config import Settings  # noqa: E402
from service.models import Estate, Job, Rectification, Staff  # noqa: E402
from service.usecases.notifications import deliver, make_due  # noqa: E402

AS_OF = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
ESTATES = 5
HORIZON = timedelta(hours=24)  # every estate keeps the default reminder_hours_before
WINDOWS = {"safety": 48, "leak": 72, "general": 168}
# Per estate: one manager, two supervisors, four leads (one reading English), six workers.
STAFF = [
    ("经理", "manager", 1),
    ("主管", "supervisor", 2),
    ("负责人", "lead", 4),
    ("师傅", "worker", 6),
]
RECT_SHARE = 0.01  # rectifications per open job, each on a job already called back

BASELINE_JOBS = """
SELECT j.id, j.estate_id, j.ref, j.unit, j.title, j.assigned_role, j.deadline
FROM jobs j
WHERE j.state = 'active' AND j.first_callback_at IS NULL AND j.deadline <= :horizon
"""
BASELINE_RECTS = """
SELECT r.id, r.job_id, r.state, r.problem, r.found_by, r.worker, r.notice_due_at,
       r.notified_at, r.fix_due_at, r.fixed_at
FROM rectifications r
WHERE r.notified_at IS NULL OR r.fixed_at IS NULL
   OR r.notified_at > r.notice_due_at OR r.fixed_at > r.fix_due_at
"""


def seed(engine: Engine, n_jobs: int, random_seed: int = 7) -> dict[str, int]:
    rng = random.Random(random_seed)
    staff_names: dict[int, dict[str, list[str]]] = {}
    with Session(engine) as session:
        for e in range(ESTATES):
            estate = Estate(code=f"E{e + 1:02d}", name=f"管理处{e + 1}", timezone="Asia/Shanghai")
            session.add(estate)
            session.flush()
            assert estate.id is not None
            names: dict[str, list[str]] = {}
            for stem, role, count in STAFF:
                for i in range(count):
                    name = f"{stem}{e + 1}-{i + 1}"
                    english = role == "lead" and i == 0
                    session.add(
                        Staff(
                            estate_id=estate.id,
                            name=name,
                            role=role,
                            language="en" if english else "zh_CN",
                        )
                    )
                    names.setdefault(role, []).append(name)
            staff_names[estate.id] = names
        session.commit()
    estate_ids = sorted(staff_names)
    span = (-48 * 3600, 216 * 3600)  # deadlines from 2 days before to 9 days after AS_OF
    jobs: list[dict[str, Any]] = []
    for n in range(n_jobs):
        category = rng.choices(("safety", "leak", "general"), (15, 25, 60))[0]
        deadline = AS_OF + timedelta(seconds=rng.uniform(*span))
        estate_id = rng.choice(estate_ids)
        jobs.append(
            {
                "ref": f"R-{n:07d}",
                "estate_id": estate_id,
                "unit": f"{n % 30 + 1}栋{n % 400 + 101}",
                "title": rng.choice(("厨房水管漏水", "走廊灯不亮", "门锁更换", "卫生间渗水")),
                "category": category,
                "worker": rng.choice(staff_names[estate_id]["worker"]),
                "completed_at": deadline - timedelta(hours=WINDOWS[category]),
                "deadline": deadline,
                "assigned_role": rng.choices(("manager", "supervisor", "lead"), (10, 30, 60))[0],
                "state": "active",
                "source": "bench",
                "first_callback_at": None,
                "created_at": AS_OF - timedelta(days=10),
                "updated_at": AS_OF - timedelta(days=10),
            }
        )
    # Rectifications sit on jobs already called back: open (a notice due), notified late,
    # fixed late, or verified in time (which the cycle must not look at).
    rects: list[dict[str, Any]] = []
    for n in range(max(1, int(n_jobs * RECT_SHARE))):
        estate_id = rng.choice(estate_ids)
        opened = AS_OF - timedelta(hours=rng.uniform(1, 200))
        job_ref = f"C-{n:07d}"
        jobs.append(
            {
                **jobs[n % n_jobs],
                "ref": job_ref,
                "estate_id": estate_id,
                "deadline": opened + timedelta(hours=1),
                "completed_at": opened - timedelta(hours=24),
                "first_callback_at": opened,
                "cb_lead": True,
            }
        )
        names = staff_names[estate_id]
        state = rng.choices(("open", "notified", "fixed", "verified"), (30, 20, 10, 40))[0]
        notice_due, fix_due = opened + timedelta(hours=24), opened + timedelta(hours=72)
        notified = fixed = verified = None
        if state != "open":
            notified = opened + timedelta(hours=rng.uniform(1, 30))
        if state in ("fixed", "verified"):
            fixed = opened + timedelta(hours=rng.uniform(2, 80))
        if state == "verified":
            notified, fixed = opened + timedelta(hours=2), opened + timedelta(hours=20)
            verified = opened + timedelta(hours=30)
        rects.append(
            {
                "job_ref": job_ref,
                "source": "problems",
                "problem": "仍渗水",
                # a lead found most; the resident some (their notice: the supervisors')
                "found_by": rng.choice(names["lead"]) if rng.random() < 0.9 else "住户",
                # most name a worker on the staff; some a worker without a record
                "worker": rng.choice(names["worker"]) if rng.random() < 0.8 else "外包师傅",
                "state": state,
                "opened_at": opened,
                "notice_due_at": notice_due,
                "notified_at": notified,
                "notified_via": "paper" if notified else None,
                "ack_nonce": f"b{n:012d}",
                "fix_due_at": fix_due,
                "fixed_at": fixed,
                "verified_at": verified,
                "verified_by": names["supervisor"][0] if verified else None,
                "created_at": opened,
            }
        )
    with engine.begin() as conn:
        table = Job.__table__  # type: ignore[attr-defined]
        for i in range(0, len(jobs), 5000):
            conn.execute(table.insert(), jobs[i : i + 5000])
        ids = dict(conn.execute(sa.select(table.c.ref, table.c.id)).all())
        for row in rects:
            row["job_id"] = ids[row.pop("job_ref")]
        conn.execute(Rectification.__table__.insert(), rects)  # type: ignore[attr-defined]
    analyze(engine)
    return {"jobs": n_jobs, "rectifications": len(rects)}


def analyze(engine: Engine, table: str = "") -> None:
    """Statistics and visibility map up to date, as autovacuum leaves a database."""
    with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
        else:
            conn.exec_driver_sql(f"ANALYZE {table}")


def empty_notifications(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("TRUNCATE notifications RESTART IDENTITY")
        else:
            conn.exec_driver_sql("DELETE FROM notifications")
    analyze(engine, "notifications")


def requeue(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE notifications SET status = 'queued', sent_at = NULL, attempts = 0, error = NULL"
        )
    analyze(engine, "notifications")


def timed(fn: Callable[[], Any], repeat: int, before: Callable[[], None] | None = None):
    """Median milliseconds of ``fn`` over ``repeat`` runs after one warm-up (``before`` runs
    untimed ahead of each), and the last result."""
    times: list[float] = []
    result = None
    for i in range(repeat + 1):
        if before:
            before()
        started = time.perf_counter()
        result = fn()
        if i:
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def profiled(label: str, fn: Callable[[], Any], before: Callable[[], None] | None) -> None:
    if before:
        before()
    profile = cProfile.Profile()
    profile.runcall(fn)
    print(f"\n--- profile: {label} ---")
    pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


def run(engine: Engine, args: argparse.Namespace) -> None:
    began = time.perf_counter()
    counts = seed(engine, args.jobs)
    print(
        f"[{engine.dialect.name}] seeded {counts['jobs']:,} open jobs over {ESTATES} estates, "
        f"{counts['rectifications']:,} rectifications in {time.perf_counter() - began:.1f} s"
    )
    settings = Settings(secret_key="bench-secret-key-0123456789")
    horizon = AS_OF + HORIZON

    def baseline() -> int:
        with engine.connect() as conn:
            jobs = conn.execute(sa.text(BASELINE_JOBS), {"horizon": horizon}).all()
            rects = conn.execute(sa.text(BASELINE_RECTS)).all()
        return len(jobs) + len(rects)

    def cycle() -> int:
        with Session(engine, expire_on_commit=False) as session:
            return len(make_due(session=session, settings=settings, as_of=AS_OF).made)

    def send_all() -> int:
        channels = {"log": LogChannel()}
        with Session(engine, expire_on_commit=False) as session:
            return deliver(session=session, channels=channels, now=AS_OF, batch=10**9).sent

    base_ms, looked_at = timed(baseline, args.repeat)
    first_ms, made = timed(cycle, args.repeat_slow, before=lambda: empty_notifications(engine))
    analyze(engine, "notifications")
    steady_ms, again = timed(cycle, args.repeat)
    if again:
        raise SystemExit(f"a steady cycle made {again} notifications; it must make none")
    deliver_ms, sent = timed(send_all, args.repeat_slow, before=lambda: requeue(engine))
    if sent != made:
        raise SystemExit(f"deliver sent {sent} of the {made} notifications made")
    if args.profile:
        profiled("first cycle", cycle, lambda: empty_notifications(engine))
        analyze(engine, "notifications")
        profiled("steady cycle", cycle, None)
        profiled("deliver", send_all, lambda: requeue(engine))

    print(
        f"[{engine.dialect.name}] {args.jobs:,} open jobs; the cycle looks at {looked_at:,} "
        f"rows; the first cycle makes {made:,} notifications"
    )
    rows = [
        ("baseline: bare query of the jobs and rectifications", base_ms, args.repeat),
        ("steady: make_due with nothing new (makes 0)", steady_ms, args.repeat),
        (f"first: make_due making {made:,}", first_ms, args.repeat_slow),
        (f"deliver: {sent:,} through the log channel", deliver_ms, args.repeat_slow),
    ]
    print(f"{'':54} {'ms':>10} {'x baseline':>11} {'runs':>5}")
    for label, ms, runs in rows:
        print(f"{label:54} {ms:10.1f} {ms / base_ms:10.2f}x {runs:5d}")
    if made:
        print(
            f"per notification: first cycle {first_ms * 1000 / made:.0f} us, "
            f"deliver {deliver_ms * 1000 / made:.0f} us"
        )
    print(
        f"steady / baseline = {steady_ms / base_ms:.2f}x"
        "  (goal: about 2x at 50,000 jobs on PostgreSQL)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=9, help="runs of baseline and steady")
    parser.add_argument("--repeat-slow", type=int, default=3, help="runs of first and deliver")
    parser.add_argument("--smoke", action="store_true", help="2,000 jobs, one run each")
    parser.add_argument(
        "--database-url", default=None, help="an empty database; default: a private PostgreSQL"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile each measured step")
    args = parser.parse_args()
    if args.smoke:
        args.jobs, args.repeat, args.repeat_slow = 2000, 1, 1
    logging.getLogger("huifang.notifications").setLevel(logging.WARNING)
    from tests.pg import bench_database

    with bench_database(args.database_url) as engine:
        run(engine, args)


if __name__ == "__main__":
    main()
