"""Compliance query speed on 1,000,000 jobs, against a hand-written SQL aggregate.

Loads N jobs (default 1,000,000) with callbacks, phone attempts and rectifications into
SQLite and into a private PostgreSQL cluster (COPY), then for one estate-month times:
  * service   - the compliance endpoint's query (``service.usecases.compliance``), and
  * raw SQL   - a hand-written aggregate of the same figures straight from the raw rows (jobs,
                callbacks, phone attempts, rectifications; no summary columns), written as an
                analyst would, and the same by hand from the summary columns,
in the same run, and prints the ratios. Medians over --repeat rounds after one warm-up, the
queries taking turns in each round. ``--jobs 20000`` for a quick run.

    python benchmarks/compliance.py [--jobs 1000000] [--repeat 15] [--only sqlite|postgresql]
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
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.db import make_engine, migrate  # noqa: E402
from service.domain import Period  # noqa: E402
from service.models import Estate  # noqa: E402
from service.usecases.compliance import compliance  # noqa: E402

ESTATES = 10
MONTHS = 12
FIRST = datetime(2025, 6, 1, tzinfo=UTC)
AS_OF = datetime(2026, 6, 10, tzinfo=UTC)
TARGET = ("E03", "2026-02")  # the estate-month measured
TZ = "Asia/Shanghai"
ROLES = ("manager", "supervisor", "lead")
WINDOW = {"safety": 48, "leak": 72, "general": 168}

# The same figures by hand from the raw rows: the period's jobs, each job's callbacks (who
# called back, the first one, the answer of the latest), its phone attempts and its
# rectifications, without the summary columns the service keeps on each job.
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
), answers AS (
    SELECT satisfaction FROM (
        SELECT c.satisfaction,
               ROW_NUMBER() OVER (PARTITION BY c.job_id ORDER BY c.done_at DESC, c.id DESC) AS n
        FROM callbacks c JOIN period_jobs p ON p.id = c.job_id
        WHERE c.satisfaction IS NOT NULL
    ) latest WHERE n = 1
), rects AS (
    SELECT r.state,
           CASE WHEN (r.notified_at IS NOT NULL AND r.notified_at > r.notice_due_at)
                  OR (r.notified_at IS NULL AND r.notice_due_at < :as_of) THEN 1 ELSE 0 END
               AS notice_late,
           CASE WHEN (r.fixed_at IS NOT NULL AND r.fixed_at > r.fix_due_at)
                  OR (r.fixed_at IS NULL AND r.fix_due_at < :as_of) THEN 1 ELSE 0 END
               AS fix_late
    FROM rectifications r JOIN period_jobs p ON p.id = r.job_id
)
SELECT COUNT(*),
       SUM(by_manager), SUM(by_supervisor), SUM(by_lead),
       COUNT(first_done),
       SUM(CASE WHEN first_done <= deadline THEN 1 ELSE 0 END),
       SUM(CASE WHEN first_done IS NULL AND deadline < :as_of THEN 1 ELSE 0 END),
       (SELECT COUNT(*) FROM answers WHERE satisfaction = 'satisfied'),
       (SELECT COUNT(*) FROM answers WHERE satisfaction = 'fairly_satisfied'),
       (SELECT COUNT(*) FROM answers WHERE satisfaction = 'unsatisfied'),
       (SELECT COUNT(*) FROM phone_attempts a JOIN period_jobs p ON p.id = a.job_id),
       (SELECT COUNT(*) FROM phone_attempts a JOIN period_jobs p ON p.id = a.job_id
         WHERE a.outcome = 'reached'),
       (SELECT COUNT(*) FROM rects WHERE state <> 'verified'),
       (SELECT COUNT(*) FROM rects WHERE notice_late = 1 OR fix_late = 1),
       (SELECT COUNT(*) FROM rects WHERE notice_late = 1),
       (SELECT COUNT(*) FROM rects WHERE fix_late = 1),
       (SELECT COUNT(*) FROM rects WHERE state = 'verified')
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
       SUM(CASE WHEN j.answer = 'satisfied' THEN 1 ELSE 0 END),
       SUM(CASE WHEN j.answer = 'fairly_satisfied' THEN 1 ELSE 0 END),
       SUM(CASE WHEN j.answer = 'unsatisfied' THEN 1 ELSE 0 END),
       SUM(j.calls), SUM(j.calls_reached)
FROM jobs j JOIN estates e ON e.id = j.estate_id
WHERE e.code = :code AND j.state = 'active' AND j.completed_at >= :start AND j.completed_at < :end
"""
RAW_SUMMARY_RECT = """
SELECT SUM(CASE WHEN r.state <> 'verified' THEN 1 ELSE 0 END),
       SUM(CASE WHEN (r.notified_at IS NOT NULL AND r.notified_at > r.notice_due_at)
                  OR (r.notified_at IS NULL AND r.notice_due_at < :as_of)
                  OR (r.fixed_at IS NOT NULL AND r.fixed_at > r.fix_due_at)
                  OR (r.fixed_at IS NULL AND r.fix_due_at < :as_of) THEN 1 ELSE 0 END)
FROM rectifications r JOIN jobs j ON j.id = r.job_id JOIN estates e ON e.id = j.estate_id
WHERE e.code = :code AND j.state = 'active' AND j.completed_at >= :start AND j.completed_at < :end
"""

