"""Engine, sessions and migrations; what a database outage looks like from here.

An outage (PostgreSQL restarted or failed over, the network cut, no connection free in the
pool) is told apart from a refused change by ``unreachable``. The pool pings a connection
before lending it (``pool_pre_ping``), so the first request after a restart gets a fresh
connection instead of a dead one, and nothing needs restarting. A request's commits are
watched (``RequestCommits``): when the connection dies during a COMMIT, nobody can say
whether it was saved, and the answer says so instead of "nothing was saved".
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine, ExceptionContext
from sqlmodel import Session, create_engine

from .config import get_settings

MIGRATIONS = Path(__file__).with_name("migrations")
log = logging.getLogger("huifang.db")


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
        event.listen(engine, "checkin", _sqlite_durable_again)
    else:
        # A dead connection in the pool is found by a ping when it is lent, not by the
        # request that gets it; a server that does not answer is given up on in seconds
        # (libpq alone waits for the operating system's TCP timeout, minutes).
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("connect_args", {"connect_timeout": CONNECT_TIMEOUT_SECONDS})
        engine = create_engine(url, **kwargs)
    _watch_commits(engine)
    return engine


#: Seconds a new PostgreSQL connection may take to open before the attempt fails.
CONNECT_TIMEOUT_SECONDS = 10


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
    options = connection.get_execution_options()
    mode = options.get("sqlite_begin") or ("IMMEDIATE" if WRITE_REQUEST.get() else "DEFERRED")
    if options.get("huifang_durable") is False:  # ``begin_write(durable=False)``
        connection.exec_driver_sql("PRAGMA synchronous=NORMAL")  # not inside a transaction
        connection.info[_RELAXED] = True
    connection.exec_driver_sql(f"BEGIN {mode}")


#: Set on a pooled SQLite connection while its synchronous level is NORMAL.
_RELAXED = "huifang_relaxed"


def _sqlite_durable_again(dbapi_connection: Any, record: Any) -> None:
    """A connection back in the pool waits for the disk at each commit again (FULL), before
    anyone else gets it."""
    if record is not None and record.info.pop(_RELAXED, False):
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA synchronous=FULL")
        finally:
            cursor.close()


def begin_write(session: Session, *, durable: bool = True) -> None:
    """Start the session's transaction as a writer (SQLite: BEGIN IMMEDIATE; else a no-op).

    Call it first thing in a use case that writes; when the session already has a
    transaction going, that transaction is kept as it is.

    ``durable=False``, for a transaction whose every write can be made again from elsewhere
    (a run of the Odoo sync: its records go with its cursor, and are read again if lost):
    its commit does not wait for the disk. PostgreSQL: ``synchronous_commit`` off for it;
    SQLite: ``synchronous=NORMAL`` for it, FULL again when the connection goes back to the
    pool. A crash or power cut may lose the last such transactions, each whole (never part
    of one, nor anything else: the database stays consistent).
    """
    if session.in_transaction():
        return
    options: dict[str, Any] = {"sqlite_begin": "IMMEDIATE"}
    if not durable:
        options["huifang_durable"] = False
    connection = session.connection(execution_options=options)
    if not durable and connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


def read_one(session: Session, statement: Any, params: dict[str, Any]) -> Any:
    """The first row of a read that is one statement. When the session has no transaction
    yet, the statement runs outside one and the connection goes back to the pool at once: on
    PostgreSQL in autocommit (READ COMMITTED gives each statement its own snapshot anyway, and
    a BEGIN and a ROLLBACK around it would be two more round trips); on SQLite in a
    transaction of its own (no round trips there). Inside a transaction, in that one."""
    if session.in_transaction():
        return session.connection().execute(statement, params).first()
    options = {"isolation_level": "AUTOCOMMIT"}
    postgresql = session.get_bind().dialect.name == "postgresql"
    connection = session.connection(execution_options=options if postgresql else None)
    try:
        return connection.execute(statement, params).first()
    finally:
        session.rollback()  # nothing to roll back in autocommit: the connection is given back


def unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database could not be reached or went away (a restart, a
    failover, a cut network, a database too busy to answer, no free connection in the pool):
    worth trying again later, unlike a change the database refused."""
    if isinstance(exc, sa_exc.DBAPIError):
        return isinstance(exc, sa_exc.OperationalError) or exc.connection_invalidated
    if isinstance(exc, sa_exc.PendingRollbackError):
        # a connection that died inside a transaction, used again before the rollback
        return exc.code == "8s2b"
    return isinstance(exc, sa_exc.TimeoutError)  # no connection free in the pool in time


def error_summary(exc: BaseException) -> str:
    """What a log may say about a database error: its kinds and SQLSTATE, never its text
    (a driver's message may quote the row it refused)."""
    original = getattr(exc, "orig", None)
    if original is None:
        return type(exc).__name__
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return (
        f"{type(exc).__name__} ({type(original).__name__}{f', SQLSTATE {state}' if state else ''})"
    )


