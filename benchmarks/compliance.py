"""Compliance query speed on 1,000,000 jobs, against a hand-written SQL aggregate.

Loads N jobs (default 1,000,000) with callbacks and rectifications into SQLite and into a
private PostgreSQL cluster, then for one estate-month times:
  * service   - the compliance endpoint's query (``service.usecases.compliance``), and
  * raw SQL   - a hand-written aggregate of the same figures straight from jobs + callbacks
                (no summary columns), written as an analyst would,
in the same run, and prints the ratio. Medians over --repeat runs after one warm-up.

    python benchmarks/compliance.py [--jobs 1000000] [--repeat 15] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.db import make_engine, migrate  # noqa: E402
from service.usecases.compliance import compliance  # noqa: E402

ESTATES = 10
MONTHS = 12
FIRST = datetime(2025, 6, 1, tzinfo=UTC)
AS_OF = datetime(2026, 6, 10, tzinfo=UTC)
TARGET = ("E03", "2026-02")  # the estate-month measured
ROLES = ("manager", "supervisor", "lead")
WINDOW = {"safety": 48, "leak": 72, "general": 168}

RAW_SQL = """
WITH period_jobs AS (
    SELECT j.id, j.deadline
    FROM jobs j JOIN estates e ON e.id = j.estate_id
    WHERE e.code = :code AND j.state = 'active'
      AND j.completed_at >= :start AND j.completed_at < :end
), per_job AS (
    SELECT p.id, p.deadline,
           MIN(c.done_at) AS first_done,
           MAX(CASE WHEN c.role = 'manager' THEN 1 ELSE 0 END) AS by_manager,
           MAX(CASE WHEN c.role = 'supervisor' THEN 1 ELSE 0 END) AS by_supervisor,
           MAX(CASE WHEN c.role = 'lead' THEN 1 ELSE 0 END) AS by_lead
    FROM period_jobs p LEFT JOIN callbacks c ON c.job_id = p.id
    GROUP BY p.id, p.deadline
)
SELECT COUNT(*),
       SUM(by_manager), SUM(by_supervisor), SUM(by_lead),
       COUNT(first_done),
       SUM(CASE WHEN first_done <= deadline THEN 1 ELSE 0 END),
       SUM(CASE WHEN first_done IS NULL AND deadline < :as_of THEN 1 ELSE 0 END),
       (SELECT COUNT(*) FROM callbacks c JOIN period_jobs p ON p.id = c.job_id
         WHERE c.satisfaction = 'satisfied'),
       (SELECT COUNT(*) FROM callbacks c JOIN period_jobs p ON p.id = c.job_id
         WHERE c.satisfaction = 'fairly_satisfied'),
       (SELECT COUNT(*) FROM callbacks c JOIN period_jobs p ON p.id = c.job_id
         WHERE c.satisfaction = 'unsatisfied'),
       (SELECT COUNT(*) FROM rectifications r JOIN period_jobs p ON p.id = r.job_id
         WHERE r.done_at IS NULL),
       (SELECT COUNT(*) FROM rectifications r JOIN period_jobs p ON p.id = r.job_id
         WHERE r.done_at > r.due_at OR (r.done_at IS NULL AND r.due_at < :as_of))
FROM per_job
"""


# The same figures by hand from the per-job summary columns the service keeps up to date.
RAW_SUMMARY_SQL = """
SELECT COUNT(*),
       SUM(CASE WHEN j.cb_manager THEN 1 ELSE 0 END),
       SUM(CASE WHEN j.cb_supervisor THEN 1 ELSE 0 END),
       SUM(CASE WHEN j.cb_lead THEN 1 ELSE 0 END),
       COUNT(j.first_callback_at),
       SUM(CASE WHEN j.first_callback_at <= j.deadline THEN 1 ELSE 0 END),
       SUM(CASE WHEN j.first_callback_at IS NULL AND j.deadline < :as_of THEN 1 ELSE 0 END),
       SUM(j.sat_satisfied), SUM(j.sat_fairly_satisfied), SUM(j.sat_unsatisfied)
