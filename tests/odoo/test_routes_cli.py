"""The push route, the redirects and ``huifang sync --once`` exit codes."""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import sys
import time
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from service.api.auth import BearerKeyMiddleware
from service.config import Settings, get_settings
from service.db import get_session
from service.http import errors
from service.models import Job, PushNonce
from service.odoo.cli import EXIT_CONFIG, EXIT_UNAVAILABLE, odoo_app
from service.odoo.routes import (
    NONCE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    odoo_engine,
    router,
)
from tests.support.odoo_standin import OdooStandIn

from .conftest import API_KEY
from .pushes import push_headers

SECRET = "shared-secret-for-tests"
ADDON_NOTIFICATION = (
    Path(__file__).resolve().parents[2]
    / "addon/maintenance_callback/models/maintenance_callback_notification.py"
)


@pytest.fixture
def push_client(engine, estates, odoo, monkeypatch):
    monkeypatch.setenv("HUIFANG_ODOO_DEFAULT_ESTATE", "E1")
    settings = Settings(
        odoo_url=odoo.url,
        odoo_db=odoo.db,
        odoo_user="admin",
        odoo_api_key=API_KEY,
        odoo_shared_secret=SECRET,
    )
    app = FastAPI()
    app.include_router(router)
    errors.install(app)
    app.add_middleware(BearerKeyMiddleware)  # the push needs the bearer key like all /api/v1
    app.dependency_overrides[get_settings] = lambda: settings
    app.dependency_overrides[odoo_engine] = lambda: engine

    def _session():
        with Session(engine, expire_on_commit=False) as session:
            yield session

    app.dependency_overrides[get_session] = _session
    with TestClient(app) as client:
        yield client


def post(client, payload, secret=SECRET, **signed):
    body = json.dumps(payload).encode()
    return client.post(
        "/api/v1/odoo/notify", content=body, headers=push_headers(secret, body, **signed)
    )


PUSH = {"db": "odoo", "model": "maintenance.request", "ids": [1]}


def test_signed_push_is_accepted_and_synced(push_client, odoo, engine):
    rid = odoo.create("maintenance.request", {"name": "Tap", "stage_id": odoo.stage_id("Repaired")})
    resp = post(push_client, {"db": odoo.db, "model": "maintenance.request", "ids": [rid]})
    assert resp.status_code == 202 and resp.json() == {"accepted": 1}
    for _ in range(50):
        with Session(engine) as session:
            if session.exec(select(Job).where(Job.ref == f"odoo-{rid}")).first():
                break
        time.sleep(0.1)
    else:
        pytest.fail("pushed request was not synced")


@pytest.mark.parametrize(
    ("payload", "secret", "status"),
    [
        ({"db": "odoo", "model": "maintenance.request", "ids": [1]}, "wrong", 401),
        ({"db": "odoo", "model": "res.partner", "ids": [1]}, SECRET, 422),
        ({"db": "other", "model": "maintenance.request", "ids": [1]}, SECRET, 422),
        ({"db": "odoo", "model": "maintenance.request", "ids": []}, SECRET, 422),
        ({"db": "odoo", "model": "maintenance.request", "ids": ["1"]}, SECRET, 422),
        ({"db": "odoo", "model": "maintenance.request", "ids": [1], "x": 1}, SECRET, 422),
    ],
)
def test_bad_pushes_are_refused(push_client, payload, secret, status):
    assert post(push_client, payload, secret).status_code == status


def test_a_signed_push_without_the_bearer_key_is_refused(push_client):
    body = json.dumps(PUSH).encode()
    headers = push_headers(SECRET, body)
    del headers["Authorization"]
    resp = push_client.post("/api/v1/odoo/notify", content=body, headers=headers)
    assert resp.status_code == 401 and "Bearer" in resp.json()["detail"]


def test_a_push_seen_before_is_refused_as_a_replay(push_client, odoo):
    rid = odoo.create("maintenance.request", {"name": "Tap", "stage_id": odoo.stage_id("Repaired")})
    payload = {"db": odoo.db, "model": "maintenance.request", "ids": [rid]}
    body = json.dumps(payload).encode()
    headers = push_headers(SECRET, body)
    first = push_client.post("/api/v1/odoo/notify", content=body, headers=headers)
    again = push_client.post("/api/v1/odoo/notify", content=body, headers=headers)
    assert first.status_code == 202
    assert again.status_code == 401 and "replayed" in again.json()["detail"]


