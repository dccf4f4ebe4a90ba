"""Following answers through, in headless Chromium at 360x640: the staff page's call flow, the
resident disputing the charge, the worker acknowledging a written notice."""

from __future__ import annotations

from datetime import timedelta

import pypdfium2 as pdfium
from sqlmodel import Session, select

from qr_forms.payload import make_token
from service.config import get_settings
from service.models import Callback, PhoneAttempt, Rectification
from service.schemas import CallbackIn
from service.usecases.callbacks import record_callback
from service.usecases.documents import worker_url
from tests.browser.conftest import REF, publish, sign_in
from tests.browser.test_phone import draw_signature
from tests.conftest import AUTH

PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2}


def rows(engine, model):
    with Session(engine, expire_on_commit=False) as session:
        found = list(session.exec(select(model).order_by(model.id)).all())
        session.commit()
    return found


def test_a_failed_call_then_a_reached_one_lead_into_the_phone_callback(
    shop, browser, now, artifacts
):
    tok = make_token(get_settings().secret_key, purpose="staff", job_ref=REF, now=now)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, shop.url, f"/s/{tok}")
    page.wait_for_url(f"**/s/{tok}")
    assert page.locator("#call-link").get_attribute("href") == "tel:13812345678"
    page.click("#call-no_answer")
    page.wait_for_selector("#call-message:not(.hidden)")
    page.click("#call-rescheduled")
    assert page.locator("#next_at").is_visible()
    page.click("#call-reached")
    page.wait_for_function(
        "() => document.querySelector('input[name=channel][value=phone]').checked"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "phone-staff-call.png"), full_page=True)
    publish(artifacts / "phone-staff-call.png", "phone-staff-call.png")
    page.click("input[name=satisfaction][value=satisfied] + span")
    page.fill("#service_feedback", "师傅很准时")
    page.click("#submit")
    page.wait_for_url("**/done")
    calls = rows(shop.engine, PhoneAttempt)
    assert [c.outcome for c in calls] == ["no_answer", "reached"]
    (callback,) = rows(shop.engine, Callback)
    assert (callback.channel, callback.attempt_id) == ("phone", calls[1].id)
    context.close()


def test_the_resident_disputes_the_charge_with_one_tap(shop, browser, now, artifacts):
    tok = make_token(get_settings().secret_key, purpose="resident", job_ref=REF, now=now)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{shop.url}/r/{tok}")
    assert "¥80.00" in page.locator("#charge-shown").inner_text()
    page.click("input[value=fairly_satisfied] + span")
    assert not page.locator("#charge_note").is_visible()
    page.check("#charge_disputed")
    page.fill("#charge_note", "只换了一个垫片")
    draw_signature(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "phone-resident-dispute.png"), full_page=True)
    page.click("#submit")
    page.wait_for_url("**/receipt")
    (rect,) = rows(shop.engine, Rectification)
    assert rect.source == "resident" and "只换了一个垫片" in rect.problem
    context.close()


def test_the_worker_acknowledges_the_written_notice(shop, browser, now, artifacts):
    with Session(shop.engine, expire_on_commit=False) as session:
        _, rect = record_callback(
            session=session,
            ref=REF,
            now=now,
            actor="t",
            cb_in=CallbackIn(
                role="lead",
                staff="张伟",
                channel="on_site",
                inspected=True,
                done_at=now - timedelta(hours=1),
                problems="接口仍有渗水",
            ),
        )
        url = worker_url(get_settings(), rect, now)
        session.commit()
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(url)
    assert "接口仍有渗水" in page.locator("#worker-problem").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "phone-worker.png"), full_page=True)
    publish(artifacts / "phone-worker.png", "phone-worker.png")
    notice = page.request.get(
        f"{shop.url}/api/v1/rectifications/{rect.id}/notice.pdf", headers=AUTH
    )
    assert notice.status == 200
    pdfium.PdfDocument(notice.body())[0].render(scale=1.2).to_pil().save(artifacts / "notice.png")
    publish(artifacts / "notice.png", "notice.png")
    page.click("#worker-ack")
    page.wait_for_selector("#worker-acknowledged")
    (done,) = rows(shop.engine, Rectification)
    assert done.acknowledged_at is not None and done.state == "notified"
    assert done.notified_via == "paper"
    context.close()


def test_a_call_tap_whose_answer_was_lost_is_recorded_once(shop, browser, now):
    """The first tap reaches the server but its answer never comes back (the page says it
    is offline); tapped again, the page resends that call with the same key: one call."""
    tok = make_token(get_settings().secret_key, purpose="staff", job_ref=REF, now=now)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, shop.url, f"/s/{tok}")
    page.wait_for_url(f"**/s/{tok}")
    sent: list[dict] = []

    def lose_the_answer(route):
        sent.append(route.request.post_data_json)
        route.fetch()  # the server records the call...
        route.abort()  # ...and the phone never hears back

    page.route("**/call", lose_the_answer)
    page.click("#call-no_answer")
    page.wait_for_selector("#call-message:not(.hidden)")
    page.unroute("**/call")
    with page.expect_response("**/call") as answered:
        page.click("#call-no_answer")
    assert answered.value.status == 200 and answered.value.json()["replay"] is True
    resent = answered.value.request.post_data_json
    assert len(sent) == 1 and sent[0]["call_key"] == resent["call_key"]
    assert [c.outcome for c in rows(shop.engine, PhoneAttempt)] == ["no_answer"]
    # after an answer, a tap is a new call with a new key
    with page.expect_response("**/call") as busy:
        page.click("#call-busy")
    assert busy.value.status == 201
    assert busy.value.request.post_data_json["call_key"] != sent[0]["call_key"]
    assert [c.outcome for c in rows(shop.engine, PhoneAttempt)] == ["no_answer", "busy"]
    context.close()
