"""Engine, sessions and migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from .config import get_settings

MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """The engine for ``url`` (SQLite or PostgreSQL). Its errors never show the statement's
    parameters (``hide_parameters``): they hold residents' names and phone numbers, and an
    error's text ends up in logs."""
    kwargs["hide_parameters"] = True
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so that
    # SAVEPOINTs nest inside a real transaction (SQLAlchemy's documented recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a callback or signature the page has confirmed survives a crash or power cut.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


#: Set for the handling of a request that may write (POST, PUT...): its SQLite transactions
#: begin IMMEDIATE from the first statement, even when a dependency reads before the use case
#: writes (a read transaction cannot be upgraded while another writer holds the lock).
WRITE_REQUEST: ContextVar[bool] = ContextVar("huifang_write_request", default=False)


def _sqlite_begin(connection: Any) -> None:
    # Readers begin DEFERRED and never block anyone. A use case that will write begins
    # IMMEDIATE (see ``begin_write``): it takes the write lock up front, so two requests that
    # read and then write wait for each other (busy timeout) instead of failing with
    # "database is locked" when the second tries to upgrade its read lock.
    mode = connection.get_execution_options().get("sqlite_begin") or (
        "IMMEDIATE" if WRITE_REQUEST.get() else "DEFERRED"
    )
    connection.exec_driver_sql(f"BEGIN {mode}")


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer (SQLite: BEGIN IMMEDIATE; else a no-op).

    Call it first thing in a use case that writes; when the session already has a
    transaction going, that transaction is kept as it is.
    """
    if not session.in_transaction():
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


#: The PostgreSQL advisory lock key under which one process at a time migrates a database.
MIGRATE_LOCK = 0x6866_6D67  # "hfmg"


def migrate(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema up to ``revision`` (idempotent). On PostgreSQL, instances started at
    the same time wait for each other (an advisory lock held on a connection of its own), so
    the first migrates and the others find the schema at head."""
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), revision)
        return
    with engine.connect() as lock:
        lock.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATE_LOCK})")
        try:
            command.upgrade(alembic_config(engine), revision)
        finally:
            lock.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATE_LOCK})")
            lock.commit()


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


def get_session() -> Iterator[Session]:
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session
