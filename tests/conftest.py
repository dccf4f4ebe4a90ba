"""Fixtures shared by the whole suite.

``engine`` runs a test on SQLite and on PostgreSQL (a private cluster started once per run).
Each database is migrated once with Alembic; every test starts from empty tables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

os.environ.setdefault("HUIFANG_ENVIRONMENT", "test")
os.environ.setdefault("HUIFANG_ADMIN_API_KEY", "test-admin-key")
os.environ.setdefault("HUIFANG_SECRET_KEY", "test-secret-key-0123456789")

import socket  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import uvicorn  # noqa: E402

from service import heap  # noqa: E402
from service.app import create_app  # noqa: E402
from service.config import get_settings  # noqa: E402
from service.db import get_session, make_engine, migrate  # noqa: E402
from service.http.deps import get_db_engine, get_now  # noqa: E402

from .pg import Cluster, start_cluster  # noqa: E402

# The commands run here in-process (serve, sync, remind) freeze their start-up heap for the
# garbage collector (``service.heap.settle``); this process makes and drops apps, engines and
# sessions test after test, and all of them must stay collectable: it is never frozen
# (``tests/unit/test_heap.py`` freezes, and unfreezes, on purpose).
heap._settled = True

ADMIN_KEY = os.environ["HUIFANG_ADMIN_API_KEY"]
AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    try:
        cluster = start_cluster()
    except (FileNotFoundError, OSError) as exc:
        pytest.skip(f"PostgreSQL not available: {exc}")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_engine(pg_cluster: Cluster) -> Iterator[Engine]:
    admin = make_engine(pg_cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("CREATE DATABASE huifang_test"))
    admin.dispose()
    engine = make_engine(pg_cluster.url("huifang_test"))
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("sqlite") / "huifang.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    yield engine
    engine.dispose()


def _empty(engine: Engine) -> None:
    tables = [t for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            conn.execute(sa.text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
            for table in tables:
                conn.execute(table.delete())
            conn.execute(
                sa.text(
                    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
                    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
                )
            )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    name = "pg_engine" if request.param == "postgresql" else "sqlite_engine"
    engine: Engine = request.getfixturevalue(name)
    _empty(engine)
    return engine


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s


FIXED_NOW = datetime(2026, 5, 20, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


@pytest.fixture
def now() -> datetime:
    return FIXED_NOW


def app_on(engine: Engine, now: datetime) -> FastAPI:
    """A fresh app whose requests use ``engine`` (their sessions, and the routes that read
    without one) and whose clock stands at ``now``."""
    app = create_app()

    def _session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as s:
            yield s

    app.dependency_overrides[get_session] = _session
    app.dependency_overrides[get_now] = lambda: now
    app.dependency_overrides[get_db_engine] = lambda: engine  # routes reading without a session
    return app


@pytest.fixture
def client(engine: Engine, now: datetime) -> Iterator[TestClient]:
    """The app on the test database, with the clock fixed at ``now``."""
    app = app_on(engine, now)
    get_settings.cache_clear()
    with TestClient(app) as test_client:
        test_client.headers.update(AUTH)
        yield test_client
    app.dependency_overrides.clear()


@dataclass
class LiveServer:
    url: str
    engine: Engine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(sqlite_engine: Engine, now: datetime) -> Iterator[LiveServer]:
    """The whole app on a free loopback port, on the (emptied) SQLite test database."""
    _empty(sqlite_engine)
    app = app_on(sqlite_engine, now)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", engine=sqlite_engine)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
