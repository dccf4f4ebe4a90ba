"""The staff page /s/<token> and the signed-in form links: callbacks recorded by role, with the
resident's signature taken on the staff phone, in one transaction."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pypdfium2 as pdfium
import pytest
import zxingcpp
from sqlmodel import select

from qr_forms.payload import read_token
from service.config import get_settings
from service.http.deps import get_now
from service.models import (
    AuditLog,
    Callback,
    FormTokenUse,
    Job,
    PhoneAttempt,
    Rectification,
    Signature,
    Staff,
)
from service.usecases.page_stamps import served_stamp

from .helpers import (
    JOB_REF,
    STROKES,
    add_staff,
    data_url,
    one,
    post_json,
    resident_body,
    rows,
    setup_job,
    sign_in,
    signature_png,
    token,
)


@pytest.fixture
def signed_in(client, session, now):
    setup_job(client, now)
    add_staff(session, "li.yghy", "李秀英", "supervisor")
    sign_in(client, "li.yghy")
    return client


def staff_body(**over):
    body = {
        "channel": "on_site",
        "inspected": True,
        "service_feedback": "态度好",
        "suggestions": "提前电话告知",
        "charge_verified": True,
        "charge_amount": "80.00",
        "satisfaction": "satisfied",
        "submission_key": "staff-key-0001",
        "resident": {
            "signer_name": "王女士",
            "signature": data_url(signature_png()),
            "strokes": STROKES,
        },
    }
    body.update(over)
    return body


def test_staff_page_needs_sign_in_and_comes_back_after_it(client, session, now):
    setup_job(client, now)
    add_staff(session, "li.yghy", "李秀英", "supervisor")
    tok = token("staff", now)
    page = client.get(f"/s/{tok}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == f"/login?next=/s/{tok}"
    assert post_json(client, f"/s/{tok}", staff_body()).status_code == 401
    back = client.post(
        "/login",
        data={"login": "li.yghy", "password": "huifang-test-pw", "next": f"/s/{tok}"},
        follow_redirects=False,
    )
    assert back.headers["location"] == f"/s/{tok}"
    page = client.get(f"/s/{tok}")
    assert page.status_code == 200 and "李秀英" in page.text and "13812345678" in page.text


def test_staff_callback_with_signature_is_one_transaction(signed_in, session, now):
    tok = token("staff", now)
    response = post_json(signed_in, f"/s/{tok}", staff_body())
    assert response.status_code == 201, response.text
    callback = one(session, select(Callback))
    assert callback.role == "supervisor" and callback.staff == "李秀英"
    assert callback.channel == "on_site" and callback.inspected and callback.charge_verified
    assert str(callback.charge_amount) == "80.00" and callback.done_at == now
    signature = one(session, select(Signature))
    assert signature.callback_id == callback.id and signature.taken_on == "staff"
    use = one(session, select(FormTokenUse))
    assert use.callback_id == callback.id and use.purpose == "staff"
    actions = [a.action for a in rows(session, select(AuditLog).order_by(AuditLog.id))]
    assert actions[-2:] == ["callback.recorded", "signature.recorded"]
    job = one(session, select(Job))
    assert job.cb_supervisor and job.first_callback_at == now
    figures = signed_in.get("/api/v1/compliance?estate=YGHY&period=2026-05").json()
    assert figures["roles"]["supervisor"]["done"] == 1
    done = signed_in.get(f"/s/{tok}/done")
    assert done.status_code == 200 and signature.sha256 in done.text
    pdf = signed_in.get(f"/s/{tok}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def served(session, now, login="li.yghy", ref=JOB_REF) -> str:
    """The stamp the staff page carries when served to ``login`` at ``now``."""
    staff = one(session, select(Staff).where(Staff.login == login))
    return served_stamp(get_settings(), staff_id=staff.id, job_ref=ref, now=now)


def phone_body(**over):
    return staff_body(channel="phone", inspected=False, resident=None, **over)


def test_a_resent_draft_is_dated_when_it_was_sent_first(signed_in, session, now):
    stamp = served(session, now - timedelta(hours=3))
    body = phone_body(held_ms=90 * 60 * 1000, served=stamp)
    issued = now - timedelta(hours=3)
    assert post_json(signed_in, f"/s/{token('staff', issued)}", body).status_code == 201
    assert one(session, select(Callback)).done_at == now - timedelta(minutes=90)


def test_a_held_draft_is_never_dated_before_its_page_was_served(signed_in, session, now):
    """Nobody backdates a late callback into its window by claiming a long-held draft."""
    body = phone_body(held_ms=20 * 3600 * 1000, served=served(session, now - timedelta(minutes=30)))
    issued = now - timedelta(days=2)
    assert post_json(signed_in, f"/s/{token('staff', issued)}", body).status_code == 201
    assert one(session, select(Callback)).done_at == now - timedelta(minutes=30)


def test_a_late_callback_cannot_be_backdated_into_its_window(signed_in, session, now):
    """The attack: a staff link issued when the repair was completed, sent once the window has
    closed, claiming the page held the answer for a day. Without the page's stamp the
    callback is dated when it arrives: late, and counted late."""
    job = one(session, select(Job))
    issued = job.completed_at
    late = job.deadline + timedelta(hours=8)  # a day's hold would land 16 h inside the window
    signed_in.app.dependency_overrides[get_now] = lambda: late
    body = phone_body(held_ms=86_400_000)
    assert post_json(signed_in, f"/s/{token('staff', issued)}", body).status_code == 201
    callback = one(session, select(Callback))
    assert callback.done_at == late and callback.recorded_at == late
    figures = signed_in.get("/api/v1/compliance?estate=YGHY&period=2026-05").json()
    assert figures["on_time"] == {"done": 1, "on_time": 0, "rate": 0.0}
    listed = signed_in.get(f"/api/v1/jobs/{JOB_REF}").json()
    assert listed["status"] == "done"
    (cb,) = signed_in.get(f"/api/v1/jobs/{JOB_REF}/callbacks").json()["data"]
    assert cb["on_time"] is False


@pytest.mark.parametrize(
    ("stamp", "says"),
    [
        (lambda s, n: served(s, n)[:-4] + "AAAA", "not valid"),
        (lambda s, n: served(s, n, ref="other-job"), "another person or job"),
        (lambda s, n: served(s, n, login="wang.yghy"), "another person or job"),
    ],
)
def test_an_altered_or_borrowed_stamp_is_refused(signed_in, session, now, stamp, says):
    add_staff(session, "wang.yghy", "王建国", "manager")
    body = phone_body(held_ms=60_000, served=stamp(session, now - timedelta(minutes=5)))
    response = post_json(signed_in, f"/s/{token('staff', now - timedelta(hours=1))}", body)
    assert response.status_code == 422 and says in response.json()["detail"]
    assert rows(session, select(Callback)) == []


def test_the_page_carries_its_own_stamp_for_the_signed_in_person(signed_in, session, now):
    tok = token("staff", now - timedelta(hours=2))
    page = signed_in.get(f"/s/{tok}")
    match = re.search(r'data-served="([^"]+)"', page.text)
    assert match is not None
    stamp = html.unescape(match[1])
    body = phone_body(held_ms=3600 * 1000, served=stamp)  # the page was served just now
    assert post_json(signed_in, f"/s/{tok}", body).status_code == 201
    assert one(session, select(Callback)).done_at == now


def test_an_old_stamp_bounds_nothing(signed_in, session, now):
    body = phone_body(held_ms=3600 * 1000, served=served(session, now - timedelta(days=8)))
    assert (
        post_json(signed_in, f"/s/{token('staff', now - timedelta(days=8))}", body).status_code
        == 201
    )
    assert one(session, select(Callback)).done_at == now


def test_resending_the_same_submission_does_not_double_the_callback(signed_in, session, now):
    tok = token("staff", now)
    first = post_json(signed_in, f"/s/{tok}", staff_body())
    again = post_json(signed_in, f"/s/{tok}", staff_body())
    assert again.status_code == 200 and again.json()["callback_id"] == first.json()["callback_id"]
    other = post_json(signed_in, f"/s/{tok}", staff_body(submission_key="another-key-01"))
    assert other.status_code == 409
    assert len(rows(session, select(Callback))) == 1
    page = signed_in.get(f"/s/{tok}")
    assert page.status_code == 409 and f"/jobs/{JOB_REF}/staff" in page.text


def test_resident_confirmation_waits_for_the_staff_callback(signed_in, session, now):
    post_json(signed_in, f"/r/{token('resident', now)}", resident_body(satisfaction="unsatisfied"))
    page = signed_in.get(f"/s/{token('staff', now)}")
    assert "住户已在手机上确认" in page.text
    body = staff_body(resident=None, satisfaction="unsatisfied", problems="仍有渗水")
    assert post_json(signed_in, f"/s/{token('staff', now)}", body).status_code == 201
    callback = one(session, select(Callback))
    assert one(session, select(Signature)).callback_id == callback.id
    # The resident's own 不满意 opened a rectification at once; the callback's problems another.
    resident, found = rows(session, select(Rectification).order_by(Rectification.id))
    assert (resident.source, resident.callback_id) == ("resident", None)
    assert resident.confirmation_id == one(session, select(Signature)).id
    assert found.callback_id == callback.id and found.notice_due_at == now + timedelta(hours=24)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"channel": "phone", "resident": None}, "phone callback cannot inspect"),
        ({"channel": "phone", "inspected": False}, "cannot take a signature"),
        ({"channel": "fax"}, "channel"),
        ({"charge_amount": "-1"}, "charge_amount"),
        ({"charge_amount": "1.234"}, "charge_amount"),
        (
            {"resident": {"signature": data_url(signature_png(blank=True)), "strokes": STROKES}},
            "blank",
        ),
        ({"held_ms": -5}, "held_ms"),
        ({"held_ms": 25 * 3600 * 1000}, "held_ms"),
    ],
)
def test_bad_staff_answers_store_nothing(signed_in, session, now, change, words):
    tok = token("staff", now)
    response = post_json(signed_in, f"/s/{tok}", staff_body(**change))
    assert response.status_code == 422, response.text
    assert words in response.json()["detail"]
    for model in (Callback, Signature, FormTokenUse, Rectification):
        assert rows(session, select(model)) == []
    assert post_json(signed_in, f"/s/{tok}", staff_body()).status_code == 201


def test_staff_of_another_estate_are_refused(client, session, now):
    setup_job(client, now)
    client.put("/api/v1/estates/CHY", json={"name": "翠湖苑管理处"})
    add_staff(session, "chen.chy", "陈志强", "manager", estate_code="CHY")
    sign_in(client, "chen.chy")
    tok = token("staff", now)
    assert client.get(f"/s/{tok}").status_code == 403
    assert post_json(client, f"/s/{tok}", staff_body()).status_code == 403
    assert client.get(f"/jobs/{JOB_REF}/form.pdf").status_code == 403
    assert rows(session, select(Callback)) == []


def test_staff_page_refuses_bad_links(signed_in, now):
    assert signed_in.get(f"/s/{token('resident', now)}").status_code == 400
    assert signed_in.get(f"/s/{token('staff', now)[:-2]}xx").status_code == 400
    assert signed_in.get(f"/s/{token('staff', now - timedelta(days=31))}").status_code == 410


def decode_qr_urls(pdf: bytes) -> list[str]:
    page = pdfium.PdfDocument(pdf)[0]
    image = page.render(scale=3).to_pil()
    return sorted(result.text for result in zxingcpp.read_barcodes(image))


@pytest.mark.parametrize("size", [None, "A5-landscape"])
def test_form_pdf_carries_fresh_staff_and_resident_links(signed_in, now, size):
    url = f"/jobs/{JOB_REF}/form.pdf" + (f"?size={size}" if size else "")
    response = signed_in.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    urls = decode_qr_urls(response.content)
    assert len(urls) == 2
    settings = get_settings()
    for url, purpose in zip(urls, ("resident", "staff"), strict=True):
        assert url.startswith(f"{settings.public_base_url}/{purpose[0]}/")
        data = read_token(
            settings.secret_key, url.rsplit("/", 1)[1], purpose=purpose, max_age_seconds=60, now=now
        )
        assert data.job_ref == JOB_REF


def test_form_pdf_and_staff_link_need_sign_in_and_a_known_job(client, now):
    setup_job(client, now)
    redirect = client.get(f"/jobs/{JOB_REF}/form.pdf", follow_redirects=False)
    assert redirect.status_code == 303 and redirect.headers["location"].startswith("/login?next=")
    assert client.get(f"/jobs/{JOB_REF}/staff", follow_redirects=False).status_code == 303


def test_staff_link_redirects_to_a_fresh_staff_page(signed_in, now):
    response = signed_in.get(f"/jobs/{JOB_REF}/staff", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/s/s")
    assert signed_in.get(response.headers["location"]).status_code == 200
    assert signed_in.get("/jobs/odoo-0/staff").status_code == 404
    assert signed_in.get(f"/jobs/{JOB_REF}/form.pdf?size=letter").status_code == 422


def test_one_printed_staff_code_serves_every_role_once_each(signed_in, session, now):
    """The lead and the manager both scan the same printed form: two callbacks; the same
    person submitting again with a new draft is refused (a resend of the same draft is not)."""
    tok = token("staff", now)
    first = post_json(signed_in, f"/s/{tok}", staff_body(resident=None))
    assert first.status_code == 201, first.text
    resend = post_json(signed_in, f"/s/{tok}", staff_body(resident=None))
    assert resend.status_code == 200 and resend.json()["replay"] is True
    again = post_json(
        signed_in, f"/s/{tok}", staff_body(resident=None, submission_key="staff-key-0002")
    )
    assert again.status_code == 409
    add_staff(session, "wang.yghy", "王建国", "manager")
    signed_in.cookies.clear()
    sign_in(signed_in, "wang.yghy")
    assert signed_in.get(f"/s/{tok}").status_code == 200
    manager = post_json(
        signed_in, f"/s/{tok}", staff_body(resident=None, submission_key="mgr-key-0001")
    )
    assert manager.status_code == 201, manager.text
    roles = sorted(c.role for c in rows(session, select(Callback)))
    assert roles == ["manager", "supervisor"]


def test_a_call_tap_resent_with_its_key_is_recorded_once(signed_in, session, now):
    """The answer to a tap was lost (a dropped connection): the page sends the same call
    again with the tap's key, and the job counts one call."""
    url = f"/s/{token('staff', now)}/call"
    tap = {"outcome": "no_answer", "call_key": "tap-key-0001"}
    first = post_json(signed_in, url, tap)
    again = post_json(signed_in, url, tap)
    assert first.status_code == 201 and again.status_code == 200, again.text
    assert first.json()["replay"] is False and again.json()["replay"] is True
    assert again.json()["attempt_id"] == first.json()["attempt_id"]
    assert again.json()["failed_calls"] == 1
    assert len(rows(session, select(PhoneAttempt))) == 1
    # another tap with that key is another call: refused, nothing stored
    other = post_json(signed_in, url, {"outcome": "busy", "call_key": "tap-key-0001"})
    assert other.status_code == 422 and "another request" in other.json()["detail"]
    # a new tap (a new key), or one without a key, is a new call
    assert post_json(signed_in, url, {**tap, "call_key": "tap-key-0002"}).status_code == 201
    assert post_json(signed_in, url, {"outcome": "no_answer"}).status_code == 201
    assert len(rows(session, select(PhoneAttempt))) == 3
    session.expire_all()
    assert one(session, select(Job)).failed_calls == 3
    bad = post_json(signed_in, url, {"outcome": "busy", "call_key": "short"})
    assert bad.status_code == 422 and len(rows(session, select(PhoneAttempt))) == 3
