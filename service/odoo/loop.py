"""The background sync inside ``huifang serve``: a thread started and stopped with the app."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service.config import get_settings
from service.db import get_engine
from service.odoo.link import run_sync_loop


class SyncLoop:
    def __init__(self) -> None:
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(
            target=run_sync_loop,
            kwargs={
                "engine": get_engine(),
                "settings": get_settings(),
                "stop": self.stop,
                "wake": self.wake,
            },
            name="odoo-sync",
            daemon=True,
        )
        self.thread.start()

    def close(self, timeout: float = 10.0) -> None:
        self.stop.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout)


def attach_sync_loop(app: FastAPI) -> SyncLoop:
    """Run the Odoo sync loop for the app's lifetime (``app.state.odoo_sync``)."""
    loop = SyncLoop()
    previous = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[object]:
        loop.start()
        try:
            async with previous(application) as state:
                yield state
        finally:
            loop.close()

    app.router.lifespan_context = lifespan
    app.state.odoo_sync = loop
    return loop
