"""The phone pages in Debian's Chromium: QR code from the printed form -> resident signs at
360x640 -> database row, non-blank signature and receipt PDF; staff record a callback through a
dropped connection; tampered, expired and reused links get a friendly page."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image
from sqlmodel import Session, select

from qr_forms.payload import make_token
from service import domain as d
from service.config import get_settings
from service.models import Callback, FormTokenUse, Signature
from tests.browser.conftest import PASSWORD, REF, publish, sign_in

MAX_RESIDENT_BYTES = 60 * 1024


# 王 and a flourish, in fractions of the pad: what a resident's quick signature looks like.
SIGNATURE = [
    [(0.10, 0.26), (0.20, 0.25), (0.30, 0.24)],
    [(0.12, 0.50), (0.20, 0.50), (0.28, 0.49)],
    [(0.08, 0.78), (0.20, 0.77), (0.33, 0.76)],
    [(0.20, 0.22), (0.20, 0.50), (0.205, 0.78)],
    [
        (0.40, 0.70),
        (0.48, 0.35),
        (0.55, 0.72),
        (0.63, 0.38),
        (0.72, 0.70),
        (0.80, 0.45),
        (0.92, 0.60),
    ],
]


def draw_signature(page, selector: str = "#pad") -> None:
    pad = page.locator(selector)
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    for stroke in SIGNATURE:
        page.mouse.move(x + w * stroke[0][0], y + h * stroke[0][1])
        page.mouse.down()
        for fx, fy in stroke[1:]:
            page.mouse.move(x + w * fx, y + h * fy, steps=8)
        page.mouse.up()


def dark_pixels(png: bytes) -> int:
    grey = Image.open(io.BytesIO(png)).convert("L")
    return sum(grey.point(lambda v: 255 if v < 128 else 0).histogram()[255:])


def qr_urls(pdf: bytes) -> dict[str, str]:
    image = pdfium.PdfDocument(pdf)[0].render(scale=3).to_pil()
    found = [r.text for r in zxingcpp.read_barcodes(image)]
    return {("staff" if "/s/" in url else "resident"): url for url in found}


def form_pdf(browser, base: str) -> bytes:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, base)
    response = page.request.get(f"{base}/jobs/{REF}/form.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    body = response.body()
    context.close()
    return body


def keep(artifacts: Path, path: Path, doc_name: str) -> None:
    publish(path, doc_name)


def test_resident_scans_the_form_signs_and_gets_the_receipt(shop, browser, artifacts):
    urls = qr_urls(form_pdf(browser, shop.url))
    assert set(urls) == {"staff", "resident"}
    resident_url = urls["resident"]
    assert resident_url.startswith(f"{shop.url}/r/")

    context = browser.new_context(viewport={"width": 360, "height": 640}, device_scale_factor=2)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    transferred: list[int] = []
    hosts: set[str] = set()
    cdp.on("Network.loadingFinished", lambda e: transferred.append(int(e["encodedDataLength"])))
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    page.goto(resident_url)
    page.wait_for_load_state("networkidle")
    total = sum(transferred)
    assert 0 < total < MAX_RESIDENT_BYTES, f"resident page transferred {total} bytes"
    assert hosts == {shop.url.split("/")[2]}  # nothing from a CDN
    (artifacts / "phone-resident-size.txt").write_text(f"{total} bytes\n")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert "138****5678" in page.content() and "13812345678" not in page.content()

    page.click("#submit")  # nothing chosen yet: told what is missing, nothing sent
    assert page.locator("#message").is_visible()
    page.click("input[value=satisfied] + span")
    page.fill("#comment", "师傅很细心，谢谢")
    draw_signature(page)
    page.click("#undo")
    draw_signature(page)
    page.fill("#signer", "王女士")
    page.screenshot(path=str(artifacts / "phone-resident.png"), full_page=True)
    keep(artifacts, artifacts / "phone-resident.png", "phone-resident.png")
    page.click("#submit")
    page.wait_for_url("**/receipt")
    assert "感谢您的确认" in page.locator("h1").inner_text()
    page.screenshot(path=str(artifacts / "phone-receipt.png"), full_page=True)
    keep(artifacts, artifacts / "phone-receipt.png", "phone-receipt.png")

    with Session(shop.engine, expire_on_commit=False) as session:
        row = session.exec(select(Signature)).one()
        session.commit()
    assert row.satisfaction == "satisfied" and row.comment == "师傅很细心，谢谢"
    assert len(row.strokes) == 2 * len(SIGNATURE) - 1  # drawn twice, one stroke undone
    assert row.width > 300  # drawn at the phone's pixel ratio
    assert dark_pixels(row.png) > 300
    assert row.sha256 == hashlib.sha256(row.png).hexdigest()
    assert page.locator("#receipt-hash").inner_text() == row.sha256

    pdf = page.request.get(shop.url + page.locator("#receipt-pdf").get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    text = "".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(pdf.body()))
    assert row.sha256 in text.replace("\r", "").replace("\n", "")
    rendered = pdfium.PdfDocument(pdf.body())[0].render(scale=1.5).to_pil()
    rendered.save(artifacts / "phone-receipt-pdf.png")

    # the same QR code again: a friendly 409 page pointing at the receipt, no second signature
    again = page.goto(resident_url)
    assert again is not None and again.status == 409
    assert "链接已使用" in page.locator("h1").inner_text()
    context.close()


def test_resident_refuses_to_sign_in_english(shop, browser, now):
    tok = make_token(get_settings().secret_key, purpose="resident", job_ref=REF, now=now)
    page = browser.new_page(viewport={"width": 360, "height": 640})
    page.goto(f"{shop.url}/r/{tok}?lang=en")
    assert page.locator("h1").inner_text() == "Confirm your repair"
    page.click("input[value=fairly_satisfied] + span")
    page.check("#refused")
    assert not page.locator("#pad").is_visible()
    page.fill("#reason", "Signing on a phone is not for me")
    page.click("#submit")
    page.wait_for_url("**/receipt")
    with Session(shop.engine, expire_on_commit=False) as session:
        row = session.exec(select(Signature)).one()
        session.commit()
    assert row.refused and row.png is None and row.satisfaction == "fairly_satisfied"
    page.close()


def test_staff_record_the_callback_through_a_dropped_connection(shop, browser, artifacts):
    urls = qr_urls(form_pdf(browser, shop.url))
    staff_url = urls["staff"]
    context = browser.new_context(viewport={"width": 360, "height": 640}, device_scale_factor=2)
    page = context.new_page()
    page.goto(staff_url)
    assert "/login?next=/s/" in page.url  # scanned before signing in
    page.fill("#login", "zhang.yghy")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(staff_url)
    assert "张伟" in page.locator("#who").inner_text()

    page.check("#inspected")
    page.fill("#service_feedback", "师傅准时，收拾干净")
    page.fill("#suggestions", "希望提前电话告知上门时间")
    page.check("#charge_verified")
    page.click("input[name=satisfaction][value=satisfied] + span")
    draw_signature(page)
    page.fill("#signer", "王女士")
    page.screenshot(path=str(artifacts / "phone-staff.png"), full_page=True)
    keep(artifacts, artifacts / "phone-staff.png", "phone-staff.png")
    # a reload (phone locked, tab discarded) loses nothing typed or drawn
    page.reload()
    assert page.input_value("#service_feedback") == "师傅准时，收拾干净"
    assert page.is_checked("#charge_verified")
    draft = "JSON.parse(localStorage.getItem('huifang.draft.' + location.pathname))"
    assert page.evaluate(draft + ".strokes.length") == len(SIGNATURE)
    assert page.evaluate("document.getElementById('pad').toDataURL().length") > 2000

    context.set_offline(True)
    page.click("#submit")
    page.locator("#banner", has_text="网络已断开").wait_for()
    page.screenshot(path=str(artifacts / "phone-staff-offline.png"), full_page=True)
    with Session(shop.engine, expire_on_commit=False) as session:
        assert session.exec(select(Callback)).all() == []
        session.commit()
    context.set_offline(False)
    page.wait_for_url("**/done", timeout=15_000)  # resent by itself once back online
    assert "回访已记录" in page.locator("h1").inner_text()
    page.screenshot(path=str(artifacts / "phone-staff-done.png"), full_page=True)

    with Session(shop.engine, expire_on_commit=False) as session:
        callback = session.exec(select(Callback)).one()
        signature = session.exec(select(Signature)).one()
        uses = session.exec(select(FormTokenUse)).all()
        session.commit()
    assert callback.role == d.Role.LEAD and callback.staff == "张伟" and callback.inspected
    assert callback.service_feedback == "师傅准时，收拾干净" and callback.charge_verified
    assert signature.callback_id == callback.id and dark_pixels(signature.png) > 300
    assert len(uses) == 1
    assert page.evaluate("localStorage.length") == 0  # the draft is gone once stored
    context.close()


@pytest.mark.parametrize(
    ("case", "status", "title"),
    [("tampered", 400, "链接无效"), ("expired", 410, "链接已过期"), ("reused", 409, "链接已使用")],
)
def test_bad_links_get_a_friendly_page(shop, browser, artifacts, now, case, status, title):
    secret = get_settings().secret_key
    tok = make_token(secret, purpose="resident", job_ref=REF, now=now)
    if case == "tampered":
        tok = tok.replace(REF, "odoo-5121")
    elif case == "expired":
        tok = make_token(secret, purpose="resident", job_ref=REF, now=now - timedelta(days=40))
    page = browser.new_page(viewport={"width": 360, "height": 640})
    if case == "reused":
        page.goto(f"{shop.url}/r/{tok}")
        page.click("input[value=satisfied] + span")
        draw_signature(page)
        page.click("#submit")
        page.wait_for_url("**/receipt")
    response = page.goto(f"{shop.url}/r/{tok}")
    assert response is not None and response.status == status
    assert page.locator("h1").inner_text() == title
    page.screenshot(path=str(artifacts / f"phone-link-{case}.png"))
    with Session(shop.engine, expire_on_commit=False) as session:
        assert len(session.exec(select(Signature)).all()) == (1 if case == "reused" else 0)
        session.commit()
    page.close()
