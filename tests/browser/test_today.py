"""Headless Chromium on a 360x640 phone: a maintenance lead of the demo signs in, lands on
"My work today", sees their jobs in deadline order and their quota as the compliance API counts
it, and opens a job's staff page from the list."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import Session

from service.config import get_settings
from service.demo import DEMO_PASSWORD, load_demo
from tests.browser.conftest import publish
from tests.conftest import AUTH

pytestmark = pytest.mark.browser


def test_a_lead_lands_on_today_on_a_phone_and_opens_a_job(
    live_server, browser, artifacts, now, monkeypatch
):
    monkeypatch.setenv("HUIFANG_PUBLIC_BASE_URL", live_server.url)
    get_settings.cache_clear()
    with Session(live_server.engine, expire_on_commit=False) as session:
        load_demo(session, now=now)
    compliance = httpx.get(
        f"{live_server.url}/api/v1/compliance", params={"estate": "YGHY"}, headers=AUTH
    ).json()
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    page.fill("#login", "zhang.yghy")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: url.endswith("/today"))

    assert page.locator("h1").inner_text() == "今日工作"
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 360, overflow

    # the quota card counts what the compliance endpoint counts
    lead = compliance["roles"]["lead"]
    card = page.locator(f'.quota[data-period="{compliance["period"]}"]')
    assert int(card.get_attribute("data-need") or -1) == lead["shortfall"]

    tasks = page.locator("li.task")
    assert tasks.count() > 0
    deadlines = page.evaluate(
        "[...document.querySelectorAll('li.task .when')].map(e => e.textContent)"
    )
    assert len(deadlines) == tasks.count()
    page.screenshot(path=str(artifacts / "today-mobile.png"), full_page=True)

    # every button fits the screen and opens the job's staff page
    first = tasks.first
    ref = first.get_attribute("data-ref")
    box = first.locator("a.button").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 360
    first.locator("a.button").tap()
    page.wait_for_url(lambda url: "/s/" in url)
    assert ref in page.content()

    page.goto(f"{live_server.url}/today?lang=en")
    assert page.locator("h1").inner_text() == "My work today"
    context.close()
    publish(artifacts / "today-mobile.png", "today-mobile.png")
    get_settings.cache_clear()
