"""A confirmed callback survives the server being killed (SIGKILL, no clean shutdown)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

from service.db import make_engine

KEY = "durability-key"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(db: Path, port: int, **extra_env: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HUIFANG_DATABASE_URL": f"sqlite:///{db}",
        "HUIFANG_ADMIN_API_KEY": KEY,
        **extra_env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--no-sync"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("huifang serve did not start")


def test_a_confirmed_callback_survives_sigkill(tmp_path: Path):
    db = tmp_path / "huifang.db"
    port = _free_port()
    server = _start(db, port)
    try:
        api = httpx.Client(
            base_url=f"http://127.0.0.1:{port}/api/v1", headers={"Authorization": f"Bearer {KEY}"}
        )
        assert api.put("/estates/YG", json={"name": "阳光花园"}).status_code == 201
        job = {"ref": "K-1", "estate": "YG", "completed_at": "2026-01-05T09:00:00+08:00"}
        assert api.post("/jobs", json=job).status_code == 201
        callback = {
            "role": "lead",
            "staff": "张伟",
            "channel": "phone",
            "done_at": "2026-01-06T09:00:00+08:00",
            "satisfaction": "satisfied",
        }
        assert api.post("/jobs/K-1/callbacks", json=callback).status_code == 201
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT staff, satisfaction FROM callbacks")).all() == [
            ("张伟", "satisfied")
        ]
        actions = conn.execute(sa.text("SELECT action FROM audit_log ORDER BY id")).scalars().all()
        assert actions[-1] == "callback.recorded"
    engine.dispose()
