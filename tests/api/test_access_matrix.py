"""Who may do what: every REST operation called by every role, with a token kept to its own
estate (on that estate's data and on another's) and with a token for every estate, by the admin
key, anonymously and with a wrong key; each answer checked against the contract's rights
(ARCHITECTURE section 3, "Access"), written out below independently of the code's table."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import AUTH

from .helpers import callback_body, job_body

ROLES = ("manager", "supervisor", "lead", "integration", "readonly")
READERS = {"readonly", "lead", "supervisor", "manager"}
OFFICE = {"supervisor", "manager"}
OWN, OTHER = "YG", "LS"
AT = "2026-05-12T10:00:00+08:00"


class World:
    """Two estates with staff and jobs, made with the admin key; each call gets fresh records
    of its own where it changes them, so no call depends on another's order."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.counter = itertools.count(1)
        for code, name in ((OWN, "阳光花园"), (OTHER, "绿色山庄")):
            ok(client.put(f"/api/v1/estates/{code}", json={"name": name}, headers=AUTH))
            ok(
                client.post(
                    "/api/v1/staff",
                    json={"estate": code, "name": "张伟", "role": "lead"},
                    headers=AUTH,
                )
            )

    def job(self, estate: str) -> str:
        ref = f"{estate}-J{next(self.counter)}"
        ok(self.client.post("/api/v1/jobs", json=job_body(ref, estate=estate), headers=AUTH))
        return ref

    def rectification(self, estate: str, fixed: bool = False) -> int:
        ref = self.job(estate)
        body = callback_body(problems="门锁仍然松动", satisfaction="unsatisfied")
        made = ok(self.client.post(f"/api/v1/jobs/{ref}/callbacks", json=body, headers=AUTH))
        rid = made.json()["rectification_id"]
        if fixed:
            ok(
                self.client.post(
                    f"/api/v1/rectifications/{rid}/fixed",
                    json={"at": AT, "by": "孙师傅", "note": "换了锁芯"},
                    headers=AUTH,
                )
            )
        return rid

    def token_id(self) -> int:
        made = self.client.post(
            "/api/v1/tokens", json={"name": f"t{next(self.counter)}", "role": "lead"}, headers=AUTH
        )
        return ok(made).json()["id"]


def ok(response: Any) -> Any:
    assert response.status_code < 300, response.text
    return response


@dataclass(frozen=True)
class Op:
    """One operation: who may call it (the contract's rights), whether it reaches one
    estate's data, and how to make a request for a given estate."""

    method: str
    path: str
    allowed: frozenset[str]
    success: int
    request: Callable[[World, str], dict[str, Any]]
    per_estate: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def op(method, path, allowed, success, request, per_estate=True) -> Op:
    return Op(method, path, frozenset(allowed), success, request, per_estate)


