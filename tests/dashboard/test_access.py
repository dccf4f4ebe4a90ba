"""Who may open the dashboard, the ledger and the report, and the clear 4xx answers."""

from __future__ import annotations

from urllib.parse import quote, unquote

import pytest

from .conftest import sign_in

PAGES = ["/dashboard", "/ledger", "/ledger.csv", "/ledger.xlsx", "/dashboard/report"]


@pytest.mark.parametrize("path", PAGES)
def test_not_signed_in_is_sent_to_sign_in_with_the_page_to_come_back_to(client, small_demo, path):
    response = client.get(path, params={"period": "2026-05"}, follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location == f"/login?next={quote(path, safe='/')}%3Fperiod%3D2026-05"
    assert unquote(location) == f"/login?next={path}?period=2026-05"


@pytest.mark.parametrize("path", PAGES)
def test_a_maintenance_lead_gets_a_friendly_403_page(client, small_demo, path):
    sign_in(client, "zhang.yghy")
    response = client.get(path)
    assert response.status_code == 403
    assert "看板仅供经理和主管查看" in response.text
    assert "<html" in response.text


@pytest.mark.parametrize("path", PAGES)
def test_a_manager_may_not_see_another_estate(client, small_demo, path):
    sign_in(client, "wang.yghy")
    response = client.get(path, params={"estate": "CHY", "lang": "en"})
    assert response.status_code == 403
    assert "You may not see the figures of estate CHY" in response.text


@pytest.mark.parametrize("path", PAGES)
def test_unknown_estate_is_404(client, small_demo, path):
    sign_in(client, "li.yghy")
    response = client.get(path, params={"estate": "NOPE"})
    assert response.status_code == 404
    assert "没有管理处 NOPE" in response.text


@pytest.mark.parametrize("period", ["2026-13", "2026-5", "may", "0000-01", "9999-12", " "])
@pytest.mark.parametrize("path", PAGES)
def test_bad_period_is_422(client, small_demo, path, period):
    sign_in(client, "wang.yghy")
    response = client.get(path, params={"period": period})
    assert response.status_code == 422, response.text


def test_supervisor_sees_own_estate_by_default_in_chinese_and_english(client, small_demo):
    sign_in(client, "li.yghy")
    zh = client.get("/dashboard")
    assert zh.status_code == 200
    assert "回访看板 · 阳光花园管理处" in zh.text
    assert "2026-05" in zh.text
    en = client.get("/dashboard", params={"lang": "en"})
    assert "Callback dashboard" in en.text
    assert "Role quotas" in en.text
    assert "not tracked yet" not in en.text and "Calls" in en.text  # phone attempts are counted


def test_bad_report_format_is_422(client, small_demo):
    sign_in(client, "wang.yghy")
    assert client.get("/dashboard/report", params={"format": "doc"}).status_code == 422
    assert client.get("/ledger.pdf").status_code == 404
