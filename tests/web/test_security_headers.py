"""Security headers (ARCHITECTURE.md section 3, "Access"): every HTML response carries a
Content-Security-Policy without inline scripts and with ``frame-ancestors 'none'``, every
response ``X-Content-Type-Options: nosniff`` and a ``Referrer-Policy``; the pages and
downloads with personal data are never stored; the templates hold no inline script, event
handler or style attribute; ``/docs`` loads nothing from another origin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import service.app
from tests.phone.helpers import add_staff, setup_job, sign_in, token

TEMPLATES = Path(service.app.__file__).parent / "web" / "templates"
STATIC = Path(service.app.__file__).parent / "web" / "static"


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {words[0]: words[1:] for words in directives}


def assert_page_headers(response) -> None:
    assert response.headers["content-type"].startswith("text/html")
    csp = policy(response)
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no CDN
    assert csp["default-src"] == ["'self'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["style-src"]
    assert set(csp["img-src"]) == {"'self'", "data:", "blob:"}  # the signature pad's images
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.fixture
def pages(client, session, now):
    """A job, a signed-in manager; the addresses of the pages with personal data."""
    setup_job(client, now)
    add_staff(session, "wang", "王建国", "manager")
    sign_in(client, "wang")
    return {
        "login": "/login",
        "resident": f"/r/{token('resident', now)}",
        "staff": f"/s/{token('staff', now)}",
        "today": "/today",
        "dashboard": "/dashboard",
        "ledger": "/ledger",
    }


def test_every_page_with_personal_data_carries_the_headers_and_is_never_stored(client, pages):
    for name, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, name
        assert_page_headers(response)
        assert response.headers["Cache-Control"] == "no-store", name


def test_the_style_element_carries_the_responses_nonce(client, pages):
    first, second = client.get(pages["resident"]), client.get(pages["resident"])
    nonces = []
    for page in (first, second):
        (nonce,) = [s[len("'nonce-") : -1] for s in policy(page)["style-src"] if "nonce" in s]
        assert f'<style nonce="{nonce}">' in page.text
        nonces.append(nonce)
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 16


def test_downloads_with_personal_data_are_never_stored(client, pages, now):
    for path in (
        "/ledger.csv",
        "/ledger.xlsx",
        "/dashboard/report?format=csv",
        "/jobs/odoo-4711/form.pdf",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_refusals_and_json_carry_nosniff_and_static_files_may_be_cached(client):
    for response in (
        client.get("/healthz"),
        client.get("/api/v1/jobs", headers={"Authorization": "Bearer wrong"}),  # 401
        client.post("/r/unreadable", json={}),
        client.get("/static/staff.js"),
    ):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" not in response.headers  # not a page
    assert client.get("/api/v1/jobs").headers["Cache-Control"] == "no-store"
    assert "Cache-Control" not in client.get("/static/staff.js").headers
    assert_page_headers(client.get("/r/unreadable"))  # the friendly error page


def test_the_templates_hold_no_inline_script_handler_or_style_attribute():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        scripts = re.findall(r"<script\b([^>]*)>", text)
        assert all("src=" in attrs for attrs in scripts), template.name
        assert not re.search(r"\son[a-z]+\s*=", text), template.name
        assert "javascript:" not in text, template.name
        assert not re.search(r"\sstyle\s*=", text), template.name
    for script in STATIC.glob("*.js"):
        assert "eval(" not in script.read_text() and "new Function" not in script.read_text()


def test_docs_load_only_the_services_own_files(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert_page_headers(page)
    assets = re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="([^"]+)"', page.text)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith("swagger-ui.css") for a in assets)
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        assert client.get(asset).status_code == 200, asset
    assert "<script>" not in page.text
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/redoc").status_code == 404
    assert "/docs" not in client.get("/openapi.json").json()["paths"]
