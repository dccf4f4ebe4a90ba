"""Sign-in sessions live on the server (ARCHITECTURE.md section 3, "Access"): signing out, a
password change and a deactivation end them, so an older copy of the cookie no longer signs
in; a demotion takes effect at the next request. Sign-in and sign-out posts from another site
are refused."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlmodel import Session, select

from service.config import Settings, get_settings
from service.models import Estate, Staff, WebSession
from service.usecases.signin import hash_password
from service.web.auth import COOKIE

PASSWORD = "right-password"


@pytest.fixture
def manager(engine) -> int:
    with Session(engine) as s:
        estate = Estate(code="YG", name="阳光花园")
        s.add(estate)
        s.flush()
        staff = Staff(
            estate_id=estate.id,  # type: ignore[arg-type]
            name="王建国",
            role="manager",
            login="wang",
            password_hash=hash_password(PASSWORD),
        )
        s.add(staff)
        s.commit()
        return staff.id  # type: ignore[return-value]


def sign_in(client, password: str = PASSWORD, **headers: str) -> str:
    """Sign in as the manager; the session cookie's value."""
    response = client.post(
        "/login",
        data={"login": "wang", "password": password, "next": "/dashboard"},
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response.cookies[COOKIE]


def use(client, cookie: str, lang: str | None = None) -> None:
    """The browser holds this session cookie (and no other)."""
    client.cookies.clear()
    client.cookies.set(COOKIE, cookie)
    if lang:
        client.cookies.set("huifang_lang", lang)


def opens_dashboard(client, cookie: str) -> int:
    use(client, cookie)
    return client.get("/dashboard", follow_redirects=False).status_code


def staff_change(client, **change: object) -> None:
    body = {"estate": "YG", "name": "王建国", "role": "manager", "login": "wang", **change}
    response = client.post("/api/v1/staff", json=body)
    assert response.status_code in (200, 201), response.text


def test_the_cookie_holds_a_random_key_and_the_database_only_its_hash(client, engine, manager):
    cookie = sign_in(client)
    key = URLSafeTimedSerializer(get_settings().secret_key, salt="huifang.session").loads(cookie)[
        "k"
    ]
    assert len(key) >= 43  # 32 random bytes, URL-safe base64
    with Session(engine) as s:
        row = s.exec(select(WebSession)).one()
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert row.staff_id == manager and row.ended_at is None
    assert row.expires_at - row.created_at == timedelta(hours=12)
    assert key not in (row.key_hash, str(row.id))


def test_a_cookie_copied_before_signing_out_is_refused_after(client, manager):
    cookie = sign_in(client)
    assert opens_dashboard(client, cookie) == 200
    use(client, cookie)
    out = client.post("/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert opens_dashboard(client, cookie) == 303  # back to the sign-in page
    use(client, cookie)
    assert client.get("/today", follow_redirects=False).status_code == 303
    # signing in again makes a new session; the old cookie stays dead
    fresh = sign_in(client)
    assert opens_dashboard(client, fresh) == 200 and opens_dashboard(client, cookie) == 303


def test_signing_out_is_a_post_only(client, manager):
    cookie = sign_in(client)
    use(client, cookie)
    assert client.get("/logout").status_code == 405
    assert opens_dashboard(client, cookie) == 200


def test_a_password_change_ends_every_session_of_that_person(client, manager):
    phone, laptop = sign_in(client), sign_in(client)
    staff_change(client, password="a-new-password")
    assert opens_dashboard(client, phone) == 303 and opens_dashboard(client, laptop) == 303
    assert opens_dashboard(client, sign_in(client, "a-new-password")) == 200


def test_a_change_without_a_password_keeps_the_sessions(client, manager):
    cookie = sign_in(client)
    staff_change(client, email="wang@example.com")
    assert opens_dashboard(client, cookie) == 200


def test_deactivation_ends_the_sessions_and_reactivation_does_not_revive_them(client, manager):
    cookie = sign_in(client)
    staff_change(client, active=False)
    assert opens_dashboard(client, cookie) == 303
    staff_change(client, active=True)
    assert opens_dashboard(client, cookie) == 303


def test_a_manager_demoted_to_lead_loses_the_dashboard_at_the_next_request(client, manager):
    cookie = sign_in(client)
    assert opens_dashboard(client, cookie) == 200
    staff_change(client, role="lead")
    assert opens_dashboard(client, cookie) == 403  # same cookie, the role read anew
    use(client, cookie)
    today = client.get("/today")
    assert today.status_code == 200 and 'id="to-dashboard"' not in today.text


def test_an_expired_session_is_refused_even_with_a_young_cookie(client, engine, manager):
    cookie = sign_in(client)
    with Session(engine) as s:
        row = s.exec(select(WebSession)).one()
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        s.add(row)
        s.commit()
    assert opens_dashboard(client, cookie) == 303


def test_a_forged_or_old_style_cookie_is_refused(client, manager):
    sign_in(client)
    signer = URLSafeTimedSerializer(get_settings().secret_key, salt="huifang.session")
    assert opens_dashboard(client, signer.dumps({"sid": manager})) == 303  # the old format
    assert opens_dashboard(client, signer.dumps({"k": "guessed-key"})) == 303
    other = URLSafeTimedSerializer("another-secret", salt="huifang.session")
    assert opens_dashboard(client, other.dumps({"k": "x"})) == 303


# ---------------------------------------------------------------- posts from another site


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 303),  # no browser: nothing to check
        ({"Origin": "http://testserver"}, 303),  # the address the request was made to
        ({"Origin": "http://127.0.0.1:8000"}, 303),  # the public address (default setting)
        ({"Referer": "http://testserver/login?next=/today"}, 303),
        ({"Origin": "https://evil.example"}, 403),
        ({"Origin": "null"}, 403),  # a sandboxed frame, a page with no-referrer
        ({"Origin": "http://testserver.evil.example"}, 403),
        ({"Origin": "https://testserver"}, 403),  # another scheme is another origin
        ({"Referer": "https://evil.example/phish"}, 403),
        ({"Origin": "https://evil.example", "Referer": "http://testserver/login"}, 403),
    ],
)
def test_a_sign_in_from_another_site_is_refused(client, manager, headers, status):
    response = client.post(
        "/login",
        data={"login": "wang", "password": PASSWORD},
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == status
    if status == 403:
        assert COOKIE not in response.cookies
        assert "来自其他网站" in response.text and "text/html" in response.headers["content-type"]


def test_the_public_address_counts_as_this_site(client, manager):
    client.app.dependency_overrides[get_settings] = lambda: Settings(
        public_base_url="https://hf.example.com/"
    )
    assert sign_in(client, Origin="https://hf.example.com")
    assert sign_in(client, Origin="https://HF.example.com:443")


def test_a_sign_out_from_another_site_is_refused_and_ends_nothing(client, manager):
    cookie = sign_in(client)
    use(client, cookie, lang="en")
    refused = client.post(
        "/logout", headers={"Origin": "https://evil.example"}, follow_redirects=False
    )
    assert refused.status_code == 403 and "came from another site" in refused.text
    assert opens_dashboard(client, cookie) == 200
