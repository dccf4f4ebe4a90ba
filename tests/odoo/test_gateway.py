"""The gateway over the wire against the stand-in: transports, errors, retries."""

from __future__ import annotations

import time
from datetime import date

import pytest

from service.odoo.connect import connect
from service.odoo.errors import (
    OdooAccessError,
    OdooAuthError,
    OdooConfigError,
    OdooDatabaseError,
    OdooMissingError,
    OdooUnavailable,
    OdooValidationError,
)
from service.odoo.gateway import OdooGateway
from tests.support.odoo_standin import OdooStandIn, ValidationError

from .conftest import settings_for


@pytest.mark.parametrize(
    ("version", "transport"), [("17.0", "jsonrpc"), ("18.0", "jsonrpc"), ("19.0", "json2")]
)
def test_transport_is_chosen_from_the_server_version(version, transport, gateway_for):
    with OdooStandIn(version=version) as server:
        gw = gateway_for(server)
        assert gw.transport.name == transport
        assert gw.version.major == int(version[:2])
        assert gw.uid == 2
        assert isinstance(gw, OdooGateway)


def test_json2_cannot_be_forced_on_odoo_18(odoo):
    with pytest.raises(OdooConfigError, match="JSON-2 API needs Odoo 19"):
        connect(settings_for(odoo, transport="json2"))


@pytest.mark.parametrize("version", ["18.0", "19.0"])
def test_wrong_api_key_is_one_clear_error(version):
    with OdooStandIn(version=version) as server:
        with pytest.raises(OdooAuthError):
            connect(settings_for(server, api_key="wrong"))


def test_unknown_database_is_named(odoo):
    with pytest.raises(OdooDatabaseError, match="no database named 'nope'"):
        connect(settings_for(odoo, db="nope"))


def test_nothing_listening_is_unavailable_after_retries(odoo):
    settings = settings_for(odoo, read_attempts=3, backoff_seconds=0.01)
    odoo.stop()
    started = time.monotonic()
    with pytest.raises(OdooUnavailable, match="cannot reach Odoo"):
        connect(settings)
    assert time.monotonic() - started < 5


def test_missing_settings_name_the_variables():
    with pytest.raises(OdooConfigError, match="HUIFANG_ODOO_DB, HUIFANG_ODOO_API_KEY"):
        from service.odoo.transport import ConnectionSettings

        ConnectionSettings(url="http://127.0.0.1:8069", db="", user="admin", api_key="")


@pytest.mark.parametrize("fault", ["drop", "http503"])
def test_a_read_is_retried_after_a_dropped_connection_or_503(odoo, gateway_for, fault):
    odoo.create("maintenance.request", {"name": "Leaking tap"})
    gw = gateway_for(odoo)
    odoo.faults.fail(fault, model="maintenance.request", method="search_read", times=2)
    rows = gw.search_requests([])
    assert [r["name"] for r in rows] == ["Leaking tap"]
    reads = [
        c for c in odoo.calls if c.method == "search_read" and c.model == "maintenance.request"
    ]
    assert len(reads) == 3


def test_a_read_that_times_out_is_retried(odoo, gateway_for):
    odoo.create("maintenance.request", {"name": "Lift stuck"})
    gw = gateway_for(odoo, timeout=0.5)
    odoo.faults.slow(1.5, model="maintenance.request", method="search_read", times=1)
    assert [r["name"] for r in gw.search_requests([])] == ["Lift stuck"]


def test_a_write_is_not_retried_blindly(odoo, gateway_for):
    rid = odoo.create("maintenance.request", {"name": "Door lock"})
    gw = gateway_for(odoo)
    odoo.faults.fail("drop", model="maintenance.request", method="write")
    with pytest.raises(OdooUnavailable):
        gw.write_request(rid, {"name": "Door lock (fixed)"})
    writes = [c for c in odoo.calls if c.method == "write"]
    assert len(writes) == 1


def test_odoo_errors_keep_their_kind(odoo, gateway_for):
    rid = odoo.create("maintenance.request", {"name": "Railing"})
    gw = gateway_for(odoo)
    with pytest.raises(OdooMissingError, match="does not exist"):
        gw.write_request(9999, {"name": "x"})
    with pytest.raises(OdooValidationError, match="Wrong value"):
        gw.write_request(rid, {"maintenance_type": "bogus"})
    odoo.faults.fail("odoo", method="write", error=ValidationError("Stage is locked"))
    with pytest.raises(OdooValidationError, match="Stage is locked"):
        gw.write_request(rid, {"name": "y"})


def test_a_read_only_user_gets_an_access_error(odoo, gateway_for):
    rid = odoo.create("maintenance.request", {"name": "Gas smell"})
    odoo.add_user("Reader", "reader", api_key="reader-key", read_only=True)
    gw = gateway_for(odoo, user="reader", api_key="reader-key")
    assert gw.read_requests([rid])[0]["name"] == "Gas smell"
    with pytest.raises(OdooAccessError, match="not allowed to modify"):
        gw.write_request(rid, {"name": "x"})


def test_data_shapes_are_odoos(odoo, gateway_for):
    rid = odoo.create(
        "maintenance.request", {"name": "Pipe", "stage_id": odoo.stage_id("Repaired")}
    )
    row = gateway_for(odoo).read_requests([rid])[0]
    assert row["stage_id"] == [odoo.stage_id("Repaired"), "Repaired"]
    assert row["equipment_id"] is False
    assert len(row["write_date"]) == 19 and row["write_date"][10] == " "
    assert row["close_date"] == date.today().isoformat() or len(row["close_date"]) == 10


