"""The push route, the redirects and ``huifang sync --once`` exit codes."""

from __future__ import annotations

import json
import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from service.config import Settings, get_settings
from service.models import Job
from service.odoo.cli import EXIT_CONFIG, EXIT_UNAVAILABLE, odoo_app
from service.odoo.routes import odoo_engine, router, signature

from .conftest import API_KEY

SECRET = "shared-secret-for-tests"


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
    app.dependency_overrides[get_settings] = lambda: settings
    app.dependency_overrides[odoo_engine] = lambda: engine
    with TestClient(app) as client:
        yield client


def post(client, payload, secret=SECRET):
    body = json.dumps(payload).encode()
    return client.post(
        "/api/v1/odoo/notify",
        content=body,
        headers={
            "X-Huifang-Signature": signature(secret, body),
            "Content-Type": "application/json",
        },
    )


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
