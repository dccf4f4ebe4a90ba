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
