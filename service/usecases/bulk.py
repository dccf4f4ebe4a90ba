"""Rows written and looked up by the thousand (a first Odoo sync): ``COPY`` on PostgreSQL,
``INSERT ... VALUES`` of hundreds of rows at a time on SQLite; ``column IN (...)`` with its
values as one parameter.

psycopg sends an ``executemany`` as one prepared statement per row, which costs more than the
rows themselves; ``COPY ... FROM STDIN`` streams them in one statement. Each column's
conversion for the database (``UTCDateTime``, JSON...) is the one SQLAlchemy would apply, and
a database error comes back as SQLAlchemy's (``IntegrityError``, ``OperationalError``...), so
callers handle both paths alike.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from itertools import chain, islice
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session

from ..models import UTCDateTime


class JSONText(str):
    """A JSON column's value already encoded (e.g. the canonical text an audit entry's hash
    was taken over): ``write_rows`` stores it as it is, where any other value is encoded by
    the column's type."""

    __slots__ = ()


#: Rows converted and sent at a time on PostgreSQL when ``write_rows`` is given an iterator:
#: the server stores the first ones while the caller makes the next.
STREAM_ROWS = 256


def write_rows(
    session: Session,
    table: sa.Table,
    rows: Iterable[dict[str, Any]],
    same: Mapping[str, Any] | None = None,
    meanwhile: Callable[[], Any] | None = None,
) -> Any:
    """INSERT ``rows`` (dicts with the same keys) into ``table`` in the session's
    transaction; ``same``: columns with one value for every row (given, and converted, once).

    Each column's conversion for the database is looked up once and applied here, so the
    driver gets ready values (SQLAlchemy's executemany would build and convert every row's
    parameters one by one, which costs more than the insert itself).

    ``rows`` may be an iterator that makes them (a generator): on PostgreSQL they are
    converted and sent ``STREAM_ROWS`` at a time as they come, so the server stores the
    first ones while the next are made; an error raised while making them ends the ``COPY``
    with nothing stored, and reaches the caller as it was raised.

    ``meanwhile``: work of the caller's that needs no database, run once the rows are on their
    way and returned. On PostgreSQL it runs while the server stores them (before the ``COPY``'s
    end is awaited: the server's work on the rows and their indexes and this process's on
    ``meanwhile`` overlap); on SQLite after the inserts."""
    conn = session.connection()
    dialect = conn.dialect
    rows = iter(rows)
    first = list(islice(rows, STREAM_ROWS)) if dialect.name == "postgresql" else list(rows)
    if not first:
        return meanwhile() if meanwhile is not None else None
    names = list(first[0])
    fixed = dict(same or {})
    constants = tuple(
        _column_values(table.c[name].type, dialect, [fixed], name)[0] for name in fixed
    )
    quote = dialect.identifier_preparer.quote
    target = f"{quote(table.name)} ({', '.join(quote(n) for n in [*names, *fixed])})"

    def converted(part: Sequence[dict[str, Any]]) -> list[Any]:
        return [_column_values(table.c[name].type, dialect, part, name) for name in names]

    if dialect.name != "postgresql":  # SQLite
        _insert_values(conn, target, constants, list(zip(*converted(first), strict=True)))
        return meanwhile() if meanwhile is not None else None
    sql = f"COPY {target} FROM STDIN"
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        with cursor.copy(sql) as copy:
            part = first
            while part:
                for row in zip(*converted(part), strict=True):
                    copy.write_row(row + constants)
                part = list(islice(rows, STREAM_ROWS))
            done = meanwhile() if meanwhile is not None else None
    except dialect.loaded_dbapi.Error as exc:
        lost = dialect.is_disconnect(exc, raw, cursor)
        if lost:
            conn.invalidate(exc)
        raise sa_exc.DBAPIError.instance(
            sql,
            None,
            exc,
            dialect.loaded_dbapi.Error,
            hide_parameters=True,
            connection_invalidated=lost,
            dialect=dialect,
        ) from exc
    finally:
        cursor.close()
    return done


