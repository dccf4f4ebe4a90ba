"""The staff page's "send the resident their link" control: signed-in staff send it from the job's
staff link, the record names them, the answer is worded in the page's language, and the page
shows only masked addresses."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from service.http.deps import get_now
from service.models import ResidentLinkSend
from tests.support.gateway import Gateway, Inbox, serve_gateway, serve_mail

from .helpers import add_staff, post_json, rows, setup_job, sign_in, token

PHONE = "13812345678"
MASKED = "138****5678"
EMAIL = "wang.li@example.com"


@pytest.fixture
def gateway(monkeypatch) -> Iterator[type[Gateway]]:
    yield from serve_gateway(monkeypatch)


@pytest.fixture
def mailbox(monkeypatch) -> Iterator[Inbox]:
    yield from serve_mail(monkeypatch, Inbox())


@pytest.fixture
def lead(client, session, now):
    setup_job(client, now)
    staff = add_staff(session, "zhang.yghy", "张伟", "lead")
    sign_in(client, "zhang.yghy")
    return staff


def card(html: str) -> str:
    """The control's part of the staff page."""
    found = re.search(r'<div class="card[^"]*" id="resident-link".*?(?=<form id="cb")', html, re.S)
    assert found, "the staff page has no resident-link control"
    return found.group(0)


def send(client, tok: str, **body):
    return post_json(client, f"/s/{tok}/resident-link", {"channel": "sms", **body})


def test_the_control_shows_the_masked_phone_and_the_channels_set_up(client, lead, gateway, now):
    page = client.get(f"/s/{token('staff', now)}")
    assert page.status_code == 200
    control = card(page.text)
    assert "发送确认链接给住户" in control and MASKED in control and PHONE not in control
    assert 'id="rl-ch-sms"' in control and 'id="rl-ch-sms" disabled' not in control
    assert 'value="email" id="rl-ch-email" disabled' in control  # no mail server set up
    assert "未开通" in control
    assert 'src="/static/resident_link.js"' in page.text
    assert client.get("/static/resident_link.js").status_code == 200


def test_without_any_channel_the_control_says_so(client, lead, now):
    control = card(client.get(f"/s/{token('staff', now)}").text)
    assert 'id="rl-none"' in control and 'id="rl-send"' not in control


def test_staff_send_the_link_and_the_record_names_them(client, session, lead, gateway, now):
    tok = token("staff", now)
    response = send(client, tok)
    assert response.status_code == 202, response.text
    out = response.json()
    assert out["status"] == "sent" and out["to"] == MASKED
    assert out["message"] == f"已发送至 {MASKED}：请住户点开链接确认并签名。"
    assert out["line"] == f"05-20 12:00 · 短信 · {MASKED} · 已发送 · 张伟"
    assert PHONE not in response.text
    (row,) = rows(session, select(ResidentLinkSend))
    assert row.requested_by == "张伟" and row.staff_id == lead.id and row.address == PHONE
    assert json.loads(gateway.seen[0][1])["to"] == {"phone": PHONE}

    control = card(client.get(f"/s/{tok}").text)
    assert f"短信 · {MASKED} · 已发送 · 张伟" in control and PHONE not in control
    assert 'class="card" id="resident-link"' in control  # shown once a link was sent


def test_an_email_address_never_comes_back_to_the_page(client, lead, mailbox, now):
    tok = token("staff", now)
    response = send(client, tok, channel="email", to=EMAIL)
    assert response.status_code == 202 and response.json()["to"] == "w***@example.com"
    assert EMAIL not in response.text and len(mailbox.messages) == 1
    page = client.get(f"/s/{tok}")
    assert EMAIL not in page.text and "w***@example.com" in card(page.text)


def test_sent_too_often_says_when_to_try_again_in_the_pages_language(
    client, session, lead, gateway, now
):
    tok = token("staff", now)
    assert send(client, tok).status_code == 202
    client.app.dependency_overrides[get_now] = lambda: now + timedelta(seconds=20)
    again = send(client, tok, channel="wechat")
    assert again.status_code == 429 and again.headers["Retry-After"] == "100"
    assert again.json()["message"] == "发送太频繁：请于 12:02 之后再试。"
    assert again.json()["retry_after"] == 100
    client.get(f"/s/{tok}?lang=en")  # the page switched to English
    english = send(client, tok)
    assert english.json()["message"] == "Sent too often: try again after 12:02."
    assert len(rows(session, select(ResidentLinkSend))) == 1


def test_a_job_without_a_phone_is_refused_in_words_for_the_page(client, session, now, gateway):
    setup_job(client, now, resident_phone=None)
    add_staff(session, "zhang.yghy", "张伟", "lead")
    sign_in(client, "zhang.yghy")
    tok = token("staff", now)
    control = card(client.get(f"/s/{tok}").text)
    assert 'id="rl-no-phone"' in control and 'value="sms" id="rl-ch-sms" disabled' in control
    refused = send(client, tok)
    assert refused.status_code == 422
    assert refused.json()["code"] == "resident_link.no_phone"
    assert refused.json()["message"] == "此工单没有可用的住户手机号"


def test_the_post_needs_a_signed_in_member_of_the_estate_who_records_callbacks(
    client, session, now, gateway
):
    setup_job(client, now)
    tok = token("staff", now)
    assert send(client, tok).status_code == 401
    add_staff(session, "sun.yghy", "孙师傅", "worker")
    sign_in(client, "sun.yghy")
    assert send(client, tok).status_code == 403
    client.put("/api/v1/estates/OTHER", json={"name": "别的小区"})
    add_staff(session, "li.other", "李其他", "lead", estate_code="OTHER")
    sign_in(client, "li.other")
    assert send(client, tok).status_code == 403
    sign_in(client, "sun.yghy")
    plain = client.post(
        f"/s/{tok}/resident-link", content="channel=sms", headers={"Content-Type": "text/plain"}
    )
    assert plain.status_code == 415
    assert rows(session, select(ResidentLinkSend)) == [] and gateway.seen == []
