"""The audit chain holds: every change written through the service verifies, and anything
edited, deleted or inserted behind its back (the append-only triggers dropped and put back,
a signature image swapped) is caught and named, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from service.models import AuditLog, Estate, Signature
from service.usecases.evidence import verify
from tests.api.helpers import callback_body

from .helpers import JOB_REF, post_json, resident_body, setup_job, signature_png, token


@pytest.fixture
def history(client, now, engine) -> None:
    """Two estates' worth of history: jobs, callbacks, a resident's signature, an update."""
    setup_job(client, now)
    for n in range(3):
        body = {"ref": f"YG-{n}", "estate": "YGHY", "completed_at": now.isoformat()}
        assert client.post("/api/v1/jobs", json=body).status_code == 201
    assert client.put("/api/v1/estates/CHY", json={"name": "春华苑"}).status_code == 201
    assert (
        client.post(
            "/api/v1/jobs", json={"ref": "CH-1", "estate": "CHY", "completed_at": now.isoformat()}
        ).status_code
        == 201
    )
    call = callback_body(done_at=now.isoformat())
    assert client.post(f"/api/v1/jobs/{JOB_REF}/callbacks", json=call).status_code == 201
    answer = post_json(client, f"/r/{token('resident', now)}", resident_body())
    assert answer.status_code == 201, answer.text
    later = (now + timedelta(minutes=1)).isoformat()
    assert client.post(
        "/api/v1/jobs", json={"ref": "YG-1", "estate": "YGHY", "completed_at": later}
    ).status_code in (200, 201)


def behind_the_back(engine: Engine, *statements: str) -> None:
    """Run SQL the way an intruder with database access would: triggers off, then on again."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_log_no_update"))
            conn.execute(sa.text("DROP TRIGGER audit_log_no_delete"))
        for statement in statements:
            conn.execute(sa.text(statement))
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
        else:
            for verb in ("UPDATE", "DELETE"):
                conn.execute(
                    sa.text(
                        f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
                    )
                )


def entries(engine: Engine) -> list[AuditLog]:
    with Session(engine) as session:
        return list(session.exec(select(AuditLog).order_by(AuditLog.id)).all())


def test_what_the_service_wrote_verifies_one_chain_per_estate(history, engine):
    with Session(engine) as session:
        report = verify(session)
        estates = {e.code: e.id for e in session.exec(select(Estate)).all()}
    assert report.intact, report.problems
    written = entries(engine)
    assert report.entries == len(written) and report.signatures == 1
    assert report.summary() == (f"audit: {len(written)} entries, chain intact; 1 signatures match")
    by_chain: dict[int, list[int]] = {}
    for entry in written:
        by_chain.setdefault(entry.chain, []).append(entry.seq)
    assert set(by_chain) >= {estates["YGHY"], estates["CHY"]}
    for seqs in by_chain.values():
        assert seqs == list(range(1, len(seqs) + 1))
    with Session(engine) as session:
        only = verify(session, estate_code="CHY")
    assert only.intact and only.entries == len(by_chain[estates["CHY"]])


def _middle(engine: Engine, action: str) -> AuditLog:
    return next(e for e in entries(engine) if e.action == action)


TAMPERING: dict[str, Callable[[Engine], tuple[list[str], str]]] = {
    "an entry edited": lambda engine: (
        [
            "UPDATE audit_log SET actor = 'someone else' "
            f"WHERE id = {_middle(engine, 'callback.recorded').id}"
        ],
        f"entry {_middle(engine, 'callback.recorded').id} (seq "
        f"{_middle(engine, 'callback.recorded').seq}) was changed",
    ),
    "an entry deleted": lambda engine: (
        [f"DELETE FROM audit_log WHERE id = {_middle(engine, 'callback.recorded').id}"],
        f"(seq {_middle(engine, 'callback.recorded').seq}) is missing",
    ),
    "the last entry deleted": lambda engine: (
        [f"DELETE FROM audit_log WHERE id = {entries(engine)[-1].id}"],
        "is the recorded head, but the chain ends",
    ),
    "an entry inserted": lambda engine: (
        [
            "INSERT INTO audit_log (at, actor, action, entity, entity_id, chain, seq, "
            "prev_hash, hash) VALUES ('2026-05-19 01:00:00', 'admin', 'callback.recorded', "
            f"'job', 'YG-2', {entries(engine)[-1].chain}, {entries(engine)[-1].seq + 1}, "
            f"'{entries(engine)[-1].hash}', '{'a' * 64}')"
        ],
        f"(seq {entries(engine)[-1].seq + 1}) was changed",
    ),
}


@pytest.mark.parametrize("what", TAMPERING)
def test_tampering_with_the_log_is_caught_and_named(history, engine, what):
    statements, named = TAMPERING[what](engine)
    behind_the_back(engine, *statements)
    with Session(engine) as session:
        report = verify(session)
    assert not report.intact
    assert named in report.problems[0], report.problems
    assert report.summary().startswith("audit: ") and named in report.summary()


def test_a_swapped_signature_image_is_caught(history, engine):
    with Session(engine, expire_on_commit=False) as session:
        sig = session.exec(select(Signature)).one()
        forged = signature_png(width=601)  # another drawing, same size class
        session.execute(sa.update(Signature).where(Signature.id == sig.id).values(png=forged))
        session.commit()
        report = verify(session)
    assert not report.intact
    assert report.problems == [
        f"signature {sig.id} (job {JOB_REF}) does not match its audit entry:"
        " its image, strokes or answers were changed"
    ]


def test_a_changed_answer_beside_the_signature_is_caught(history, engine):
    with Session(engine, expire_on_commit=False) as session:
        sig = session.exec(select(Signature)).one()
        session.execute(
            sa.update(Signature).where(Signature.id == sig.id).values(satisfaction="unsatisfied")
        )
        session.commit()
        report = verify(session)
    assert [p.split(":")[0] for p in report.problems] == [
        f"signature {sig.id} (job {JOB_REF}) does not match its audit entry"
    ]


def test_writers_racing_on_one_estate_keep_its_chain_whole(engine, now):
    import threading

    from service.schemas import EstateIn, JobIn
    from service.usecases.estates import put_estate
    from service.usecases.jobs import upsert_job

    with Session(engine) as session:
        put_estate(session=session, code="RACE", estate_in=EstateIn(name="竞速"), actor="t")
    barrier, errors = threading.Barrier(6), []

    def write(n: int) -> None:
        try:
            with Session(engine) as session:
                barrier.wait()
                for k in range(5):
                    job = JobIn(ref=f"R-{n}-{k}", estate="RACE", completed_at=now)
                    upsert_job(session=session, actor=f"w{n}", job_in=job)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with Session(engine) as session:
        report = verify(session, estate_code="RACE")
        seqs = sorted(
            e.seq for e in session.exec(select(AuditLog)).all() if e.entity_id.startswith("R-")
        )
    assert report.intact, report.problems
    assert report.entries == 31 and seqs == list(range(2, 32))  # 1: the estate
