"""What reading one job asks of the database: one statement for the job, its estate and the
ref it repeats, outside any transaction on PostgreSQL; with a scoped token, the token is looked
up once and remembered for the next requests, and the access check reads nothing more."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session

from service.loop_reads import LoopReads
from service.usecases.tokens import create_token


@contextmanager
def selects(engine: sa.Engine, autocommit: list[bool] | None = None) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "INSERT", "DELETE")):
            seen.append(statement)
            if autocommit is not None:
                autocommit.append(
                    bool(getattr(conn.connection.dbapi_connection, "autocommit", False))
                )

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def setup(client, now) -> None:
    assert client.put("/api/v1/estates/YG", json={"name": "阳光花园"}).status_code == 201
    assert client.put("/api/v1/estates/HB", json={"name": "Harbour"}).status_code == 201
    for ref, estate in (("J-1", "YG"), ("J-2", "HB")):
        job = {"ref": ref, "estate": estate, "completed_at": now.isoformat()}
        assert client.post("/api/v1/jobs", json=job).status_code == 201


def repeats(client, now) -> None:
    """R-2 repeats R-1: the same unit and repair, two days later."""
    for ref, days in (("R-1", 2), ("R-2", 0)):
        job = {
            "ref": ref,
            "estate": "YG",
            "completed_at": (now - timedelta(days=days)).isoformat(),
            "unit": "5-1-302",
            "resident_name": "王女士",
            "resident_phone": "13800138000",
            "title": "厨房水管漏水",
            "charge": "35.50",
            "worker": "李师傅",
        }
        assert client.post("/api/v1/jobs", json=job).status_code == 201


def token(engine, now, estate: str) -> str:
    with Session(engine) as session:
        _, key = create_token(
            session, name="t", role="supervisor", estate=estate, expires_at=None, actor="t", now=now
        )
        session.commit()
    return key


def test_a_job_and_its_estate_are_one_query(client, engine, now):
    setup(client, now)
    # the engine's path, whose statements its events show (the event loop's reads run the
    # same one statement: tests/api/test_loop_reads.py)
    client.app.state.loop_reads = LoopReads(0)
    repeats(client, now)
    autocommit: list[bool] = []
    with selects(engine, autocommit) as seen:
        resp = client.get("/api/v1/jobs/R-2")
    assert resp.status_code == 200 and resp.json()["estate"] == "YG"
    assert resp.json()["repeat_of"] == "R-1"
    assert len(seen) == 1, seen
    assert "estates" in seen[0] and "jobs" in seen[0]
    # PostgreSQL: no BEGIN and ROLLBACK round trips around the one statement
    assert autocommit == [engine.dialect.name == "postgresql"]


def test_the_lean_read_answers_as_the_orm_view_does(client, engine, now):
    """Every field of the one-statement read equals the ORM job's view (``job_out``)."""
    from service.schemas import JobOut
    from service.usecases.jobs import job_out
    from service.usecases.queries import get_job

    setup(client, now)
    repeats(client, now)
    for ref in ("J-1", "R-1", "R-2"):
        with Session(engine) as session:
            orm = JobOut.model_validate(job_out(get_job(session, ref), now))
        assert client.get(f"/api/v1/jobs/{ref}").json() == orm.model_dump(mode="json"), ref


def test_a_scoped_token_reads_the_job_once_for_the_check_and_the_answer(client, engine, now):
    setup(client, now)
    client.app.state.loop_reads = LoopReads(0)  # the engine's path, as above
    headers = {"Authorization": f"Bearer {token(engine, now, 'YG')}"}
    assert client.get("/api/v1/jobs/J-1", headers=headers).status_code == 200  # last use noted
    with selects(engine) as seen:
        resp = client.get("/api/v1/jobs/J-1", headers=headers)
        other = client.get("/api/v1/jobs/J-2", headers=headers)
    assert resp.status_code == 200 and resp.json()["ref"] == "J-1"
    assert other.status_code == 403  # another estate's job: still refused
    tokens = [s for s in seen if "api_tokens" in s]
    assert not tokens and len(seen) == 2, seen  # the token was remembered from the first
