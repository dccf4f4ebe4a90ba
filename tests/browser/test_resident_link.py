"""The staff page's "send the resident their link" control in headless Chromium at 360x640: a
phone callback reveals it, one tap texts the link through the gateway (the page shows only the
masked number), the link opens the resident's page, and a second tap is told when to try
again."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from qr_forms.payload import make_token
from service.config import get_settings
from service.models import ResidentLinkSend
from tests.browser.conftest import REF, sign_in
from tests.support.gateway import Gateway, serve_gateway

PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2}


@pytest.fixture
def gateway(shop, monkeypatch) -> Iterator[type[Gateway]]:
    yield from serve_gateway(monkeypatch)


def test_staff_text_the_resident_their_link_from_a_phone(shop, gateway, browser, now, artifacts):
    tok = make_token(get_settings().secret_key, purpose="staff", job_ref=REF, now=now)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, shop.url, f"/s/{tok}")
    page.wait_for_url(f"**/s/{tok}")
    card = page.locator("#resident-link")
    assert not card.is_visible()  # an on-site callback: the resident signs on this phone
    page.click("input[name=channel][value=phone] + span")
    card.wait_for(state="visible")
    assert "发送确认链接给住户" in card.locator("h2").inner_text()
    assert "138****5678" in page.locator("#rl-phone").inner_text()
    assert "13812345678" not in card.inner_html()
    assert page.is_checked("#rl-ch-sms") and page.is_disabled("#rl-ch-email")  # no mail server

    page.locator("#rl-send").scroll_into_view_if_needed()
    page.click("#rl-send")
    page.locator("#rl-result", has_text="已发送至 138****5678").wait_for()
    assert (
        page.locator(".rl-line").first.inner_text().endswith("短信 · 138****5678 · 已发送 · 张伟")
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    card.screenshot(path=str(artifacts / "phone-staff-resident-link.png"))
    page.screenshot(path=str(artifacts / "phone-staff-resident-link-page.png"), full_page=True)

    ((_headers, body),) = gateway.seen
    payload = json.loads(body)
    assert payload["to"] == {"phone": "13812345678"} and payload["channel"] == "sms"
    resident = context.new_page()
    resident.goto(payload["link"])
    assert resident.locator("h1").inner_text() == "维修回访确认"
    resident.close()

    page.click("#rl-ch-wechat + span")
    page.click("#rl-send")
    page.locator("#rl-result", has_text="发送太频繁").wait_for()
    assert "12:02" in page.locator("#rl-result").inner_text()
    with Session(shop.engine, expire_on_commit=False) as session:
        (row,) = session.exec(select(ResidentLinkSend)).all()
        session.commit()
    assert row.requested_by == "张伟" and row.status == "sent" and len(gateway.seen) == 1
    context.close()
