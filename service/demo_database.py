"""Whether the demo may make or replace a database: what it holds (absent, empty, made by the
demo, an office's data), read without changing it, and removing a SQLite file with its side
files."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url

#: Who the demo's records say made them (the audit log's actor, the jobs' source).
DEMO_ACTOR = "demo"

# ---------------------------------------------------------------- the database the demo uses
Holds = Literal["absent", "empty", "demo", "data", "unreadable"]


@dataclass(frozen=True, slots=True)
class DatabaseState:
    """What a database holds, for the demo to decide whether it may (re)make it."""

    holds: Holds
    #: The SQLite file, or None for another engine (PostgreSQL).
    path: Path | None
    #: What it holds, in a few words, for the refusal ("estates ACME; 1200 jobs").
    found: str = ""

    @property
    def replaceable(self) -> bool:
        """Absent, empty, or made by the demo: nothing of an office's would be lost."""
        return self.holds in ("absent", "empty", "demo")


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other engines); ``ValueError`` for an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise ValueError("an in-memory SQLite database cannot be served: name a file")
    return Path(parsed.database)


def inspect_database(url: str) -> DatabaseState:
    """What the database at ``url`` holds, read without changing it (a SQLite file is opened
    as it is, without the service's settings, so not even its journal mode changes)."""
    path = sqlite_path(url)
    if path is not None:
        if not path.exists():
            return DatabaseState("absent", path)
        if path.is_dir():
            return DatabaseState("unreadable", path, "a directory")
        if path.stat().st_size == 0:
            return DatabaseState("empty", path)
        engine = sa.create_engine(
            "sqlite://", creator=lambda: sqlite3.connect(path), poolclass=sa.pool.NullPool
        )
    else:
        from .db import make_engine

        engine = make_engine(url, poolclass=sa.pool.NullPool)
    try:
        with _reading(engine) as conn:
            holds, found = _holds(conn)
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        if path is None:
            raise
        return DatabaseState("unreadable", path, reason)
    finally:
        engine.dispose()
    return DatabaseState(holds, path, found)


@contextmanager
def _reading(engine: sa.Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        try:
            yield conn
        finally:
            conn.rollback()


def _holds(conn: Connection) -> tuple[Holds, str]:
    tables = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
    filled = sorted(
        t for t in tables if conn.execute(sa.text(f'SELECT 1 FROM "{t}" LIMIT 1')).first()
    )
    if not filled:
        return "empty", ""
    if not {"estates", "jobs", "audit_log"} <= tables:
        return "data", f"tables {', '.join(filled[:5])}"
    codes = list(conn.execute(sa.text("SELECT code FROM estates ORDER BY code")).scalars())
    by_demo = set(
        conn.execute(
            sa.text(
                "SELECT entity_id FROM audit_log WHERE action = 'estate.created'"
                " AND entity = 'estate' AND actor = :demo"
            ),
            {"demo": DEMO_ACTOR},
        ).scalars()
    )
    jobs = conn.execute(sa.text("SELECT count(*) FROM jobs")).scalar_one()
    own_jobs = conn.execute(
        sa.text("SELECT count(*) FROM jobs WHERE source <> :demo"), {"demo": DEMO_ACTOR}
    ).scalar_one()
    found = f"estates {', '.join(codes) or '-'}; {jobs} jobs"
    if codes and set(codes) <= by_demo and not own_jobs:
        return "demo", found
    if not codes and not jobs:
        # no estate and no job, only e.g. a token or a failed sign-in: still an office's
        return "data", f"tables {', '.join(filled[:5])}"
    return "data", found


def remove_sqlite(path: Path) -> None:
    """Delete a SQLite file and its side files (write-ahead log, shared memory, journal)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
