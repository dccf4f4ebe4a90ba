"""The scheduler inside `huifang serve` survives SIGKILL in the middle of a cycle: after a
restart every notification was made once and is sent; at most the one being posted when the
process died is posted again, under the same Idempotency-Key, so the gateway can drop it."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import sqlalchemy as sa

from service.db import make_engine
from tests.cli.test_durability import KEY, _free_port, _start

POSTED: list[str] = []


class SlowGateway(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers["Content-Length"]))
        POSTED.append(self.headers["Idempotency-Key"])
        time.sleep(0.3)  # a slow SMS gateway: the kill lands while one is in flight
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def _serve(db: Path, port: int, hook: str) -> subprocess.Popen[bytes]:
    return _start(
        db,
        port,
        HUIFANG_REMIND_INTERVAL_SECONDS="5",
        HUIFANG_WEBHOOK_URL=hook,
        HUIFANG_WEBHOOK_SECRET="s3cret",
    )


def _rows(db: Path) -> list[tuple[int, str, int, str]]:
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, key, staff_id, status FROM notifications")).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_killed_scheduler_resumes_without_making_anything_twice(tmp_path: Path):
    POSTED.clear()
    gateway = ThreadingHTTPServer(("127.0.0.1", 0), SlowGateway)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{gateway.server_address[1]}/sms"
    db, port = tmp_path / "huifang.db", _free_port()
    server = _serve(db, port, hook)
    try:
        api = httpx.Client(
            base_url=f"http://127.0.0.1:{port}/api/v1", headers={"Authorization": f"Bearer {KEY}"}
        )
        assert api.put("/estates/YG", json={"name": "阳光花园"}).status_code == 201
        for name in ("张伟", "刘洋"):
            staff = {"estate": "YG", "name": name, "role": "lead", "notify_by": "webhook"}
            assert api.post("/staff", json=staff).status_code == 201
        done = datetime.now(UTC) - timedelta(days=6, hours=12)  # general: due in 12 hours
        for n in range(8):
            job = {"ref": f"K-{n}", "estate": "YG", "completed_at": done.isoformat()}
            assert api.post("/jobs", json=job).status_code == 201
        assert _wait(lambda: len(POSTED) >= 3, 30), "the scheduler sent nothing"
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
    made_before = _rows(db)
    assert any(status == "queued" for *_, status in made_before), "killed too late to matter"
    server = _serve(db, port, hook)
    try:
        assert _wait(lambda: all(r[3] == "sent" for r in _rows(db)), 60), _rows(db)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        gateway.shutdown()
    rows = _rows(db)
    assert len(rows) == len(made_before) >= 8  # nothing made twice, nothing lost
    assert len({(key, staff) for _id, key, staff, _s in rows}) == len(rows)
    ids = {f"huifang-notification-{rid}" for rid, *_ in rows}
    assert set(POSTED) == ids
    assert sum(n - 1 for n in Counter(POSTED).values()) <= 1  # only the one in flight, if any
