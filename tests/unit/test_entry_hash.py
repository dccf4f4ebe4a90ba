"""The audit chain's hash taken from a detail encoded once (``entry_hash_of``) is the hash
of the whole entry (``entry_hash``): the chain a bulk insert writes verifies like any other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain import evidence as E

# Lone surrogates cannot be stored as UTF-8: the service refuses them before they get here.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
MOMENTS = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
) | st.datetimes(timezones=st.just(timezone(timedelta(hours=8))), min_value=datetime(1, 1, 2))


@settings(max_examples=300, deadline=None)
@given(
    prev=st.sampled_from([E.GENESIS, "ab" * 32]),
    chain=st.integers(min_value=0, max_value=10**9),
    seq=st.integers(min_value=1, max_value=10**9),
    at=MOMENTS,
    actor=TEXT,
    action=TEXT,
    entity=TEXT,
    entity_id=TEXT,
    detail=JSON,
)
def test_hash_of_an_encoded_detail_is_the_entry_hash(
    prev, chain, seq, at, actor, action, entity, entity_id, detail
):
    values = dict(
        chain=chain, seq=seq, at=at, actor=actor, action=action, entity=entity, entity_id=entity_id
    )
    entry = E.Entry(id=None, detail=detail, prev_hash=prev, hash="", **values)
    fast = E.entry_hash_of(prev, detail=E.canonical(detail), **values)
    assert fast == E.entry_hash(prev, entry.content())


def test_a_changed_detail_changes_the_hash():
    values = dict(
        chain=1,
        seq=2,
        at=datetime(2026, 3, 1, tzinfo=UTC),
        actor="odoo-sync",
        action="job.created",
        entity="job",
        entity_id="odoo-7",
    )
    one = E.entry_hash_of(E.GENESIS, detail=E.canonical({"title": "漏水"}), **values)
    other = E.entry_hash_of(E.GENESIS, detail=E.canonical({"title": "渗水"}), **values)
    assert one != other


@settings(max_examples=200, deadline=None)
@given(
    chain=st.integers(min_value=0, max_value=10**9),
    at=MOMENTS,
    actor=TEXT,
    action=TEXT,
    entity=TEXT,
    entries=st.lists(st.tuples(TEXT, JSON), min_size=1, max_size=5),
)
def test_one_hasher_for_entries_that_share_values_gives_each_its_entry_hash(
    chain, at, actor, action, entity, entries
):
    """A bulk creation hashes its entries with one ``entries_hasher``: each entry, and the
    chain they make, hash as ``entry_hash`` of the whole entry."""
    digest = E.entries_hasher(chain=chain, at=at, actor=actor, action=action, entity=entity)
    prev = E.GENESIS
    for seq, (entity_id, detail) in enumerate(entries, start=1):
        shared = dict(chain=chain, at=at, actor=actor, action=action, entity=entity)
        entry = E.Entry(
            id=None, seq=seq, entity_id=entity_id, detail=detail, prev_hash=prev, hash="", **shared
        )
        fast = digest(prev, seq, entity_id, E.canonical(detail))
        assert fast == E.entry_hash(prev, entry.content())
        prev = fast