OPS = [
    # estates and tokens: the admin key only
    op(
        "PUT",
        "/api/v1/estates/{code}",
        (),
        200,
        lambda w, e: {"url": f"/api/v1/estates/{e}", "json": {"name": "改名"}},
        False,
    ),
    op(
        "GET",
        "/api/v1/estates/{code}",
        (),
        200,
        lambda w, e: {"url": f"/api/v1/estates/{e}"},
        False,
    ),
    op("GET", "/api/v1/estates", (), 200, lambda w, e: {"url": "/api/v1/estates"}, False),
    op(
        "POST",
        "/api/v1/tokens",
        (),
        201,
        lambda w, e: {"url": "/api/v1/tokens", "json": {"name": "x", "role": "readonly"}},
        False,
    ),
    op("GET", "/api/v1/tokens", (), 200, lambda w, e: {"url": "/api/v1/tokens"}, False),
    op(
        "DELETE",
        "/api/v1/tokens/{token_id}",
        (),
        204,
        lambda w, e: {"url": f"/api/v1/tokens/{w.token_id()}"},
        False,
    ),
    # jobs: the integration writes them, readers read them
    op(
        "POST",
        "/api/v1/jobs",
        {"integration"},
        201,
        lambda w, e: {"url": "/api/v1/jobs", "json": job_body(f"{e}-N{next(w.counter)}", estate=e)},
    ),
    op(
        "GET",
        "/api/v1/jobs",
        READERS,
        200,
        lambda w, e: {"url": "/api/v1/jobs", "params": {"estate": e}},
    ),
    op("GET", "/api/v1/jobs/{ref}", READERS, 200, lambda w, e: {"url": f"/api/v1/jobs/{w.job(e)}"}),
    op(
        "POST",
        "/api/v1/jobs/{ref}/callbacks",
        {"lead", "supervisor", "manager"},
        201,
        lambda w, e: {"url": f"/api/v1/jobs/{w.job(e)}/callbacks", "json": callback_body()},
    ),
    op(
        "GET",
        "/api/v1/jobs/{ref}/callbacks",
        READERS,
        200,
        lambda w, e: {"url": f"/api/v1/jobs/{w.job(e)}/callbacks"},
    ),
    op(
        "POST",
        "/api/v1/jobs/{ref}/phone-attempts",
        {"lead", "supervisor", "manager"},
        201,
        lambda w, e: {
            "url": f"/api/v1/jobs/{w.job(e)}/phone-attempts",
            "json": {"staff": "张伟", "role": "lead", "at": AT, "outcome": "busy"},
        },
    ),
    op(
        "GET",
        "/api/v1/jobs/{ref}/phone-attempts",
        READERS,
        200,
        lambda w, e: {"url": f"/api/v1/jobs/{w.job(e)}/phone-attempts"},
    ),
    op(
        "GET",
        "/api/v1/jobs/{ref}/confirmations",
        READERS,
        200,
        lambda w, e: {"url": f"/api/v1/jobs/{w.job(e)}/confirmations"},
    ),
    op(
        "POST",
        "/api/v1/jobs/{ref}/resident-link",
        {"lead", "supervisor", "manager"},
        409,
        # no text gateway in this deployment: the send is refused as not set up, once allowed
        lambda w, e: {"url": f"/api/v1/jobs/{w.job(e)}/resident-link", "json": {"channel": "sms"}},
    ),
    op(
        "GET",
        "/api/v1/jobs/{ref}/resident-links",
        READERS,
        200,
        lambda w, e: {"url": f"/api/v1/jobs/{w.job(e)}/resident-links"},
    ),
    # figures: the office and read-only reporting
    op(
        "GET",
        "/api/v1/callbacks",
        {"readonly", *OFFICE},
        200,
        lambda w, e: {"url": "/api/v1/callbacks", "params": {"estate": e}},
    ),
    op(
        "GET",
        "/api/v1/compliance",
        {"readonly", *OFFICE},
        200,
        lambda w, e: {"url": "/api/v1/compliance", "params": {"estate": e, "period": "2026-05"}},
    ),
    op(
        "GET",
        "/api/v1/compliance/plan",
        {"readonly", *OFFICE},
        200,
        lambda w, e: {"url": "/api/v1/compliance/plan", "params": {"estate": e}},
    ),
    op(
        "GET",
        "/api/v1/notifications",
        {"readonly", *OFFICE},
        200,
        lambda w, e: {"url": "/api/v1/notifications", "params": {"estate": e}},
    ),
    # rectifications: leads move them, the office verifies
    op(
        "GET",
        "/api/v1/rectifications",
        READERS,
        200,
        lambda w, e: {"url": "/api/v1/rectifications", "params": {"estate": e}},
    ),
    op(
        "GET",
        "/api/v1/rectifications/{rectification_id}",
        READERS,
        200,
        lambda w, e: {"url": f"/api/v1/rectifications/{w.rectification(e)}"},
    ),
    op(
        "GET",
        "/api/v1/rectifications/{rectification_id}/notice.pdf",
        READERS,
        200,
        lambda w, e: {"url": f"/api/v1/rectifications/{w.rectification(e)}/notice.pdf"},
    ),
    op(
        "POST",
        "/api/v1/rectifications/{rectification_id}/notified",
        {"lead", "supervisor", "manager"},
        200,
        lambda w, e: {
            "url": f"/api/v1/rectifications/{w.rectification(e)}/notified",
            "json": {"at": AT, "by": "张伟", "via": "paper"},
        },
    ),
    op(
        "POST",
        "/api/v1/rectifications/{rectification_id}/fixed",
        {"lead", "supervisor", "manager"},
        200,
        lambda w, e: {
            "url": f"/api/v1/rectifications/{w.rectification(e)}/fixed",
            "json": {"at": AT, "by": "孙师傅", "note": "换了锁芯"},
        },
    ),
    op(
        "POST",
        "/api/v1/rectifications/{rectification_id}/close",
        {"lead", "supervisor", "manager"},
        200,
        lambda w, e: {
            "url": f"/api/v1/rectifications/{w.rectification(e)}/close",
            "json": {"done_at": AT, "resolution": "换了锁芯"},
        },
    ),
    op(
        "POST",
        "/api/v1/rectifications/{rectification_id}/verify",
        OFFICE,
        200,
        lambda w, e: {
            "url": f"/api/v1/rectifications/{w.rectification(e, fixed=True)}/verify",
            "json": {"at": AT, "by": "李主管", "accepted": True},
        },
    ),
    # staff: the office reads them, the manager keeps them
    op(
        "POST",
        "/api/v1/staff",
        {"manager"},
        201,
        lambda w, e: {
            "url": "/api/v1/staff",
            "json": {"estate": e, "name": f"新人{next(w.counter)}", "role": "lead"},
        },
    ),
    op(
        "GET",
        "/api/v1/staff",
        {"readonly", *OFFICE},
        200,
        lambda w, e: {"url": "/api/v1/staff", "params": {"estate": e}},
    ),
    # the Odoo add-on's push: past the key and the right it meets its own signature check
    # (not configured in this deployment: 503)
    op(
        "POST",
        "/api/v1/odoo/notify",
        {"integration"},
        503,
        lambda w, e: {
            "url": "/api/v1/odoo/notify",
            "json": {"db": "odoo", "model": "maintenance.request", "ids": [1]},
        },
        False,
    ),
]


