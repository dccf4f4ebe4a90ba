"""NUL and the other control characters in any text field are refused (422), on SQLite and on
PostgreSQL alike, and nothing is written: every string field of every request body and every
text query parameter, as the OpenAPI schema lists them (a new field is covered as soon as it is
in the schema), and every field of the phone pages' posts, from their models.

One-line fields refuse every C0 control, DEL and the C1 controls; multi-line text (notes,
problems, comments) keeps tab, line feed and carriage return, and their schema pattern says
which is which. A NUL in a path segment is a 4xx, never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from service.domain.rules import MAX_YEAR, MIN_YEAR
from service.schemas import PageCallIn, ResidentAnswer, StaffAnswer
from service.schemas.core import PERIOD_PATTERN, TIME_PATTERN
from service.schemas.text import CONTROLS, CONTROLS_BUT_LINES, REF_PATTERN

from ..phone.helpers import add_staff, post_json, resident_body, setup_job, sign_in, token
from .helpers import callback_body, job_body

#: One of each control class, and the line breaks multi-line text keeps.
CHARACTERS = {
    "NUL": "\x00",
    "SOH": "\x01",
    "ESC": "\x1b",
    "US": "\x1f",
    "DEL": "\x7f",
    "C1 NEL": "\x85",
    "C1 CSI": "\x9b",
    "VT": "\x0b",
    "FF": "\x0c",
    "TAB": "\t",
    "LF": "\n",
    "CR": "\r",
}
LINE_BREAKS = {"\t", "\n", "\r"}

RECTIFICATION_MOVE = {"at": "2026-05-19T10:00:00+08:00", "by": "李主管"}
#: A valid body for each operation that takes one; a new operation must add its own here.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("put", "/api/v1/estates/{code}"): {"name": "阳光花园", "timezone": "Asia/Shanghai"},
    ("post", "/api/v1/jobs"): job_body("J-2"),
    ("post", "/api/v1/jobs/{ref}/callbacks"): callback_body(),
    ("post", "/api/v1/jobs/{ref}/phone-attempts"): {
        "staff": "张伟",
        "role": "lead",
        "at": "2026-05-11T10:00:00+08:00",
        "outcome": "rescheduled",
        "next_at": "2026-05-11T16:00:00+08:00",
        "note": "下午再打",
    },
    ("post", "/api/v1/jobs/{ref}/resident-link"): {
        "channel": "email",
        "to": "wang@example.com",
        "language": "zh_CN",
        "requested_by": "张伟",
    },
    ("post", "/api/v1/rectifications/{rectification_id}/notified"): {
        **RECTIFICATION_MOVE,
        "via": "paper",
    },
    ("post", "/api/v1/rectifications/{rectification_id}/fixed"): {
        **RECTIFICATION_MOVE,
        "note": "更换接口",
    },
    ("post", "/api/v1/rectifications/{rectification_id}/verify"): {
        **RECTIFICATION_MOVE,
        "accepted": True,
        "note": "已复查",
    },
    ("post", "/api/v1/rectifications/{rectification_id}/close"): {
        "done_at": "2026-05-19T10:00:00+08:00",
        "resolution": "更换接口",
    },
    ("post", "/api/v1/staff"): {
        "estate": "YG",
        "name": "孙师傅",
        "role": "worker",
        "login": "sun.yg",
        "password": "a-long-password",
        "email": "sun@example.com",
        "phone": "138 0000 1234",
        "notify_by": "email",
        "language": "zh_CN",
    },
    ("post", "/api/v1/tokens"): {
        "name": "月报",
        "role": "readonly",
        "estate": "YG",
        "expires_at": "2027-01-01T00:00:00+08:00",
    },
}
#: Operations whose body is not a JSON schema of fields (the Odoo push: a signed raw body).
NO_FIELDS = {("post", "/api/v1/odoo/notify")}
#: What each path parameter is in these tests.
PATH_VALUES = {"code": "YG", "ref": "J-1", "rectification_id": "1", "token_id": "1"}
#: Query parameters an operation needs, with a valid value.
REQUIRED_QUERY = {"estate": "YG"}


# ------------------------------------------------------------------ the schema, walked


def _resolve(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        found: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            found = found[part]
        node = found
    return node


def string_fields(
    root: dict[str, Any], node: dict[str, Any], path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """Every string field under ``node`` (nested objects included): its path and schema."""
    node = _resolve(root, node)
    for option in node.get("anyOf", []) + node.get("oneOf", []):
        yield from string_fields(root, option, path)
    if node.get("type") == "object" or "properties" in node:
        for name, sub in node.get("properties", {}).items():
            yield from string_fields(root, sub, (*path, name))
    elif node.get("type") == "string" or "enum" in node:
        yield path, node


def unique_fields(
    root: dict[str, Any], node: dict[str, Any]
) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    seen: dict[tuple[str, ...], dict[str, Any]] = {}
    for path, schema in string_fields(root, node):
        seen.setdefault(path, schema)
    return list(seen.items())


def takes(schema: dict[str, Any], value: str) -> bool:
    """Whether the field's schema takes ``value`` as far as characters go."""
    pattern = schema.get("pattern")
    return pattern is not None and re.fullmatch(pattern, value) is not None


