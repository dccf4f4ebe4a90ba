"""The resident's page /r/<token>: confirm, sign once, get a receipt; bad links and bad input
get a clear 4xx and leave nothing behind."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta

import pypdfium2 as pdfium
import pytest
from sqlmodel import Session, select

from service.config import get_settings
from service.models import AuditLog, Callback, FormTokenUse, Job, Signature
from service.schemas import ResidentAnswer
from service.usecases.confirmations import submit_resident
from service.usecases.form_links import load_form

from .helpers import (
    JOB_REF,
    data_url,
    one,
    post_json,
    resident_body,
    rows,
    setup_job,
    signature_png,
    token,
)


def pdf_text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    return "".join(page.get_textpage().get_text_range() for page in doc)


def test_resident_page_shows_the_job_with_the_phone_masked(client, now):
    setup_job(client, now)
    page = client.get(f"/r/{token('resident', now)}")
    assert page.status_code == 200
    assert "厨房水管漏水" in page.text and "孙师傅" in page.text and "¥80.00" in page.text
    assert "138****5678" in page.text
    assert "13812345678" not in page.text
    # nothing from another origin: the page's scripts are the service's own files
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    assert scripts and all(src.startswith("/static/") for src in scripts)
    assert all(client.get(src).status_code == 200 for src in scripts)
    assert "<link" not in page.text and "<script>" not in page.text


def test_resident_page_switches_to_english(client, now):
    setup_job(client, now)
    page = client.get(f"/r/{token('resident', now)}?lang=en")
    assert "Confirm your repair" in page.text


def test_signing_stores_signature_audit_and_used_link_in_one_go(client, session, now):
    setup_job(client, now)
    tok = token("resident", now)
    png = signature_png()
    response = post_json(client, f"/r/{tok}", resident_body(signature=data_url(png)))
    assert response.status_code == 201, response.text
    digest = hashlib.sha256(png).hexdigest()
    assert response.json()["sha256"] == digest

    row = one(session, select(Signature))
    assert row.png == png and row.sha256 == digest
    assert row.satisfaction == "satisfied" and row.comment == "师傅很细心"
    assert row.signer_name == "王女士" and row.signed_at == now and not row.refused
    assert row.taken_on == "resident" and row.width == 600 and row.height == 200
    assert row.strokes[0][0] == [40.0, 150.0, 0.0]
    use = one(session, select(FormTokenUse))
    assert use.purpose == "resident" and use.id == row.token_use_id
    entry = one(session, select(AuditLog).where(AuditLog.action == "signature.recorded"))
    assert entry.detail["sha256"] == digest and entry.entity_id == JOB_REF

    receipt = client.get(f"/r/{tok}/receipt")
    assert receipt.status_code == 200 and digest in receipt.text
    pdf = client.get(f"/r/{tok}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert digest in pdf_text(pdf.content).replace("\r", "").replace("\n", "")


def test_a_resident_alone_does_not_count_as_a_callback(client, session, now):
    setup_job(client, now)
    post_json(client, f"/r/{token('resident', now)}", resident_body())
    job = one(session, select(Job))
    assert rows(session, select(Callback)) == []
    assert not (job.cb_manager or job.cb_supervisor or job.cb_lead)
    assert job.first_callback_at is None
    assert client.get(f"/api/v1/jobs/{JOB_REF}").json()["status"] != "done"
    assert one(session, select(Signature)).callback_id is None


def test_confirmation_attaches_to_the_latest_callback(client, session, now):
    setup_job(client, now)
    for hours, staff in ((20, "张伟"), (2, "李秀英")):
        response = client.post(
            f"/api/v1/jobs/{JOB_REF}/callbacks",
            json={
                "role": "lead",
                "staff": staff,
                "channel": "phone",
                "done_at": (now - timedelta(hours=hours)).isoformat(),
            },
        )
        assert response.status_code == 201
        latest = response.json()["id"]
    post_json(client, f"/r/{token('resident', now)}", resident_body())
    assert one(session, select(Signature)).callback_id == latest


def test_refusing_to_sign_with_a_reason_is_recorded(client, session, now):
    setup_job(client, now)
    tok = token("resident", now)
    body = resident_body(refused=True, refuse_reason="不方便签字", satisfaction="unsatisfied")
    del body["signature"], body["strokes"]
    response = post_json(client, f"/r/{tok}", body)
    assert response.status_code == 201, response.text
    row = one(session, select(Signature))
    assert row.refused and row.refuse_reason == "不方便签字" and row.png is None
    assert one(session, select(AuditLog).where(AuditLog.action == "signature.refused"))
    pdf = client.get(f"/r/{tok}/receipt.pdf")
    assert pdf.status_code == 200 and "不方便签字" in pdf_text(pdf.content)


def test_a_used_link_never_takes_a_second_signature(client, session, now):
    setup_job(client, now)
    tok = token("resident", now)
    assert post_json(client, f"/r/{tok}", resident_body()).status_code == 201
    # the same submission resent (its reply was lost): the stored result, not a new row
    again = post_json(client, f"/r/{tok}", resident_body())
    assert again.status_code == 200 and again.json()["replay"] is True
    other = post_json(client, f"/r/{tok}", resident_body(submission_key="someone-else-01"))
    assert other.status_code == 409 and "already used" in other.json()["detail"]
    page = client.get(f"/r/{tok}")
    assert page.status_code == 409 and "链接已使用" in page.text and "/receipt" in page.text
    assert len(rows(session, select(Signature))) == 1


def test_two_racing_submissions_of_one_link_store_one_signature(client, engine, now):
    setup_job(client, now)
    tok = token("resident", now)
    settings = get_settings()
    with Session(engine) as first, Session(engine) as second:
        ctx1 = load_form(first, tok, "resident", settings=settings, now=now)
        first.commit()  # SQLite: end the read so the other phone may read too
        ctx2 = load_form(second, tok, "resident", settings=settings, now=now)
        second.commit()
        assert ctx1.use is None and ctx2.use is None  # both saw an unused link
        submit_resident(first, ctx1, ResidentAnswer(**resident_body()), settings=settings, now=now)
        from service.domain import DomainError

        with pytest.raises(DomainError) as refused:
            submit_resident(
                second,
                ctx2,
                ResidentAnswer(**resident_body(submission_key="second-phone-1")),
                settings=settings,
                now=now,
            )
        assert refused.value.status == 409
    with Session(engine) as check:
        assert len(check.exec(select(Signature)).all()) == 1
        assert len(check.exec(select(FormTokenUse)).all()) == 1


@pytest.mark.parametrize(
    ("mangle", "status", "title"),
    [
        (lambda t: t[:-3] + ("AAA" if not t.endswith("AAA") else "BBB"), 400, "链接无效"),
        (lambda t: t.replace("odoo-4711", "odoo-4712"), 400, "链接无效"),
        (lambda t: "x" * 500, 400, "链接无效"),
        (lambda t: "not-a-token", 400, "链接无效"),
    ],
)
def test_tampered_links_get_a_friendly_page(client, session, now, mangle, status, title):
    setup_job(client, now)
    bad = mangle(token("resident", now))
    page = client.get(f"/r/{bad}")
    assert page.status_code == status and title in page.text and "<html" in page.text
    posted = post_json(client, f"/r/{bad}", resident_body())
    assert posted.status_code == status and posted.json()["detail"]
    assert rows(session, select(Signature)) == []


def test_expired_link_gets_410(client, now):
    setup_job(client, now)
    old = token("resident", now - timedelta(days=get_settings().token_max_age_days, seconds=1))
    page = client.get(f"/r/{old}")
    assert page.status_code == 410 and "链接已过期" in page.text
    assert post_json(client, f"/r/{old}", resident_body()).status_code == 410


def test_staff_link_on_the_resident_page_is_refused(client, now):
    setup_job(client, now)
    page = client.get(f"/r/{token('staff', now)}")
    assert page.status_code == 400 and "链接用错了" in page.text


def test_link_to_an_unknown_job_is_404(client, now):
    setup_job(client, now)
    page = client.get(f"/r/{token('resident', now, ref='odoo-999')}")
    assert page.status_code == 404 and "找不到维修单" in page.text


def test_receipt_of_an_unused_link_is_404(client, now):
    setup_job(client, now)
    tok = token("resident", now)
    assert client.get(f"/r/{tok}/receipt").status_code == 404
    assert client.get(f"/r/{tok}/receipt.pdf").status_code == 404


def _blank_data_url() -> str:
    return data_url(signature_png(blank=True))


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"signature": "data:image/jpeg;base64,/9j/4AAQ"}, 422, "PNG data URL"),
        ({"signature": "data:image/png;base64,@@@not base64@@@"}, 422, "base64"),
        ({"signature": data_url(b"GIF89a" + b"\0" * 100)}, 422, "not a PNG"),
        ({"signature": data_url(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)}, 422, "damaged"),
        ({"signature": _blank_data_url()}, 422, "blank"),
        ({"signature": data_url(signature_png(40, 20))}, 422, "40x20"),
        ({"strokes": []}, 422, "strokes"),
        ({"strokes": [[["x", 1]]]}, 422, "point"),
        ({"strokes": [[[10**400, 2]]]}, 422, "point"),
        ({"strokes": None}, 422, "strokes are required"),
        ({"satisfaction": "great"}, 422, "satisfaction"),
        ({"surprise": 1}, 422, "unknown field"),
        ({"submission_key": "bad key!"}, 422, "submission_key"),
        ({"refused": True}, 422, "refuse_reason"),
        ({"refused": True, "refuse_reason": "不想签"}, 422, "cannot carry a drawing"),
    ],
)
def test_bad_answers_get_a_clear_4xx_and_store_nothing(client, session, now, change, status, words):
    setup_job(client, now)
    tok = token("resident", now)
    response = post_json(client, f"/r/{tok}", resident_body(**change))
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]
    assert rows(session, select(Signature)) == []
    assert rows(session, select(FormTokenUse)) == []
    # the link is still good for a correct answer
    assert post_json(client, f"/r/{tok}", resident_body()).status_code == 201


def test_malformed_json_and_wrong_content_type(client, now):
    setup_job(client, now)
    tok = token("resident", now)
    bad = client.post(
        f"/r/{tok}", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert bad.status_code == 422 and "JSON" in bad.json()["detail"]
    form = client.post(f"/r/{tok}", data={"satisfaction": "satisfied"})
    assert form.status_code == 415


def test_signature_over_the_size_limit_is_413(client, session, now, monkeypatch):
    setup_job(client, now)
    tok = token("resident", now)
    png = signature_png()
    monkeypatch.setenv("HUIFANG_SIGNATURE_MAX_BYTES", str(max(1000, len(png) - 1)))
    get_settings.cache_clear()
    try:
        response = post_json(client, f"/r/{tok}", resident_body(signature=data_url(png)))
        assert response.status_code == 413
        assert "larger than the limit" in response.json()["detail"]
        huge = post_json(client, f"/r/{tok}", resident_body(comment="x" * 2_000_000))
        assert huge.status_code == 413 and "nothing saved" in huge.json()["detail"]
    finally:
        monkeypatch.delenv("HUIFANG_SIGNATURE_MAX_BYTES")
        get_settings.cache_clear()
    assert rows(session, select(Signature)) == []


def test_cancelled_job_takes_no_confirmation(client, session, now):
    setup_job(client, now)
    job = one(session, select(Job))
    job.state = "cancelled"
    session.add(job)
    session.commit()
    tok = token("resident", now)
    assert client.get(f"/r/{tok}").status_code == 409
    assert post_json(client, f"/r/{tok}", resident_body()).status_code == 409


def test_a_signed_receipt_is_queued_for_the_odoo_request_in_the_same_transaction(
    client, session, now
):
    """A job that came from Odoo gets its receipt PDF attached there through the outbox."""
    from service.models import Job, OdooOutbox, OdooRequestLink

    setup_job(client, now)
    job = one(session, select(Job))
    session.add(
        OdooRequestLink(odoo_id=4711, job_id=job.id, status="done", write_date=now, fingerprint="x")
    )
    session.commit()
    client.post(
        f"/api/v1/jobs/{JOB_REF}/callbacks",
        json={"role": "lead", "staff": "张伟", "channel": "phone", "done_at": now.isoformat()},
    )
    response = post_json(client, f"/r/{token('resident', now)}", resident_body())
    assert response.status_code == 201, response.text
    queued = one(session, select(OdooOutbox))
    assert queued.kind == "attachment" and queued.odoo_id == 4711
    assert base64.b64decode(queued.payload["data"]).startswith(b"%PDF")
    assert queued.payload["set_receipt_field"] is True


def test_a_job_not_from_odoo_renders_no_receipt_pdf_for_the_outbox(
    client, session, now, monkeypatch
):
    """The receipt PDF goes to Odoo only: without a linked request it is not even drawn."""
    from service.models import Job, OdooOutbox
    from service.usecases import confirmations

    drawn: list[int] = []
    real = confirmations.receipt_pdf
    monkeypatch.setattr(
        confirmations, "receipt_pdf", lambda s, sig: drawn.append(sig.id) or real(s, sig)
    )
    setup_job(client, now)
    client.post(
        f"/api/v1/jobs/{JOB_REF}/callbacks",
        json={"role": "lead", "staff": "张伟", "channel": "phone", "done_at": now.isoformat()},
    )
    response = post_json(client, f"/r/{token('resident', now)}", resident_body())
    assert response.status_code == 201, response.text
    assert drawn == []
    assert session.exec(select(OdooOutbox)).first() is None
    assert one(session, select(Job)).ref == JOB_REF
