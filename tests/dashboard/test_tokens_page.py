"""The manager's page of their estate's API tokens: sees them (never their keys), revokes one,
and it stops working at once; other roles and other estates' tokens are out of reach."""

from __future__ import annotations

from tests.conftest import AUTH

from .conftest import sign_in


def _token(client, estate: str | None, name: str) -> dict:
    body = {"name": name, "role": "readonly", **({"estate": estate} if estate else {})}
    response = client.post("/api/v1/tokens", json=body, headers=AUTH)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_manager_sees_and_revokes_the_tokens_of_their_estate(client, small_demo):
    mine = _token(client, "YGHY", "报表工具")
    theirs = _token(client, "CHY", "别处的工具")
    everywhere = _token(client, None, "总部")
    client.headers.pop("Authorization")
    sign_in(client, "wang.yghy")
    assert 'href="/dashboard/tokens"' in client.get("/dashboard").text
    page = client.get("/dashboard/tokens")
    assert page.status_code == 200, page.text
    assert "no-store" in page.headers["cache-control"]
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    assert "报表工具" in page.text and mine["prefix"] in page.text
    assert "别处的工具" not in page.text and "总部" not in page.text
    assert mine["token"] not in page.text
    revoked = client.post(f"/dashboard/tokens/{mine['id']}/revoke", follow_redirects=False)
    assert revoked.status_code == 303
    after = client.get(revoked.headers["location"])
    assert "已吊销" in after.text
    assert (
        client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {mine['token']}"}).status_code
        == 401
    )
    # another estate's token, or one for every estate, is not this manager's to end
    for other in (theirs, everywhere):
        refused = client.post(f"/dashboard/tokens/{other['id']}/revoke")
        assert refused.status_code == 404
        key = {"Authorization": f"Bearer {other['token']}"}
        assert client.get("/api/v1/jobs", headers=key).status_code == 200


def test_the_page_speaks_english_too(client, small_demo):
    _token(client, "YGHY", "BI export")
    client.headers.pop("Authorization")
    sign_in(client, "wang.yghy")
    page = client.get("/dashboard/tokens", params={"lang": "en"})
    assert "API tokens" in page.text and "read-only" in page.text and "Revoke" in page.text


def test_supervisors_and_leads_may_not_manage_tokens(client, small_demo):
    made = _token(client, "YGHY", "报表工具")
    client.headers.pop("Authorization")
    sign_in(client, "li.yghy")
    assert 'href="/dashboard/tokens"' not in client.get("/dashboard").text
    for login in ("li.yghy", "zhang.yghy"):
        sign_in(client, login)
        assert client.get("/dashboard/tokens").status_code == 403
        assert client.post(f"/dashboard/tokens/{made['id']}/revoke").status_code == 403
    key = {"Authorization": f"Bearer {made['token']}"}
    assert client.get("/api/v1/jobs", headers=key).status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client):
    client.headers.pop("Authorization")
    response = client.get("/dashboard/tokens", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