def test_an_authentic_push_uses_up_its_nonce_even_when_its_body_is_refused(push_client):
    bad = {"db": "odoo", "model": "res.partner", "ids": [1]}
    nonce = "n" * 32
    assert post(push_client, bad, nonce=nonce).status_code == 422
    assert post(push_client, PUSH, nonce=nonce).status_code == 401


@pytest.mark.parametrize(
    ("seconds", "status", "words"),
    [
        (-301, 401, "seconds behind the service's clock"),
        (-6 * 60, 401, "behind"),
        (6 * 60, 401, "ahead of"),
        (-4 * 60, 202, None),
        (4 * 60, 202, None),
    ],
)
def test_a_push_signed_more_than_5_minutes_away_from_now_is_refused(
    push_client, seconds, status, words
):
    resp = post(push_client, PUSH, timestamp=int(time.time()) + seconds)
    assert resp.status_code == status, resp.text
    if words:
        assert words in resp.json()["detail"]


def test_the_signature_covers_the_timestamp_and_the_nonce(push_client):
    body = json.dumps(PUSH).encode()
    headers = push_headers(SECRET, body)
    changed = [
        {**headers, TIMESTAMP_HEADER: str(int(headers[TIMESTAMP_HEADER]) - 1)},
        {**headers, NONCE_HEADER: headers[NONCE_HEADER][::-1]},
        # the former signature, over the body alone
        {
            **headers,
            SIGNATURE_HEADER: "sha256="
            + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest(),
        },
    ]
    for sent in changed:
        resp = push_client.post("/api/v1/odoo/notify", content=body, headers=sent)
        assert resp.status_code == 401 and SIGNATURE_HEADER in resp.json()["detail"]
    assert push_client.post("/api/v1/odoo/notify", content=body, headers=headers).status_code == 202


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (TIMESTAMP_HEADER, None),
        (TIMESTAMP_HEADER, "1.5e9"),
        (TIMESTAMP_HEADER, "-1"),
        (NONCE_HEADER, None),
        (NONCE_HEADER, "too-short"),
        (NONCE_HEADER, "x" * 65),
        (NONCE_HEADER, "not/url+safe=====abc"),
    ],
)
def test_a_push_without_a_readable_timestamp_or_nonce_is_refused(push_client, name, value):
    body = json.dumps(PUSH).encode()
    headers = push_headers(SECRET, body)
    if value is None:
        del headers[name]
    else:
        headers[name] = value
    resp = push_client.post("/api/v1/odoo/notify", content=body, headers=headers)
    assert resp.status_code == 401 and name in resp.json()["detail"]


def test_nonces_older_than_10_minutes_are_deleted_by_a_later_push(push_client, engine):
    now = datetime.now(UTC)
    with Session(engine) as session:
        session.add(PushNonce(nonce="old" * 6, seen_at=now - timedelta(minutes=11)))
        session.add(PushNonce(nonce="recent" * 3, seen_at=now - timedelta(minutes=9)))
        session.commit()
    assert post(push_client, PUSH, nonce="fresh" * 4).status_code == 202
    with Session(engine) as session:
        kept = set(session.exec(select(PushNonce.nonce)).all())
    assert kept == {"recent" * 3, "fresh" * 4}