def _insert_values(
    conn: sa.Connection,
    target: str,
    constants: tuple[Any, ...],
    rows: list[tuple[Any, ...]],
) -> None:
    """SQLite: as many rows per ``INSERT ... VALUES (...), (...)`` as its parameter limit
    allows, the columns of one value for all rows bound once (``?1``...) and named by each
    row. The same work as an ``executemany``, which however steps (and lets go of Python's
    GIL, to wait for it again while another thread runs) once per row."""
    raw = conn.connection.dbapi_connection
    assert isinstance(raw, sqlite3.Connection)
    width, fixed = len(rows[0]), len(constants)
    room = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - fixed
    if fixed:  # numbered (``?N``) parameters: finding each one's name is a scan of them all
        room = min(room, NUMBERED_VARIABLES)
    per = max(1, room // width)
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        conn.exec_driver_sql(
            _values_sql(target, width, fixed, len(chunk)),
            constants + tuple(chain.from_iterable(chunk)),
        )


#: At most this many numbered parameters in one ``INSERT``. Binding ``?N`` parameters looks up
#: every one's name, a scan of the statement's list of them (sqlite3's ``bind_parameters``):
#: a statement of n of them costs n², at 6,500 four times what plain ``?`` parameters cost.
NUMBERED_VARIABLES = 2000


@lru_cache(maxsize=64)
def _values_sql(target: str, width: int, fixed: int, count: int) -> str:
    """``INSERT INTO target VALUES`` of ``count`` rows of ``width`` values each, then the
    ``fixed`` values shared by all rows (bound once, first: ``?1``...)."""
    shared = [f"?{n}" for n in range(1, fixed + 1)]
    if not shared:  # plain ``?``: the parameters in order
        one = f"({', '.join(['?'] * width)})"
        return f"INSERT INTO {target} VALUES {', '.join([one] * count)}"
    first = fixed + 1
    values = (
        f"({', '.join([*(f'?{first + i * width + j}' for j in range(width)), *shared])})"
        for i in range(count)
    )
    return f"INSERT INTO {target} VALUES {', '.join(values)}"


def _column_values(
    column_type: Any, dialect: sa.Dialect, rows: Sequence[dict[str, Any]], name: str
) -> list[Any]:
    convert = column_type.dialect_impl(dialect).bind_processor(dialect)
    values = [row[name] for row in rows]
    if convert is None:
        return values
    if isinstance(column_type, UTCDateTime):  # few distinct times (now, a batch's)
        convert = _pg_text if dialect.name == "postgresql" else _sqlite_text
        seen: dict[datetime, Any] = {}
        return [seen[v] if v in seen else seen.setdefault(v, convert(v)) for v in values]
    if isinstance(column_type, sa.JSON):
        return [v if type(v) is JSONText else convert(v) for v in values]
    if isinstance(column_type, sa.Boolean):  # three values: each converted once
        known = {False: convert(False), True: convert(True), None: convert(None)}
        return [known[v] if v in known else convert(v) for v in values]
    return [convert(v) for v in values]


def _naive_utc(value: datetime) -> datetime:
    """``UTCDateTime``'s bind conversion: the naive UTC time of an aware one."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def _pg_text(value: datetime | None) -> str | None:
    """A UTC column's value for ``COPY``: the naive UTC time as PostgreSQL's own text of it
    (``2026-01-01 03:04:05.123456``, the fraction left out when it is 0), which it reads back
    as the same time. psycopg's dumper of a datetime costs several times this."""
    return None if value is None else str(_naive_utc(value).replace(tzinfo=None))


def _sqlite_text(value: datetime | None) -> str | None:
    """A UTC column's value on SQLite: the text SQLAlchemy's ``DATETIME`` stores
    (``2026-01-01 03:04:05.000000``, always six decimals: SQLite compares times as text),
    made in a single step, where its processor fills a format from a dict of the parts (a
    test compares the stored texts)."""
    if value is None:
        return None
    return _naive_utc(value).replace(tzinfo=None).isoformat(" ", "microseconds")


def among(session: Session, column: Any, values: Sequence[int] | Sequence[str]) -> Any:
    """``column IN values`` with the values as one parameter (a PostgreSQL array; a JSON
    array read by SQLite's ``json_each``): a page's hundreds of ids are one bind, where
    ``in_`` makes, converts and sends one each."""
    if session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.literal(list(values), type_=ARRAY(column.type)))
    items = sa.func.json_each(json.dumps(list(values))).table_valued("value")
    return column.in_(sa.select(items.c.value))
