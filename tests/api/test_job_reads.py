"""What reading one job asks of the database: the job and its estate in one query, and with a
scoped token the access check's read of the job is the route's too (one query more for the
token, none for the check)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlmodel import Session

from service.usecases.tokens import create_token


@contextmanager
def selects(engine: sa.Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "INSERT", "DELETE")):
            seen.append(statement)

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


def token(engine, now, estate: str) -> str:
    with Session(engine) as session:
        _, key = create_token(
            session, name="t", role="supervisor", estate=estate, expires_at=None, actor="t", now=now
        )
        session.commit()
    return key


def test_a_job_and_its_estate_are_one_query(client, engine, now):
    setup(client, now)
    with selects(engine) as seen:
        resp = client.get("/api/v1/jobs/J-1")
    assert resp.status_code == 200 and resp.json()["estate"] == "YG"
    assert len(seen) == 1, seen
    assert "estates" in seen[0] and "jobs" in seen[0]


def test_a_scoped_token_reads_the_job_once_for_the_check_and_the_answer(client, engine, now):
    setup(client, now)
    headers = {"Authorization": f"Bearer {token(engine, now, 'YG')}"}
    assert client.get("/api/v1/jobs/J-1", headers=headers).status_code == 200  # last use noted
    with selects(engine) as seen:
        resp = client.get("/api/v1/jobs/J-1", headers=headers)
        other = client.get("/api/v1/jobs/J-2", headers=headers)
    assert resp.status_code == 200 and resp.json()["ref"] == "J-1"
    assert other.status_code == 403  # another estate's job: still refused
    tokens = [s for s in seen if "api_tokens" in s]
    assert len(tokens) == 2 and len(seen) == 4, seen
