"""The database restarted under a running app: every request that meets the outage is a 503
with a readable detail (never a 500), nothing is half written, and the same app answers again
once the database is back (its pool lends fresh connections), without a restart.

The database is on a cluster of this module's own (``tests.pg.own_database``), which the
tests stop, start and restart; the suite's shared cluster is never touched.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service.config import get_settings
from service.db import OutageBackoff, make_engine
from service.http.deps import SessionDep
from service.http.errors import BUSY, UNKNOWN
from service.loop_reads import LoopReads
from service.usecases.receipt_check import receipt_code
from tests.conftest import AUTH, FIXED_NOW, _empty, app_on
from tests.pg import Cluster, find_pg_bin, own_database

REF = "K-1"
CALLBACK = {
    "role": "lead",
    "staff": "张伟",
    "channel": "phone",
    "done_at": (FIXED_NOW - timedelta(hours=1)).isoformat(),
    "satisfaction": "satisfied",
}


@pytest.fixture(scope="module")
def restartable() -> Iterator[tuple[Cluster, Engine]]:
    if find_pg_bin() is None:
        pytest.skip("no PostgreSQL binaries (initdb, pg_ctl) found; set HUIFANG_PG_BIN")
    with own_database("outage") as database:
        yield database


@pytest.fixture
def cluster(restartable: tuple[Cluster, Engine]) -> Cluster:
    return restartable[0]


@pytest.fixture
def database(restartable: tuple[Cluster, Engine]) -> Engine:
    engine = restartable[1]
    _empty(engine)
    return engine


@pytest.fixture
def api(database: Engine) -> Iterator[TestClient]:
    """The app on the restartable database, with an estate and a job; a 500 would raise."""
    app = app_on(database, FIXED_NOW)
    get_settings.cache_clear()
    with TestClient(app) as client:
        client.headers.update(AUTH)
        assert client.put("/api/v1/estates/YG", json={"name": "阳光花园"}).status_code == 201
        job = {
            "ref": REF,
            "estate": "YG",
            "completed_at": (FIXED_NOW - timedelta(days=1)).isoformat(),
        }
        assert client.post("/api/v1/jobs", json=job).status_code == 201
        yield client
    app.dependency_overrides.clear()


def _recorded(engine: Engine) -> tuple[int, int]:
    """Callbacks stored, and the audit entries that record one."""
    with engine.connect() as conn:
        callbacks = conn.execute(sa.text("SELECT count(*) FROM callbacks")).scalar_one()
        audited = conn.execute(
            sa.text("SELECT count(*) FROM audit_log WHERE action = 'callback.recorded'")
        ).scalar_one()
    return callbacks, audited


def _unavailable(response: Any, detail: str = BUSY) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"detail": detail}
    assert response.headers["Retry-After"].isdigit()


@pytest.fixture
def once_on(database: Engine) -> Iterator[Any]:
    """``once_on(event_name, action, when)``: run ``action(connection)`` at the first such
    engine event whose statement ``when`` accepts (for ``commit``: the first commit)."""
    added: list[tuple[str, Any]] = []

    def install(name: str, action: Any, when: Any = lambda _statement: True) -> None:
        fired = False

        def listener(conn: Any, *args: Any) -> None:
            nonlocal fired
            statement = args[1] if len(args) > 1 else ""
            if not fired and when(statement):
                fired = True
                action(conn)

        event.listen(database, name, listener)
        added.append((name, listener))

    yield install
    for name, listener in added:
        event.remove(database, name, listener)


@pytest.mark.postgres
def test_every_request_meeting_the_outage_is_a_503_and_the_same_app_answers_after_it(
    api: TestClient, cluster: Cluster, database: Engine
):
    token = api.post("/api/v1/tokens", json={"name": "office", "role": "manager"}).json()["token"]
    scoped = {"Authorization": f"Bearer {token}"}
    assert api.get(f"/api/v1/jobs/{REF}", headers=scoped).status_code == 200
    with cluster.outage():
        _unavailable(api.get(f"/api/v1/jobs/{REF}"))  # tried again, then answered so
        _unavailable(api.get("/api/v1/compliance", params={"estate": "YG", "period": "2026-05"}))
        _unavailable(api.post(f"/api/v1/jobs/{REF}/callbacks", json=CALLBACK))
        # the scoped token is looked up by a middleware, before any route
        _unavailable(api.get(f"/api/v1/jobs/{REF}", headers=scoped))
        # a page: a receipt's check reads the signature its (genuine) code names
        unavailable_page = api.get(f"/v/{receipt_code(get_settings(), 1)}")
        _unavailable(unavailable_page)
        assert unavailable_page.headers["X-Content-Type-Options"] == "nosniff"
    # back: the same app, the same engine, its pool's dead connections replaced
    assert api.get(f"/api/v1/jobs/{REF}").status_code == 200
    assert api.get(f"/api/v1/jobs/{REF}", headers=scoped).status_code == 200
    assert api.post(f"/api/v1/jobs/{REF}/callbacks", json=CALLBACK).status_code == 201
    assert _recorded(database) == (1, 1)  # the refused one left nothing


@pytest.mark.postgres
def test_a_read_cut_off_by_a_restart_is_tried_again_and_answered(
    api: TestClient, cluster: Cluster, once_on: Any, caplog: pytest.LogCaptureFixture
):
    def restart(_conn: Any) -> None:
        cluster.halt()
        cluster.resume()

    # the engine's path (the event-loop reads' own restart is the test below)
    api.app.state.loop_reads = LoopReads(0)
    # the connection the request holds dies under it, as in a restart or a failover
    once_on("before_cursor_execute", restart, lambda statement: "FROM jobs" in statement)
    with caplog.at_level(logging.INFO, logger="huifang.errors"):
        response = api.get(f"/api/v1/jobs/{REF}")
    assert response.status_code == 200, response.text
    assert response.json()["ref"] == REF
    assert "answered at try 2 (database back)" in caplog.text


@pytest.mark.postgres
def test_an_event_loop_read_after_a_restart_takes_the_engines_path(
    api: TestClient, cluster: Cluster, caplog: pytest.LogCaptureFixture
):
    assert api.get(f"/api/v1/jobs/{REF}").status_code == 200  # the loop's pool is open
    cluster.halt()
    cluster.resume()
    with caplog.at_level(logging.INFO, logger="huifang.db"):
        response = api.get(f"/api/v1/jobs/{REF}")
    assert response.status_code == 200, response.text
    assert response.json()["ref"] == REF
    assert "an event-loop read went to the engine" in caplog.text
    assert api.get(f"/api/v1/jobs/{REF}").status_code == 200


@pytest.mark.postgres
def test_a_write_cut_off_before_its_commit_saves_nothing_and_says_so(
    api: TestClient, cluster: Cluster, database: Engine, once_on: Any
):
    def restart(_conn: Any) -> None:
        cluster.halt()
        cluster.resume()

    once_on("before_cursor_execute", restart, lambda s: s.startswith("INSERT INTO callbacks"))
    _unavailable(api.post(f"/api/v1/jobs/{REF}/callbacks", json=CALLBACK))  # not tried again
    assert _recorded(database) == (0, 0)
    # the client sends it again, as told: one callback, with its audit entry
    assert api.post(f"/api/v1/jobs/{REF}/callbacks", json=CALLBACK).status_code == 201
    assert _recorded(database) == (1, 1)


@pytest.mark.postgres
def test_a_commit_cut_off_says_nobody_knows_whether_it_was_saved(
    api: TestClient, cluster: Cluster, database: Engine, once_on: Any
):
    admin = make_engine(cluster.url(), isolation_level="AUTOCOMMIT")

    def end_session(conn: Any) -> None:  # the server ends the session as the COMMIT goes out
        pid = conn.connection.dbapi_connection.info.backend_pid
        with admin.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    once_on("commit", end_session)
    try:
        _unavailable(api.post(f"/api/v1/jobs/{REF}/callbacks", json=CALLBACK), UNKNOWN)
    finally:
        admin.dispose()
    callbacks, audited = _recorded(database)
    assert callbacks == audited <= 1  # the callback is there with its audit entry, or neither
    assert api.get(f"/api/v1/jobs/{REF}").status_code == 200


@pytest.mark.postgres
def test_a_callback_saved_as_the_database_goes_away_is_answered_from_what_was_written(
    api: TestClient, cluster: Cluster, database: Engine
):
    went_through: list[Session] = []

    def halt(session: Session) -> None:  # the database stops right after the COMMIT
        if not went_through and not session.in_nested_transaction():
            went_through.append(session)
            cluster.halt()

    event.listen(Session, "after_commit", halt)
    try:
        response = api.post(f"/api/v1/jobs/{REF}/callbacks", json=CALLBACK)
    finally:
        event.remove(Session, "after_commit", halt)
        cluster.resume()
    assert went_through
    assert response.status_code == 201, response.text
    assert response.json()["staff"] == CALLBACK["staff"]
    assert _recorded(database) == (1, 1)


@pytest.mark.postgres
def test_a_write_whose_commit_went_through_never_says_nothing_was_saved(
    api: TestClient, cluster: Cluster, database: Engine
):
    def saved_then_gone(session: SessionDep) -> dict[str, str]:
        session.execute(sa.text("UPDATE estates SET name = '阳光花园二期' WHERE code = 'YG'"))
        session.commit()
        cluster.halt()
        session.execute(sa.text("SELECT 1"))  # reading the answer back meets the outage
        return {}

    api.app.add_api_route("/api/v1/saved-then-gone", saved_then_gone, methods=["POST"])  # type: ignore[attr-defined]
    try:
        _unavailable(api.post("/api/v1/saved-then-gone"), UNKNOWN)
    finally:
        cluster.resume()
    with database.connect() as conn:
        name = conn.execute(sa.text("SELECT name FROM estates WHERE code = 'YG'")).scalar_one()
    assert name == "阳光花园二期"


@pytest.mark.postgres
def test_a_tokens_last_use_is_no_saved_change_of_the_request(
    api: TestClient, cluster: Cluster, database: Engine, once_on: Any
):
    lead = {"name": "维修主管", "role": "lead", "estate": "YG"}
    token = api.post("/api/v1/tokens", json=lead).json()["token"]

    def restart(_conn: Any) -> None:
        cluster.halt()
        cluster.resume()

    once_on("before_cursor_execute", restart, lambda s: s.startswith("INSERT INTO callbacks"))
    # the token's first use is written (committed) before the route's write is cut off
    response = api.post(
        f"/api/v1/jobs/{REF}/callbacks", json=CALLBACK, headers={"Authorization": f"Bearer {token}"}
    )
    _unavailable(response, BUSY)
    assert _recorded(database) == (0, 0)
    with database.connect() as conn:
        used = conn.execute(sa.text("SELECT last_used_at FROM api_tokens")).scalar_one()
    assert used is not None


@pytest.mark.parametrize(
    ("interval", "waits"),
    [
        (300, [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]),
        (5, [2, 4, 5, 5]),
    ],
)
def test_a_loop_waits_longer_while_the_database_stays_unreachable_never_past_its_interval(
    interval: int, waits: list[float]
):
    backoff = OutageBackoff(interval)
    assert [backoff.failed() for _ in waits] == waits
    assert backoff.recovered() == len(waits)
    assert backoff.recovered() == 0 and backoff.failed() == 2