JOB_COLS = (
    "id, ref, estate_id, category, worker, completed_at, deadline, assigned_role, state, "
    "source, first_callback_at, cb_manager, cb_supervisor, cb_lead, answer, answer_source, "
    "calls, calls_reached, failed_calls, last_call_at, last_call_outcome, followed_by_repeat, "
    "created_at, updated_at"
)
CB_COLS = (
    "id, job_id, role, staff, channel, done_at, inspected, charge_verified, satisfaction, "
    "recorded_at, created_at"
)
RECT_COLS = (
    "job_id, callback_id, source, problem, found_by, worker, state, opened_at, notice_due_at, "
    "notified_at, fix_due_at, fixed_at, verified_at, ack_nonce, created_at"
)
CALL_COLS = "job_id, staff, role, at, outcome, created_at"
OUTCOMES = ("reached", "no_answer", "busy")


def naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def generate(n_jobs: int, seed: int = 7):  # noqa: ANN201
    """Rows for the jobs, callbacks, rectifications and phone attempts tables, with each
    job's summary columns (who called back, the first callback, the answer, the calls) as
    the service would have kept them."""
    rng = random.Random(seed)
    span = (FIRST.replace(year=2026, month=6) - FIRST).total_seconds()
    now = naive(AS_OF)
    jobs, callbacks, rects, calls = [], [], [], []
    for job_id in range(1, n_jobs + 1):
        estate_id = rng.randrange(ESTATES) + 1
        completed = FIRST + timedelta(seconds=rng.random() * span)
        category = rng.choices(("safety", "leak", "general"), (15, 25, 60))[0]
        deadline = completed + timedelta(hours=WINDOW[category])
        role = rng.choices(ROLES, (10, 30, 60))[0]
        flags = dict.fromkeys(ROLES, False)
        first = answer = latest = None
        called = reached = failed = 0
        last_call = last_outcome = None
        if rng.random() < 0.1:  # a few are phoned first
            for _ in range(rng.randint(1, 3)):
                at = completed + timedelta(hours=rng.random() * WINDOW[category])
                outcome = rng.choice(OUTCOMES)
                calls.append((job_id, "张伟", role, naive(at), outcome, now))
                called += 1
                reached += outcome == "reached"
                failed += outcome != "reached"
                if last_call is None or at >= last_call:
                    last_call, last_outcome = at, outcome
        if rng.random() < 0.9:
            for r in {role} | ({rng.choice(ROLES)} if rng.random() < 0.2 else set()):
                done = completed + timedelta(hours=rng.random() * WINDOW[category] * 1.3)
                sat = rng.choices(("satisfied", "fairly_satisfied", "unsatisfied"), (80, 16, 4))[0]
                callback_id = len(callbacks) + 1
                callbacks.append(
                    (
                        callback_id,
                        job_id,
                        r,
                        "张伟",
                        "on_site",
                        naive(done),
                        True,
                        True,
                        sat,
                        now,
                        now,
                    )
                )
                flags[r] = True
                first = done if first is None or done < first else first
                if latest is None or done >= latest:
                    latest, answer = done, sat
                if sat == "unsatisfied":
                    notice_due = done + timedelta(hours=24)
                    fix_due = done + timedelta(hours=72)
                    notified = done + timedelta(hours=rng.uniform(1, 30))
                    fixed = notified + timedelta(hours=rng.uniform(4, 60))
                    notified = notified if rng.random() < 0.9 else None
                    fixed = fixed if notified and rng.random() < 0.7 else None
                    verified = fixed + timedelta(hours=2) if fixed and rng.random() < 0.5 else None
                    state = (
                        "verified"
                        if verified
                        else "fixed"
                        if fixed
                        else "notified"
                        if notified
                        else "open"
                    )
                    rects.append(
                        (
                            job_id,
                            callback_id,
                            "unsatisfied",
                            "仍漏水",
                            "张伟",
                            "孙师傅",
                            state,
                            naive(done),
                            naive(notice_due),
                            naive(notified) if notified else None,
                            naive(fix_due),
                            naive(fixed) if fixed else None,
                            naive(verified) if verified else None,
                            f"b{len(rects):011d}",
                            now,
                        )
                    )
        jobs.append(
            (
                job_id,
                f"B{job_id:07d}",
                estate_id,
                category,
                f"师傅{job_id % 40}",
                naive(completed),
                naive(deadline),
                role,
                "active",
                "bench",
                naive(first) if first else None,
                flags["manager"],
                flags["supervisor"],
                flags["lead"],
                answer,
                "staff" if answer else None,
                called,
                reached,
                failed,
                naive(last_call) if last_call else None,
                last_outcome,
                False,
                now,
                now,
            )
        )
    return jobs, callbacks, rects, calls