def with_value(body: dict[str, Any], path: tuple[str, ...], value: str) -> dict[str, Any]:
    changed = {**body}
    node = changed
    for part in path[:-1]:
        node[part] = {**(node.get(part) or {})}
        node = node[part]
    node[path[-1]] = value
    return changed


def spoiled(value: Any, char: str) -> str:
    """A value for the field holding ``char`` inside (so that stripping cannot remove it)."""
    text = value if isinstance(value, str) and len(value) >= 2 else "ab"
    return text[:1] + char + text[1:]


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


def refused_for(response: Any, where: tuple[str, ...]) -> bool:
    """A 422 that names the field (the API lists each problem; a page names it in detail)."""
    if response.status_code != 422:
        return False
    body = response.json()
    if "errors" in body:
        return any(tuple(e["loc"]) == where for e in body["errors"])
    return f"{'.'.join(where[1:])}:" in body["detail"]


# ------------------------------------------------------------------ the REST API


@pytest.fixture
def records(client: TestClient, estate: dict[str, Any]) -> None:
    """Estate YG, job J-1 and its rectification 1 (a callback found a problem), token 1."""
    assert client.post("/api/v1/jobs", json=job_body()).status_code == 201
    found = client.post("/api/v1/jobs/J-1/callbacks", json=callback_body(problems="渗水"))
    assert found.status_code == 201 and found.json()["rectification_id"] == 1
    made = client.post("/api/v1/tokens", json={"name": "t", "role": "readonly"})
    assert made.status_code == 201 and made.json()["id"] == 1


def operations(client: TestClient) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in client.app.openapi()["paths"].items():
        if path.startswith("/api/v1"):
            for method, operation in item.items():
                yield method, path, operation


def concrete(path: str) -> str:
    for name, value in PATH_VALUES.items():
        path = path.replace(f"{{{name}}}", value)
    return path


def test_every_body_refuses_control_characters_in_every_text_field(client, engine, records):
    schema = client.app.openapi()
    checked = 0
    for method, path, operation in operations(client):
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if content is None or (method, path) in NO_FIELDS:
            continue
        assert (method, path) in BODIES, f"add a valid body for {method.upper()} {path}"
        base, url = BODIES[(method, path)], concrete(path)
        clean = client.request(method, url, json=base)
        assert not (clean.status_code == 422 and "errors" in clean.json()), clean.text
        for field, field_schema in unique_fields(schema, content["schema"]):
            current = base
            for part in field:
                current = current.get(part) if isinstance(current, dict) else None
            before = counts(engine)
            for name, char in CHARACTERS.items():
                value = spoiled(current, char)
                if char in LINE_BREAKS and takes(field_schema, value):
                    continue  # multi-line text: checked below
                response = client.request(method, url, json=with_value(base, field, value))
                assert refused_for(response, ("body", *field)), (
                    f"{method.upper()} {path} {'.'.join(field)} with {name}: {response.text}"
                )
                assert isinstance(response.json()["detail"], str)
                checked += 1
            assert counts(engine) == before, f"{method.upper()} {path} {'.'.join(field)} wrote"
    assert checked > 400


