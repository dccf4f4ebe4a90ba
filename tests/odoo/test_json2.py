"""JSON-2 as a real Odoo 19 speaks it: the stand-in's answers on the wire, and what the
service makes of each (a clear error naming what to fix)."""

from __future__ import annotations

import httpx
import pytest

from service.odoo.connect import connect
from service.odoo.errors import (
    OdooAccessError,
    OdooArgumentsError,
    OdooAuthError,
    OdooDatabaseError,
    OdooNotFound,
)
from tests.support.odoo_standin import OdooStandIn

from .conftest import API_KEY, settings_for


def post(server: OdooStandIn, path: str, body: bytes = b"{}", **headers: str) -> httpx.Response:
    """One raw request, with the headers given and nothing else Huifang would add."""
    sent = {"Content-Type": "application/json", **headers}
    return httpx.post(f"{server.url}{path}", content=body, headers=sent, timeout=5)


def bearer(key: str = API_KEY) -> dict[str, str]:
    return {"Authorization": f"bearer {key}"}


@pytest.fixture
def odoo19() -> OdooStandIn:
    with OdooStandIn(version="19.0", addon=True, other_databases=["staging"]) as server:
        yield server


# -- the stand-in answers as Odoo 19 does ------------------------------------------------------
def test_several_databases_and_no_header_is_a_404_page(odoo19):
    resp = post(odoo19, "/json/2/res.partner/search_read", **bearer())
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("text/html")
    assert "No database is selected" in resp.text


def test_an_unknown_database_is_the_same_404_page(odoo19):
    resp = post(odoo19, "/json/2/res.partner/search_read", **bearer(), **{"X-Odoo-Database": "x"})
    assert resp.status_code == 404 and "No database is selected" in resp.text


def test_one_database_needs_no_header():
    with OdooStandIn(version="19.0") as server:
        resp = post(server, "/json/2/res.users/search_read", b'{"fields": ["login"]}', **bearer())
    assert resp.status_code == 200
    assert "admin" in {row["login"] for row in resp.json()}


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "User not authenticated, use an API Key with a Bearer Authorization header."),
        (bearer("wrong"), "Invalid apikey"),
    ],
)
def test_a_missing_or_wrong_key_is_401_with_www_authenticate(odoo19, headers, message):
    resp = post(odoo19, "/json/2/res.partner/search_read", **headers, **{"X-Odoo-Database": "odoo"})
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"].lower() == "bearer"
    body = resp.json()
    assert body["name"] == "werkzeug.exceptions.Unauthorized"
    assert body["arguments"] == [message, 401]


@pytest.mark.parametrize(
    ("path", "body", "status", "name", "text"),
    [
        ("/json/2/no.such/search_read", b"{}", 404, "NotFound", "the model 'no.such'"),
        ("/json/2/res.partner/no_such", b"{}", 404, "NotFound", "'res.partner.no_such'"),
        ("/json/2/res.partner/_private", b"{}", 403, "AccessError", "Private methods"),
        ("/json/2/res.partner/search", b'{"bogus": 1}', 422, "UnprocessableEntity", "'bogus'"),
        ("/json/2/res.partner/create", b'{"ids": [1]}', 422, "UnprocessableEntity", "with ids"),
        ("/json/2/res.partner/search", b"{not json", 400, "BadRequest", "could not parse"),
        ("/json/2/res.partner", b"{}", 404, "NotFound", "Did you mean POST"),
    ],
)
def test_refusals_carry_odoo_status_and_error_body(odoo19, path, body, status, name, text):
    resp = post(odoo19, path, body, **bearer(), **{"X-Odoo-Database": "odoo"})
    assert resp.status_code == status, resp.text
    err = resp.json()
    assert err["name"].endswith(f".{name}")
    assert text in err["message"]
    assert set(err) == {"name", "message", "arguments", "context", "debug"}
    if err["name"].startswith("werkzeug."):
        assert err["arguments"] == [err["message"], status]


def test_a_body_that_is_not_json_is_415_with_accept(odoo19):
    resp = post(
        odoo19,
        "/json/2/res.partner/search_read",
        b"domain=[]",
        **bearer(),
        **{"X-Odoo-Database": "odoo", "Content-Type": "text/plain"},
    )
    assert resp.status_code == 415
    assert resp.headers["accept"] == "application/json"


# -- what the service makes of it ------------------------------------------------------------
def test_the_service_always_names_its_database(odoo19, gateway_for):
    gw = gateway_for(odoo19, transport="json2")
    assert gw.call("res.partner", "search_count", domain=[]) >= 1
    assert any(c.service == "json2" for c in odoo19.calls)


def test_an_unknown_database_is_named_with_the_ones_odoo_has(odoo19):
    with pytest.raises(OdooDatabaseError) as caught:
        connect(settings_for(odoo19, db="prod"))
    text = str(caught.value)
    assert "no database named 'prod'" in text
    assert "'odoo', 'staging'" in text and "HUIFANG_ODOO_DB" in text
    assert "jsonrpc" not in text  # not mistaken for a server without JSON-2


def test_a_hidden_database_list_still_says_what_to_check():
    with OdooStandIn(version="19.0", list_db=False, other_databases=["b"]) as server:
        with pytest.raises(OdooDatabaseError, match="list_db = False") as caught:
            connect(settings_for(server, db="prod"))
    assert "HUIFANG_ODOO_DB" in str(caught.value)


def test_a_database_the_dbfilter_leaves_out_is_told_apart():
    with OdooStandIn(version="19.0", dbfilter="^shop$", other_databases=["shop"]) as server:
        with pytest.raises(OdooDatabaseError, match="dbfilter") as caught:
            connect(settings_for(server))
    assert "has a database 'odoo'" in str(caught.value)


def test_a_wrong_key_names_the_setting(odoo19):
    with pytest.raises(OdooAuthError, match="HUIFANG_ODOO_API_KEY") as caught:
        connect(settings_for(odoo19, api_key="wrong"))
    assert "Invalid apikey" in str(caught.value)


def test_wrong_argument_names_are_an_arguments_error(odoo19, gateway_for):
    gw = gateway_for(odoo19)
    with pytest.raises(OdooArgumentsError, match="unexpected keyword argument 'bogus'"):
        gw.call("res.partner", "search", domain=[], bogus=1)


def test_a_missing_method_says_to_upgrade_the_addon(odoo19, gateway_for):
    gw = gateway_for(odoo19)
    with pytest.raises(OdooNotFound, match="upgrade the maintenance_callback add-on"):
        gw.call("maintenance.request", "callback_no_such_method", ids=[1])


def test_a_missing_model_says_what_to_install(odoo19, gateway_for):
    gw = gateway_for(odoo19)
    with pytest.raises(OdooNotFound, match="install the maintenance_callback add-on"):
        gw.call("maintenance.callback.nothing", "search_read", domain=[])


def test_a_private_method_is_an_access_error(odoo19, gateway_for):
    gw = gateway_for(odoo19)
    with pytest.raises(OdooAccessError, match="Private methods"):
        gw.call("res.partner", "_compute_display_name", ids=[1])


def test_a_password_is_checked_over_jsonrpc_beside_json2(odoo19, gateway_for):
    transport = gateway_for(odoo19).transport
    assert transport.name == "json2"
    assert transport.verify_login("admin", "admin") == 2
    assert transport.verify_login("admin", "wrong") is None
