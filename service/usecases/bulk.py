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
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from itertools import chain
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


def write_rows(
    session: Session,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    same: Mapping[str, Any] | None = None,
    meanwhile: Callable[[], Any] | None = None,
) -> Any:
    """INSERT ``rows`` (dicts with the same keys) into ``table`` in the session's
    transaction; ``same``: columns with one value for every row (given, and converted, once).

    Each column's conversion for the database is looked up once and applied here, so the
    driver gets ready values (SQLAlchemy's executemany would build and convert every row's
    parameters one by one, which costs more than the insert itself).

    ``meanwhile``: work of the caller's that needs no database, run once the rows are on their
    way and returned. On PostgreSQL it runs while the server stores them (before the ``COPY``'s
    end is awaited: the server's work on the rows and their indexes and this process's on
    ``meanwhile`` overlap); on SQLite after the inserts."""
    if not rows:
        return meanwhile() if meanwhile is not None else None
    conn = session.connection()
    dialect = conn.dialect
    names = list(rows[0])
    columns = [_column_values(table.c[name].type, dialect, rows, name) for name in names]
    fixed = dict(same or {})
    constants = tuple(
        _column_values(table.c[name].type, dialect, [fixed], name)[0] for name in fixed
    )
    quote = dialect.identifier_preparer.quote
    target = f"{quote(table.name)} ({', '.join(quote(n) for n in [*names, *fixed])})"
    if dialect.name != "postgresql":  # SQLite
        _insert_values(conn, target, constants, list(zip(*columns, strict=True)))
        return meanwhile() if meanwhile is not None else None
    sql = f"COPY {target} FROM STDIN"
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        with cursor.copy(sql) as copy:
            for row in zip(*columns, strict=True):
                copy.write_row(row + constants)
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
        if dialect.name == "postgresql":
            convert = _as_text(convert)
        seen: dict[datetime, Any] = {}
        return [seen[v] if v in seen else seen.setdefault(v, convert(v)) for v in values]
    if isinstance(column_type, sa.JSON):
        return [v if type(v) is JSONText else convert(v) for v in values]
    if isinstance(column_type, sa.Boolean):  # three values: each converted once
        known = {False: convert(False), True: convert(True), None: convert(None)}
        return [known[v] if v in known else convert(v) for v in values]
    return [convert(v) for v in values]


def _as_text(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A UTC column's value for ``COPY``: the naive UTC time as PostgreSQL's own text of it
    (``str`` of a naive datetime: ``2026-01-01 03:04:05.123456``), which it reads back as the
    same time. psycopg's dumper of a datetime costs several times ``str``'s."""

    def text(value: Any) -> Any:
        naive = convert(value)
        return None if naive is None else str(naive)

    return text


def among(session: Session, column: Any, values: Sequence[int] | Sequence[str]) -> Any:
    """``column IN values`` with the values as one parameter (a PostgreSQL array; a JSON
    array read by SQLite's ``json_each``): a page's hundreds of ids are one bind, where
    ``in_`` makes, converts and sends one each."""
    if session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.literal(list(values), type_=ARRAY(column.type)))
    items = sa.func.json_each(json.dumps(list(values))).table_valued("value")
    return column.in_(sa.select(items.c.value))