@dataclass
class RequestCommits:
    """What one request's transactions did (see ``watch_request``): the commits it began, the
    session commits that went through, whether the connection died during one (then nobody
    knows whether it was saved), and the error that found the database unreachable, if one
    did."""

    started: int = 0
    #: Session commits the database confirmed: a change of this request is saved, whatever
    #: a later statement meets (reading the answer back, say).
    saved: int = 0
    outcome_unknown: bool = False
    unreachable: BaseException | None = None
    #: The connection whose COMMIT is under way (or last went through).
    committing: Connection | None = None

    @property
    def maybe_saved(self) -> bool:
        """Whether something of the request may be saved: a commit went through, or one was
        cut off with its outcome unknown."""
        return self.outcome_unknown or self.saved > 0


_REQUEST_COMMITS: ContextVar[RequestCommits | None] = ContextVar(
    "huifang_request_commits", default=None
)


@contextmanager
def watch_request() -> Iterator[RequestCommits]:
    """Watch the commits made while the block runs (one request: the threads it hands work
    to see the same record)."""
    commits = RequestCommits()
    token = _REQUEST_COMMITS.set(commits)
    try:
        yield commits
    finally:
        _REQUEST_COMMITS.reset(token)


@contextmanager
def unwatched() -> Iterator[None]:
    """A block whose commits are no change of the request's client (a token's last use):
    whatever becomes of them, the request's answer does not speak of them."""
    token = _REQUEST_COMMITS.set(None)
    try:
        yield
    finally:
        _REQUEST_COMMITS.reset(token)


def request_commits() -> RequestCommits | None:
    """The record of the request being handled, if one is watched."""
    return _REQUEST_COMMITS.get()


def _watch_commits(engine: Engine) -> None:
    event.listen(engine, "commit", _commit_begins)
    event.listen(engine, "begin", _commit_over)
    event.listen(engine, "rollback", _commit_over)
    event.listen(engine, "handle_error", _commit_failed)


def _commit_begins(connection: Connection) -> None:
    commits = _REQUEST_COMMITS.get()
    if commits is not None:
        commits.started += 1
        commits.committing = connection


@event.listens_for(Session, "after_commit")
def _commit_went_through(session: Session) -> None:
    commits = _REQUEST_COMMITS.get()
    if commits is not None and not session.in_nested_transaction():  # a savepoint saves nothing yet
        commits.saved += 1


def _commit_over(connection: Connection) -> None:
    commits = _REQUEST_COMMITS.get()
    if commits is not None and commits.committing is connection:
        commits.committing = None


def _commit_failed(context: ExceptionContext) -> None:
    # A COMMIT's error has no statement; a lost connection leaves its outcome unknown (the
    # server may have committed before the answer was lost). A refused COMMIT (a deferred
    # constraint) is a known "not saved".
    commits = _REQUEST_COMMITS.get()
    if (
        commits is not None
        and context.statement is None
        and context.connection is not None
        and context.connection is commits.committing
        and context.is_disconnect
    ):
        commits.outcome_unknown = True


@dataclass
class OutageBackoff:
    """How long a background loop waits while the database is unreachable: ``first``
    seconds, doubling after each failure, never more than the loop's own ``interval``; so it
    neither hammers a database that is down nor sleeps a whole interval once it is back."""

    interval: float
    first: float = 2.0
    failures: int = 0

    def failed(self) -> float:
        """Count a failure; the seconds to wait before the next try."""
        self.failures += 1
        return min(self.interval, self.first * 2 ** (self.failures - 1))

    def recovered(self) -> int:
        """A try went through: how many had failed in a row before it (0: none)."""
        failures, self.failures = self.failures, 0
        return failures


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
    settings = get_settings()
    return make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )


def open_session() -> Iterator[Session]:
    """A session on the configured database, closed when the generator is."""
    session = Session(get_engine(), expire_on_commit=False)
    try:
        yield session
    finally:
        close_session(session)


async def get_session() -> AsyncIterator[Session]:
    """The request's session (a route dependency). It is made in the event loop, as making
    one reads and sends nothing, and closed in a worker thread when it still holds a
    connection, as giving that back may roll a transaction back (a round trip)."""
    session = Session(get_engine(), expire_on_commit=False)
    try:
        yield session
    finally:
        if session.in_transaction():
            # shielded: a client gone mid-request cancels the request, not this close (the
            # connection would otherwise stay checked out until the session is collected)
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(close_session, session)
        else:  # holds no connection (committed, rolled back, or never used): nothing to send
            close_session(session)


def close_session(session: Session) -> None:
    """Close ``session``; a connection found dead on the way out (the database restarted
    after the request's last statement) is let go quietly: the server rolled its transaction
    back when it ended, and the request has its answer already."""
    try:
        session.close()
    except sa_exc.SQLAlchemyError as exc:
        if not unreachable(exc):
            raise
        log.info("a session's connection was lost before it closed: %s", error_summary(exc))