def load(engine, data) -> float:  # noqa: ANN001
    started = time.perf_counter()
    with Session(engine) as session:
        for i in range(ESTATES):
            session.add(Estate(code=f"E{i + 1:02d}", name=f"E{i + 1:02d}", timezone=TZ))
        session.commit()
    tables = zip(
        ("jobs", "callbacks", "rectifications", "phone_attempts"),
        (JOB_COLS, CB_COLS, RECT_COLS, CALL_COLS),
        data,
        strict=True,
    )
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("BEGIN")  # one transaction: the driver would commit each row
        for table, cols, rows in tables:
            if engine.dialect.name == "postgresql":
                with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(cols.split(",")))
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
        if engine.dialect.name == "postgresql":
            for table in ("jobs", "callbacks"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table}))"
                )
        raw.commit()
    finally:
        raw.close()
    # Steady state, as autovacuum leaves a database: statistics and visibility map up to date.
    with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(
            sa.text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
        )
    return time.perf_counter() - started


def medians_ms(fns: dict[str, Any], repeat: int) -> tuple[dict[str, float], dict[str, Any]]:
    """Each query once to warm up, then ``repeat`` rounds of all of them in turn (so a busy
    moment of the machine falls on every query alike); medians in ms, and the results."""
    results = {name: fn() for name, fn in fns.items()}
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            started = time.perf_counter()
            results[name] = fn()
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(t) for name, t in times.items()}, results


def figures_of(result: Any) -> tuple[int, ...]:
    return (
        result.jobs,
        *(q.done for q in result.roles.values()),
        result.on_time_done,
        result.on_time,
        result.overdue_open,
        *result.satisfaction.values(),
        result.phone_attempts,
        result.phone_reached,
        result.rectifications_open,
        result.rectifications_late,
        result.rectifications_notice_late,
        result.rectifications_fix_late,
        result.rectifications_verified,
    )


def measure(name: str, engine: Engine, data: tuple[list[tuple], ...], repeat: int) -> None:
    seconds = load(engine, data)
    print(
        f"[{name}] loaded {len(data[0]):,} jobs, {len(data[1]):,} callbacks, "
        f"{len(data[2]):,} rectifications, {len(data[3]):,} phone attempts in {seconds:.1f} s"
    )
    code, period = TARGET
    start, end = Period.parse(period).bounds(TZ)
    params = {"code": code, "start": naive(start), "end": naive(end), "as_of": naive(AS_OF)}

    def service_query() -> Any:
        with Session(engine) as session:
            return compliance(session=session, estate_code=code, period=period, as_of=AS_OF)[1]

    def raw_query() -> Any:
        with engine.connect() as conn:
            return conn.execute(sa.text(RAW_SQL), params).one()

    def raw_summary_query() -> Any:
        with engine.connect() as conn:
            return (
                conn.execute(sa.text(RAW_SUMMARY_SQL), params).one(),
                conn.execute(sa.text(RAW_SUMMARY_RECT), params).one(),
            )

    ms, results = medians_ms(
        {"service": service_query, "raw": raw_query, "summary": raw_summary_query}, repeat
    )
    figures = results["service"]
    same = figures_of(figures) == tuple(int(v or 0) for v in results["raw"])
    print(f"[{name}] estate-month {code} {period}: {figures.jobs:,} jobs of {len(data[0]):,}")
    print(
        f"[{name}] service query (compliance endpoint)  {ms['service']:8.2f} ms"
        f" (median of {repeat})"
    )
    print(f"[{name}] raw SQL, from the raw rows           {ms['raw']:8.2f} ms")
    print(f"[{name}] raw SQL, same summary columns        {ms['summary']:8.2f} ms")
    print(
        f"[{name}] ratio service/raw rows    = {ms['service'] / ms['raw']:.2f}x  (goal < 1.5x"
        f"{' on PostgreSQL' if name == 'postgresql' else ''})"
    )
    print(
        f"[{name}] ratio service/raw summary = {ms['service'] / ms['summary']:.2f}x"
        "  (ORM + rules overhead)"
    )
    print(f"[{name}] figures agree with the raw rows: {same}")
    print(f"[{name}] load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL: default a private cluster"
    )
    args = parser.parse_args()
    began = time.perf_counter()
    print(f"generating {args.jobs:,} jobs over {ESTATES} estates x {MONTHS} months ...")
    data = generate(args.jobs)
    print(f"generated in {time.perf_counter() - began:.1f} s")
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/bench.db")
            migrate(engine)
            measure("sqlite", engine, data, args.repeat)
            engine.dispose()
    if args.only in (None, "postgresql"):
        from tests.pg import bench_database

        with bench_database(args.database_url) as engine:
            measure("postgresql", engine, data, args.repeat)
    print(f"whole run {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
