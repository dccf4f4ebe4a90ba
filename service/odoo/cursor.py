"""The incremental read of ``maintenance.request`` by a (write_date, id) cursor.

Odoo stores ``write_date`` with microseconds but returns it cut to whole seconds, so the
usual keyset ``write_date > T or (write_date = T and id > last)`` matches nothing on the
``=`` side and repeats pages on the ``>`` side. And in ``write_date`` order the records of one
second are not in id order, so an id cursor inside a second is only valid for a query
ordered by id. The read therefore alternates two queries:

- *from a second*: ``write_date >= S`` ordered ``write_date, id``. A full page is complete
  for every second before the last record's second ``L`` (ordering by the stored value puts
  all earlier seconds first); it holds only part of ``L``. All of it is stored, and the read
  goes on inside ``L`` leaving out the ids it already has (kept in memory only: after a
  restart the second is read again from its start, which is harmless).
- *inside a second*: ``S <= write_date < S + 1 s and id > last`` (and not among the ids
  already read) ordered by ``id``; when it runs dry the read goes on *from* ``S + 1 s``.

So nothing is stored twice in a run, even when one batch write put thousands of records in
one second, and nothing is skipped, whatever the microseconds say.

Every query asks for one record more than a page (``fetch_limit``) and stores at most a
page. The extra record tells what comes next without another call: after a page *from* a
second, an extra record in a later second means the page holds all of ``L`` (everything
of ``L`` sorts before it), so the read goes on from the extra record's second and the
inside-a-second query is not needed; after a page *inside* a second, no extra record means
the second is finished (no empty query when a second holds an exact number of pages). The
extra record itself is read again as the first of the next page.

A short page from a second ends the run with the cursor *at* its last second (not after
it), so records written later in that same second are read next time; records seen again
are recognised by their fingerprint and cost nothing.

The first read of all (no cursor yet, ``first_read``) goes *by id* instead: ``id > last``
ordered by ``id``, which Odoo serves from its primary key, where the ``write_date`` order
sorts every request not read yet for every page. It starts from the newest ``write_date``
there is, and when it has read the last id the cursor becomes that second: whatever was
written while it read (or committed late, within the look-back) is read again from there. An
interrupted first read goes on by id where its last committed page ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from service.odoo.mapping import format_odoo_datetime, parse_odoo_datetime


@dataclass(frozen=True, slots=True)
class Cursor:
    second: datetime | None = None
    last_id: int = 0
    in_second: bool = False
    #: Ids of ``second`` already read in this run (never stored).
    exclude: frozenset[int] = frozenset()
    #: The first read of all, by id: past ``last_id``, then from ``second``.
    by_id: bool = False

    def rewound(self, seconds: int) -> Cursor:
        """Start ``seconds`` earlier (catches transactions that committed late: Odoo stamps
        ``write_date`` at the start of a transaction, not at its commit). A first read by id
        goes on where it was."""
        if self.second is None or seconds <= 0 or self.by_id:
            return self
        return Cursor(self.second - timedelta(seconds=seconds), 0, False)


def first_read(newest: datetime | None) -> Cursor:
    """Where a first read of all starts: by id, to go on from ``newest`` (the newest
    ``write_date`` in Odoo when it starts; ``None``: no request yet, an ordinary read)."""
    return Cursor() if newest is None else Cursor(newest, 0, by_id=True)


def query(cursor: Cursor) -> tuple[list[Any], str]:
    """The domain and order of the next page."""
    if cursor.by_id:
        return [("id", ">", cursor.last_id)], "id asc"
    if cursor.second is None:
        return [], "write_date asc, id asc"
    start = format_odoo_datetime(cursor.second)
    if cursor.in_second:
        end = format_odoo_datetime(cursor.second + timedelta(seconds=1))
        domain: list[Any] = [
            ("write_date", ">=", start),
            ("write_date", "<", end),
            ("id", ">", cursor.last_id),
        ]
        if cursor.exclude:
            domain.append(("id", "not in", sorted(cursor.exclude)))
        return domain, "id asc"
    return [("write_date", ">=", start)], "write_date asc, id asc"


def second_of(record: dict[str, Any]) -> datetime:
    moment = parse_odoo_datetime(record.get("write_date"))
    if moment is None:  # Odoo always sets write_date; a record without one is read once
        return datetime(1970, 1, 1, tzinfo=UTC)
    return moment


@dataclass(frozen=True, slots=True)
class Step:
    """What to do with a page: process ``records``, then move to ``cursor``."""

    records: list[dict[str, Any]]
    cursor: Cursor
    finished: bool


def fetch_limit(page_size: int) -> int:
    """How many records to ask for: a page, and one more to see what follows it."""
    return page_size + 1


def advance(cursor: Cursor, page: list[dict[str, Any]], page_size: int) -> Step:
    """The step after reading ``page`` (up to ``fetch_limit(page_size)`` records) at
    ``cursor``: at most ``page_size`` records to store and where to read next."""
    more = len(page) > page_size
    records = page[:page_size] if more else page
    if cursor.by_id:
        if more:
            return Step(records, Cursor(cursor.second, records[-1]["id"], by_id=True), False)
        return Step(records, Cursor(cursor.second, 0, False), True)
    if cursor.in_second:
        assert cursor.second is not None
        if more:
            return Step(
                records, Cursor(cursor.second, records[-1]["id"], True, cursor.exclude), False
            )
        return Step(records, Cursor(cursor.second + timedelta(seconds=1), 0, False), False)
    if not records:
        return Step([], cursor, True)
    last = second_of(records[-1])
    if not more:
        return Step(records, Cursor(last, 0, False), True)
    following = second_of(page[page_size])
    if following > last:  # the page holds all of ``last``
        return Step(records, Cursor(following, 0, False), False)
    have = frozenset(r["id"] for r in records if second_of(r) >= last)
    return Step(records, Cursor(last, 0, True, have), False)
