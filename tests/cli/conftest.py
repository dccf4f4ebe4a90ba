from collections.abc import Iterator
from pathlib import Path

import pytest

from service.config import get_settings
from service.db import get_engine


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh SQLite file that the ``huifang`` command uses through HUIFANG_DATABASE_URL."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("HUIFANG_DATABASE_URL", url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield url
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()
