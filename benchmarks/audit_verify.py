"""Verifying the audit chain on 1,000,000 entries, against the floor of what it must hash; and
what the chain adds to one write.

Starts a private PostgreSQL 15 cluster on loopback (``--database-url`` for another database,
SQLite included), seeds N audit entries (default 1,000,000) over 20 estate chains, chained by
the service's own ``chained_rows`` (so the heads table matches), with details shaped like the
service's (jobs created and updated, callbacks, phone attempts, rectifications), and S
signatures (default 3,000) with an image, strokes and the ``signature.recorded`` entry that
carries their evidence hash; then times in the same run:
  * baseline - the floor of verifying: the same rows read with the bare driver (one streamed
               query) and the same bytes hashed in a bare loop with hashlib (previous hash +
               canonical JSON of each entry's content, as ``domain.evidence.entry_hash``
               hashes them; each signature's image, strokes and answers), links compared;
  * verify   - ``service.usecases.evidence.verify(session)`` on all of it (what
               ``huifang audit verify`` runs);
and then what the chain adds to one write, each write in its own transaction and committed:
  * append   - ``audit()`` (head row locked, hashed, head moved) against a plain insert of
               the same audit row (no head, no hash);
  * callback - ``record_callback`` as it is, against the same with its ``audit()`` swapped
               for that plain insert;
  * resident - a resident's answer and signature (``submit_resident``, as the phone page
               posts it), likewise.
Medians over --repeat runs after one warm-up (writes: --rounds rounds of --writes each,
alternating), and the ratio of each to its baseline. No figure is asserted; a verify that
does not find everything intact, or a floor that finds a hash that does not match, stops the
run. The writes come last: their plain rows are not chained.

    python benchmarks/audit_verify.py [--entries 1000000] [--signatures 3000] [--repeat 3]
                                      [--writes 200] [--rounds 5]
                                      [--database-url URL] [--profile]
    python benchmarks/audit_verify.py --smoke     # 20,000 entries, 200 signatures, one run
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import hashlib
import io
import itertools
import json
import os
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("HUIFANG_ENVIRONMENT", "test")
os.environ.setdefault("HUIFANG_SECRET_KEY", "bench-secret-key-0123456789")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

import service.usecases.callbacks as callbacks_module  # noqa: E402
import service.usecases.confirmations as confirmations_module  # noqa: E402
from qr_forms.payload import make_token  # noqa: E402
from service.config import Settings  # noqa: E402
from service.db import begin_write  # noqa: E402
from service.domain import evidence as E  # noqa: E402
from service.models import (  # noqa: E402
    AuditLog,
    Estate,
    FormTokenUse,
    Job,
    Signature,
    Staff,
    utcnow,
)
from service.schemas import CallbackIn, ResidentAnswer  # noqa: E402
from service.usecases.audit import audit, chained_rows, signature_evidence  # noqa: E402
from service.usecases.callbacks import record_callback  # noqa: E402
from service.usecases.confirmations import submit_resident  # noqa: E402
from service.usecases.evidence import verify  # noqa: E402
from service.usecases.form_links import load_form  # noqa: E402

CHAINS = 20
FIRST = datetime(2025, 6, 1, tzinfo=UTC)
SPAN = timedelta(days=365)
BATCH = 10_000  # entries chained and inserted at a time
PLAIN_CHAIN = 10**6  # where the unchained rows of the write benchmark go (no estate)
PLAIN_SEQ = itertools.count(1)
SIGNATURE_ACTIONS = ("signature.recorded", "signature.refused")
COLUMNS = (
    "at",
    "actor",
    "action",
    "entity",
    "entity_id",
    "detail",
    "chain",
    "seq",
    "prev_hash",
    "hash",
)
# One chain at a time, its details as their stored JSON text (parsed here, as cheaply as the
# driver could).
FLOOR_ENTRIES = (
    "SELECT seq, at, actor, action, entity, entity_id, CAST(detail AS TEXT), prev_hash, hash"
    " FROM audit_log WHERE chain = {mark} ORDER BY seq"
)
FLOOR_SIGNATURES = (
    "SELECT id, job_id, taken_on, signer_name, signed_at, refused, refuse_reason, satisfaction,"
    " comment, charge_disputed, charge_note, png, strokes, evidence_sha256"
    " FROM signatures ORDER BY id"
)
STAFF = ("张伟", "李娜", "王强", "刘洋", "陈静")
WORKERS = ("孙师傅", "周师傅", "吴师傅")
TITLES = ("厨房水管漏水", "走廊灯不亮", "门锁更换", "卫生间渗水", "烟感报警器故障")
PNG = b"\x89PNG\r\n\x1a\n"
SEALED = "hmac-sha256:" + "5e" * 32

# One canonical encoder, built once: the bytes ``domain.evidence.canonical`` gives.
ENCODE = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode


# ------------------------------------------------------------------ seeding


def job_row(ref: str, estate_id: int, completed: datetime) -> dict[str, Any]:
    return {
        "ref": ref,
        "estate_id": estate_id,
        "unit": "3栋1201",
        "title": "卫生间渗水",
        "category": "leak",
        "worker": "孙师傅",
        "completed_at": completed,
        "deadline": completed + timedelta(hours=72),
        "assigned_role": "lead",
        "state": "active",
        "source": "bench",
        "first_callback_at": None,
        "cb_manager": False,
        "cb_supervisor": False,
        "cb_lead": False,
        "calls": 0,
        "calls_reached": 0,
        "failed_calls": 0,
        "followed_by_repeat": False,
        "created_at": completed,
        "updated_at": completed,
    }


def insert_jobs(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    table = Job.__table__  # type: ignore[attr-defined]
    for i in range(0, len(rows), 5000):
        session.execute(table.insert(), rows[i : i + 5000])
    refs = [row["ref"] for row in rows]
    ids: dict[str, int] = {}
    for i in range(0, len(refs), 1000):
        found = session.execute(
            sa.select(table.c.ref, table.c.id).where(table.c.ref.in_(refs[i : i + 1000]))
        )
        ids.update((ref, job_id) for ref, job_id in found)
    return ids


def seed_signatures(
    session: Session, estate_ids: list[int], count: int, rng: random.Random
) -> dict[int, list[dict[str, Any]]]:
    """``count`` signatures (one job and one form-link use each): the detail of each one's
    ``signature.recorded`` entry, by chain."""
    jobs = [
        job_row(f"S-{n:07d}", estate_ids[n % len(estate_ids)], FIRST + SPAN * (n / count))
        for n in range(count)
    ]
    job_ids = insert_jobs(session, jobs)
    uses = [
        {
            "nonce": f"bench-{n:012d}",
            "purpose": "resident",
            "job_id": job_ids[job["ref"]],
            "submission_key": f"k{n:012d}",
            "actor": "住户",
            "used_at": job["completed_at"] + timedelta(hours=30),
        }
        for n, job in enumerate(jobs)
    ]
    session.execute(FormTokenUse.__table__.insert(), uses)  # type: ignore[attr-defined]
    use_table = FormTokenUse.__table__  # type: ignore[attr-defined]
    use_ids = dict(session.execute(sa.select(use_table.c.nonce, use_table.c.id)).all())
    rows: list[dict[str, Any]] = []
    for use in uses:
        refused = rng.random() < 0.03
        png = None if refused else PNG + rng.randbytes(rng.randint(4000, 12000))
        strokes = (
            None
            if refused
            else [
                [
                    [round(rng.uniform(0, 600), 1), round(rng.uniform(0, 200), 1), t * 16]
                    for t in range(60)
                ]
                for _ in range(rng.randint(2, 6))
            ]
        )
        row = {
            "job_id": use["job_id"],
            "callback_id": None,
            "token_use_id": use_ids[use["nonce"]],
            "taken_on": "resident",
            "signer_name": None if refused else "李女士",
            "signed_at": use["used_at"],
            "refused": refused,
            "refuse_reason": "不方便签字" if refused else None,
            "satisfaction": rng.choices(
                ("satisfied", "fairly_satisfied", "unsatisfied"), (80, 16, 4)
            )[0],
            "comment": "师傅很认真" if rng.random() < 0.3 else None,
            "png": png,
            "width": None if refused else 600,
            "height": None if refused else 200,
            "strokes": strokes,
            "sha256": None if png is None else hashlib.sha256(png).hexdigest(),
            "charge_disputed": False,
            "charge_note": None,
        }
        row["evidence_sha256"] = signature_evidence(Signature(**row))
        rows.append(row)
    table = Signature.__table__  # type: ignore[attr-defined]
    for i in range(0, len(rows), 500):
        session.execute(table.insert(), rows[i : i + 500])
    sig_ids = dict(session.execute(sa.select(table.c.token_use_id, table.c.id)).all())
    by_chain: dict[int, list[dict[str, Any]]] = {}
    for n, row in enumerate(rows):
        detail = {
            "signature_id": sig_ids[row["token_use_id"]],
            "callback_id": None,
            "taken_on": row["taken_on"],
            "sha256": row["sha256"],
            "evidence_sha256": row["evidence_sha256"],
            "satisfaction": row["satisfaction"],
            "refuse_reason": row["refuse_reason"],
            "comment": row["comment"],
            "charge_disputed": row["charge_disputed"],
            "charge_note": row["charge_note"],
            "token_nonce": uses[n]["nonce"],
        }
        by_chain.setdefault(jobs[n]["estate_id"], []).append(
            {
                "action": "signature.refused" if row["refused"] else "signature.recorded",
                "entity_id": jobs[n]["ref"],
                "detail": detail,
            }
        )
    return by_chain


def some_entry(rng: random.Random, n: int) -> dict[str, Any]:
    """An entry shaped like the service's: what it records most."""
    ref = f"R-{n:07d}"
    when = (FIRST + timedelta(seconds=n)).isoformat()
    kind = rng.random()
    if kind < 0.3:
        return {
            "action": "job.created",
            "entity_id": ref,
            "detail": {
                "ref": ref,
                "estate": "E01",
                "unit": f"{n % 30 + 1}栋{n % 400 + 101}",
                # residents' data enters the chain as keyed hashes only
                "resident_name": SEALED,
                "resident_phone": SEALED,
                "title": rng.choice(TITLES),
                "category": rng.choice(("safety", "leak", "general")),
                "erp_category": "水电维修",
                "worker": rng.choice(WORKERS),
                "completed_at": when,
                "charge": "35.00" if rng.random() < 0.4 else None,
            },
        }
    if kind < 0.6:
        return {
            "action": "callback.recorded",
            "entity_id": ref,
            "detail": {
                "callback_id": n,
                "role": rng.choice(("manager", "supervisor", "lead")),
                "staff": rng.choice(STAFF),
                "channel": rng.choice(("on_site", "phone")),
                "done_at": when,
                "inspected": True,
                "service_feedback": "态度很好，准时上门",
                "suggestions": None,
                "charge_verified": True,
                "charge_amount": None,
                "satisfaction": rng.choices(
                    ("satisfied", "fairly_satisfied", "unsatisfied"), (80, 16, 4)
                )[0],
                "problems": None,
                "attempt_id": None,
                "rectification_id": None,
            },
        }
    if kind < 0.85:
        return {
            "action": "phone_attempt.recorded",
            "entity_id": ref,
            "detail": {
                "attempt_id": n,
                "staff": rng.choice(STAFF),
                "role": "lead",
                "at": when,
                "outcome": rng.choice(("reached", "no_answer", "busy")),
                "next_at": None,
                "note": None,
            },
        }
    if kind < 0.95:
        return {
            "action": "job.updated",
            "entity_id": ref,
            "detail": {"title": rng.choice(TITLES), "worker": rng.choice(WORKERS)},
        }
    return {
        "action": "rectification.opened",
        "entity_id": ref,
        "detail": {
            "rectification_id": n,
            "callback_id": n,
            "source": "problems",
            "problem": "仍渗水，需要重新处理",
            "worker": rng.choice(WORKERS),
            "fix_due_at": when,
        },
    }