def _addon_notification_module(monkeypatch):
    """The add-on's push module, loaded without Odoo (its models are not used here)."""

    def passthrough(func):
        return func

    odoo = types.ModuleType("odoo")
    odoo.api = types.SimpleNamespace(model=passthrough, autovacuum=passthrough)
    odoo.fields = types.SimpleNamespace(
        **{
            name: lambda *a, **k: None
            for name in ("Many2many", "Char", "Selection", "Integer", "Datetime")
        }
    )
    odoo.models = types.SimpleNamespace(Model=object)
    monkeypatch.setitem(sys.modules, "odoo", odoo)
    spec = importlib.util.spec_from_file_location("addon_notification", ADDON_NOTIFICATION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_addon_signs_its_push_the_way_the_service_checks_it(push_client, monkeypatch):
    addon = _addon_notification_module(monkeypatch)
    body = json.dumps(PUSH, separators=(",", ":")).encode()
    headers = addon.push_headers(SECRET, get_settings().admin_api_key, body)
    first = push_client.post("/api/v1/odoo/notify", content=body, headers=headers)
    again = push_client.post("/api/v1/odoo/notify", content=body, headers=headers)
    assert first.status_code == 202, first.text
    assert again.status_code == 401 and "replayed" in again.json()["detail"]
    assert addon.push_headers(SECRET, "t", body)[NONCE_HEADER] != headers[NONCE_HEADER]


def test_odoo_buttons_redirect_to_the_job_pages(push_client):
    resp = push_client.get("/odoo/requests/42/form.pdf?size=a5", follow_redirects=False)
    assert resp.status_code == 307 and resp.headers["location"] == "/jobs/odoo-42/form.pdf?size=a5"
    resp = push_client.get("/odoo/requests/42/staff", follow_redirects=False)
    assert resp.headers["location"] == "/jobs/odoo-42/staff"


@pytest.fixture
def cli_env(monkeypatch, tmp_path, odoo):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("HUIFANG_ODOO_URL", odoo.url)
    monkeypatch.setenv("HUIFANG_ODOO_DB", odoo.db)
    monkeypatch.setenv("HUIFANG_ODOO_USER", "admin")
    monkeypatch.setenv("HUIFANG_ODOO_API_KEY", API_KEY)
    monkeypatch.setenv("HUIFANG_ODOO_DEFAULT_ESTATE", "E1")
    from service.db import get_engine

    get_settings.cache_clear()
    get_engine.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()
    get_engine.cache_clear()


def run_cli(*args):
    return CliRunner().invoke(odoo_app, ["sync", *args])


def test_sync_once_runs_and_reports(cli_env, odoo):
    odoo.create("maintenance.request", {"name": "Tap", "stage_id": odoo.stage_id("Repaired")})
    result = run_cli("--once")
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output  # estate E1 does not exist in this fresh database


def test_sync_once_settles_its_start_up_heap_before_reading(cli_env, odoo, monkeypatch):
    from service import heap

    settled: list[int] = []
    monkeypatch.setattr(heap, "settle", lambda: settled.append(len(odoo.calls)))
    result = run_cli("--once")
    assert result.exit_code == 0, result.output
    searches = [c for c in odoo.calls if c.method == "search_read"]
    assert len(settled) == 1 and searches and settled[0] <= odoo.calls.index(searches[0])


@pytest.mark.parametrize(
    ("env", "code", "text"),
    [
        ({"HUIFANG_ODOO_API_KEY": "wrong"}, EXIT_CONFIG, "wrong login or API key"),
        ({"HUIFANG_ODOO_DB": "nope"}, EXIT_CONFIG, "no database named 'nope'"),
        ({"HUIFANG_ODOO_URL": "http://127.0.0.1:9"}, EXIT_UNAVAILABLE, "unreachable"),
    ],
)
def test_sync_once_fails_with_one_clear_line(cli_env, env, code, text):
    for name, value in env.items():
        cli_env.setenv(name, value)
    get_settings.cache_clear()
    result = run_cli("--once", "--quiet")
    assert result.exit_code == code
    assert text in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("env", "text"),
    [
        ({"HUIFANG_ODOO_DB": "prod"}, "no database named 'prod' (it has 'odoo', 'staging')"),
        ({"HUIFANG_ODOO_API_KEY": "wrong"}, "set HUIFANG_ODOO_API_KEY"),
    ],
)
def test_sync_once_against_odoo_19_names_what_to_fix(cli_env, env, text):
    with OdooStandIn(version="19.0", other_databases=["staging"]) as odoo19:
        cli_env.setenv("HUIFANG_ODOO_URL", odoo19.url)
        for name, value in env.items():
            cli_env.setenv(name, value)
        get_settings.cache_clear()
        result = run_cli("--once", "--quiet")
    assert result.exit_code == EXIT_CONFIG, result.output
    assert text in " ".join(result.output.split()) and "Traceback" not in result.output
