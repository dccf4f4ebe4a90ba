"""Browser fixtures: the real app served by uvicorn on loopback, driven by Debian's Chromium.

Screenshots go to ``test-artifacts/`` (kept by CI as artefacts). The README's pictures in
``docs/`` are refreshed from them only when asked: ``HUIFANG_UPDATE_DOCS=1 make test``; a plain
test run leaves the tracked files as they are.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

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
