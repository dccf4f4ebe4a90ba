"""``Idempotency-Key`` on a callback and on a phone attempt: sent again (the client never saw
the answer), the same record is answered and nothing is stored twice; the same key with
another body is refused; keys are the caller's own; two requests with one key at once make one
callback; keys older than 30 days are deleted by the scheduler's cycle."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from service.config import get_settings
from service.models import AuditLog, Callback, Job, PhoneAttempt, Rectification, RequestKey
from service.scheduler import run_cycle
from service.schemas import CallbackIn
from service.usecases.request_keys import KEEP_FOR, record_callback_once
from service.usecases.tokens import create_token

from .helpers import callback_body, job_body

URL = "/api/v1/jobs/J-1/callbacks"
CALLS = "/api/v1/jobs/J-1/phone-attempts"
CALL = {"staff": "张伟", "role": "lead", "at": "2026-05-10T15:00:00+08:00", "outcome": "no_answer"}


@pytest.fixture
def job(client, estate):
    assert client.post("/api/v1/jobs", json=job_body()).status_code == 201


def count(engine, table) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def test_the_same_key_again_answers_the_first_callback(client, job, engine):
    key = {"Idempotency-Key": "6f1c2d9e-0b7a-4c1e-9a57-1d2f3e4a5b6c"}
    body = callback_body(problems="水管仍在滴水")  # opens a rectification too
    first = client.post(URL, json=body, headers=key)
    again = client.post(URL, json=body, headers=key)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert first.json()["rectification_id"] is not None
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert count(engine, Callback) == 1 and count(engine, Rectification) == 1
    assert count(engine, RequestKey) == 1
    with Session(engine) as session:
        actions = session.exec(select(AuditLog.action)).all()
    assert actions.count("callback.recorded") == 1


def test_no_key_or_new_keys_make_a_callback_each(client, job, engine):
    assert client.post(URL, json=callback_body()).status_code == 201
    assert client.post(URL, json=callback_body()).status_code == 201
    assert (
        client.post(URL, json=callback_body(), headers={"Idempotency-Key": "a"}).status_code == 201
    )
    assert (
        client.post(URL, json=callback_body(), headers={"Idempotency-Key": "b"}).status_code == 201
    )
    assert count(engine, Callback) == 4


def test_the_same_key_with_another_callback_is_refused_and_stores_nothing(client, job, engine):
    key = {"Idempotency-Key": "k-1"}
    assert client.post(URL, json=callback_body(), headers=key).status_code == 201
    other = client.post(URL, json=callback_body(staff="李娜"), headers=key)
    assert other.status_code == 422
    assert "another request" in other.json()["detail"]
    assert count(engine, Callback) == 1


@pytest.mark.parametrize("key", ["", "has space", "x" * 201, "钥匙".encode()])
def test_a_key_that_cannot_be_one_is_422(client, job, engine, key):
    response = client.post(URL, json=callback_body(), headers={"Idempotency-Key": key})
    assert response.status_code == 422, response.text
    assert "Idempotency-Key" in response.json()["detail"]
    assert count(engine, Callback) == 0


def test_keys_are_each_callers_own(client, job, engine, now):
    with Session(engine) as session:
        _, token = create_token(
            session, name="phone", role="lead", estate="YG", expires_at=None, actor="t", now=now
        )
        session.commit()
    key = {"Idempotency-Key": "same"}
    assert client.post(URL, json=callback_body(), headers=key).status_code == 201
    as_token = {**key, "Authorization": f"Bearer {token}"}
    second = client.post(URL, json=callback_body(), headers=as_token)
    assert second.status_code == 201 and "idempotent-replayed" not in second.headers
    assert count(engine, Callback) == 2


def test_two_requests_with_one_key_at_once_make_one_callback(client, job, engine):
    """Both run the use case together, each in its own session (a thread each): one stores,
    the other waits for the job's lock (PostgreSQL) or the write lock (SQLite), then answers
    the first one's callback."""
    cb_in = CallbackIn(**callback_body())
    now = datetime.fromisoformat("2026-05-12T10:00:00+08:00")
    start = threading.Barrier(2)
    answers: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            with Session(engine, expire_on_commit=False) as session:
                start.wait()
                callback, _, replayed = record_callback_once(
                    session=session, ref="J-1", cb_in=cb_in, now=now, actor="api", key="twice"
                )
                answers.append((callback.id, replayed))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert len({callback_id for callback_id, _ in answers}) == 1
    assert sorted(replayed for _, replayed in answers) == [False, True]
    assert count(engine, Callback) == 1


