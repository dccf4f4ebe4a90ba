"""The API answers as its OpenAPI schema says: schemathesis sends every operation requests drawn
from the schema (valid ones, and ones that break it), with the admin key, and runs all its
checks on each answer: no server error, only documented statuses, bodies and content types,
schema-breaking requests refused, schema-valid ones accepted, the key not ignored...

Whatever the schema holds is covered, routes added later included. A valid request may still
break a rule the schema cannot express (an estate that does not exist, a time before the
repair): the API then answers 422 with ``detail`` only. What a valid request must never meet
is a refusal of its form (a 422 with ``errors``): the schema would have promised too much.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service.app import create_app
from service.config import get_settings
from service.db import get_session
from service.http.deps import get_db_engine, get_now

from ..conftest import ADMIN_KEY, AUTH, FIXED_NOW, _empty
from .helpers import callback_body, job_body

#: Examples per operation and generation mode: the file runs in about a minute.
EXAMPLES = int(os.environ.get("HUIFANG_SCHEMA_EXAMPLES", "20"))

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"max-examples": EXAMPLES},
        # The admin key, through the bearer scheme the schema documents: schemathesis knows the
        # header is set (and leaves it out, or spoils it, where it checks the key is needed).
        "auth": {"openapi": {"bearer": {"bearer": ADMIN_KEY}}},
        "checks": {
            # The defaults, and 422 for the rules beyond the schema (see the module's doc and
            # valid_requests_pass_validation below, which holds such answers to that).
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
            }
        },
    }
)


@schemathesis.check
def valid_requests_pass_validation(ctx, response, case) -> bool | None:  # noqa: ANN001
    """A schema-valid request is never refused for its form: the schema is not looser than the
    validation (a 422 for a rule checked later carries ``detail`` only)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    if None in (case.path_parameters or {}).values():
        return None  # a value a stateful link took from a null field: not the schema's
    body = response.json()
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors and not all(_beyond_a_pattern(e) for e in errors):
        raise AssertionError(f"a schema-valid request was refused: {body.get('detail')}")
    return None


def _beyond_a_pattern(error: dict) -> bool:
    """A day the month does not have (02-30, 04-31, 02-29 of a common year): the calendar, which
    the time's pattern does not spell out, refuses it with its own readable message."""
    return error.get("type") in {"datetime_from_date_parsing", "date_from_datetime_parsing"} and (
        "day value is outside expected range" in error.get("msg", "")
    )


#: The test database of the moment (the session-wide SQLite one, emptied for each operation).
_DATABASE: list[Engine] = []


def _session() -> Iterator[Session]:
    with Session(_DATABASE[0], expire_on_commit=False) as session:
        yield session


app = create_app()
app.dependency_overrides[get_session] = _session
app.dependency_overrides[get_db_engine] = lambda: _DATABASE[0]
app.dependency_overrides[get_now] = lambda: FIXED_NOW
schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)


def _seed() -> None:
    """Records under the names generated requests try first (estate and job ``0``,
    rectification 1), so that they reach past the lookups."""
    with TestClient(app) as client:
        client.headers.update(AUTH)
        for path, body, status in (
            ("/api/v1/estates/0", {"name": "阳光花园"}, 201),
            ("/api/v1/jobs", job_body("0", estate="0"), 201),
            ("/api/v1/jobs/0/callbacks", callback_body(problems="水管仍渗水"), 201),
            ("/api/v1/staff", {"estate": "0", "name": "孙师傅", "role": "worker"}, 201),
        ):
            method = client.put if path.startswith("/api/v1/estates") else client.post
            response = method(path, json=body)
            assert response.status_code == status, response.text


@pytest.fixture(autouse=True)
def _database(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The Odoo push answers requests it can verify (401, 422), not 503 "not configured".
    monkeypatch.setenv("HUIFANG_ODOO_SHARED_SECRET", "s" * 32)
    get_settings.cache_clear()
    _empty(sqlite_engine)
    _DATABASE[:] = [sqlite_engine]
    _seed()
    yield
    get_settings.cache_clear()


@schema.parametrize()
@hypothesis_settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_the_schema_says(case) -> None:  # noqa: ANN001
    case.call_and_validate()
