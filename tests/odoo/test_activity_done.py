"""The callback's activities in Odoo are marked done when the callback is recorded and
written back: Odoo's ``action_feedback`` on each series (17 and 18 delete a done To-Do, 19
archives it), once, only the activities the service scheduled for that callback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from service.models import OdooOutbox
from service.odoo.outbox import OutboxConfig, deliver, plan
from service.scheduler import run_cycle
from tests.support.odoo_standin import OdooStandIn

from .test_notification_activities import add_staff, odoo_settings, synced_job
from .test_outbox import callback, integration_gateway, staff_for_role

CONFIG = OutboxConfig(backoff_seconds=1, max_attempts=3)
SERIES = [
    ("17.0", "jsonrpc"),
    ("18.0", "jsonrpc"),
    ("19.0", "json2"),
    ("19.0", "jsonrpc"),
]


def activities(o: OdooStandIn, rid: int) -> dict[int, dict]:
    """Every activity on the request as stored, archived ones too."""
    return {
        a["id"]: a
        for a in o.store.records["mail.activity"].values()
        if a["res_model"] == "maintenance.request" and a["res_id"] == rid
    }


def own_activity(o: OdooStandIn, rid: int) -> int:
    """An activity the office scheduled itself on the request."""
    (model,) = o.search_read("ir.model", [("model", "=", "maintenance.request")], ["id"])
    return o.create(
        "mail.activity",
        {
            "res_model_id": model["id"],
            "res_id": rid,
            "user_id": 2,
            "date_deadline": "2030-01-01",
            "summary": "Order the spare part",
        },
    )


@pytest.mark.parametrize("addon", [True, False], ids=["add-on", "plain"])
@pytest.mark.parametrize(("version", "transport"), SERIES, ids=[f"{v}-{t}" for v, t in SERIES])
def test_the_callback_activity_is_done_once_the_callback_is_written_back(
    version, transport, addon, syncer_for, gateway_for, engine
):
    with OdooStandIn(version=version, addon=addon) as o:
        holder = o.add_user("Zhang Wei", "zhang.wei")
        rid, _ = sync_one_done(o, syncer_for)
        staff_for_role(engine, rid, holder)
        gw = gateway_for(o, transport=transport)
        assert gw.transport.name == transport
        plan(engine=engine, gateway=gw, config=CONFIG)
        assert not deliver(engine=engine, gateway=gw, config=CONFIG).errors
        (scheduled,) = activities(o, rid)
        mine = own_activity(o, rid)

        callback(engine, rid)
        assert plan(engine=engine, gateway=gw, config=CONFIG) >= 2  # the note, the done
        report = deliver(engine=engine, gateway=gw, config=CONFIG)
        assert not report.errors and report.failed == report.dead == 0

        left = activities(o, rid)
        assert left[mine]["active"]  # the office's own activity stays open
        if o.major >= 19:  # archived with the feedback
            done = left[scheduled]
            assert not done["active"] and done["date_done"] is not None
            assert "张主管" in done["feedback"] and "回访记录" in done["feedback"]
        else:  # a done To-Do is deleted
            assert scheduled not in left
        open_ones = o.search_read("mail.activity", [("res_id", "=", rid)], ["id"])
        assert [a["id"] for a in open_ones] == [mine]
        (done_note,) = o.search_read(
            "mail.message",
            [("res_id", "=", rid), ("message_type", "=", "notification")],
            ["body", "author_id", "mail_activity_type_id"],
        )
        assert "维修回访" in done_note["body"] and "张主管" in done_note["body"]
        assert done_note["mail_activity_type_id"][1] == "To-Do"

        # sent again (a reply lost on the way back): nothing more is done or posted
        with Session(engine) as session:
            (row,) = session.exec(select(OdooOutbox).where(OdooOutbox.kind == "activity_done"))
            assert row.status == "sent"
            row.status, row.next_attempt_at = "pending", datetime.now(UTC) - timedelta(seconds=1)
            session.add(row)
            session.commit()
        again = deliver(engine=engine, gateway=gw, config=CONFIG)
        assert again.sent == 1 and not again.errors
        assert len(o.search_read("mail.message", [("message_type", "=", "notification")])) == 1
        assert plan(engine=engine, gateway=gw, config=CONFIG) == 0


def sync_one_done(o: OdooStandIn, syncer_for) -> tuple[int, object]:
    rid = o.create(
        "maintenance.request", {"name": "厨房水管漏水", "stage_id": o.stage_id("Repaired")}
    )
    syncer = syncer_for(o)
    syncer.run()
    return rid, syncer.gateway


def test_a_type_that_keeps_done_activities_archives_them_on_18(syncer_for, gateway_for, engine):
    with OdooStandIn(version="18.0", addon=True) as o:
        for kind in o.store.records["mail.activity.type"].values():
            kind["keep_done"] = True
        rid, gw = sync_one_done(o, syncer_for)
        staff_for_role(engine, rid, 2)
        plan(engine=engine, gateway=gw, config=CONFIG)
        deliver(engine=engine, gateway=gw, config=CONFIG)
        callback(engine, rid)
        plan(engine=engine, gateway=gw, config=CONFIG)
        assert not deliver(engine=engine, gateway=gw, config=CONFIG).errors
        (done,) = activities(o, rid).values()
        assert not done["active"] and done["date_done"] is not None
        assert "feedback" not in o.store.models["mail.activity"]  # a field of 19


def test_the_integration_user_closes_the_activity_it_scheduled(
    odoo_addon, syncer_for, gateway_for, engine
):
    o = odoo_addon
    holder = o.add_user("Lead", "lead", groups=["maintenance_callback.group_callback_lead"])
    o.add_user("Supervisor", "sup", groups=["maintenance_callback.group_callback_supervisor"])
    o.add_user("Manager", "boss", groups=["maintenance_callback.group_callback_manager"])
    rid, _ = sync_one_done(o, syncer_for)
    gw = integration_gateway(o, gateway_for)
    plan(engine=engine, gateway=gw, config=CONFIG)
    deliver(engine=engine, gateway=gw, config=CONFIG)
    assert len(activities(o, rid)) == 1 and holder
    callback(engine, rid)
    plan(engine=engine, gateway=gw, config=CONFIG)
    assert not deliver(engine=engine, gateway=gw, config=CONFIG).errors
    assert activities(o, rid) == {}
    closing = [c for c in o.calls if c.method == "action_feedback"]
    assert closing and all(c.uid == gw.uid for c in closing)


def test_the_reminder_is_done_too_but_not_a_rectifications_notice(odoo, syncer_for, engine):
    lead = odoo.add_user("Zhang Wei", "zhang.wei")
    worker = odoo.add_user("Wang Shifu", "wang")
    rid, job, gateway = synced_job(odoo, syncer_for)
    odoo.write("maintenance.request", [rid], {"user_id": worker})
    add_staff(engine, job, role=job.assigned_role, odoo_user_id=lead)
    made, _ = run_cycle(engine, odoo_settings(odoo), job.deadline - timedelta(hours=2))
    assert [n.kind for n in made.made] == ["reminder"]
    deliver(engine=engine, gateway=gateway, config=CONFIG)
    (reminder,) = activities(odoo, rid)
    callback(engine, rid, problems="龙头仍在滴水")  # the callback opens a rectification
    plan(engine=engine, gateway=gateway, config=CONFIG)
    report = deliver(engine=engine, gateway=gateway, config=CONFIG)
    assert not report.errors
    left = activities(odoo, rid)
    assert reminder not in left
    assert [a["summary"] for a in left.values()] == [
        a["summary"] for a in left.values() if a["summary"].startswith("整改通知")
    ]
