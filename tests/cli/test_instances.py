"""Two `huifang serve` processes on one PostgreSQL database, linked to one Odoo: every write
to Odoo and every notification happens once, also when the instance syncing is killed
(SIGKILL) in the middle of its write-back: the other one takes the sync over.

The Odoo side: requests completed in Odoo are synced, a callback is recorded on each through
either instance, and each becomes one chatter note. The notification side: reminders for
jobs due soon, sent through a slow SMS gateway by both instances' schedulers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service.db import make_engine, migrate
from service.models import Estate, Staff
from tests.cli.test_durability import _free_port
from tests.pg import Cluster
from tests.support.odoo_standin import OdooStandIn

KEY = "instances-key"
ODOO_KEY = "standin-api-key"
REQUESTS = 8  # synced from Odoo, each with one callback to write back
SOON = 8  # jobs whose reminders are due
POSTED: list[str] = []


class SlowGateway(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers["Content-Length"]))
        POSTED.append(self.headers["Idempotency-Key"])
        time.sleep(0.3)  # a kill lands while one is in flight
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def database(pg_cluster: Cluster) -> Iterator[Engine]:
    admin = make_engine(pg_cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS huifang_instances WITH (FORCE)"))
        conn.execute(sa.text("CREATE DATABASE huifang_instances"))
    engine = make_engine(pg_cluster.url("huifang_instances"))
    migrate(engine)  # once, before the instances start (each would migrate, at once)
    with Session(engine) as session:
        estate = Estate(code="YG", name="阳光花园", timezone="Asia/Shanghai")
        session.add(estate)
        session.flush()
        for name in ("张伟", "刘洋"):
            session.add(Staff(estate_id=estate.id, name=name, role="lead", notify_by="webhook"))
        session.commit()
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS huifang_instances WITH (FORCE)"))
    admin.dispose()


def _serve(
    url: str, name: str, env: dict[str, str], log: IO[bytes]
) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
        env={**os.environ, **env, "HUIFANG_DATABASE_URL": f"{url}?application_name={name}"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return process, f"http://127.0.0.1:{port}"


def _wait_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "huifang serve ended at start"
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("huifang serve did not start")


def _wait(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _scalar(engine: Engine, sql: str) -> object:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar()


def _states(engine: Engine) -> str:
    with engine.connect() as conn:
        outbox = conn.execute(
            sa.text("SELECT kind, status, count(*) FROM odoo_outbox GROUP BY 1, 2")
        )
        notes = conn.execute(sa.text("SELECT status, count(*) FROM notifications GROUP BY 1"))
        return f"outbox {outbox.all()}, notifications {notes.all()}"


def _sync_holder(engine: Engine) -> str | None:
    """The application name of the instance holding the sync lock, if one does."""
    return _scalar(  # type: ignore[return-value]
        engine,
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted",
    )


@pytest.mark.postgres
def test_two_instances_write_to_odoo_and_notify_once_even_when_one_is_killed(
    database: Engine, pg_cluster: Cluster, tmp_path: Path
):
    POSTED.clear()
    hook = ThreadingHTTPServer(("127.0.0.1", 0), SlowGateway)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    odoo = OdooStandIn(version="18.0").start()
    requests = [
        odoo.create(
            "maintenance.request", {"name": f"水管 {n}", "stage_id": odoo.stage_id("Repaired")}
        )
        for n in range(REQUESTS)
    ]
    env = {
        "HUIFANG_ADMIN_API_KEY": KEY,
        "HUIFANG_ODOO_URL": odoo.url,
        "HUIFANG_ODOO_DB": odoo.db,
        "HUIFANG_ODOO_USER": "admin",
        "HUIFANG_ODOO_API_KEY": ODOO_KEY,
        "HUIFANG_ODOO_DEFAULT_ESTATE": "YG",
        "HUIFANG_ODOO_LANGUAGE": "en",
        "HUIFANG_ODOO_TIMEOUT": "2",  # a row whose sender died is sent again 6 s later
        "HUIFANG_SYNC_INTERVAL_SECONDS": "5",
        "HUIFANG_REMIND_INTERVAL_SECONDS": "5",
        "HUIFANG_WEBHOOK_URL": f"http://127.0.0.1:{hook.server_address[1]}/sms",
        "HUIFANG_WEBHOOK_SECRET": "s3cret",
    }
    url = pg_cluster.url("huifang_instances").replace("+psycopg", "")
    logs = {name: (tmp_path / f"{name}.log").open("wb") for name in ("huifang-a", "huifang-b")}
    servers = {name: _serve(url, name, env, log) for name, log in logs.items()}
    killed: str | None = None
    try:
        for process, base in servers.values():
            _wait_up(base, process)
        apis = [
            httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {KEY}"})
            for _process, base in servers.values()
        ]
        synced = lambda: _scalar(database, "SELECT count(*) FROM odoo_requests") == REQUESTS  # noqa: E731
        assert _wait(synced, 20), "the requests were not synced"
        # every chatter note is slow to post: the kill lands in the middle of the write-back
        odoo.faults.slow(0.4, model="maintenance.request", method="message_post")
        done = datetime.now(UTC) - timedelta(days=6, hours=12)  # general: due in 12 hours
        for n, rid in enumerate(requests):
            api = apis[n % 2]
            callback = {
                "role": "lead",
                "staff": "张伟",
                "channel": "phone",
                "done_at": datetime.now(UTC).isoformat(),
                "satisfaction": "satisfied",
            }
            response = api.post(f"/jobs/odoo-{rid}/callbacks", json=callback)
            assert response.status_code == 201, response.text
        for n in range(SOON):
            job = {"ref": f"K-{n}", "estate": "YG", "completed_at": done.isoformat()}
            assert apis[n % 2].post("/jobs", json=job).status_code == 201

        def posts() -> int:
            return sum(1 for call in odoo.calls if call.method == "message_post")

        assert _wait(lambda: posts() >= 2 and len(POSTED) >= 2, 30), "nothing was written back"
        killed = _sync_holder(database)
        assert killed in servers, f"no instance holds the sync lock ({killed!r})"
        servers[killed][0].send_signal(signal.SIGKILL)
        servers[killed][0].wait(timeout=10)
        pending = _scalar(database, "SELECT count(*) FROM odoo_outbox WHERE status = 'pending'")
        queued = _scalar(database, "SELECT count(*) FROM notifications WHERE status = 'queued'")
        assert pending, "killed too late: every write was made"

        def finished() -> bool:
            return (
                _scalar(database, "SELECT count(*) FROM odoo_outbox WHERE status <> 'sent'") == 0
                and _scalar(database, "SELECT count(*) FROM notifications WHERE status <> 'sent'")
                == 0
                and _scalar(database, "SELECT count(*) FROM notifications") >= SOON
            )

        assert _wait(finished, 30), _states(database)
        survivor = next(name for name in servers if name != killed)
        assert servers[survivor][0].poll() is None
    finally:
        for process, _base in servers.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process, _base in servers.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs.values():
            log.close()
        hook.shutdown()
        odoo.stop()
    shown = "\n".join(f"--- {n}\n{(tmp_path / f'{n}.log').read_text()[-3000:]}" for n in logs)

    # Odoo: one note per callback, each posted once (a resend finds its marker first)
    notes = [("model", "=", "maintenance.request"), ("message_type", "=", "comment")]
    messages = odoo.search_read("mail.message", notes, ["res_id"])
    assert Counter(m["res_id"] for m in messages) == Counter(requests), shown
    assert posts() == REQUESTS, shown
    # and one activity per request for the person it is assigned to, made once and, the
    # callback recorded, marked done once (Odoo 18 deletes a done To-Do; a "done" message)
    creates = [c for c in odoo.calls if c.model == "mail.activity" and c.method == "create"]
    assert len(creates) == REQUESTS, shown
    assert odoo.search_read("mail.activity", [], ["res_id"]) == [], shown
    done = [("model", "=", "maintenance.request"), ("message_type", "=", "notification")]
    messages = odoo.search_read("mail.message", done, ["res_id"])
    assert Counter(m["res_id"] for m in messages) == Counter(requests), shown
    assert _scalar(database, "SELECT count(*) FROM odoo_outbox WHERE kind = 'message'") == REQUESTS

    # notifications: each made once per key and person, each sent; the gateway got each, and
    # at most the one in flight at the kill twice, under the same Idempotency-Key
    with database.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, key, staff_id, status FROM notifications")).all()
    assert len(rows) == len({(key, staff) for _id, key, staff, _status in rows}) >= SOON
    assert {status for *_, status in rows} == {"sent"}
    assert set(POSTED) == {f"huifang-notification-{row[0]}" for row in rows}, shown
    assert sum(n - 1 for n in Counter(POSTED).values()) <= 1, (Counter(POSTED), queued)


def test_serve_with_two_workers_starts_both_and_runs_the_scheduler_once_beside_them(tmp_path: Path):
    POSTED.clear()
    hook = ThreadingHTTPServer(("127.0.0.1", 0), SlowGateway)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    port = _free_port()
    log_path = tmp_path / "serve.log"
    env = {
        **os.environ,
        "HUIFANG_DATABASE_URL": f"sqlite:///{tmp_path / 'huifang.db'}",
        "HUIFANG_ADMIN_API_KEY": KEY,
        "HUIFANG_REMIND_INTERVAL_SECONDS": "5",
        "HUIFANG_WEBHOOK_URL": f"http://127.0.0.1:{hook.server_address[1]}/sms",
        "HUIFANG_WEBHOOK_SECRET": "s3cret",
    }
    command = [sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--workers", "2"]
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_up(base, server)
            api = httpx.Client(
                base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {KEY}"}
            )
            assert api.put("/estates/YG", json={"name": "阳光花园"}).status_code == 201
            staff = {"estate": "YG", "name": "张伟", "role": "lead", "notify_by": "webhook"}
            assert api.post("/staff", json=staff).status_code == 201
            done = datetime.now(UTC) - timedelta(days=6, hours=12)  # general: due in 12 hours
            for n in range(4):
                job = {"ref": f"K-{n}", "estate": "YG", "completed_at": done.isoformat()}
                assert api.post("/jobs", json=job).status_code == 201
            httpx.get(f"{base}/r/secret-link-token", timeout=5)
            assert _wait(lambda: len(POSTED) >= 1, 30), "the scheduler sent nothing"
            time.sleep(6)  # one more cycle: nothing is sent again
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                assert server.wait(timeout=60) == 0  # a loaded machine stops slowly
            finally:
                if server.poll() is None:
                    server.kill()
                hook.shutdown()
    text = log_path.read_text()
    assert text.count("Started server process") == 2, text[-3000:]
    assert "/r/<redacted>" in text and "secret-link-token" not in text
    engine = make_engine(env["HUIFANG_DATABASE_URL"])
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, status FROM notifications")).all()
    engine.dispose()
    assert {status for _id, status in rows} == {"sent"}
    assert Counter(POSTED) == Counter(f"huifang-notification-{rid}" for rid, _status in rows)
