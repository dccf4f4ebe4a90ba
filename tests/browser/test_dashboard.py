"""Headless Chromium signs in as a manager, opens the dashboard of a demo estate, checks the
figures it shows against the compliance API, and saves screenshots (desktop and phone)."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import Session

from service.catalogue.formats import pct
from service.demo import DEMO_PASSWORD, load_demo
from tests.browser.conftest import publish
from tests.conftest import AUTH

pytestmark = pytest.mark.browser


def _sign_in(page, base: str, target: str) -> None:
    page.goto(f"{base}{target}")
    assert "/login" in page.url  # sent to sign in first, then back
    page.fill("#login", "wang.yghy")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: url.endswith(target))


def test_manager_dashboard_shows_the_api_figures(live_server, browser, artifacts, now):
    with Session(live_server.engine, expire_on_commit=False) as session:
        load_demo(session, now=now)
    period = "2026-05"
    api = httpx.get(
        f"{live_server.url}/api/v1/compliance",
        params={"estate": "YGHY", "period": period},
        headers=AUTH,
    ).json()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    target = f"/dashboard?estate=YGHY&period={period}"
    _sign_in(page, live_server.url, target)

    def fig(name: str) -> str:
        element = page.locator(f'[data-fig="{name}"]')
        return (element.get_attribute("data-value") or element.text_content() or "").strip()

    assert page.locator("h1").inner_text() == "回访看板 · 阳光花园管理处"
    assert int(fig("jobs")) == api["jobs"]
    assert int(fig("overdue_open")) == api["overdue_open"]
    assert fig("on_time.rate") == pct(api["on_time"]["rate"])
    assert fig("complaint_rate") == pct(api["complaint_rate"])
    assert int(fig("rectifications.open")) == api["rectifications"]["open"]
    assert int(fig("rectifications.late")) == api["rectifications"]["late"]
    for role, quota in api["roles"].items():
        card = page.locator(f'[data-role="{role}"]')
        assert f"{quota['done']}/{quota['required']}" in card.locator("svg").text_content()
        if quota["shortfall"]:
            assert int(fig(f"role.{role}.shortfall")) == quota["shortfall"]
    for answer, n in api["satisfaction"].items():
        assert int(fig(f"satisfaction.{answer}")) == n
    assert page.locator("svg.gauge").count() == 3
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)

    page.click("#lang-switch")
    assert "Callback dashboard" in page.locator("h1").inner_text()
    page.screenshot(path=str(artifacts / "dashboard-en.png"), full_page=True)
    page.click("#lang-switch")

    # the same page on a phone: nothing wider than the screen but the scrollable tables
    page.set_viewport_size({"width": 360, "height": 640})
    page.reload()
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 360, overflow
    page.screenshot(path=str(artifacts / "dashboard-mobile.png"), full_page=True)

    # the ledger, reached from the dashboard
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("text=回访台帐")
    page.wait_for_url(lambda url: "/ledger?" in url)
    ledger = httpx.get(
        f"{live_server.url}/api/v1/callbacks",
        params={"estate": "YGHY", "period": period, "limit": 1},
        headers=AUTH,
    ).json()
    assert f"共 {ledger['count']} 条回访记录" in page.locator("#ledger-count").inner_text()
    page.screenshot(path=str(artifacts / "ledger.png"))
    context.close()

    for name in ("dashboard.png", "dashboard-mobile.png", "ledger.png"):
        publish(artifacts / name, name)
