"""Browser fixtures: the real app served by uvicorn on loopback, driven by Debian's Chromium.

Screenshots go to ``test-artifacts/`` (kept by CI as artefacts). The README's pictures in
``docs/`` are refreshed from them only when asked: ``HUIFANG_UPDATE_DOCS=1 make test``; a plain
test run leaves the tracked files as they are.
"""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, select

from service.config import get_settings
from service.models import Estate, Staff
from service.schemas import EstateIn, JobIn
from service.usecases.estates import put_estate
from service.usecases.jobs import upsert_job
from service.usecases.signin import hash_password

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DOCS = Path(__file__).resolve().parents[2] / "docs"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201 - playwright types
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def publish(screenshot: Path, doc_name: str) -> None:
    """Copy a screenshot over the README's picture, when HUIFANG_UPDATE_DOCS=1 asks for it."""
    if os.environ.get("HUIFANG_UPDATE_DOCS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(screenshot, DOCS / doc_name)


# ---------------------------------------------------------------- a repaired job to call back

REF = "odoo-5120"
PASSWORD = "huifang-demo"


@pytest.fixture
def shop(live_server, now, monkeypatch):
    """An estate with one repaired job and a maintenance lead who can sign in; QR codes point
    at the live server."""
    monkeypatch.setenv("HUIFANG_PUBLIC_BASE_URL", live_server.url)
    get_settings.cache_clear()
    with Session(live_server.engine, expire_on_commit=False) as session:
        put_estate(
            session=session, code="YGHY", estate_in=EstateIn(name="阳光花园管理处"), actor="t"
        )
        upsert_job(
            session=session,
            actor="t",
            job_in=JobIn(
                ref=REF,
                estate="YGHY",
                unit="3栋2单元1201",
                resident_name="王女士",
                resident_phone="13812345678",
                title="厨房水管漏水",
                worker="孙师傅",
                completed_at=now - timedelta(days=1, hours=3),
                charge=Decimal("80"),
            ),
        )
        estate = session.exec(select(Estate)).one()
        session.add(
            Staff(
                estate_id=estate.id,  # type: ignore[arg-type]
                name="张伟",
                role="lead",
                login="zhang.yghy",
                password_hash=hash_password(PASSWORD),
            )
        )
        session.commit()
    yield live_server
    monkeypatch.delenv("HUIFANG_PUBLIC_BASE_URL")
    get_settings.cache_clear()


def sign_in(page, base: str, next_path: str = "/") -> None:
    page.goto(f"{base}/login?next={next_path}")
    page.fill("#login", "zhang.yghy")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