def test_without_the_addon_a_message_is_plain_text(odoo, gateway_for):
    rid = odoo.create("maintenance.request", {"name": "Tap"})
    gw = gateway_for(odoo)
    assert not gw.has_addon
    gw.post_message(
        rid, body_html="<b>Done</b> huifang:k1", body_text="Done huifang:k1", marker="huifang:k1"
    )
    body = odoo.search_read("mail.message", [("res_id", "=", rid)], ["body"])[0]["body"]
    assert "Done huifang:k1" in body and "<b>" not in body
    assert gw.find_marked("message", rid, "huifang:k1")


def test_with_the_addon_a_message_is_formatted(odoo_addon, gateway_for):
    rid = odoo_addon.create("maintenance.request", {"name": "Tap"})
    gw = gateway_for(odoo_addon)
    assert gw.has_addon
    mid = gw.post_message(
        rid, body_html="<b>Done</b> huifang:k2", body_text="Done", marker="huifang:k2"
    )
    assert odoo_addon.read("mail.message", [mid], ["body"])[0]["body"].startswith("<b>Done</b>")


def test_activity_attachment_and_users(odoo, gateway_for):
    rid = odoo.create("maintenance.request", {"name": "Fire door"})
    gw = gateway_for(odoo)
    act = gw.schedule_activity(
        rid, user_id=2, due=date(2026, 6, 1), summary="Call back", note="<p>m:a</p>", marker="m:a"
    )
    activity = odoo.read("mail.activity", [act])[0]
    assert (
        activity["res_model"] == "maintenance.request" and activity["date_deadline"] == "2026-06-01"
    )
    att = gw.attach_file(
        rid, name="r.pdf", data=b"%PDF-1.4", mimetype="application/pdf", marker="m:f"
    )
    assert gw.find_marked("attachment", rid, "m:f") == att
    admin = next(u for u in gw.users() if u.login == "admin")
    assert "base.group_system" in admin.group_xmlids


# -- as the integration user: no Administration rights, no ir.model.data -------------------
INTEGRATION_KEY = "integration-key"


def integration_gateway(server, gateway_for):
    group = ["maintenance_callback.group_callback_integration"] if server.addon else []
    server.add_user("Huifang Service", "huifang-service", api_key=INTEGRATION_KEY, groups=group)
    return gateway_for(server, user="huifang-service", api_key=INTEGRATION_KEY)


@pytest.mark.parametrize("addon", [False, True])
def test_the_integration_user_reads_groups_without_model_data(addon, gateway_for):
    with OdooStandIn(version="18.0", addon=addon) as server:
        lead = (
            server.add_user("Lead", "lead", groups=["maintenance_callback.group_callback_lead"])
            if addon
            else None
        )
        gw = integration_gateway(server, gateway_for)
        with pytest.raises(OdooAccessError, match="Model Data"):
            gw.call("ir.model.data", "search_read", domain=[], fields=["name"])
        users = {u.login: u for u in gw.users()}
        assert "maintenance.group_equipment_manager" in users["admin"].group_xmlids
        assert "base.group_system" in users["admin"].group_xmlids
        if addon:
            assert users["lead"].id == lead
            assert "maintenance_callback.group_callback_lead" in users["lead"].group_xmlids
        # the only call to ir.model.data is the refused one above
        model_data = [c for c in server.calls if c.uid == gw.uid and c.model == "ir.model.data"]
        assert len(model_data) == 1


@pytest.mark.parametrize("addon", [False, True])
def test_the_integration_user_schedules_a_todo_with_a_hidden_marker(addon, gateway_for):
    with OdooStandIn(version="18.0", addon=addon) as server:
        rid = server.create("maintenance.request", {"name": "Fire door"})
        gw = integration_gateway(server, gateway_for)
        act = gw.schedule_activity(
            rid, user_id=2, due=date(2026, 6, 1), summary="Call back", note="<p>x</p>", marker="m:a"
        )
        row = server.read("mail.activity", [act])[0]
        assert row["activity_type_id"][1] == "To-Do"
        assert ("m:a" in row["note"]) is not addon
        assert gw.find_marked("activity", rid, "m:a") == act


@pytest.mark.parametrize("addon", [False, True])
def test_the_note_marker_is_not_in_the_text(addon, gateway_for):
    with OdooStandIn(version="18.0", addon=addon) as server:
        rid = server.create("maintenance.request", {"name": "Tap"})
        gw = integration_gateway(server, gateway_for)
        mid = gw.post_message(
            rid, body_html="<p><b>回访记录</b></p>", body_text="回访记录", marker="huifang:k3"
        )
        (msg,) = server.search_read("mail.message", [("res_id", "=", rid)], None)
        assert msg["id"] == mid and "huifang" not in msg["body"] and "回访记录" in msg["body"]
        if addon:
            assert msg["callback_marker"] == "huifang:k3"
        else:
            assert "huifang.k3" in msg["message_id"]
        assert gw.find_marked("message", rid, "huifang:k3") == mid
        assert gw.find_marked("message", rid, "huifang:k4") is None
