"""One Odoo sync at a time per database: a second one skips its pass (a second
`huifang sync --once` exits 0 saying so), and a holder that dies lets the lock go."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from service.config import Settings
from service.odoo.link import SYNC_LOCK, SyncRunning, run_sync_loop, sync_once
from service.usecases.locks import try_lock
from tests.odoo.conftest import API_KEY

HOLD = """
import sys, time
from service.db import make_engine
from service.usecases.locks import try_lock
with try_lock(make_engine(sys.argv[1]), sys.argv[2]) as held:
    print("held" if held else "busy", flush=True)
    time.sleep(60)
"""


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_the_lock_is_held_by_one_at_a_time(engine: Engine):
    with try_lock(engine, SYNC_LOCK) as first:
        assert first
        with try_lock(engine, SYNC_LOCK) as second:
            assert not second
        with try_lock(engine, "another-name") as other:
            assert other
    with try_lock(engine, SYNC_LOCK) as again:
        assert again


def test_a_killed_holder_lets_the_lock_go(engine: Engine):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, _url(engine), SYNC_LOCK], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with try_lock(engine, SYNC_LOCK) as held:
            assert not held
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    deadline = time.monotonic() + 10
    while True:  # PostgreSQL ends the dead holder's session as soon as its socket closes
        with try_lock(engine, SYNC_LOCK) as held:
            if held or time.monotonic() > deadline:
                break
        time.sleep(0.1)
    assert held


def test_a_pass_while_another_holds_the_lock_is_skipped(engine: Engine, caplog):
    settings = Settings(odoo_url="http://127.0.0.1:9", odoo_db="x", odoo_user="x", odoo_api_key="x")
    with try_lock(engine, SYNC_LOCK):
        with pytest.raises(SyncRunning):
            sync_once(engine=engine, settings=settings)  # no Odoo call: the lock comes first
        stop, wake = threading.Event(), threading.Event()
        loop = threading.Thread(
            target=run_sync_loop,
            kwargs={"engine": engine, "settings": settings, "stop": stop, "wake": wake},
        )
        with caplog.at_level(logging.INFO, logger="service.odoo.link"):
            loop.start()
            time.sleep(0.3)
            stop.set()
            wake.set()
            loop.join(10)
    assert "another instance is syncing" in caplog.text


def test_a_second_sync_once_on_sqlite_exits_0_saying_another_runs(odoo, tmp_path: Path):
    for n in range(3):
        odoo.create(
            "maintenance.request", {"name": f"Tap {n}", "stage_id": odoo.stage_id("Repaired")}
        )
    odoo.faults.slow(1.0, model="maintenance.request")  # the first sync takes a few seconds
    env = {
        **os.environ,
        "HUIFANG_DATABASE_URL": f"sqlite:///{tmp_path / 'sync.db'}",
        "HUIFANG_ODOO_URL": odoo.url,
        "HUIFANG_ODOO_DB": odoo.db,
        "HUIFANG_ODOO_USER": "admin",
        "HUIFANG_ODOO_API_KEY": API_KEY,
        "HUIFANG_ODOO_DEFAULT_ESTATE": "E1",
    }
    command = [sys.executable, "-m", "service.cli", "sync", "--once"]
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not any(call.model == "maintenance.request" for call in odoo.calls):
            assert first.poll() is None and time.monotonic() < deadline, "the first sync ended"
            time.sleep(0.05)
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert first.poll() is None, "the first sync ended before the second one started"
    finally:
        out, _ = first.communicate(timeout=60)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "another sync is running" in second.stdout + second.stderr
    assert "Traceback" not in second.stdout + second.stderr
    assert first.returncode == 0, out.decode()
