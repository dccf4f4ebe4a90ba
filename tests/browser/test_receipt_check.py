"""The receipt check in headless Chromium at 360x640: the QR code on the resident's receipt
opens ``/v/<code>`` on the phone, which says in green that the signature matches and fits the
screen; after the image is swapped in the database the same address says so in red."""

from __future__ import annotations

import json

import pypdfium2 as pdfium
import sqlalchemy as sa
import zxingcpp
from sqlmodel import Session, select

from qr_forms.payload import make_token
from service.config import get_settings
from service.models import Signature
from tests.browser.conftest import REF, publish
from tests.phone.helpers import resident_body, signature_png

PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2}


def test_the_receipt_s_qr_code_opens_the_check_on_a_phone(shop, browser, now, artifacts):
    tok = make_token(get_settings().secret_key, purpose="resident", job_ref=REF, now=now)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sent = page.request.post(
        f"{shop.url}/r/{tok}",
        data=json.dumps(resident_body()),
        headers={"Content-Type": "application/json"},
    )
    assert sent.status == 201, sent.text()
    pdf = page.request.get(f"{shop.url}/r/{tok}/receipt.pdf")
    assert pdf.status == 200
    image = pdfium.PdfDocument(pdf.body())[0].render(scale=3).to_pil()
    (check_url,) = [r.text for r in zxingcpp.read_barcodes(image)]
    assert check_url.startswith(f"{shop.url}/v/")

    response = page.goto(check_url)
    assert response is not None and response.status == 200
    assert response.headers["cache-control"] == "no-store"
    verdict = page.locator("#verdict")
    assert verdict.inner_text() == "✓ 签名与回执一致"
    green = verdict.evaluate("e => getComputedStyle(e).color")
    assert green == "rgb(2, 122, 72)", green
    assert page.locator("#check-resident").inner_text() == "王*"
    assert "13812345678" not in page.content() and "138****5678" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "receipt-check.png"), full_page=True)
    publish(artifacts / "receipt-check.png", "receipt-check.png")

    with Session(shop.engine) as session:
        sig = session.exec(select(Signature)).one()
        session.execute(
            sa.update(Signature).where(Signature.id == sig.id).values(png=signature_png(601))
        )
        session.commit()
    page.goto(check_url + "?lang=en")
    assert page.locator("#verdict").inner_text() == "✗ The signature no longer matches"
    red = page.locator("#verdict").evaluate("e => getComputedStyle(e).color")
    assert red == "rgb(180, 35, 24)", red
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "receipt-check-changed.png"), full_page=True)
    context.close()
