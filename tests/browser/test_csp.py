"""The pages under their Content-Security-Policy, in Debian's Chromium: the staff page and the
resident page still work (the signature pad draws, a call is logged, the answers are stored)
and the browser reports no violation; /docs renders the operations from the service's own copy
of Swagger UI, again with no violation and nothing fetched from another origin; signing out is
a form post that ends the session."""

from __future__ import annotations

from sqlmodel import Session, select

from qr_forms.payload import make_token
from service.config import get_settings
from service.models import Callback, PhoneAttempt, Signature
from tests.browser.conftest import REF, sign_in
from tests.browser.test_phone import dark_pixels, draw_signature

PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2}

# Registered before any page script runs; the policy's reports land in window.__csp.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


class Watch:
    """What the browser said about a page: CSP reports, console errors, script errors, and
    the hosts it fetched from."""

    def __init__(self, page) -> None:
        self.console: list[str] = []
        self.errors: list[str] = []
        self.hosts: set[str] = set()
        page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.hosts.add(r.url.split("/")[2]))

    def assert_clean(self, page, base: str) -> None:
        reported = page.evaluate("window.__csp")
        assert reported == [], reported
        assert not [m for m in self.console if "Content Security Policy" in m], self.console
        assert self.errors == []
        assert self.hosts == {base.split("/")[2]}


def rows(engine, model):
    with Session(engine, expire_on_commit=False) as session:
        found = list(session.exec(select(model)).all())
        session.commit()
    return found


def csp_of(response) -> str:
    assert response is not None and response.status == 200
    header = response.headers["content-security-policy"]
    assert "script-src 'self'" in header and "unsafe-inline" not in header
    return header


def test_the_staff_page_works_under_its_policy(shop, browser, now):
    tok = make_token(get_settings().secret_key, purpose="staff", job_ref=REF, now=now)
    context = browser.new_context(**PHONE)
    context.add_init_script(LISTEN)
    page = context.new_page()
    watch = Watch(page)
    sign_in(page, shop.url, f"/s/{tok}")
    page.wait_for_url(f"**/s/{tok}")
    csp_of(page.reload())
    page.click("#call-busy")  # a fetch from the page's own script file
    page.locator("#call-message").wait_for()
    page.check("#inspected")
    page.fill("#service_feedback", "师傅准时")
    page.click("input[name=satisfaction][value=satisfied] + span")
    draw_signature(page)
    assert (
        page.evaluate(
            "JSON.parse(localStorage.getItem('huifang.draft.' + location.pathname)).strokes.length"
        )
        > 0
    )
    page.fill("#signer", "王女士")
    page.click("#submit")
    page.wait_for_url("**/done")
    watch.assert_clean(page, shop.url)

    (attempt,) = rows(shop.engine, PhoneAttempt)
    assert attempt.outcome == "busy"
    (callback,) = rows(shop.engine, Callback)
    assert callback.inspected and callback.service_feedback == "师傅准时"
    (signature,) = rows(shop.engine, Signature)
    assert dark_pixels(signature.png) > 300

    # signing out is a form post; the session ends on the server
    page.click("#sign-out")
    page.wait_for_url("**/login")
    watch.assert_clean(page, shop.url)
    page.goto(f"{shop.url}/today")
    assert "/login" in page.url
    context.close()


def test_the_resident_page_works_under_its_policy(shop, browser, now):
    tok = make_token(get_settings().secret_key, purpose="resident", job_ref=REF, now=now)
    context = browser.new_context(**PHONE)
    context.add_init_script(LISTEN)
    page = context.new_page()
    watch = Watch(page)
    csp_of(page.goto(f"{shop.url}/r/{tok}"))
    page.click("#submit")  # nothing chosen: the page's script says so
    assert page.locator("#message").is_visible()
    page.click("input[value=fairly_satisfied] + span")
    page.check("#charge_disputed")
    assert page.locator("#charge_note").is_visible()
    page.fill("#charge_note", "多收了十元")
    draw_signature(page)
    page.click("#undo")
    draw_signature(page)
    page.click("#submit")
    page.wait_for_url("**/receipt")
    watch.assert_clean(page, shop.url)
    (signature,) = rows(shop.engine, Signature)
    assert signature.satisfaction == "fairly_satisfied" and dark_pixels(signature.png) > 300
    context.close()


def test_docs_render_the_operations_from_the_services_own_files(shop, browser):
    context = browser.new_context()
    context.add_init_script(LISTEN)
    page = context.new_page()
    watch = Watch(page)
    csp_of(page.goto(f"{shop.url}/docs"))
    page.locator(".opblock").first.wait_for(timeout=15_000)
    assert page.locator(".opblock").count() > 20
    assert "/api/v1/jobs" in page.locator("#swagger-ui").inner_text()
    page.locator(".opblock-summary").first.click()  # one operation opens
    page.locator(".opblock-body").first.wait_for()
    watch.assert_clean(page, shop.url)
    context.close()