def test_notes_problems_and_comments_keep_tabs_and_new_lines(client, records):
    schema = client.app.openapi()
    body = BODIES[("post", "/api/v1/jobs/{ref}/callbacks")]
    fields = unique_fields(schema, schema["components"]["schemas"]["CallbackIn"])
    multi_line = {f[-1] for f, s in fields if takes(s, "a\tb\r\nc")}
    assert multi_line == {"service_feedback", "suggestions", "problems"}
    answer = client.post(
        "/api/v1/jobs/J-1/callbacks",
        json={**body, "problems": "渗水\n未清理", "suggestions": "一\t二\r\n三"},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["problems"] == "渗水\n未清理"
    job_fields = unique_fields(schema, schema["components"]["schemas"]["JobIn"])
    one_line = {f[-1] for f, s in job_fields if s.get("pattern") and not takes(s, "a\nb")}
    assert {"ref", "unit", "resident_name", "resident_phone", "title", "worker"} <= one_line


def test_every_text_query_parameter_refuses_control_characters(client, engine, records):
    checked = 0
    for method, path, operation in operations(client):
        if method != "get":
            continue
        parameters = [p for p in operation.get("parameters", []) if p["in"] == "query"]
        required = {p["name"]: REQUIRED_QUERY[p["name"]] for p in parameters if p["required"]}
        for parameter in parameters:
            kinds = [
                option.get("type") or ("string" if "enum" in option else None)
                for option in parameter["schema"].get("anyOf", [parameter["schema"]])
            ]
            if "string" not in kinds:
                continue
            before = counts(engine)
            for name, char in CHARACTERS.items():
                query = {**required, parameter["name"]: "a" + char + "b"}
                response = client.get(concrete(path), params=query)
                assert refused_for(response, ("query", parameter["name"])), (
                    f"GET {path}?{parameter['name']} with {name}: {response.text}"
                )
                checked += 1
            assert counts(engine) == before
    assert checked > 150


def test_a_nul_in_a_path_segment_is_a_4xx_never_a_500(client, records):
    checked = 0
    for method, path, operation in operations(client):
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "path":
                continue
            url = concrete(path.replace(f"{{{parameter['name']}}}", "a%00b"))
            body = BODIES.get((method, path))
            response = client.request(method, url, json=body)
            assert 400 <= response.status_code < 500, f"{method.upper()} {url}: {response.text}"
            assert isinstance(response.json()["detail"], str)
            checked += 1
    assert client.get("/api/v1/jobs/a%00b").status_code == 404
    assert checked >= 15


@pytest.mark.parametrize(
    "ref", ["odoo-123", "YGHY-2026-001", "J-1", "工单-7", "a.b", "...", "x_y~z", "A+B"]
)
def test_refs_a_link_can_address_are_taken(client, estate, ref):
    response = client.post("/api/v1/jobs", json=job_body(ref))
    assert response.status_code == 201, response.text
    assert client.get(f"/api/v1/jobs/{ref}").json()["ref"] == ref


@pytest.mark.parametrize(
    "ref", [".", "..", "a/b", "a?b", "a#b", "50%", "a b", " J-1", "J-1\n", "a\\b", "a\u3000b"]
)
def test_refs_no_link_can_address_are_422_saying_why(client, estate, ref):
    response = client.post("/api/v1/jobs", json=job_body(ref))
    assert response.status_code == 422, response.text
    assert "cannot be a job ref: a ref appears in links" in response.json()["detail"]
    assert re.fullmatch(REF_PATTERN, ref) is None


@pytest.mark.parametrize("code", ["YG", "SH-01", "yghy.east_2"])
def test_estate_codes_are_identifiers(client, code):
    assert client.put(f"/api/v1/estates/{code}", json={}).status_code == 201
    assert client.put("/api/v1/estates/YG%0A", json={}).status_code == 422
    refused = client.put("/api/v1/estates/%E4%B8%9C%E5%8C%BA", json={})  # 东区: a name
    assert refused.status_code == 422 and "is not an estate code" in refused.json()["detail"]


def test_the_schema_spells_the_control_characters_out():
    assert CONTROLS == r"\x00-\x1f\x7f-\x9f"
    assert CONTROLS_BUT_LINES == r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"


# ------------------------------------------------------------------ the phone pages


@pytest.fixture
def pages(client: TestClient, session, now, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    setup_job(client, now)
    add_staff(session, "li.yghy", "李秀英", "supervisor")
    sign_in(client, "li.yghy")
    # Hundreds of posts to one link: the posts' rate limit is not what this checks.
    monkeypatch.setattr(client.app.state.rate_limiter, "hit", lambda *_args: None)
    return client


STAFF_ANSWER = {
    "channel": "phone",
    "service_feedback": "态度好",
    "suggestions": "提前电话告知",
    "charge_amount": "80.00",
    "satisfaction": "satisfied",
    "problems": "",
    "submission_key": "staff-key-0001",
    "resident": {"signer_name": "王女士", "refuse_reason": "不方便", "refused": False},
}
PAGE_CALL = {"outcome": "rescheduled", "next_at": "2026-05-21T10:00:00+08:00", "note": "晚上再打"}


def test_the_phone_pages_refuse_control_characters_in_every_field(pages, engine, now):
    resident = f"/r/{token('resident', now)}"
    staff = f"/s/{token('staff', now - timedelta(minutes=5))}"
    checked = 0
    for url, model, base in (
        (resident, ResidentAnswer, resident_body(charge_note="金额不对", refuse_reason="无")),
        (staff, StaffAnswer, STAFF_ANSWER),
        (f"{staff}/call", PageCallIn, PAGE_CALL),
    ):
        schema = model.model_json_schema()
        for field, field_schema in unique_fields(schema, schema):
            current: Any = base
            for part in field:
                current = current.get(part) if isinstance(current, dict) else None
            before = counts(engine)
            for name, char in CHARACTERS.items():
                value = spoiled(current, char)
                if char in LINE_BREAKS and takes(field_schema, value):
                    continue
                response = post_json(pages, url, with_value(base, field, value))
                assert refused_for(response, ("body", *field)), (
                    f"{url} {'.'.join(field)} with {name}: {response.text}"
                )
                assert response.json()["code"] == "form.invalid"
                checked += 1
            assert counts(engine) == before, f"{url} {'.'.join(field)} wrote"
    assert checked > 150


def test_the_time_and_period_patterns_hold_the_years_the_calendar_rules_handle():
    for year in range(10000):
        inside = MIN_YEAR <= year <= MAX_YEAR
        assert (re.fullmatch(PERIOD_PATTERN, f"{year:04d}-05") is not None) is inside, year
        moment = f"{year:04d}-05-01T09:30:00+08:00"
        assert (re.fullmatch(TIME_PATTERN, moment) is not None) is inside, year
    for month in ("00", "13", "5", "1a"):
        assert re.fullmatch(PERIOD_PATTERN, f"2026-{month}") is None