def chain_entries(
    rng: random.Random, count: int, signatures: list[dict[str, Any]], offset: int
) -> Iterator[dict[str, Any]]:
    """``count`` entries of one chain in time order, its signatures' entries among them."""
    places = sorted(rng.sample(range(count), len(signatures)))
    step = SPAN / count
    k = 0
    for j in range(count):
        if k < len(places) and places[k] == j:
            entry = signatures[k]
            k += 1
        else:
            entry = some_entry(rng, offset + j)
        yield {
            "at": FIRST + step * j + timedelta(microseconds=rng.randrange(1000)),
            "actor": rng.choice(STAFF) if rng.random() < 0.7 else "odoo-sync",
            "entity": "job",
            **entry,
        }


def insert_entries(session: Session, rows: list[dict[str, Any]]) -> None:
    if session.get_bind().dialect.name != "postgresql":
        session.execute(AuditLog.__table__.insert(), rows)  # type: ignore[attr-defined]
        return
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cursor:
        with cursor.copy(f"COPY audit_log ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    (
                        row["at"].astimezone(UTC).replace(tzinfo=None),
                        row["actor"],
                        row["action"],
                        row["entity"],
                        row["entity_id"],
                        json.dumps(row["detail"], ensure_ascii=False),
                        row["chain"],
                        row["seq"],
                        row["prev_hash"],
                        row["hash"],
                    )
                )


