"""The receipt anyone can check: the QR code on a signed receipt opens ``/v/<code>``, which
says whether the stored signature still matches what the receipt printed, without signing in,
without personal data beyond the receipt's (masked), and never from a cache."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pypdfium2 as pdfium
import pytest
import sqlalchemy as sa
import zxingcpp
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import domain as d
from service.config import Settings, get_settings
from service.models import AuditLog, Signature
from service.usecases.audit import signature_evidence
from service.usecases.receipt_check import (
    check_receipt,
    mask_name,
    mask_unit,
    receipt_check_url,
    receipt_code,
)

from .helpers import JOB_REF, STROKES, one, post_json, resident_body, setup_job, signature_png
from .helpers import token as form_token
from .test_audit_chain import behind_the_back

MATCHES = "签名与回执一致"
CHANGED = "签名已被改动"


def sign_as_resident(client: TestClient, now: Any, **answer: Any) -> str:
    """The job set up and the resident's confirmation sent from their phone: the link."""
    setup_job(client, now)
    tok = form_token("resident", now)
    response = post_json(client, f"/r/{tok}", resident_body(**answer))
    assert response.status_code == 201, response.text
    return tok


def qr_on_receipt(client: TestClient, tok: str) -> str:
    """The address the QR code of the resident's receipt PDF carries."""
    response = client.get(f"/r/{tok}/receipt.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    image = pdfium.PdfDocument(response.content)[0].render(scale=3).to_pil()
    found = [
        r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode
    ]
    assert len(found) == 1, found
    return found[0]


def check_page(client: TestClient, url: str, lang: str | None = None) -> Any:
    parts = urlsplit(url)
    query = f"?lang={lang}" if lang else ""
    return client.get(parts.path + query, headers={"Authorization": ""})


def verdict(page: Any) -> str:
    start = page.text.index('id="verdict"')
    return page.text[start : page.text.index("</p>", start)]


def the_signature(session: Session) -> Signature:
    return one(session, select(Signature))


def test_the_qr_code_on_a_real_receipt_opens_a_page_saying_it_matches(client, session, now):
    tok = sign_as_resident(client, now)
    url = qr_on_receipt(client, tok)
    sig = the_signature(session)
    assert url == receipt_check_url(get_settings(), sig.id)
    assert url.startswith(get_settings().public_base_url.rstrip("/") + "/v/")

    page = check_page(client, url)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert MATCHES in verdict(page) and CHANGED not in page.text
    assert 'class="verdict good"' in page.text
    # what the receipt showed: estate, job ref, the date signed, the printed hash
    assert "阳光花园管理处" in page.text and JOB_REF in page.text
    assert sig.signed_at.astimezone(d.zone("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M") in (
        page.text
    )
    assert f'id="check-hash">{sig.sha256}<' in page.text
    assert page.text.count('class="pass"') == 3 and 'class="fail"' not in page.text


def test_the_page_shows_no_phone_and_masks_the_name_and_unit(client, session, now):
    tok = sign_as_resident(client, now)
    page = check_page(client, qr_on_receipt(client, tok))
    assert page.status_code == 200
    for private in ("13812345678", "138****5678", "5678", "王女士", "女士", "3栋2单元1201"):
        assert private not in page.text, private
    assert 'id="check-resident">王*<' in page.text
    assert 'id="check-unit">3栋2****01<' in page.text
    assert "师傅很细心" not in page.text  # the comment is not the check's business


def test_the_page_speaks_english(client, session, now):
    tok = sign_as_resident(client, now)
    page = check_page(client, qr_on_receipt(client, tok), lang="en")
    assert page.status_code == 200
    assert "The signature matches this receipt" in verdict(page)
    assert '<html lang="en">' in page.text and "签名" not in page.text


def _swap_image(sig: Signature) -> dict[str, Any]:
    return {"png": signature_png(width=601)}


def _redraw_strokes(sig: Signature) -> dict[str, Any]:
    return {"strokes": [*STROKES[:-1], [[300, 50, 200], [430, 150, 260]]]}


def _change_answer(sig: Signature) -> dict[str, Any]:
    return {"satisfaction": "unsatisfied"}


def _change_comment(sig: Signature) -> dict[str, Any]:
    return {"comment": "修得不好"}


TAMPERING: dict[str, tuple[Callable[[Signature], dict[str, Any]], str]] = {
    "the image swapped": (_swap_image, "check-image"),
    "the strokes redrawn": (_redraw_strokes, "check-evidence"),
    "the answer changed": (_change_answer, "check-evidence"),
    "the comment changed": (_change_comment, "check-evidence"),
}


@pytest.mark.parametrize("what", TAMPERING)
def test_a_signature_changed_in_the_database_no_longer_matches(client, session, engine, now, what):
    tok = sign_as_resident(client, now)
    url = qr_on_receipt(client, tok)
    assert MATCHES in verdict(check_page(client, url))
    change, failing = TAMPERING[what]
    sig = the_signature(session)
    with engine.begin() as conn:
        conn.execute(sa.update(Signature).where(Signature.id == sig.id).values(**change(sig)))

    page = check_page(client, url)
    assert page.status_code == 200
    assert CHANGED in verdict(page) and MATCHES not in page.text
    assert 'class="verdict bad"' in page.text
    assert f'<li id="{failing}" class="fail">' in page.text
    assert '<li id="check-entry" class="pass">' in page.text
    # the page still shows the hash the receipt printed, not the stored image's
    assert f'id="check-hash">{sig.sha256}<' in page.text
    english = check_page(client, url, lang="en")
    assert "The signature no longer matches" in verdict(english)


def test_a_stored_hash_rewritten_to_fit_a_swapped_image_no_longer_matches(
    client, session, engine, now
):
    """Swapping the image and rewriting the row's hashes to fit it is not enough: the audit
    entry still carries the hashes taken at signing."""
    tok = sign_as_resident(client, now)
    url = qr_on_receipt(client, tok)
    sig = the_signature(session)
    forged = signature_png(width=602)
    with engine.begin() as conn:
        conn.execute(
            sa.update(Signature)
            .where(Signature.id == sig.id)
            .values(
                png=forged,
                sha256=hashlib.sha256(forged).hexdigest(),
                evidence_sha256=signature_evidence(sig, forged),
            )
        )
    page = check_page(client, url)
    assert CHANGED in verdict(page)
    assert '<li id="check-image" class="fail">' in page.text
    assert '<li id="check-evidence" class="fail">' in page.text


def test_an_audit_entry_edited_behind_the_back_no_longer_vouches(client, session, engine, now):
    """A forgery made to fit everywhere, the row and its audit entry rewritten to the forged
    image's hashes, breaks the entry's place in its chain."""
    tok = sign_as_resident(client, now)
    url = qr_on_receipt(client, tok)
    sig = the_signature(session)
    forged = signature_png(width=603)
    hashes = {
        "sha256": hashlib.sha256(forged).hexdigest(),
        "evidence_sha256": signature_evidence(sig, forged),
    }
    entry = one(session, select(AuditLog).where(AuditLog.action == "signature.recorded"))
    detail = json.dumps({**entry.detail, **hashes})
    with engine.begin() as conn:
        conn.execute(
            sa.update(Signature).where(Signature.id == sig.id).values(png=forged, **hashes)
        )
    behind_the_back(engine, f"UPDATE audit_log SET detail = '{detail}' WHERE id = {entry.id}")

    page = check_page(client, url)
    assert CHANGED in verdict(page)
    assert '<li id="check-image" class="pass">' in page.text  # the forgery fits the entry...
    assert '<li id="check-evidence" class="pass">' in page.text
    assert '<li id="check-entry" class="fail">' in page.text  # ...which no longer holds


def test_a_signature_whose_audit_entry_was_deleted_no_longer_matches(client, session, engine, now):
    tok = sign_as_resident(client, now)
    url = qr_on_receipt(client, tok)
    entry = one(session, select(AuditLog).where(AuditLog.action == "signature.recorded"))
    behind_the_back(engine, f"DELETE FROM audit_log WHERE id = {entry.id}")
    page = check_page(client, url)
    assert page.status_code == 200 and CHANGED in verdict(page)
    assert '<li id="check-entry" class="fail">' in page.text
    assert 'id="check-hash">—<' in page.text  # nothing left vouches for a printed hash


def test_a_refusal_receipt_checks_too(client, session, now):
    tok = sign_as_resident(
        client, now, signature=None, strokes=None, refused=True, refuse_reason="不在家，家人代收"
    )
    page = check_page(client, qr_on_receipt(client, tok))
    assert page.status_code == 200
    assert MATCHES in verdict(page)
    assert "拒签时间" in page.text and "无签名图像" in page.text
    assert "不在家" not in page.text


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda code: code[:-1] + ("A" if code[-1] != "A" else "B"), id="signature"),
        pytest.param(lambda code: "9" + code, id="another id"),
        pytest.param(lambda code: code.split(".")[0], id="no signature"),
        pytest.param(lambda code: "x" * 200, id="too long"),
        pytest.param(lambda code: "%E7%8E%8B.abc", id="not ascii"),
    ],
)
def test_an_altered_code_gets_a_readable_404_page(client, session, now, mangle):
    tok = sign_as_resident(client, now)
    code = urlsplit(qr_on_receipt(client, tok)).path.removeprefix("/v/")
    page = client.get(f"/v/{mangle(code)}", headers={"Authorization": ""})
    assert page.status_code == 404
    assert page.headers["cache-control"] == "no-store"
    assert "找不到这张回执" in page.text and "二维码" in page.text
    assert MATCHES not in page.text and CHANGED not in page.text
    english = client.get(f"/v/{mangle(code)}?lang=en", headers={"Authorization": ""})
    assert english.status_code == 404 and "No receipt has this code" in english.text