def calls_of(engine) -> tuple[int, int]:
    with Session(engine) as session:
        job = session.exec(select(Job).where(Job.ref == "J-1")).one()
        return job.calls, job.failed_calls


def test_a_phone_attempt_sent_again_with_its_key_is_recorded_once(client, job, engine):
    key = {"Idempotency-Key": "call-2f7d"}
    first = client.post(CALLS, json=CALL, headers=key)
    again = client.post(CALLS, json=CALL, headers=key)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert count(engine, PhoneAttempt) == 1
    assert calls_of(engine) == (1, 1)  # the job's counts, and so its next step, moved once
    with Session(engine) as session:
        actions = session.exec(select(AuditLog.action)).all()
    assert actions.count("phone_attempt.recorded") == 1
    # without a key, or with a new one, each call is its own
    assert client.post(CALLS, json=CALL).status_code == 201
    new_key = {"Idempotency-Key": "call-2f7e"}
    assert client.post(CALLS, json=CALL, headers=new_key).status_code == 201
    assert count(engine, PhoneAttempt) == 3 and calls_of(engine) == (3, 3)


def test_a_phone_attempts_key_with_another_body_or_write_is_refused(client, job, engine):
    key = {"Idempotency-Key": "k-call"}
    assert client.post(CALLS, json=CALL, headers=key).status_code == 201
    other = client.post(CALLS, json={**CALL, "outcome": "busy"}, headers=key)
    assert other.status_code == 422 and "another request" in other.json()["detail"]
    # the same key for a callback names another request too
    as_callback = client.post(URL, json=callback_body(), headers=key)
    assert as_callback.status_code == 422 and "another request" in as_callback.json()["detail"]
    assert count(engine, PhoneAttempt) == 1 and count(engine, Callback) == 0
    assert calls_of(engine) == (1, 1)
    bad = client.post(CALLS, json=CALL, headers={"Idempotency-Key": "has space"})
    assert bad.status_code == 422 and "Idempotency-Key" in bad.json()["detail"]
    assert count(engine, PhoneAttempt) == 1


def test_a_refused_phone_attempt_keeps_no_key(client, job, engine):
    """The attempt fails its checks (a call before the repair was done): nothing is stored,
    the key neither, so the corrected attempt can be sent with the same key."""
    key = {"Idempotency-Key": "k-early"}
    early = client.post(CALLS, json={**CALL, "at": "2026-05-01T09:00:00+08:00"}, headers=key)
    assert early.status_code == 422, early.text
    assert count(engine, RequestKey) == 0 and count(engine, PhoneAttempt) == 0
    assert client.post(CALLS, json=CALL, headers=key).status_code == 201
    assert count(engine, PhoneAttempt) == 1


def test_keys_older_than_30_days_are_deleted_by_the_scheduler_cycle(client, job, engine, now):
    old = client.post(URL, json=callback_body(), headers={"Idempotency-Key": "old"})
    assert old.status_code == 201, old.text
    assert client.post(CALLS, json=CALL, headers={"Idempotency-Key": "new"}).status_code == 201
    with Session(engine) as session:
        created = {k.key: k.created_at for k in session.exec(select(RequestKey))}
    assert set(created) == {"old", "new"}
    with Session(engine) as session:
        old = session.exec(select(RequestKey).where(RequestKey.key == "old")).one()
        old.created_at = created["new"] - KEEP_FOR - timedelta(seconds=1)
        session.add(old)
        session.commit()
    run_cycle(engine, get_settings(), as_of=created["new"] + timedelta(minutes=5))
    with Session(engine) as session:
        assert set(session.exec(select(RequestKey.key))) == {"new"}
    # the deleted key's callback stays; only the key is gone
    assert count(engine, Callback) == 1
    run_cycle(engine, get_settings(), as_of=created["new"] + KEEP_FOR + timedelta(seconds=1))
    assert count(engine, RequestKey) == 0
