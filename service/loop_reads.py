"""Reads of one statement that run in the event loop, for the API's busiest reads.

A plain route runs in FastAPI's thread pool, and so does a read made with the (synchronous)
engine: each hand-over between the event loop and a worker thread costs more CPU than the
read itself. On PostgreSQL, ``LoopReads.one`` runs the statement on a psycopg
``AsyncConnection`` from a small pool of its own (``HUIFANG_DB_LOOP_POOL_SIZE`` connections
per process, in autocommit: a read of one statement needs no transaction), straight from
the event loop. The statement stays a SQLAlchemy Core ``Select``: it is compiled once for
PostgreSQL, and its columns are read back through their SQLAlchemy types, so a row is what
the engine would have given.

Everything else takes the engine's path, in a worker thread (``service.db.read_one``): SQLite,
a session already in a transaction, an app whose lifespan has not opened the reads (a test
client used without ``with``), a pool with no connection free in ``WAIT_SECONDS``, and a
connection found dead (PostgreSQL restarted: the engine pings before lending, and so either
answers or raises what ``service.db.unreachable`` knows as an outage, and the pool's dead
connections are replaced in the background).
"""

from __future__ import annotations

import asyncio
import logging
from collections import namedtuple
from collections.abc import Callable
from typing import Any

import anyio.to_thread
import psycopg
import sqlalchemy as sa
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy.dialects import postgresql
from sqlmodel import Session

from .db import CONNECT_TIMEOUT_SECONDS, read_one

log = logging.getLogger("huifang.db")

#: Seconds a read waits for a connection of the pool before it takes the engine's path.
WAIT_SECONDS = 2.0

_DIALECT = postgresql.dialect(paramstyle="pyformat")  # type: ignore[no-untyped-call]


class LoopStatement:
    """A Core ``Select`` compiled for PostgreSQL, with the result processors of its columns
    (made from the first answer's column types, as the engine does)."""

    def __init__(self, select: sa.Select) -> None:
        self.select = select
        compiled = select.compile(dialect=_DIALECT)
        self.sql = compiled.string
        self._types = [column.type for column in select.selected_columns]
        self._row = namedtuple("Row", list(select.selected_columns.keys()))  # type: ignore[misc]
        self._processors: list[Callable[[Any], Any] | None] | None = None

    @property
    def described(self) -> bool:
        """Whether the column types of an answer are known (``row`` needs no description)."""
        return self._processors is not None

    def row(self, values: tuple[Any, ...], description: Any) -> Any:
        processors = self._processors
        if processors is None:
            processors = self._processors = [
                kind.dialect_impl(_DIALECT).result_processor(_DIALECT, column.type_code)
                for kind, column in zip(self._types, description, strict=True)
            ]
        return self._row._make(
            value if process is None or value is None else process(value)
            for process, value in zip(processors, values, strict=True)
        )


class LoopReads:
    """The event-loop reads of one app, opened and closed by its lifespan (``open``,
    ``close``); a pool per PostgreSQL engine its sessions are bound to."""

    def __init__(self, pool_size: int) -> None:
        self._size = pool_size
        self._pools: dict[sa.Engine, asyncio.Future[AsyncConnectionPool]] = {}
        self._opened = False

    def open(self) -> None:
        self._opened = True

    async def close(self) -> None:
        self._opened = False
        pools, self._pools = self._pools, {}
        for future in pools.values():
            pool = await future
            await pool.close()

    async def one(
        self, source: Session | sa.Engine, statement: LoopStatement, params: dict[str, Any]
    ) -> Any:
        """The first row of ``statement`` (``None`` when there is none), read through
        ``source``: a session (inside its transaction when it has one), or an engine (a
        request that needs no session of its own: its engine's path opens one in the worker
        thread)."""
        pool = await self._pool(source)
        if pool is not None:
            try:
                async with pool.connection(timeout=WAIT_SECONDS) as conn:
                    cursor = await conn.execute(statement.sql, params)
                    values = await cursor.fetchone()
                    # described once: psycopg builds a column object per column per access
                    description = None if statement.described else cursor.description
            except (psycopg.OperationalError, PoolTimeout) as exc:
                log.info("an event-loop read went to the engine: %s", type(exc).__name__)
            else:
                return None if values is None else statement.row(values, description)
        return await anyio.to_thread.run_sync(_engine_path, source, statement.select, params)

    async def _pool(self, source: Session | sa.Engine) -> AsyncConnectionPool | None:
        if not self._opened or self._size < 1:
            return None
        if isinstance(source, Session):
            if source.in_transaction():
                return None
            bind = source.get_bind()
        else:
            bind = source
        if bind.dialect.name != "postgresql":
            return None
        engine = bind.engine
        future = self._pools.get(engine)
        if future is None:
            future = self._pools[engine] = asyncio.ensure_future(self._start(engine.url))
        return await future

    async def _start(self, url: sa.URL) -> AsyncConnectionPool:
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        pool = AsyncConnectionPool(
            conninfo,
            min_size=1,
            max_size=self._size,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_SECONDS},
            open=False,
            name="huifang-loop-reads",
        )
        await pool.open(wait=False)
        return pool


def _engine_path(source: Session | sa.Engine, select: sa.Select, params: dict[str, Any]) -> Any:
    """The read through the engine, in the session given or in one of its own."""
    if isinstance(source, Session):
        return read_one(source, select, params)
    with Session(source) as session:
        return read_one(session, select, params)