def seed(engine: Engine, n_entries: int, n_signatures: int, random_seed: int = 7) -> list[int]:
    rng = random.Random(random_seed)
    with Session(engine) as session:
        estates = [
            Estate(code=f"E{e + 1:02d}", name=f"管理处{e + 1}", timezone="Asia/Shanghai")
            for e in range(CHAINS)
        ]
        session.add_all(estates)
        session.flush()
        estate_ids = [e.id for e in estates]  # type: ignore[misc]
        signatures = seed_signatures(session, estate_ids, n_signatures, rng)  # type: ignore[arg-type]
        session.commit()
        per_chain = n_entries // CHAINS
        for c, chain in enumerate(estate_ids):
            count = per_chain + (n_entries % CHAINS if c == 0 else 0)
            entries = chain_entries(rng, count, signatures.get(chain, []), c * 10**7)
            while batch := [entry for _, entry in zip(range(BATCH), entries, strict=False)]:
                insert_entries(session, chained_rows(session, chain, batch))  # type: ignore[arg-type]
            session.commit()
    analyze(engine)
    return estate_ids  # type: ignore[return-value]


def analyze(engine: Engine) -> None:
    """Statistics and visibility map up to date, as autovacuum leaves a database."""
    with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")


# ------------------------------------------------------------------ the floor


