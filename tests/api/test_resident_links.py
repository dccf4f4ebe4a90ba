"""The resident's confirmation link sent by text, WeChat or e-mail, for real: a signed webhook to
a local HTTP receiver, an e-mail to a local SMTP server (aiosmtpd); recorded first, limited per
job, retried by the scheduler and never sent twice, shown with the address masked."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlmodel import Session, col, select

from service.channels import SIGNATURE_HEADER, webhook_signature
from service.config import get_settings
from service.http.deps import get_now
from service.models import AuditLog, Job, ResidentLinkSend
from service.scheduler import run_cycle
from tests.support.gateway import (
    SECRET,
    Gateway,
    Inbox,
    Refusing,
    free_port,
    serve_gateway,
    serve_mail,
)

from .helpers import job_body

PHONE = "13800001234"
MASKED = "138****1234"
EMAIL = "zhao.min@example.com"


# ---------------------------------------------------------------- a gateway and a mail server


@pytest.fixture
def gateway(monkeypatch) -> Iterator[type[Gateway]]:
    """An SMS/WeChat gateway on loopback, and the service pointed at it."""
    yield from serve_gateway(monkeypatch)


@pytest.fixture
def mailbox(monkeypatch) -> Iterator[Inbox]:
    yield from serve_mail(monkeypatch, Inbox())


@pytest.fixture
def refusing_mailbox(monkeypatch) -> Iterator[Inbox]:
    yield from serve_mail(monkeypatch, Refusing())


# ---------------------------------------------------------------- helpers


@pytest.fixture
def job(client, estate):
    response = client.post("/api/v1/jobs", json=job_body(resident_phone=PHONE))
    assert response.status_code == 201, response.text
    return response.json()


def send(client, ref: str = "J-1", **body: Any):
    return client.post(f"/api/v1/jobs/{ref}/resident-link", json={"channel": "sms", **body})


def at(client, when: datetime) -> None:
    client.app.dependency_overrides[get_now] = lambda: when


def sends(engine) -> list[ResidentLinkSend]:
    with Session(engine) as session:
        return list(session.exec(select(ResidentLinkSend).order_by(ResidentLinkSend.id)).all())


def resident_path(link: str) -> str:
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# ---------------------------------------------------------------- by text and WeChat


@pytest.mark.parametrize("channel", ["sms", "wechat"])
def test_a_text_goes_to_the_gateway_signed_with_the_link_and_is_shown_masked(
    client, engine, job, gateway, now, channel
):
    response = send(client, channel=channel)
    assert response.status_code == 202, response.text
    out = response.json()
    assert out["status"] == "sent" and out["channel"] == channel and out["to"] == MASKED
    assert out["attempts"] == 1 and out["error"] is None and out["job"] == "J-1"
    assert out["requested_by"] == "admin"
    assert datetime.fromisoformat(out["sent_at"]) == now
    assert PHONE not in response.text

    ((headers, body),) = gateway.seen
    assert headers[SIGNATURE_HEADER] == webhook_signature(SECRET, body)
    assert headers["Idempotency-Key"] == f"huifang-resident-link-{out['id']}"
    payload = json.loads(body)
    assert payload["kind"] == "resident_link" and payload["channel"] == channel
    assert payload["to"] == {"phone": PHONE} and payload["language"] == "zh_CN"
    assert payload["link"].startswith(f"{get_settings().public_base_url}/r/")
    assert (
        payload["text"]
        == f"阳光花园：您好，请为 3栋2单元1201 的维修回访确认并签名：{payload['link']}"
    )

    listed = client.get("/api/v1/jobs/J-1/resident-links")
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert listed.json()["data"][0]["to"] == MASKED and PHONE not in listed.text
    (row,) = sends(engine)
    assert row.address == PHONE and row.address_masked == MASKED and row.status == "sent"


def test_the_link_in_the_message_opens_the_resident_page_and_takes_the_answer(client, job, gateway):
    assert send(client).status_code == 202
    link = json.loads(gateway.seen[0][1])["link"]
    page = client.get(resident_path(link))
    assert page.status_code == 200 and "维修回访确认" in page.text
    assert MASKED in page.text and PHONE not in page.text
    answer = {"satisfaction": "satisfied", "refused": True, "refuse_reason": "不方便签名"}
    answer["submission_key"] = "resident-link-answer-1"
    posted = client.post(
        urlsplit(link).path,
        content=json.dumps(answer),
        headers={"Content-Type": "application/json"},
    )
    assert posted.status_code == 201, posted.text
    confirmations = client.get("/api/v1/jobs/J-1/confirmations").json()
    assert confirmations["count"] == 1 and confirmations["data"][0]["satisfaction"] == "satisfied"


def test_an_english_message_opens_the_resident_page_in_english(client, job, gateway):
    assert send(client, language="en").json()["language"] == "en"
    payload = json.loads(gateway.seen[0][1])
    assert payload["language"] == "en" and payload["link"].endswith("?lang=en")
    assert payload["text"].startswith("阳光花园: hello, please confirm the repair at 3栋2单元1201")
    page = client.get(resident_path(payload["link"]))
    assert page.status_code == 200 and "Confirm your repair" in page.text


def test_each_send_is_in_the_audit_log_with_the_address_masked(client, engine, job, gateway):
    out = send(client).json()
    with Session(engine) as session:
        entries = session.exec(
            select(AuditLog).where(col(AuditLog.action).startswith("resident_link."))
        ).all()
    assert [e.action for e in entries] == ["resident_link.requested", "resident_link.sent"]
    assert entries[0].detail["to"] == MASKED and entries[0].detail["send_id"] == out["id"]
    assert all(PHONE not in json.dumps(e.detail) for e in entries)


# ---------------------------------------------------------------- by e-mail


def test_an_email_reaches_the_mail_server_and_only_its_masked_address_is_shown(
    client, engine, job, mailbox
):
    response = send(client, channel="email", to=EMAIL, language="en")
    assert response.status_code == 202, response.text
    out = response.json()
    assert out["status"] == "sent" and out["to"] == "z***@example.com"
    (raw,) = mailbox.messages
    mail = message_from_bytes(raw, policy=policy.default)
    assert (
        mail["To"] == EMAIL
        and mail["Subject"] == "阳光花园: please confirm the repair at 3栋2单元1201"
    )
    assert mail["Message-ID"] == f"<huifang-resident-link-{out['id']}@127.0.0.1>"
    text = mail.get_content()
    assert "/r/" in text and "?lang=en" in text and "valid for 30 days" in text
    listed = client.get("/api/v1/jobs/J-1/resident-links")
    assert EMAIL not in listed.text and "z***@example.com" in listed.text
    assert sends(engine)[0].address == EMAIL


def test_a_refused_email_fails_for_good_and_its_error_shows_the_address_masked(
    client, engine, job, refusing_mailbox
):
    out = send(client, channel="email", to=EMAIL).json()
    assert out["status"] == "failed" and out["attempts"] == 1
    assert "554" in out["error"] and "z***@example.com" in out["error"]
    assert EMAIL not in json.dumps(out) and EMAIL not in sends(engine)[0].error


# ---------------------------------------------------------------- refusals


def test_the_second_send_within_two_minutes_is_refused_with_retry_after(
    client, engine, job, gateway, now
):
    assert send(client).status_code == 202
    at(client, now + timedelta(seconds=30))
    again = send(client, channel="wechat")
    assert again.status_code == 429
    assert again.headers["Retry-After"] == "90"
    assert (
        "too often" in again.json()["detail"]
        and "2026-05-20T12:02:00+08:00" in again.json()["detail"]
    )
    assert len(sends(engine)) == 1 and len(gateway.seen) == 1  # nothing recorded, nothing sent
    at(client, now + timedelta(minutes=2))
    assert send(client).status_code == 202


def test_at_most_five_sends_a_day_per_job(client, engine, job, gateway, now):
    for n in range(5):
        at(client, now + timedelta(minutes=3 * n))
        assert send(client).status_code == 202
    at(client, now + timedelta(hours=2))
    refused = send(client)
    assert refused.status_code == 429 and "5 links per job a day" in refused.json()["detail"]
    assert int(refused.headers["Retry-After"]) == 22 * 3600
    assert len(sends(engine)) == 5
    at(client, now + timedelta(hours=24, seconds=1))
    assert send(client).status_code == 202


def test_a_send_that_failed_for_good_does_not_count_against_the_limit(client, engine, job, gateway):
    gateway.answers = [400]
    first = send(client).json()
    assert first["status"] == "failed" and first["error"] == "gateway refused it: 400"
    assert send(client).json()["status"] == "sent"


@pytest.mark.parametrize(
    ("body", "job_phone", "words"),
    [
        ({"channel": "sms"}, None, "no resident phone number"),
        ({"channel": "wechat"}, "12-34", "no resident phone number"),
        ({"channel": "email"}, PHONE, 'needs the resident\'s address in "to"'),
        ({"channel": "sms", "to": EMAIL}, PHONE, '"to" is for e-mail only'),
        ({"channel": "email", "to": "not an address"}, PHONE, "must be one e-mail address"),
        ({"channel": "fax"}, PHONE, "channel"),
        ({"channel": "sms", "cc": "x"}, PHONE, "cc"),
    ],
)
def test_a_missing_or_wrong_address_is_422_and_nothing_is_recorded(
    client, engine, estate, gateway, mailbox, body, job_phone, words
):
    client.post("/api/v1/jobs", json=job_body(resident_phone=job_phone))
    response = client.post("/api/v1/jobs/J-1/resident-link", json=body)
    assert response.status_code == 422, response.text
    assert words in response.json()["detail"]
    assert sends(engine) == [] and gateway.seen == [] and mailbox.messages == []


@pytest.mark.parametrize(
    ("body", "setting"),
    [
        ({"channel": "sms"}, "HUIFANG_WEBHOOK_URL and HUIFANG_WEBHOOK_SECRET"),
        ({"channel": "wechat"}, "HUIFANG_WEBHOOK_URL and HUIFANG_WEBHOOK_SECRET"),
        ({"channel": "email", "to": EMAIL}, "HUIFANG_SMTP_HOST"),
    ],
)
def test_a_channel_not_set_up_is_409_naming_the_setting(client, engine, job, body, setting):
    response = client.post("/api/v1/jobs/J-1/resident-link", json=body)
    assert response.status_code == 409
    assert response.json()["detail"].endswith(f"is not set up in this service: set {setting}")
    assert sends(engine) == []


def test_a_secret_without_a_url_still_names_what_is_missing(client, engine, job, monkeypatch):
    monkeypatch.setenv("HUIFANG_WEBHOOK_SECRET", SECRET)
    get_settings.cache_clear()
    try:
        response = send(client)
    finally:
        monkeypatch.delenv("HUIFANG_WEBHOOK_URL", raising=False)
        monkeypatch.delenv("HUIFANG_WEBHOOK_SECRET", raising=False)
        get_settings.cache_clear()
    assert response.status_code == 409 and response.json()["detail"].endswith("HUIFANG_WEBHOOK_URL")


def test_an_unknown_job_is_404(client, estate, gateway):
    assert send(client, "NOPE").status_code == 404
    listed = client.get("/api/v1/jobs/NOPE/resident-links")
    assert listed.status_code == 404 and "not found" in listed.json()["detail"]


def test_a_cancelled_job_is_not_sent_a_link(client, engine, job, gateway):
    with Session(engine) as session:
        row = session.exec(select(Job)).one()
        row.state = "cancelled"
        session.add(row)
        session.commit()
    response = send(client)
    assert response.status_code == 409 and "cancelled" in response.json()["detail"]
    assert sends(engine) == []


def test_the_api_needs_the_bearer_key(client, job, gateway):
    response = client.post(
        "/api/v1/jobs/J-1/resident-link", json={"channel": "sms"}, headers={"Authorization": ""}
    )
    assert response.status_code == 401 and gateway.seen == []


# ---------------------------------------------------------------- retried by the scheduler


def test_a_transient_failure_is_retried_by_one_scheduler_cycle_and_sent_once(
    client, engine, job, gateway, now
):
    gateway.answers = [503]
    out = send(client).json()
    assert out["status"] == "queued" and out["attempts"] == 1
    assert out["error"] == "gateway answered 503" and out["sent_at"] is None
    (row,) = sends(engine)
    assert row.next_attempt_at == now + timedelta(seconds=30)

    run_cycle(engine, get_settings(), now + timedelta(seconds=10))  # not due yet
    assert len(gateway.seen) == 1
    run_cycle(engine, get_settings(), now + timedelta(seconds=30))
    (row,) = sends(engine)
    assert row.status == "sent" and row.attempts == 2 and row.error is None
    assert row.sent_at == now + timedelta(seconds=30)
    run_cycle(engine, get_settings(), now + timedelta(hours=2))
    assert len(gateway.seen) == 2  # sent, never again
    (first_headers, first), (second_headers, second) = gateway.seen
    assert first == second  # the same message, the same link
    assert first_headers["Idempotency-Key"] == second_headers["Idempotency-Key"]
    listed = client.get("/api/v1/jobs/J-1/resident-links").json()["data"]
    assert listed[0]["status"] == "sent" and listed[0]["attempts"] == 2


def test_an_unreachable_gateway_is_retried_with_back_off_and_then_fails(
    client, engine, job, now, monkeypatch
):
    monkeypatch.setenv("HUIFANG_WEBHOOK_URL", f"http://127.0.0.1:{free_port()}/hook")
    monkeypatch.setenv("HUIFANG_WEBHOOK_SECRET", SECRET)
    get_settings.cache_clear()
    try:
        out = send(client).json()
        assert out["status"] == "queued" and out["error"].startswith("gateway not reached")
        when = now
        for _ in range(10):
            when += timedelta(hours=1)
            run_cycle(engine, get_settings(), when)
    finally:
        monkeypatch.delenv("HUIFANG_WEBHOOK_URL", raising=False)
        monkeypatch.delenv("HUIFANG_WEBHOOK_SECRET", raising=False)
        get_settings.cache_clear()
    (row,) = sends(engine)
    assert row.status == "failed" and row.attempts == 8


def test_a_send_interrupted_mid_flight_is_retried_after_its_lease(
    client, engine, job, gateway, now
):
    """A process that died between recording and sending: the row stays queued, claimed for
    five minutes, then the scheduler sends it."""
    with Session(engine) as session:
        session.add(
            ResidentLinkSend(
                job_id=session.exec(select(Job)).one().id,
                channel="sms",
                address=PHONE,
                address_masked=MASKED,
                requested_by="张伟",
                attempts=1,
                next_attempt_at=now + timedelta(minutes=5),
                created_at=now,
            )
        )
        session.commit()
    run_cycle(engine, get_settings(), now + timedelta(minutes=1))
    assert gateway.seen == []
    run_cycle(engine, get_settings(), now + timedelta(minutes=5))
    (row,) = sends(engine)
    assert row.status == "sent" and len(gateway.seen) == 1


@pytest.mark.postgres
def test_two_schedulers_on_postgresql_send_each_queued_link_once(pg_engine, gateway, now):
    from service.channels.residents import ResidentLinkSender
    from service.schemas import EstateIn, JobIn
    from service.usecases.estates import put_estate
    from service.usecases.jobs import upsert_job
    from service.usecases.resident_links import retry_due
    from tests.conftest import _empty

    _empty(pg_engine)
    with Session(pg_engine) as session:
        put_estate(session=session, code="YG", estate_in=EstateIn(name="阳光花园"), actor="t")
        for n in range(12):
            upsert_job(session=session, job_in=JobIn(**job_body(f"J-{n:02d}")), actor="t")
        ids = [j.id for j in session.exec(select(Job)).all()]
        for job_id in ids:
            session.add(
                ResidentLinkSend(
                    job_id=job_id,
                    channel="sms",
                    address=PHONE,
                    address_masked=MASKED,
                    requested_by="t",
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        session.commit()
    settings = get_settings()
    barrier = threading.Barrier(2)

    def scheduler() -> None:
        barrier.wait()
        with Session(pg_engine, expire_on_commit=False) as session:
            retry_due(
                session=session, sender=ResidentLinkSender(settings), settings=settings, now=now
            )

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    keys = sorted(headers["Idempotency-Key"] for headers, _body in gateway.seen)
    with Session(pg_engine) as session:
        rows = session.exec(select(ResidentLinkSend)).all()
    assert {r.status for r in rows} == {"sent"} and {r.attempts for r in rows} == {1}
    assert keys == sorted(f"huifang-resident-link-{r.id}" for r in rows)  # once each
