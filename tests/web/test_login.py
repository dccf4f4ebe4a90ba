"""Signing in to the pages: Huifang staff accounts, or one's own Odoo login when the Odoo link
is configured (Odoo checks the password against the stand-in Odoo on loopback)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from service.config import Settings, get_settings
from service.models import Estate, Staff
from service.usecases.signin import hash_password
from service.web.auth import COOKIE
from tests.support.odoo_standin import OdooStandIn


@pytest.fixture
def estate(engine) -> int:
    with Session(engine) as s:
        estate = Estate(code="YG", name="阳光花园")
        s.add(estate)
        s.commit()
        return estate.id


def _odoo_settings(server: OdooStandIn) -> Settings:
    return Settings(
        odoo_url=server.url,
        odoo_db=server.db,
        odoo_user="admin",
        odoo_api_key="standin-api-key",
        odoo_timeout=5,
    )


def _post(client, login, password):
    return client.post(
        "/login",
        data={"login": login, "password": password, "next": "/dashboard"},
        follow_redirects=False,
    )


def test_staff_sign_in_with_a_huifang_account(client, engine, estate):
    with Session(engine) as s:
        s.add(
            Staff(
                estate_id=estate,
                name="王建国",
                role="manager",
                login="wang",
                password_hash=hash_password("right-password"),
            )
        )
        s.commit()
    wrong = _post(client, "wang", "wrong")
    assert wrong.status_code == 401 and "账号或密码不正确" in wrong.text
    ok = _post(client, "wang", "right-password")
    assert ok.status_code == 303 and ok.headers["location"] == "/dashboard"
    assert COOKIE in ok.cookies


@pytest.mark.parametrize("version", ["18.0", "19.0"])
def test_staff_sign_in_with_their_own_odoo_login(client, engine, estate, version):
    with OdooStandIn(version=version) as server:
        uid = server.add_user("张伟", "zhang.wei@wy.example", password="odoo-pass")
        with Session(engine) as s:
            s.add(Staff(estate_id=estate, name="张伟", role="lead", odoo_user_id=uid))
            s.commit()
        client.app.dependency_overrides[get_settings] = lambda: _odoo_settings(server)
        assert _post(client, "zhang.wei@wy.example", "not-it").status_code == 401
        ok = _post(client, "zhang.wei@wy.example", "odoo-pass")
        assert ok.status_code == 303, ok.text
        assert COOKIE in ok.cookies


def test_an_odoo_user_not_linked_to_staff_is_told_so(client, estate):
    with OdooStandIn(version="18.0") as server:
        server.add_user("路人", "someone@wy.example", password="odoo-pass")
        client.app.dependency_overrides[get_settings] = lambda: _odoo_settings(server)
        response = _post(client, "someone@wy.example", "odoo-pass")
        assert response.status_code == 403 and "尚未关联" in response.text


def test_odoo_down_is_a_clear_503_not_a_crash(client, estate):
    with OdooStandIn(version="18.0") as server:
        settings = _odoo_settings(server)
    # the server is stopped now: nothing listens on its port
    client.app.dependency_overrides[get_settings] = lambda: settings.model_copy(
        update={"odoo_timeout": 1}
    )
    response = _post(client, "zhang.wei@wy.example", "odoo-pass")
    assert response.status_code == 503 and "Odoo" in response.text


def test_the_session_cookie_is_secure_when_served_over_https(client, engine, estate):
    with Session(engine) as s:
        s.add(
            Staff(
                estate_id=estate,
                name="王建国",
                role="manager",
                login="wang",
                password_hash=hash_password("right-password"),
            )
        )
        s.commit()
    plain = _post(client, "wang", "right-password").headers["set-cookie"]
    assert "HttpOnly" in plain and "Secure" not in plain
    client.app.dependency_overrides[get_settings] = lambda: Settings(
        public_base_url="https://wy.example.com"
    )
    secure = _post(client, "wang", "right-password").headers["set-cookie"]
    assert "Secure" in secure and "HttpOnly" in secure