FROM jobs j JOIN estates e ON e.id = j.estate_id
WHERE e.code = :code AND j.state = 'active' AND j.completed_at >= :start AND j.completed_at < :end
"""
RAW_SUMMARY_RECT = """
SELECT SUM(CASE WHEN r.done_at IS NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.done_at > r.due_at OR (r.done_at IS NULL AND r.due_at < :as_of)
           THEN 1 ELSE 0 END)
FROM rectifications r JOIN jobs j ON j.id = r.job_id JOIN estates e ON e.id = j.estate_id
WHERE e.code = :code AND j.state = 'active' AND j.completed_at >= :start AND j.completed_at < :end
"""


def naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def generate(n_jobs: int, seed: int = 7):
    rng = random.Random(seed)
    span = (FIRST.replace(year=2026, month=6) - FIRST).total_seconds()
    now = naive(AS_OF)
    jobs, callbacks, rects = [], [], []
    counts = {}
    for job_id in range(1, n_jobs + 1):
        estate_id = rng.randrange(ESTATES) + 1
        completed = FIRST + timedelta(seconds=rng.random() * span)
        category = rng.choices(("safety", "leak", "general"), (15, 25, 60))[0]
        deadline = completed + timedelta(hours=WINDOW[category])
        key = estate_id
        counts[key] = counts.get(key, 0) + 1
        role = ROLES[counts[key] % 10 and (1 if counts[key] % 10 < 4 else 2)]
        flags = {r: False for r in ROLES}
        answers = {"satisfied": 0, "fairly_satisfied": 0, "unsatisfied": 0}
        first = None
        if rng.random() < 0.9:
            for r in {role} | ({rng.choice(ROLES)} if rng.random() < 0.2 else set()):
                done = completed + timedelta(hours=rng.random() * WINDOW[category] * 1.3)
                sat = rng.choices(("satisfied", "fairly_satisfied", "unsatisfied"), (80, 16, 4))[0]
                callbacks.append((job_id, r, "张伟", "on_site", naive(done), True, True, sat, now))
                flags[r] = True
                answers[sat] += 1
                first = done if first is None or done < first else first
                if sat == "unsatisfied":
                    due = done + timedelta(hours=24)
                    fixed = (
                        due + timedelta(hours=rng.uniform(-20, 10)) if rng.random() < 0.7 else None
                    )
                    rects.append(
                        (
                            job_id,
                            len(callbacks),
                            "孙师傅",
                            "仍漏水",
                            naive(due),
                            naive(fixed) if fixed else None,
                            now,
                        )
                    )
        jobs.append(
            (
                f"B{job_id:07d}",
                estate_id,
                category,
                naive(completed),
                naive(deadline),
                role,
                "active",
                "bench",
                naive(first) if first else None,
                flags["manager"],
                flags["supervisor"],
                flags["lead"],
                answers["satisfied"],
                answers["fairly_satisfied"],
                answers["unsatisfied"],
                now,
                now,
            )
        )
    return jobs, callbacks, rects


JOB_COLS = (
    "ref, estate_id, category, completed_at, deadline, assigned_role, state, source, "
    "first_callback_at, cb_manager, cb_supervisor, cb_lead, sat_satisfied, sat_fairly_satisfied, "
    "sat_unsatisfied, created_at, updated_at"
)
CB_COLS = (
    "job_id, role, staff, channel, done_at, inspected, charge_verified, satisfaction, created_at"
)
RECT_COLS = "job_id, callback_id, worker, problems, due_at, done_at, created_at"


def load(engine, data) -> float:
    jobs, callbacks, rects = data
    started = time.perf_counter()
    with engine.begin() as conn:
        for i in range(ESTATES):
            conn.execute(
                sa.text(
                    "INSERT INTO estates (code, name, timezone, window_safety_h, window_leak_h, "
                    "window_general_h, target_manager_pct, target_supervisor_pct, target_lead_pct, "
                    "created_at, updated_at) "
                    "VALUES (:c, :c, 'Asia/Shanghai', 48, 72, 168, 10, 30, 60, "
                    ":t, :t)"
                ),
                {"c": f"E{i + 1:02d}", "t": naive(AS_OF)},
            )
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            for table, cols, rows in (
                ("jobs", JOB_COLS, jobs),
                ("callbacks", CB_COLS, callbacks),
                ("rectifications", RECT_COLS, rects),
            ):
                with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            for table, cols, rows in (
                ("jobs", JOB_COLS, jobs),
                ("callbacks", CB_COLS, callbacks),
                ("rectifications", RECT_COLS, rects),
            ):
                marks = ", ".join("?" * len(cols.split(",")))
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
        raw.commit()
    finally:
        raw.close()
    # Steady state, as autovacuum leaves a database: statistics and visibility map up to date.
    with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(
            sa.text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
        )
    return time.perf_counter() - started


def median_ms(fn, repeat: int) -> tuple[float, object]:
    result = fn()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def measure(name: str, engine, data, repeat: int) -> None:
    migrate(engine)
    seconds = load(engine, data)
    print(
        f"[{name}] loaded {len(data[0]):,} jobs, {len(data[1]):,} callbacks, "
        f"{len(data[2]):,} rectifications in {seconds:.1f} s"
    )
    code, period = TARGET

    def service_query():
        with Session(engine) as session:
            return compliance(session=session, estate_code=code, period=period, as_of=AS_OF)[1]

    from service.domain import Period

    start, end = Period.parse(period).bounds("Asia/Shanghai")
    params = {"code": code, "start": naive(start), "end": naive(end), "as_of": naive(AS_OF)}

    def raw_query():
        with engine.connect() as conn:
            return conn.execute(sa.text(RAW_SQL), params).one()

    def raw_summary_query():
        with engine.connect() as conn:
            return (
                conn.execute(sa.text(RAW_SUMMARY_SQL), params).one(),
                conn.execute(sa.text(RAW_SUMMARY_RECT), params).one(),
            )

    service_ms, figures = median_ms(service_query, repeat)
    raw_ms, row = median_ms(raw_query, repeat)
    summary_ms, _ = median_ms(raw_summary_query, repeat)
    ours = (
        figures.jobs,
        *(q.done for q in figures.roles.values()),
        figures.on_time_done,
        figures.on_time,
        figures.overdue_open,
        *figures.satisfaction.values(),
        figures.rectifications_open,
        figures.rectifications_late,
    )
    same = ours == tuple(int(v or 0) for v in row)
    print(f"[{name}] estate-month {code} {period}: {figures.jobs:,} jobs")
    print(
        f"[{name}] service query (compliance endpoint)  {service_ms:8.2f} ms (median of {repeat})"
    )
    print(f"[{name}] raw SQL, jobs + callbacks joined     {raw_ms:8.2f} ms")
    print(f"[{name}] raw SQL, same summary columns        {summary_ms:8.2f} ms")
    print(
        f"[{name}] ratio service/raw join    = {service_ms / raw_ms:.2f}x  (goal <= 1.5x"
        f"{', < 100 ms' if name == 'postgresql' else ''})"
    )
    print(
        f"[{name}] ratio service/raw summary = {service_ms / summary_ms:.2f}x"
        "  (ORM + rules overhead)"
    )
    print(f"[{name}] figures agree with the raw join: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    print(f"generating {args.jobs:,} jobs over {ESTATES} estates x {MONTHS} months ...")
    data = generate(args.jobs)
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/bench.db")
            measure("sqlite", engine, data, args.repeat)
            engine.dispose()
    if args.only in (None, "postgresql"):
        from tests.pg import start_cluster

        cluster = start_cluster()
        try:
            admin = make_engine(cluster.url(), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text("CREATE DATABASE bench"))
            admin.dispose()
            engine = make_engine(cluster.url("bench"))
            measure("postgresql", engine, data, args.repeat)
            engine.dispose()
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