def test_a_code_for_a_signature_that_does_not_exist_is_not_found(client, session, now):
    setup_job(client, now)
    page = client.get(f"/v/{receipt_code(get_settings(), 999)}")
    assert page.status_code == 404 and "找不到这张回执" in page.text
    with pytest.raises(d.NotFound, match="no receipt has this code"):
        check_receipt(session, get_settings(), receipt_code(get_settings(), 999))


def test_another_deployment_s_code_is_not_found(client, session, now):
    sign_as_resident(client, now)
    sig = the_signature(session)
    elsewhere = Settings(secret_key="another-deployment-secret-0123456789")
    page = client.get(f"/v/{receipt_code(elsewhere, sig.id)}")
    assert page.status_code == 404


def test_receipt_codes_are_short_url_safe_and_one_per_signature():
    settings = get_settings()
    codes = {receipt_code(settings, n) for n in (1, 2, 10, 123456)}
    assert len(codes) == 4
    for code in codes:
        assert len(code) <= 30 and all(c.isalnum() or c in "-_." for c in code), code
    assert receipt_code(settings, 7) == receipt_code(settings, 7)
    with pytest.raises(ValueError):
        receipt_code(settings, 0)


@pytest.mark.parametrize(
    ("name", "masked"),
    [("王女士", "王*"), ("王伟", "王*"), ("Zhang Wei", "Z*"), ("", ""), (None, "")],
)
def test_names_are_masked_to_their_first_character(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("unit", "masked"),
    [
        ("3栋2单元1201", "3栋2****01"),
        ("A-1203", "A-**03"),
        ("1201", "1***"),
        ("5", "5"),
        ("", ""),
        (None, ""),
    ],
)
def test_units_are_partly_masked(unit, masked):
    assert mask_unit(unit) == masked
