"""Write-back through the outbox: fields, chatter, activities, rectifications; at most once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from service import domain as d
from service.models import Job, OdooOutbox, Rectification, Staff
from service.odoo.outbox import OutboxConfig, deliver, plan
from service.schemas import CallbackIn
from service.usecases.callbacks import record_callback

CONFIG = OutboxConfig(backoff_seconds=1, max_attempts=3)
#: The service's notes, not the "activity done" messages Odoo posts
NOTES = [("message_type", "=", "comment")]


def sync_one_done(odoo, syncer_for, engine, *, worker=None):
    vals = {"name": "厨房水管漏水", "stage_id": odoo.stage_id("Repaired")}
    if worker:
        vals["user_id"] = worker
    rid = odoo.create("maintenance.request", vals)
    syncer = syncer_for(odoo)
    syncer.run()
    return rid, syncer.gateway


def callback(engine, rid, *, problems=None, satisfaction="satisfied"):
    with Session(engine, expire_on_commit=False) as session:
        job = session.exec(select(Job).where(Job.ref == f"odoo-{rid}")).one()
        cb_in = CallbackIn(
            role="supervisor",
            staff="张主管",
            channel="phone",
            done_at=job.completed_at + timedelta(minutes=1),
            satisfaction=satisfaction,
            problems=problems,
        )
        return record_callback(
            session=session,
            ref=job.ref,
            cb_in=cb_in,
            now=datetime.now(UTC) + timedelta(minutes=1),
            actor="test",
        )


def staff_for_role(engine, rid, odoo_user_id):
    with Session(engine) as session:
        job = session.exec(select(Job).where(Job.ref == f"odoo-{rid}")).one()
        session.add(
            Staff(
                estate_id=job.estate_id,
                name="Role holder",
                role=job.assigned_role,
                odoo_user_id=odoo_user_id,
            )
        )
        session.commit()


def test_callback_is_written_back_once(odoo_addon, syncer_for, engine):
    o = odoo_addon
    rid, gw = sync_one_done(o, syncer_for, engine)
    staff_for_role(engine, rid, 2)
    assert plan(engine=engine, gateway=gw, config=CONFIG) >= 2  # fields + assigned activity
    assert deliver(engine=engine, gateway=gw, config=CONFIG).sent >= 2
    row = o.read(
        "maintenance.request", [rid], ["callback_state", "callback_deadline", "callback_user_id"]
    )[0]
    assert row["callback_state"] == "pending" and row["callback_user_id"][0] == 2
    activities = o.search_read(
        "mail.activity", [("res_id", "=", rid)], ["user_id", "date_deadline"]
    )
    assert len(activities) == 1 and activities[0]["user_id"][0] == 2

    callback(engine, rid)
    plan(engine=engine, gateway=gw, config=CONFIG)
    deliver(engine=engine, gateway=gw, config=CONFIG)
    row = o.read(
        "maintenance.request",
        [rid],
        ["callback_state", "callback_last_by", "callback_satisfaction", "callback_last_at"],
    )[0]
    assert row["callback_state"] == "done" and row["callback_last_by"] == "张主管"
    assert row["callback_satisfaction"] == "satisfied" and row["callback_last_at"]
    messages = o.search_read("mail.message", NOTES + [("res_id", "=", rid)], ["body"])
    assert len(messages) == 1 and "<b>回访记录</b>" in messages[0]["body"]
    assert "满意度：满意" in messages[0]["body"]
    # the callback-due activity is done: Odoo 18 deletes a done To-Do
    assert not o.search_read("mail.activity", [("res_id", "=", rid)], ["id"])

    # a second round has nothing to say
    assert plan(engine=engine, gateway=gw, config=CONFIG) == 0
    assert deliver(engine=engine, gateway=gw, config=CONFIG).sent == 0
    assert len(o.search_read("mail.message", [("res_id", "=", rid)], ["id"])) == 2


def test_plain_odoo_gets_a_plain_text_note_in_english_when_configured(odoo, syncer_for, engine):
    rid, gw = sync_one_done(odoo, syncer_for, engine)
    callback(engine, rid)
    plan(engine=engine, gateway=gw, config=OutboxConfig(language="en"))
    deliver(engine=engine, gateway=gw, config=CONFIG)
    (message,) = odoo.search_read("mail.message", [("res_id", "=", rid)], ["body"])
    assert "Satisfaction: satisfied" in message["body"] and "<b>" not in message["body"]


def test_odoo_down_backs_off_and_delivers_later_without_duplicates(odoo, syncer_for, engine):
    rid, gw = sync_one_done(odoo, syncer_for, engine)
    callback(engine, rid)
    plan(engine=engine, gateway=gw, config=CONFIG)
    odoo.faults.down()
    report = deliver(engine=engine, gateway=gw, config=CONFIG)
    assert report.postponed and report.sent == 0
    with Session(engine) as session:
        row = session.exec(select(OdooOutbox).where(OdooOutbox.kind == "message")).one()
        # unreachable is not the row's fault: it waits, and no attempt is counted
        assert row.status == "pending" and row.attempts == 0 and row.last_error
        assert row.next_attempt_at > datetime.now(UTC)
    odoo.faults.up()
    # not due yet: nothing sent
    assert deliver(engine=engine, gateway=gw, config=CONFIG).sent == 0
    later = lambda: datetime.now(UTC) + timedelta(seconds=5)  # noqa: E731
    assert deliver(engine=engine, gateway=gw, config=CONFIG, now=later).sent == 1
    assert len(odoo.search_read("mail.message", [("res_id", "=", rid)], ["id"])) == 1


def test_a_lost_answer_does_not_post_twice(odoo, syncer_for, engine):
    rid, gw = sync_one_done(odoo, syncer_for, engine)
    callback(engine, rid)
    plan(engine=engine, gateway=gw, config=CONFIG)
    odoo.faults.fail("drop_after", model="maintenance.request", method="message_post")
    first = deliver(engine=engine, gateway=gw, config=CONFIG)
    assert first.postponed
    later = lambda: datetime.now(UTC) + timedelta(seconds=5)  # noqa: E731
    assert deliver(engine=engine, gateway=gw, config=CONFIG, now=later).sent == 1
    assert len(odoo.search_read("mail.message", [("res_id", "=", rid)], ["id"])) == 1


def test_rectification_becomes_an_activity_for_the_worker(odoo, syncer_for, engine):
    worker = odoo.add_user("Wang Wei", "wangwei")
    rid, gw = sync_one_done(odoo, syncer_for, engine, worker=worker)
    _, rect = callback(engine, rid, problems="阀门仍有渗水", satisfaction="unsatisfied")
    plan(engine=engine, gateway=gw, config=CONFIG)
    deliver(engine=engine, gateway=gw, config=CONFIG)
    (activity,) = odoo.search_read(
        "mail.activity", [("res_id", "=", rid)], ["user_id", "date_deadline", "summary"]
    )
    assert activity["user_id"][0] == worker
    with Session(engine) as session:  # due when the fix is due, in the estate's calendar
        zone = d.zone(session.get_one(Job, rect.job_id).estate.timezone)
    assert activity["date_deadline"] == rect.fix_due_at.astimezone(zone).date().isoformat()
    assert activity["summary"].startswith("整改通知")
    with Session(engine) as session:  # Odoo took the written notice: the worker has it
        delivered = session.get_one(Rectification, rect.id)
        assert (delivered.state, delivered.notified_via) == ("notified", "odoo")


def test_rectification_as_a_new_request_when_configured(odoo, syncer_for, engine):
    worker = odoo.add_user("Wang Wei", "wangwei")
    rid, gw = sync_one_done(odoo, syncer_for, engine, worker=worker)
    callback(engine, rid, problems="Valve still drips")
    config = OutboxConfig(rectification_mode="request", language="en")
    plan(engine=engine, gateway=gw, config=config)
    deliver(engine=engine, gateway=gw, config=config)
    new = odoo.search_read("maintenance.request", [("name", "ilike", "Rectification")], ["user_id"])
    assert len(new) == 1 and new[0]["user_id"][0] == worker


def test_a_request_deleted_in_odoo_gives_up_its_writes(odoo, syncer_for, engine):
    rid, gw = sync_one_done(odoo, syncer_for, engine)
    callback(engine, rid)
    plan(engine=engine, gateway=gw, config=CONFIG)
    odoo.unlink("maintenance.request", [rid])
    report = deliver(engine=engine, gateway=gw, config=CONFIG)
    assert report.dead == 1 and report.sent == 0


# -- the write-back as the integration user (no Administration rights) --------------------
INTEGRATION_KEY = "integration-key"


def integration_gateway(server, gateway_for):
    groups = ["maintenance_callback.group_callback_integration"] if server.addon else []
    server.add_user("Huifang Service", "huifang-service", api_key=INTEGRATION_KEY, groups=groups)
    return gateway_for(server, user="huifang-service", api_key=INTEGRATION_KEY)


def assigned_role(engine, rid):
    with Session(engine) as session:
        return session.exec(select(Job).where(Job.ref == f"odoo-{rid}")).one().assigned_role


def test_integration_user_sets_the_callback_person_from_the_role_groups(
    odoo_addon, syncer_for, gateway_for, engine
):
    o = odoo_addon
    holders = {
        role: o.add_user(role.title(), role, groups=[f"maintenance_callback.group_callback_{role}"])
        for role in ("lead", "supervisor", "manager")
    }
    rid, _ = sync_one_done(o, syncer_for, engine)
    gw = integration_gateway(o, gateway_for)
    assert plan(engine=engine, gateway=gw, config=CONFIG) >= 2
    report = deliver(engine=engine, gateway=gw, config=CONFIG)
    assert report.sent >= 2 and not report.errors
    expected = holders[assigned_role(engine, rid)]
    row = o.read("maintenance.request", [rid], ["callback_user_id", "callback_state"])[0]
    assert row["callback_user_id"][0] == expected and row["callback_state"] == "pending"
    (activity,) = o.search_read(
        "mail.activity", [("res_id", "=", rid)], ["user_id", "summary", "note", "activity_type_id"]
    )
    assert activity["user_id"][0] == expected and activity["summary"].startswith("维修回访")
    assert "huifang:" not in activity["note"] and activity["activity_type_id"][1] == "To-Do"
    assert not [c for c in o.calls if c.uid == gw.uid and c.model in {"ir.model", "ir.model.data"}]

    # the callback's note: formatted, its marker out of sight, posted once despite a lost reply
    callback(engine, rid)
    plan(engine=engine, gateway=gw, config=CONFIG)
    o.faults.fail("drop_after", model="maintenance.request", method="callback_post_message")
    assert deliver(engine=engine, gateway=gw, config=CONFIG).postponed
    later = lambda: datetime.now(UTC) + timedelta(seconds=5)  # noqa: E731
    deliver(engine=engine, gateway=gw, config=CONFIG, now=later)
    (message,) = o.search_read("mail.message", NOTES + [("res_id", "=", rid)], None)
    assert "<b>回访记录</b>" in message["body"] and "huifang:" not in message["body"]
    assert message["callback_marker"].startswith("huifang:message:callback:")


def test_a_role_nobody_holds_goes_to_the_next_one_up(odoo_addon, syncer_for, gateway_for, engine):
    o = odoo_addon
    manager = o.add_user("Boss", "boss", groups=["maintenance_callback.group_callback_manager"])
    rid, _ = sync_one_done(o, syncer_for, engine)
    gw = integration_gateway(o, gateway_for)
    plan(engine=engine, gateway=gw, config=CONFIG)
    deliver(engine=engine, gateway=gw, config=CONFIG)
    row = o.read("maintenance.request", [rid], ["callback_user_id"])[0]
    assert row["callback_user_id"][0] == manager


def test_plain_odoo_integration_user_falls_back_to_maintenance_groups(
    odoo, syncer_for, gateway_for, engine
):
    worker = odoo.add_user("Wang Wei", "wangwei")
    rid, _ = sync_one_done(odoo, syncer_for, engine, worker=worker)
    gw = integration_gateway(odoo, gateway_for)
    plan(engine=engine, gateway=gw, config=CONFIG)
    assert not deliver(engine=engine, gateway=gw, config=CONFIG).errors
    (activity,) = odoo.search_read("mail.activity", [("res_id", "=", rid)], ["user_id", "note"])
    # a maintenance lead's callback goes to the technician, others to Maintenance's managers
    expected = worker if assigned_role(engine, rid) == "lead" else 2
    assert activity["user_id"][0] == expected
    callback(engine, rid)
    plan(engine=engine, gateway=gw, config=CONFIG)
    deliver(engine=engine, gateway=gw, config=CONFIG)
    (message,) = odoo.search_read(
        "mail.message", NOTES + [("res_id", "=", rid)], ["body", "message_id"]
    )
    assert "huifang:" not in message["body"] and "回访记录" in message["body"]
    assert message["message_id"].startswith("<huifang.message.callback.")


@pytest.mark.parametrize(
    ("company_lang", "setting", "expected"),
    [
        ("zh_CN", "auto", "zh_CN"),
        ("en_US", "auto", "en"),
        (False, "auto", "zh_CN"),
        ("fr_FR", "auto", "en"),
        ("en_US", "zh_CN", "zh_CN"),
    ],
)
def test_notes_speak_the_odoo_company_language_unless_configured(
    odoo, gateway_for, company_lang, setting, expected
):
    from service.config import Settings
    from service.odoo.settings import outbox_config

    odoo.write("res.users", [2], {"lang": False})  # the user's own comes first (test_language)
    odoo.write("res.partner", [1], {"lang": company_lang})
    config = outbox_config(Settings(odoo_language=setting), gateway_for(odoo))
    assert config.language == expected


def test_a_refused_note_does_not_hold_the_jobs_fields_back(odoo_addon, syncer_for, engine):
    """Odoo refuses the callback notes (a rule of its own) and, once, the fields: the next
    callback's fields still reach the request, going past the refused rows; the notes wait
    for their retries, in their order; the refused older fields, due again after the newer
    went, are superseded and never overwrite them."""
    from tests.support.odoo_standin.errors import ValidationError

    odoo = odoo_addon
    rid, gw = sync_one_done(odoo, syncer_for, engine)
    closed = ValidationError("notes are closed on this request")
    odoo.faults.fail(
        "odoo",
        model="maintenance.request",
        method="callback_post_message",
        times=None,
        error=closed,
    )
    busy = ValidationError("the request is being edited")
    odoo.faults.fail("odoo", model="maintenance.request", method="write", times=1, error=busy)
    start = datetime.now(UTC)
    at = [start]

    def now() -> datetime:
        return at[0]

    def rows() -> list[OdooOutbox]:
        with Session(engine) as session:
            return list(session.exec(select(OdooOutbox).order_by(OdooOutbox.id)))

    def satisfaction() -> str:
        (record,) = odoo.read("maintenance.request", [rid], ["callback_satisfaction"])
        return record["callback_satisfaction"]

    callback(engine, rid, satisfaction="fairly_satisfied")
    plan(engine=engine, gateway=gw, config=CONFIG)
    at[0] = start + timedelta(seconds=2)
    deliver(engine=engine, gateway=gw, config=CONFIG, now=now)  # the fields refused
    # the note waits behind them (notes keep their request's order), so it was not tried
    assert [(r.kind, r.attempts) for r in rows()] == [("fields", 1), ("message", 0)]
    callback(engine, rid, satisfaction="unsatisfied")
    plan(engine=engine, gateway=gw, config=CONFIG)
    at[0] = start + timedelta(seconds=2.5)  # the refused rows are not due again yet
    deliver(engine=engine, gateway=gw, config=CONFIG, now=now)
    assert satisfaction() == "unsatisfied"  # the newest fields went past the refused rows
    assert [(r.kind, r.status) for r in rows()] == [
        ("fields", "pending"),
        ("message", "pending"),
        ("fields", "sent"),
        ("message", "pending"),  # a note waits behind the refused note
    ]
    at[0] = start + timedelta(seconds=10)
    deliver(engine=engine, gateway=gw, config=CONFIG, now=now)
    assert rows()[0].status == "superseded" and satisfaction() == "unsatisfied"

    odoo.faults.clear()
    for _ in range(5):
        at[0] += timedelta(minutes=5)
        deliver(engine=engine, gateway=gw, config=CONFIG, now=now)
    final = rows()
    assert [r.status for r in final] == ["superseded", "sent", "sent", "sent"], [
        (r.kind, r.status, r.last_error) for r in final
    ]
    made = [r.result_id for r in final if r.kind == "message"]
    assert made == sorted(made)  # the notes in their order
    notes = odoo.search_read("mail.message", [("res_id", "=", rid), *NOTES], ["id"])
    assert len(notes) == 2 and satisfaction() == "unsatisfied"


def test_a_receipt_attached_before_its_answer_was_lost_is_still_set_on_the_request(
    odoo_addon, syncer_for, engine
):
    """Odoo made the attachment but the answer was lost: the retry finds it by its marker,
    attaches nothing twice, and still sets it as the request's receipt."""
    from service.usecases.outbox import enqueue_receipt

    odoo = odoo_addon
    rid, gw = sync_one_done(odoo, syncer_for, engine)
    callback_row, _ = callback(engine, rid)
    with Session(engine, expire_on_commit=False) as session:
        job = session.exec(select(Job).where(Job.ref == f"odoo-{rid}")).one()
        assert enqueue_receipt(session, job=job, callback_id=callback_row.id, pdf=b"%PDF-1.4 x")
        session.commit()
    odoo.faults.fail("drop_after", model="ir.attachment", method="create")
    first = deliver(engine=engine, gateway=gw, config=CONFIG)
    assert first.postponed
    later = lambda: datetime.now(UTC) + timedelta(minutes=5)  # noqa: E731
    for _ in range(3):
        deliver(engine=engine, gateway=gw, config=CONFIG, now=later)
    files = odoo.search_read("ir.attachment", [("res_id", "=", rid)], ["id"])
    assert len(files) == 1
    (record,) = odoo.read("maintenance.request", [rid], ["callback_receipt_attachment_id"])
    assert record["callback_receipt_attachment_id"][0] == files[0]["id"]