@pytest.fixture
def world(client) -> World:
    return World(client)


def _token(client: TestClient, role: str, estate: str | None) -> str:
    body: dict[str, Any] = {"name": f"{role} {estate or 'all'}", "role": role}
    if estate:
        body["estate"] = estate
    return ok(client.post("/api/v1/tokens", json=body, headers=AUTH)).json()["token"]


def _call(client: TestClient, op_: Op, request: dict[str, Any], headers: dict[str, str]) -> Any:
    url = request.pop("url")
    return client.request(op_.method, url, headers=headers, **request)


def test_every_operation_of_the_schema_is_in_the_matrix(client):
    listed = {(o.method, o.path) for o in OPS}
    schema = client.get("/openapi.json").json()
    served = {
        (method.upper(), path)
        for path, ops in schema["paths"].items()
        if path.startswith("/api/v1")
        for method in ops
    }
    assert served == listed


@pytest.mark.parametrize("op_", OPS, ids=lambda o: f"{o.method} {o.path}")
def test_every_role_gets_what_the_contract_gives_it(client, world, op_):
    """Anonymous and wrong keys: 401. The admin key: the operation's answer. Each role, with a
    token for every estate and with one kept to ``OWN``: the answer where the contract gives
    the right and the estate is its own, else 403."""
    plain = {k: v for k, v in client.headers.items() if k.lower() != "authorization"}
    client.headers.clear()
    client.headers.update(plain)
    estates = (OWN, OTHER) if op_.per_estate else (OWN,)
    seen: list[tuple[str, str, int]] = []
    for estate in estates:
        for who, headers in (("anonymous", {}), ("wrong key", {"Authorization": "Bearer hf_x"})):
            answer = _call(client, op_, op_.request(world, estate), headers)
            assert answer.status_code == 401, (who, answer.text)
            assert answer.json()["detail"]
        answer = _call(client, op_, op_.request(world, estate), AUTH)
        assert answer.status_code == op_.success, ("admin", estate, answer.text)
        for role in ROLES:
            for scope in (OWN, None):
                key = _token(client, role, scope)
                answer = _call(
                    client, op_, op_.request(world, estate), {"Authorization": f"Bearer {key}"}
                )
                may = role in op_.allowed and (
                    scope is None or scope == estate or not op_.per_estate
                )
                expected = op_.success if may else 403
                seen.append((role, f"{scope}->{estate}", answer.status_code))
                assert answer.status_code == expected, (role, scope, estate, answer.text)
                if expected == 403:
                    assert answer.json()["detail"]
    assert seen


def test_a_token_kept_to_its_estate_lists_only_that_estate(client, world):
    for estate in (OWN, OTHER):
        world.job(estate)
        world.rectification(estate)
    headers = {"Authorization": f"Bearer {_token(client, 'readonly', OWN)}"}
    for url in ("/api/v1/jobs", "/api/v1/rectifications", "/api/v1/staff", "/api/v1/callbacks"):
        mine = client.get(url, headers=headers)
        assert mine.status_code == 200, mine.text
        admin_own = client.get(url, params={"estate": OWN}, headers=AUTH).json()
        admin_all = client.get(url, headers=AUTH).json()
        assert mine.json()["count"] == admin_own["count"] > 0, url
        assert admin_all["count"] > admin_own["count"], url
        assert mine.json()["data"] == admin_own["data"], url


def test_a_body_naming_another_estate_is_refused(client, world):
    integration = {"Authorization": f"Bearer {_token(client, 'integration', OWN)}"}
    other = client.post("/api/v1/jobs", json=job_body("X-1", estate=OTHER), headers=integration)
    assert other.status_code == 403, other.text
    # nor may it move another estate's job to its own by reusing the ref
    theirs = world.job(OTHER)
    moved = client.post("/api/v1/jobs", json=job_body(theirs, estate=OWN), headers=integration)
    assert moved.status_code == 403, moved.text
    assert client.get(f"/api/v1/jobs/{theirs}", headers=AUTH).json()["estate"] == OTHER
    manager = {"Authorization": f"Bearer {_token(client, 'manager', OWN)}"}
    staff = client.post(
        "/api/v1/staff", json={"estate": OTHER, "name": "卧底", "role": "manager"}, headers=manager
    )
    assert staff.status_code == 403, staff.text
    names = [s["name"] for s in client.get("/api/v1/staff", headers=AUTH).json()["data"]]
    assert "卧底" not in names and "X-1" not in str(client.get("/api/v1/jobs", headers=AUTH).json())


def test_a_job_named_in_a_filter_of_another_estate_is_refused(client, world):
    theirs = world.job(OTHER)
    headers = {"Authorization": f"Bearer {_token(client, 'supervisor', OWN)}"}
    answer = client.get("/api/v1/notifications", params={"job": theirs}, headers=headers)
    assert answer.status_code == 403, answer.text
    mine = world.job(OWN)
    assert (
        client.get("/api/v1/notifications", params={"job": mine}, headers=headers).status_code
        == 200
    )
