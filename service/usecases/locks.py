"""One runner at a time on a database, across processes: a named lock that dies with its holder.

PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) taken on a connection of
its own and held for the ``with`` block. Its key is fixed per name, so every instance on the
database contends for the same lock; when the holder dies its connection closes and the lock
goes with it, so another instance takes over at its next try.

SQLite: an exclusive ``flock`` on a file beside the database (``huifang.db.<name>.lock``),
which the operating system drops when its process dies. A database in memory belongs to one
process: a lock in memory serves it.

Nobody waits: ``try_lock`` says at once whether the block got the lock.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Engine

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system
    fcntl = None  # type: ignore[assignment]

_IN_MEMORY: dict[str, threading.Lock] = {}
_IN_MEMORY_GUARD = threading.Lock()


def lock_key(name: str) -> int:
    """The advisory lock key of ``name``: the same 64-bit number in every instance."""
    digest = hashlib.sha256(f"huifang:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def try_lock(engine: Engine, name: str) -> Iterator[bool]:
    """Hold the lock ``name`` on ``engine``'s database for the block, if nobody else does.

    Yields ``True`` when the block holds it, ``False`` when another process (or thread) does;
    the lock is released when the block ends."""
    if engine.dialect.name == "postgresql":
        with _advisory(engine, lock_key(name)) as held:
            yield held
    elif engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:" or database.startswith("file::memory:"):
            with _in_memory(f"{id(engine)}:{name}") as held:
                yield held
        else:
            with _lock_file(f"{database}.{name}.lock") as held:
                yield held
    else:  # pragma: no cover - the service runs on SQLite or PostgreSQL
        yield True


@contextmanager
def _advisory(engine: Engine, key: int) -> Iterator[bool]:
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    held = False
    try:
        held = bool(
            connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
        )
        yield held
    finally:
        try:
            if held:
                connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        except Exception:  # the connection broke: closing it for good lets the lock go
            connection.invalidate()
            raise
        finally:
            connection.close()


@contextmanager
def _lock_file(path: str) -> Iterator[bool]:
    if fcntl is None:  # pragma: no cover
        yield True
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _in_memory(name: str) -> Iterator[bool]:
    with _IN_MEMORY_GUARD:
        lock = _IN_MEMORY.setdefault(name, threading.Lock())
    if not lock.acquire(blocking=False):
        yield False
        return
    try:
        yield True
    finally:
        lock.release()
