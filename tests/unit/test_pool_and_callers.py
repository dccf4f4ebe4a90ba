"""The database pool is sized by the settings, and API callers are remembered for
``token_cache_seconds`` by the request's clock, never past their token's expiry."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from service.config import get_settings
from service.db import get_engine
from service.http.access import Caller, KnownCallers

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CALLER = Caller(role="supervisor", name="t", token_id=7, estate_id=1, estate_code="YG")


@pytest.fixture
def fresh_engine() -> Iterator[None]:
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield
    get_engine.cache_clear()
    get_settings.cache_clear()


def test_the_pool_takes_its_size_from_the_settings(fresh_engine, monkeypatch, tmp_path):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", f"sqlite:///{tmp_path / 'pool.db'}")
    monkeypatch.setenv("HUIFANG_DB_POOL_SIZE", "3")
    monkeypatch.setenv("HUIFANG_DB_MAX_OVERFLOW", "4")
    pool = get_engine().pool
    assert pool.size() == 3  # type: ignore[attr-defined]
    assert pool._max_overflow == 4  # type: ignore[attr-defined]


def test_the_pool_refuses_a_size_of_nothing(fresh_engine, monkeypatch):
    monkeypatch.setenv("HUIFANG_DB_POOL_SIZE", "0")
    with pytest.raises(ValueError, match="db_pool_size"):
        get_settings()


def test_a_caller_is_remembered_for_the_seconds_set():
    callers = KnownCallers(5)
    callers.keep("hf_key", CALLER, None, NOW)
    assert callers.get("hf_key", NOW + timedelta(seconds=4.9)) == CALLER
    assert callers.get("hf_key", NOW + timedelta(seconds=5)) is None
    assert callers.get("hf_key", NOW - timedelta(seconds=1)) is None  # a clock set back
    assert callers.get("hf_other", NOW) is None


def test_a_remembered_caller_ends_with_its_token():
    callers = KnownCallers(5)
    callers.keep("hf_key", CALLER, NOW + timedelta(seconds=2), NOW)
    assert callers.get("hf_key", NOW + timedelta(seconds=1)) == CALLER
    assert callers.get("hf_key", NOW + timedelta(seconds=2)) is None


def test_forgetting_drops_every_caller_and_zero_seconds_keeps_none():
    callers = KnownCallers(5)
    callers.keep("hf_key", CALLER, None, NOW)
    callers.forget()
    assert callers.get("hf_key", NOW) is None
    never = KnownCallers(0)
    never.keep("hf_key", CALLER, None, NOW)
    assert never.get("hf_key", NOW) is None


def test_a_cancelled_request_still_gives_its_connection_back(fresh_engine, monkeypatch, tmp_path):
    """The request's session is closed even when the request is cancelled (a client gone):
    the close in the worker thread is shielded from the cancellation."""
    import anyio

    from service.db import get_session

    monkeypatch.setenv("HUIFANG_DATABASE_URL", f"sqlite:///{tmp_path / 'cancel.db'}")
    pool = get_engine().pool

    async def request() -> None:
        sessions = get_session()
        session = await sessions.__anext__()
        session.connection()  # a transaction going, a connection checked out
        assert pool.checkedout() == 1  # type: ignore[attr-defined]
        with anyio.CancelScope() as scope:
            scope.cancel()
            await sessions.aclose()
        assert not session.in_transaction()

    # a thread of its own: its own event loop, whatever the test run left in this thread
    failures: list[BaseException] = []
    runner = threading.Thread(target=lambda: _run(anyio.run, request, failures))
    runner.start()
    runner.join(30)
    assert not failures, failures
    assert pool.checkedout() == 0  # type: ignore[attr-defined]


def _run(run: Any, coroutine: Any, failures: list[BaseException]) -> None:
    try:
        run(coroutine)
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        failures.append(exc)
