"""The (write_date, id) cursor never loops and never skips, whatever the seconds hold."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from service.odoo import cursor as cur
from tests.support.odoo_standin import Store

BASE = datetime(2026, 5, 1, 8, 0, 0)


def read_all(
    store: Store, page_size: int, start: cur.Cursor = cur.Cursor(), queries: list[int] | None = None
) -> tuple[list[int], cur.Cursor]:
    """Run the cursor over the store's requests like a sync run does; return ids processed
    (and append the size of each page read to ``queries``)."""
    seen: list[int] = []
    cursor = start
    for _ in range(10_000):
        domain, order = cur.query(cursor)
        recs = store.search(
            "maintenance.request", domain, limit=cur.fetch_limit(page_size), order=order
        )
        page = store.read("maintenance.request", recs, ["write_date"])
        if queries is not None:
            queries.append(len(page))
        step = cur.advance(cursor, page, page_size)
        seen.extend(r["id"] for r in step.records)
        cursor = step.cursor
        if step.finished:
            return seen, cursor
    raise AssertionError("the cursor did not finish: endless loop")


def store_with(write_dates: list[datetime]) -> Store:
    store = Store(addon=False, clock=lambda: BASE)
    for moment in write_dates:
        store.insert("maintenance.request", {"name": "r"}, now=moment)
    return store


def test_one_batch_write_larger_than_a_page_is_read_once():
    # One write gives 1,200 records the same write_date: the classic endless loop.
    store = store_with([BASE + timedelta(microseconds=123)] * 1200)
    seen, _ = read_all(store, page_size=500)
    assert sorted(seen) == list(range(1, 1201))
    assert len(seen) == len(set(seen))


def test_records_of_one_second_out_of_id_order_are_not_skipped():
    # Higher ids written earlier in the same second than lower ids, across a page boundary.
    moments = [BASE + timedelta(microseconds=900_000 - i * 1000) for i in range(10)]
    store = store_with(moments)
    seen, _ = read_all(store, page_size=3)
    assert sorted(seen) == list(range(1, 11))


@settings(max_examples=60, deadline=None)
@given(
    offsets=st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 999_999)), min_size=0, max_size=60
    ),
    page_size=st.integers(1, 7),
)
def test_every_record_is_read_exactly_once(offsets, page_size):
    store = store_with([BASE + timedelta(seconds=s, microseconds=us) for s, us in offsets])
    seen, last = read_all(store, page_size)
    assert sorted(seen) == list(range(1, len(offsets) + 1))
    # A later run from the stored cursor re-reads at most the last second, never the rest.
    again, _ = read_all(store, page_size, last)
    if offsets:
        last_second = max(s for s, _ in offsets)
        assert len(again) <= sum(1 for s, _ in offsets if s == last_second)


def test_one_query_a_page_when_seconds_are_spread():
    # The extra record shows the page ended with a whole second: no query inside it.
    store = store_with([BASE + timedelta(seconds=i, microseconds=7) for i in range(10)])
    queries: list[int] = []
    seen, _ = read_all(store, page_size=3, queries=queries)
    assert sorted(seen) == list(range(1, 11)) and len(seen) == 10
    assert len(queries) == 4  # 3 + 3 + 3 + 1 stored; never a query inside a second


def test_a_second_of_an_exact_number_of_pages_needs_no_empty_query():
    store = store_with([BASE + timedelta(microseconds=5)] * 1000)
    queries: list[int] = []
    seen, _ = read_all(store, page_size=500, queries=queries)
    assert sorted(seen) == list(range(1, 1001))
    assert queries == [501, 500, 0]  # from the second, inside it, from the next second


def test_a_first_read_goes_by_id_and_ends_at_the_newest_second():
    # write_dates out of id order: by id the pages need no second at all
    moments = [BASE + timedelta(seconds=(7 * i) % 5, microseconds=i) for i in range(12)]
    store = store_with(moments)
    newest = BASE + timedelta(seconds=4)
    start = cur.first_read(newest)
    assert cur.query(start) == ([("id", ">", 0)], "id asc")
    assert start.rewound(30) == start  # an interrupted first read goes on where it was
    queries: list[int] = []
    seen, last = read_all(store, page_size=5, start=start, queries=queries)
    assert seen == list(range(1, 13))  # in id order, each once
    assert queries == [6, 6, 2]  # 5 + 5 + 2 stored: one query a page
    assert last == cur.Cursor(newest, 0, False)  # then on from the newest second
    assert cur.first_read(None) == cur.Cursor()  # nothing in Odoo yet: an ordinary read


def test_an_interrupted_first_read_goes_on_by_id_past_its_last_page():
    store = store_with([BASE] * 9)
    step = cur.advance(
        cur.first_read(BASE),
        store.read("maintenance.request", store.search("maintenance.request", [], limit=5), []),
        4,
    )
    assert step.cursor == cur.Cursor(BASE, 4, by_id=True) and not step.finished
    seen, _ = read_all(store, page_size=4, start=step.cursor)
    assert seen == [5, 6, 7, 8, 9]


@settings(max_examples=60, deadline=None)
@given(
    offsets=st.lists(st.integers(0, 4), min_size=1, max_size=40),
    changed=st.lists(st.integers(0, 39), max_size=10),
    page_size=st.integers(1, 7),
)
def test_a_first_read_then_the_ordinary_one_miss_nothing_changed_meanwhile(
    offsets, changed, page_size
):
    """Records written while the first read runs (here: after it) are read by the next run,
    which starts from the newest second the first read began with."""
    store = store_with([BASE + timedelta(seconds=s) for s in offsets])
    newest = BASE + timedelta(seconds=max(offsets))
    seen, last = read_all(store, page_size, cur.first_read(newest))
    assert seen == list(range(1, len(offsets) + 1))
    later = BASE + timedelta(seconds=5)
    ids = sorted({i % len(offsets) + 1 for i in changed})
    for rid in ids:
        store.records["maintenance.request"][rid]["write_date"] = later
    again, _ = read_all(store, page_size, last)
    assert set(ids) <= set(again)
