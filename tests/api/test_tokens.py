"""Scoped API tokens: made with the admin key and shown once, stored as a hash, ended by their
expiry or by revocation (401 at the next request), refused when badly asked for."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from service.http.deps import get_now
from service.models import ApiToken, AuditLog

from .helpers import job_body


def _make(client, **body):
    response = client.post("/api/v1/tokens", json={"name": "报表工具", "role": "readonly", **body})
    assert response.status_code == 201, response.text
    return response.json()


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_a_token_is_shown_once_and_stored_only_as_a_hash(client, estate, engine):
    made = _make(client, estate="YG", expires_at="2026-08-01T00:00:00+08:00")
    key = made["token"]
    assert key.startswith("hf_") and len(key) >= 40
    assert made["estate"] == "YG" and made["role"] == "readonly" and made["state"] == "active"
    assert made["expires_at"] == "2026-08-01T00:00:00+08:00"  # in the estate's offset
    assert key.startswith(made["prefix"]) and len(made["prefix"]) < len(key) // 3
    listed = client.get("/api/v1/tokens").json()
    assert listed["count"] == 1
    assert "token" not in listed["data"][0] and key not in str(listed)
    with Session(engine) as session:
        row = session.exec(select(ApiToken)).one()
        assert row.token_hash != key and key not in str(row.model_dump())
        entries = session.exec(select(AuditLog).where(AuditLog.entity == "api_token")).all()
        assert [e.action for e in entries] == ["token.create"]
        assert key not in str(entries[0].detail)
    assert client.get("/api/v1/jobs", headers=_bearer(key)).status_code == 200


def test_a_revoked_token_is_refused_at_the_next_request(client, estate, engine):
    made = _make(client)
    headers = _bearer(made["token"])
    assert client.get("/api/v1/jobs", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/tokens/{made['id']}").status_code == 204
    refused = client.get("/api/v1/jobs", headers=headers)
    assert refused.status_code == 401 and refused.json()["detail"]
    assert refused.headers["www-authenticate"] == "Bearer"
    again = client.delete(f"/api/v1/tokens/{made['id']}")
    assert again.status_code == 204  # already revoked: nothing changes
    (row,) = client.get("/api/v1/tokens").json()["data"]
    assert row["state"] == "revoked" and row["revoked_at"]
    with Session(engine) as session:
        actions = session.exec(select(AuditLog.action).where(AuditLog.entity == "api_token")).all()
        assert actions == ["token.create", "token.revoke"]
    assert client.delete("/api/v1/tokens/999999").status_code == 404


def test_an_expired_token_is_refused(client, estate, now):
    made = _make(client, expires_at=(now + timedelta(hours=1)).isoformat())
    headers = _bearer(made["token"])
    assert client.get("/api/v1/jobs", headers=headers).status_code == 200
    client.app.dependency_overrides[get_now] = lambda: now + timedelta(hours=1)
    assert client.get("/api/v1/jobs", headers=headers).status_code == 401
    assert client.get("/api/v1/tokens").json()["data"][0]["state"] == "expired"


def test_the_last_use_is_recorded_without_a_write_per_request(client, estate, now, engine):
    made = _make(client)
    headers = _bearer(made["token"])
    assert client.get("/api/v1/tokens").json()["data"][0]["last_used_at"] is None
    client.get("/api/v1/jobs", headers=headers)
    first = client.get("/api/v1/tokens").json()["data"][0]["last_used_at"]
    assert first is not None
    client.app.dependency_overrides[get_now] = lambda: now + timedelta(minutes=1)
    client.get("/api/v1/jobs", headers=headers)
    assert client.get("/api/v1/tokens").json()["data"][0]["last_used_at"] == first
    client.app.dependency_overrides[get_now] = lambda: now + timedelta(minutes=10)
    client.get("/api/v1/jobs", headers=headers)
    assert client.get("/api/v1/tokens").json()["data"][0]["last_used_at"] != first


def test_badly_asked_for_tokens_are_refused_and_nothing_is_made(client, estate, now):
    for body, word in (
        ({"name": "x", "role": "admin"}, "role"),
        ({"name": "x", "role": "readonly", "estate": "NOPE"}, "NOPE"),
        ({"name": "x", "role": "readonly", "expires_at": "2020-01-01T00:00:00Z"}, "future"),
        ({"name": "x", "role": "readonly", "expires_at": "2027-01-01T00:00:00"}, "offset"),
        ({"name": "", "role": "readonly"}, "name"),
        ({"name": "x", "role": "readonly", "scopes": ["all"]}, "scopes"),
    ):
        response = client.post("/api/v1/tokens", json=body)
        assert response.status_code == 422, (body, response.text)
        assert word in response.json()["detail"], (body, response.text)
    assert client.get("/api/v1/tokens").json()["count"] == 0


def test_a_token_names_itself_on_what_it_records(client, estate, engine):
    key = _make(client, name="物业ERP", role="integration", estate="YG")["token"]
    assert (
        client.post("/api/v1/jobs", json=job_body("T-1"), headers=_bearer(key)).status_code == 201
    )
    with Session(engine) as session:
        actors = session.exec(select(AuditLog.actor).where(AuditLog.entity_id == "T-1")).all()
    assert actors and all(a.startswith("token:") and "物业ERP" in a for a in actors)


def test_a_wrong_token_of_the_right_shape_is_401(client, estate):
    _make(client)
    response = client.get("/api/v1/jobs", headers=_bearer("hf_" + "A" * 43))
    assert response.status_code == 401
