"""The event-loop reads (``service.loop_reads``): the same row as the engine's, and the
engine's path wherever the loop's cannot serve."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlmodel import Session

from service.loop_reads import LoopReads
from service.usecases.job_view import _READ, read_job

from .helpers import job_body


def _job(client) -> dict:
    answer = client.post("/api/v1/jobs", json=job_body("LR-1"))
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_the_route_answers_the_same_as_the_write(client, estate) -> None:
    made = _job(client)
    read = client.get("/api/v1/jobs/LR-1")
    assert read.status_code == 200
    assert read.json() == made
    assert client.get("/api/v1/jobs/LR-404").status_code == 404


def _with_reads(opened: bool, read: Callable[[LoopReads], Awaitable[Any]]) -> tuple[Any, int]:
    """``read(reads)`` on fresh event-loop reads (opened or not), closed afterwards; with the
    number of pools they started."""

    async def run() -> tuple[Any, int]:
        reads = LoopReads(2)
        if opened:
            reads.open()
        try:
            return await read(reads), len(reads._pools)
        finally:
            await reads.close()

    return asyncio.run(run())


def test_loop_row_equals_the_engine_row(client, estate, engine, now) -> None:
    _job(client)
    from service.db import read_one

    with Session(engine) as session:
        expected = read_one(session, _READ.select, {"ref": "LR-1"})

    async def loop_read(reads: LoopReads) -> tuple:
        with Session(engine) as session:
            row = await reads.one(session, _READ, {"ref": "LR-1"})
            fields = await read_job(reads, engine, "LR-1", now)
        return row, fields

    (row, fields), pools = _with_reads(True, loop_read)
    assert tuple(row) == tuple(expected)
    assert row.completed_at.tzinfo is not None and row.charge == expected.charge
    assert fields[0] == "YG"
    # PostgreSQL read from the loop's own pool; SQLite through the engine
    assert pools == (1 if engine.dialect.name == "postgresql" else 0)


@pytest.mark.parametrize("opened", [False, True])
def test_engine_path_when_closed_or_in_a_transaction(client, estate, engine, opened) -> None:
    _job(client)

    async def read(reads: LoopReads) -> Any:
        with Session(engine) as session:
            if opened:
                session.connection()  # a transaction is going: read inside it
            return await reads.one(session, _READ, {"ref": "LR-1"})

    row, pools = _with_reads(opened, read)
    assert row.ref == "LR-1"
    assert pools == 0


@pytest.mark.parametrize("opened", [False, True])
def test_an_engine_reads_without_a_session(client, estate, engine, opened) -> None:
    """The route's way: an engine, no session of the request's. Closed reads (and SQLite)
    take the engine's path in a worker thread with a session of their own; opened ones on
    PostgreSQL the loop's pool."""
    _job(client)

    async def read(reads: LoopReads) -> tuple:
        row = await reads.one(engine, _READ, {"ref": "LR-1"})
        return row, await reads.one(engine, _READ, {"ref": "LR-404"})

    (row, missing), pools = _with_reads(opened, read)
    assert row.ref == "LR-1" and row.estate_code == "YG"
    assert missing is None
    assert pools == (1 if opened and engine.dialect.name == "postgresql" else 0)
    with engine.connect() as conn:  # the engine's path gave its connection back
        assert engine.pool.checkedout() == 1
        conn.close()


def test_the_route_opens_no_session(client, estate) -> None:
    """The job read asks for the engine only: a request session (a generator dependency,
    made and closed around the request) would cost more than the read."""
    from service.db import get_session

    _job(client)

    def no_session():
        raise AssertionError("the job read asked for a session")
        yield  # a generator dependency, like the real one

    client.app.dependency_overrides[get_session] = no_session
    answer = client.get("/api/v1/jobs/LR-1")
    assert answer.status_code == 200, answer.text
    assert answer.json()["ref"] == "LR-1"
    # the override is live: a route that does take a session fails on it
    with pytest.raises(AssertionError, match="asked for a session"):
        client.get("/api/v1/jobs")