def moment(value: Any) -> str:
    """A stored naive UTC time (SQLite: its text) as the chain hashes it."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.isoformat(timespec="microseconds") + "Z"


def floor(engine: Engine) -> tuple[int, int, float]:
    """The bare loop: every chain's links and hashes, every signature's evidence; returns
    (entries, signatures, milliseconds of the signatures) and stops the run at anything that
    does not match."""
    sha256 = hashlib.sha256
    loads = json.loads
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        postgres = engine.dialect.name == "postgresql"
        cursor = driver.cursor()
        query = FLOOR_ENTRIES.format(mark="%s" if postgres else "?")
        cursor.execute("SELECT chain, seq, hash FROM audit_chain_heads")
        heads = {chain: (seq, digest) for chain, seq, digest in cursor.fetchall()}
        cursor.execute("SELECT DISTINCT chain FROM audit_log")
        chains = sorted(chain for (chain,) in cursor.fetchall())
        entries = 0
        recorded: dict[int, str | None] = {}
        for chain in chains:
            prev, expected = E.GENESIS, 1
            cursor.execute(query, (chain,))
            for seq, at, actor, action, entity, entity_id, text, prev_hash, digest in cursor:
                detail = loads(text)
                content = {
                    "chain": chain,
                    "seq": seq,
                    "at": moment(at),
                    "actor": actor,
                    "action": action,
                    "entity": entity,
                    "entity_id": entity_id,
                    "detail": detail,
                }
                data = prev.encode() + b"\n" + ENCODE(content).encode()
                if seq != expected or prev_hash != prev or sha256(data).hexdigest() != digest:
                    raise SystemExit(f"floor: chain {chain} seq {seq} does not match")
                if action in SIGNATURE_ACTIONS:
                    recorded[detail["signature_id"]] = detail["evidence_sha256"]
                prev, expected, entries = digest, expected + 1, entries + 1
            if heads.get(chain) != (expected - 1, prev):
                raise SystemExit(f"floor: chain {chain} does not end at its recorded head")
        started = time.perf_counter()
        cursor.execute(FLOOR_SIGNATURES)
        signatures = 0
        for row in cursor:
            sid, job_id, taken_on, signer, signed_at, refused, reason, satisfaction = row[:8]
            comment, disputed, note, png, strokes, stored = row[8:]
            if isinstance(strokes, str):
                strokes = loads(strokes)
            answers = {
                "job_id": job_id,
                "taken_on": taken_on,
                "signer_name": signer,
                "signed_at": moment(signed_at),
                "refused": bool(refused),
                "refuse_reason": reason,
                "satisfaction": satisfaction,
                "comment": comment,
                "charge_disputed": bool(disputed),
                "charge_note": note,
            }
            png_sha = None if png is None else sha256(png).hexdigest()
            evidence = {"png_sha256": png_sha, "strokes": strokes, "answers": answers}
            if not sha256(ENCODE(evidence).encode()).hexdigest() == stored == recorded.get(sid):
                raise SystemExit(f"floor: signature {sid} does not match")
            signatures += 1
        signature_ms = (time.perf_counter() - started) * 1000
        cursor.close()
        raw.commit()
    finally:
        raw.close()
    return entries, signatures, signature_ms


# ------------------------------------------------------------------ writes


DETAIL = {
    "callback_id": 1,
    "role": "lead",
    "staff": "张伟",
    "channel": "on_site",
    "done_at": "2026-05-20T10:00:00+08:00",
    "inspected": True,
    "service_feedback": "态度很好，准时上门",
    "suggestions": None,
    "charge_verified": True,
    "satisfaction": "satisfied",
    "problems": None,
}


def plain_audit(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: Any,
    detail: dict[str, Any] | None = None,
    estate_id: int | None = None,
    at: datetime | None = None,
) -> AuditLog:
    """``audit()`` without the chain: the same row, no head locked, nothing hashed."""
    entry = AuditLog(
        at=at or utcnow(),
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        detail=E.json_roundtrip(detail),
        chain=PLAIN_CHAIN,
        seq=next(PLAIN_SEQ),
    )
    session.add(entry)
    return entry


def resident_signature() -> dict[str, Any]:
    """A resident's answer with a drawn signature (a PNG data URL and its strokes)."""
    image = Image.new("RGB", (600, 200), "white")
    draw = ImageDraw.Draw(image)
    strokes = [[[40.0 + 10 * i, 100.0 + (i % 7) * 9, 16.0 * i] for i in range(40)]]
    draw.line([(x, y) for x, y, _t in strokes[0]], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return {
        "satisfaction": "satisfied",
        "comment": "师傅很细心",
        "signer_name": "王女士",
        "signature": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode(),
        "strokes": strokes,
    }


def measure_writes(engine: Engine, args: argparse.Namespace) -> list[tuple[str, float, float]]:
    """Per-write microseconds (median over rounds) of each pair: (label, chained, plain)."""
    now = utcnow()
    with Session(engine) as session:
        estate = Estate(code="W01", name="写入管理处", timezone="Asia/Shanghai")
        session.add(estate)
        session.flush()
        chain: int = estate.id  # type: ignore[assignment]
        session.add(Staff(estate_id=chain, name="张伟", role="lead"))
        total = (args.rounds * args.writes * 2 + args.writes * 2) * 2  # callbacks, residents
        refs = [f"W-{n:07d}" for n in range(total)]
        insert_jobs(session, [job_row(ref, chain, now - timedelta(days=1)) for ref in refs])
        session.commit()
    jobs = iter(refs)
    cb_in = CallbackIn(
        role="lead",
        staff="张伟",
        channel="on_site",
        done_at=now - timedelta(hours=1),
        inspected=True,
        charge_verified=True,
        satisfaction="satisfied",
        service_feedback="态度很好，准时上门",
    )

    def append(writer: Callable[..., AuditLog]) -> Callable[[int], None]:
        def run(n: int) -> None:
            for i in range(n):
                with Session(engine) as session:
                    begin_write(session)
                    writer(
                        session,
                        actor="张伟",
                        action="callback.recorded",
                        entity="job",
                        entity_id=f"A-{i}",
                        detail=DETAIL,
                        estate_id=chain,
                    )
                    session.commit()

        return run

    def callback(writer: Callable[..., AuditLog]) -> Callable[[int], None]:
        def run(n: int) -> None:
            callbacks_module.audit = writer  # type: ignore[assignment]
            try:
                for _ in range(n):
                    with Session(engine) as session:
                        record_callback(
                            session=session, ref=next(jobs), cb_in=cb_in, now=now, actor="张伟"
                        )
            finally:
                callbacks_module.audit = audit

        return run

    settings = Settings()
    signature = resident_signature()

    def resident(writer: Callable[..., AuditLog]) -> Callable[[int], None]:
        """The resident's own answer and signature, as the phone page posts it."""

        def run(n: int) -> None:
            confirmations_module.audit = writer  # type: ignore[assignment]
            try:
                for _ in range(n):
                    ref = next(jobs)
                    link = make_token(settings.secret_key, purpose="resident", job_ref=ref, now=now)
                    with Session(engine, expire_on_commit=False) as session:
                        ctx = load_form(session, link, "resident", settings=settings, now=now)
                        answer = ResidentAnswer(**signature, submission_key=f"k-{ref}")
                        submit_resident(session, ctx, answer, settings=settings, now=now)
            finally:
                confirmations_module.audit = audit

        return run

    pairs = [
        ("append: audit() / plain insert", append(audit), append(plain_audit)),
        ("callback: record_callback, chained / plain", callback(audit), callback(plain_audit)),
        ("resident: answer and signature, chained / plain", resident(audit), resident(plain_audit)),
    ]
    results = []
    for label, chained, plain in pairs:
        chained(args.writes)  # warm-up
        plain(args.writes)
        times: dict[str, list[float]] = {"chained": [], "plain": []}
        for r in range(args.rounds):
            order = [("chained", chained), ("plain", plain)]
            for name, fn in order if r % 2 == 0 else order[::-1]:
                started = time.perf_counter()
                fn(args.writes)
                times[name].append((time.perf_counter() - started) * 1e6 / args.writes)
        results.append(
            (label, statistics.median(times["chained"]), statistics.median(times["plain"]))
        )
    return results


# ------------------------------------------------------------------ the run


def timed(fns: list[Callable[[], Any]], repeat: int) -> list[tuple[float, Any]]:
    """Median milliseconds of each of ``fns`` over ``repeat`` runs after one warm-up, taken
    in turns (so a neighbour's load falls on all of them alike), and each one's last result."""
    times: list[list[float]] = [[] for _ in fns]
    results: list[Any] = [None for _ in fns]
    for i in range(repeat + 1):
        for k, fn in enumerate(fns):
            started = time.perf_counter()
            results[k] = fn()
            if i:
                times[k].append((time.perf_counter() - started) * 1000)
    return [(statistics.median(t), r) for t, r in zip(times, results, strict=True)]


def profiled(label: str, fn: Callable[[], Any]) -> None:
    profile = cProfile.Profile()
    profile.runcall(fn)
    print(f"\n--- profile: {label} ---")
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats(20)
    stats.sort_stats("tottime").print_stats(15)


def load() -> str:
    """The machine's load average (1, 5, 15 minutes): what else was running."""
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def run(engine: Engine, args: argparse.Namespace) -> None:
    name = engine.dialect.name
    print(f"[{name}] {os.cpu_count()} CPUs, load average {load()}")
    began = time.perf_counter()
    seed(engine, args.entries, args.signatures)
    print(
        f"[{name}] seeded {args.entries:,} audit entries over {CHAINS} chains, "
        f"{args.signatures:,} signatures in {time.perf_counter() - began:.1f} s"
    )

    def verify_all() -> Any:
        with Session(engine) as session:
            return verify(session)

    (base_ms, (entries, signatures, signature_ms)), (verify_ms, report) = timed(
        [lambda: floor(engine), verify_all], args.repeat
    )
    if not report.intact or (report.entries, report.signatures) != (entries, signatures):
        raise SystemExit(f"verify: {report.summary()} (expected {entries:,} entries intact)")
    if args.profile:
        profiled("baseline", lambda: floor(engine))
        profiled("verify", verify_all)

    print(f"[{name}] {report.summary()}; load average {load()}")
    print(f"{'':52} {'ms':>10} {'entries/s':>11} {'x baseline':>11} {'runs':>5}")
    for label, ms in (
        ("baseline: bare driver + hashlib over the same bytes", base_ms),
        ("verify(session): every chain and signature", verify_ms),
    ):
        rate = entries / (ms / 1000)
        print(f"{label:52} {ms:10.0f} {rate:11,.0f} {ms / base_ms:10.2f}x {args.repeat:5d}")
    print(
        f"(the baseline spends {signature_ms:.0f} ms of it on the {signatures:,} signatures)\n"
        f"verify / baseline = {verify_ms / base_ms:.2f}x"
    )

    if args.writes:
        print(
            f"\n[{name}] one write in its own transaction, {args.writes} per round, "
            f"median of {args.rounds} rounds"
            + (" (private cluster: fsync and synchronous_commit off)" if args.private else "")
        )
        print(f"{'':44} {'chained us':>11} {'plain us':>9} {'added us':>9} {'ratio':>7}")
        for label, chained, plain in measure_writes(engine, args):
            print(
                f"{label:44} {chained:11.0f} {plain:9.0f} {chained - plain:9.0f} "
                f"{chained / plain:6.2f}x"
            )
        print(f"[{name}] load average {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--signatures", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of baseline and verify")
    parser.add_argument("--writes", type=int, default=200, help="writes per round (0: none)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of writes")
    parser.add_argument(
        "--smoke", action="store_true", help="20,000 entries, 200 signatures, one run"
    )
    parser.add_argument(
        "--database-url", default=None, help="an empty database; default: a private PostgreSQL"
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile one baseline and one verify"
    )
    args = parser.parse_args()
    if args.smoke:
        args.entries, args.signatures, args.repeat = 20_000, 200, 1
        args.writes, args.rounds = 20, 1
    args.private = not args.database_url
    from tests.pg import bench_database

    with bench_database(args.database_url) as engine:
        run(engine, args)


if __name__ == "__main__":
    main()
