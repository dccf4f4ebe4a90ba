"""``huifang token``: a token made on the server's shell is printed once, works on the API in
its role and estate, is listed without its key, and stops working once revoked (a running
server remembers a caller ``HUIFANG_TOKEN_CACHE_SECONDS``, then looks the token up again)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session
from typer.testing import CliRunner

from service.app import create_app
from service.cli import app
from service.db import get_engine, migrate
from service.http.deps import get_now
from service.schemas import EstateIn
from service.usecases.estates import put_estate

runner = CliRunner()


def _estate() -> None:
    engine = get_engine()
    migrate(engine)
    with Session(engine) as session:
        put_estate(session=session, code="YGHY", estate_in=EstateIn(name="阳光花园"), actor="t")


def test_a_token_from_the_shell_works_until_revoked(cli_db):
    _estate()
    made = runner.invoke(
        app, ["token", "create", "--name", "odoo", "--role", "integration", "--estate", "YGHY"]
    )
    assert made.exit_code == 0, made.output
    key = made.stdout.strip().splitlines()[0]
    assert key.startswith("hf_")
    assert "shown this once" in made.stderr
    listed = runner.invoke(app, ["token", "list"])
    assert listed.exit_code == 0 and "odoo" in listed.stdout and key not in listed.stdout
    assert "YGHY" in listed.stdout and "active" in listed.stdout
    with TestClient(create_app()) as client:
        bearer = {"Authorization": f"Bearer {key}"}
        assert client.get("/api/v1/jobs", headers=bearer).status_code == 403  # writes only
        revoked = runner.invoke(app, ["token", "revoke", "1"])
        assert revoked.exit_code == 0, revoked.output
        assert "running servers refuse it within 5 s" in revoked.stderr
        # this server found the caller a moment ago: it keeps it for 5 s, then asks again
        assert client.get("/api/v1/jobs", headers=bearer).status_code == 403
        later = datetime.now(UTC) + timedelta(seconds=5)
        client.app.dependency_overrides[get_now] = lambda: later
        assert client.get("/api/v1/jobs", headers=bearer).status_code == 401
    assert "revoked" in runner.invoke(app, ["token", "list"]).stdout


def test_bad_requests_exit_2_saying_why(cli_db):
    _estate()
    for args, word in (
        (["--name", "x", "--role", "root"], "role"),
        (["--name", "x", "--role", "readonly", "--estate", "NOPE"], "NOPE"),
        (["--name", "x", "--role", "readonly", "--expires", "2020-01-01"], "future"),
        (["--name", "x", "--role", "readonly", "--expires", "soon"], "--expires"),
    ):
        result = runner.invoke(app, ["token", "create", *args])
        assert result.exit_code == 2, (args, result.output)
        assert word in result.output, (args, result.output)
    assert runner.invoke(app, ["token", "revoke", "42"]).exit_code == 2
    assert runner.invoke(app, ["token", "list", "--estate", "NOPE"]).exit_code == 2
