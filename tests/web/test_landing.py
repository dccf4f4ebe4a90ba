"""The landing page at ``/``: what Huifang is, in Chinese and English; sign-in for visitors, and
for those signed in the pages their role opens; the API docs and the health check."""

from __future__ import annotations

import pytest

from tests.conftest import AUTH


@pytest.fixture
def people(client):
    client.put("/api/v1/estates/YG", json={"name": "阳光花园"}, headers=AUTH)
    for role in ("manager", "supervisor", "lead", "worker"):
        made = client.post(
            "/api/v1/staff",
            json={
                "estate": "YG",
                "name": f"{role}-1",
                "role": role,
                "login": role,
                "password": "pw-landing-0",
            },
            headers=AUTH,
        )
        assert made.status_code == 201, made.text
    client.headers.pop("Authorization")
    return client


def _links(html: str) -> set[str]:
    return {
        name
        for name in ("go-today", "go-dashboard", "go-ledger", "go-tokens")
        if f'id="{name}"' in html
    }


def test_a_visitor_sees_what_huifang_is_and_where_to_sign_in(client):
    client.headers.pop("Authorization")
    zh = client.get("/")
    assert zh.status_code == 200 and zh.headers["content-type"].startswith("text/html")
    assert "维修回访" in zh.text and 'href="/login"' in zh.text
    assert 'href="/docs"' in zh.text and 'href="/healthz"' in zh.text
    assert "'unsafe-inline'" not in zh.headers["content-security-policy"]
    en = client.get("/", params={"lang": "en"})
    assert "maintenance callbacks" in en.text and "Staff sign-in" in en.text
    assert _links(en.text) == set()
    assert client.get("/docs").status_code == 200 and client.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    ("login", "links"),
    [
        ("manager", {"go-today", "go-dashboard", "go-ledger", "go-tokens"}),
        ("supervisor", {"go-today", "go-dashboard", "go-ledger"}),
        ("lead", {"go-today"}),
        ("worker", set()),
    ],
)
def test_each_role_is_sent_to_its_own_pages(people, login, links):
    signed = people.post(
        "/login", data={"login": login, "password": "pw-landing-0"}, follow_redirects=False
    )
    assert signed.status_code == 303, signed.text
    page = people.get("/")
    assert page.status_code == 200
    assert f"{login}-1" in page.text and 'id="signed-in"' in page.text
    assert _links(page.text) == links
    for name in links:  # each link opens for that person
        href = {
            "go-today": "/today",
            "go-dashboard": "/dashboard",
            "go-ledger": "/ledger",
            "go-tokens": "/dashboard/tokens",
        }[name]
        assert people.get(href).status_code == 200, (login, href)
