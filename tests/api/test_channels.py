"""Notification channels for real: e-mail to a local SMTP server the test starts (aiosmtpd),
a signed webhook to a local HTTP receiver; failures retried by the delivery loop, never sent
twice, refusals shown as failed."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from email import message_from_bytes, policy
from http.server import ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, select

from service.channels import (
    SIGNATURE_HEADER,
    EmailChannel,
    LogChannel,
    WebhookChannel,
    channels_for,
    webhook_signature,
)
from service.config import Settings, get_settings
from service.models import Notification
from service.usecases.notifications import deliver, make_due
from tests.support.gateway import Gateway as Receiver
from tests.support.gateway import Inbox, free_port

from .helpers import job_body

REMINDER_TIME = datetime(2026, 5, 12, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def receiver():
    Receiver.answers, Receiver.seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", Receiver
    server.shutdown()


def office(client, **staff):
    client.put("/api/v1/estates/YG", json={"name": "阳光花园"})
    client.post("/api/v1/staff", json={"estate": "YG", "name": "张伟", "role": "lead", **staff})
    client.post("/api/v1/jobs", json=job_body())  # a lead's job, due 13 May 09:30


def remind(engine, channels, when=REMINDER_TIME):
    with Session(engine, expire_on_commit=False) as session:
        make_due(session=session, settings=get_settings(), as_of=when)
        return deliver(session=session, channels=channels, now=when)


def rows(engine):
    with Session(engine) as session:
        return list(session.exec(select(Notification)).all())


def test_an_email_reaches_the_smtp_server_in_the_recipients_language(client, engine, smtp):
    controller, inbox = smtp
    office(client, email="zhang@example.com", notify_by="email")
    settings = Settings(smtp_host="127.0.0.1", smtp_port=controller.port, smtp_starttls=False)
    report = remind(engine, channels_for(settings))
    assert report.sent == 1 and len(inbox.messages) == 1
    mail = message_from_bytes(inbox.messages[0], policy=policy.default)
    assert mail["To"] == "zhang@example.com" and mail["Subject"] == "回访提醒：J-1"
    body = mail.get_content()
    assert "05-13 09:30" in body and "/s/" in body  # the deadline and the job's staff link
    assert remind(engine, channels_for(settings)).sent == 0  # made once, sent once
    assert len(inbox.messages) == 1


def test_without_an_address_the_email_fails_for_good(client, engine, smtp):
    controller, _inbox = smtp
    office(client, notify_by="email")
    settings = Settings(smtp_host="127.0.0.1", smtp_port=controller.port, smtp_starttls=False)
    assert remind(engine, {"log": LogChannel(), "email": EmailChannel(settings)}).failed == 1
    (row,) = rows(engine)
    assert row.status == "failed" and "no e-mail address" in row.error


def test_an_unreachable_mail_server_is_retried(client, engine):
    office(client, email="zhang@example.com", notify_by="email")
    settings = Settings(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout=2)
    report = remind(engine, {"log": LogChannel(), "email": EmailChannel(settings)})
    assert report.retried == 1
    (row,) = rows(engine)
    assert row.status == "queued" and row.attempts == 1 and row.next_attempt_at > REMINDER_TIME


def test_a_signed_webhook_is_retried_after_a_5xx_and_sent_once(client, engine, receiver):
    url, seen = receiver
    seen.answers = [503]
    office(client, phone="13800001111", notify_by="webhook")
    channels = {
        "log": LogChannel(),
        "webhook": WebhookChannel(Settings(webhook_url=url, webhook_secret="s3cret")),
    }
    assert remind(engine, channels).retried == 1
    (row,) = rows(engine)
    later = row.next_attempt_at
    with Session(engine) as session:
        assert deliver(session=session, channels=channels, now=later).sent == 1
    assert len(seen.seen) == 2
    headers, body = seen.seen[-1]
    assert headers[SIGNATURE_HEADER] == webhook_signature("s3cret", body)
    payload = json.loads(body)
    assert payload["to"]["phone"] == "13800001111" and payload["kind"] == "reminder"
    assert headers["Idempotency-Key"] == f"huifang-notification-{payload['id']}"


def test_a_webhook_refusal_is_shown_as_failed(client, engine, receiver):
    url, seen = receiver
    seen.answers = [400]
    office(client, notify_by="webhook")
    channels = {
        "log": LogChannel(),
        "webhook": WebhookChannel(Settings(webhook_url=url, webhook_secret="k")),
    }
    assert remind(engine, channels).failed == 1


def test_a_channel_not_set_up_falls_back_to_the_log(client, engine):
    office(client, notify_by="webhook")
    assert remind(engine, channels_for(Settings())).sent == 1


@pytest.mark.postgres
def test_two_scheduler_processes_make_and_send_each_notification_once(pg_engine, receiver):
    """Two `huifang remind --once` processes at the same moment on one PostgreSQL database:
    every notification is made once and posted once (unique key per person, SKIP LOCKED)."""
    import os
    import subprocess
    import sys

    from service.schemas import EstateIn, JobIn, StaffIn
    from service.usecases.estates import put_estate
    from service.usecases.jobs import upsert_job
    from service.usecases.staff import upsert_staff
    from tests.conftest import _empty

    url, seen = receiver
    _empty(pg_engine)
    with Session(pg_engine) as session:
        put_estate(session=session, code="YG", estate_in=EstateIn(name="阳光花园"), actor="t")
        for name, role in (("张伟", "lead"), ("刘洋", "lead"), ("李主管", "supervisor")):
            staff = StaffIn(estate="YG", name=name, role=role, notify_by="webhook")
            upsert_staff(session=session, staff_in=staff, actor="t")
        for n in range(20):  # due 13 May 09:30; the leads' get reminders
            body = job_body(f"J-{n:02d}", unit=f"{n}-101")
            upsert_job(session=session, job_in=JobIn(**body), actor="t")
    env = {
        **os.environ,
        "HUIFANG_DATABASE_URL": pg_engine.url.render_as_string(hide_password=False),
        "HUIFANG_WEBHOOK_URL": url,
        "HUIFANG_WEBHOOK_SECRET": "s3cret",
    }
    command = [sys.executable, "-m", "service.cli", "remind", "--once"]
    command += ["--as-of", REMINDER_TIME.isoformat()]
    procs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0].decode() for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    with Session(pg_engine) as session:
        made = session.exec(select(Notification)).all()
    keys = [(n.key, n.staff_id) for n in made]
    assert len(made) >= 20 and len(keys) == len(set(keys))
    assert {n.status for n in made} == {"sent"}
    posted = [headers["Idempotency-Key"] for headers, _body in seen.seen]
    assert sorted(posted) == sorted(f"huifang-notification-{n.id}" for n in made)  # once each
