"""The ``odoo`` notification channel against the stand-in Odoo: a scheduler notification for
someone who reads Odoo becomes one activity for their Odoo user on the job's request, queued
in the transaction that marks it sent and created once by the Odoo outbox; a person without
an Odoo user, or a job that did not come from Odoo, gets a failed notification saying why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from service import domain as d
from service.channels import OdooChannel, channels_for
from service.config import Settings
from service.domain.reminders import NEXT_UP
from service.models import Job, Notification, OdooOutbox, Staff
from service.odoo.outbox import OutboxConfig, deliver, plan
from service.scheduler import run_cycle
from service.schemas import CallbackIn, JobIn
from service.usecases.callbacks import record_callback
from service.usecases.jobs import upsert_job
from service.usecases.notifications import make_due

from .conftest import API_KEY

CONFIG = OutboxConfig(backoff_seconds=1)


def odoo_settings(server) -> Settings:
    return Settings(odoo_url=server.url, odoo_db=server.db, odoo_user="admin", odoo_api_key=API_KEY)


def synced_job(server, syncer_for) -> tuple[int, Job, object]:
    """A request completed in Odoo and synced: (request id, its job, the gateway)."""
    rid = server.create(
        "maintenance.request", {"name": "厨房水管漏水", "stage_id": server.stage_id("Repaired")}
    )
    syncer = syncer_for(server)
    syncer.run()
    with Session(syncer.engine, expire_on_commit=False) as session:
        job = session.exec(select(Job).where(Job.ref == f"odoo-{rid}")).one()
    return rid, job, syncer.gateway


def add_staff(engine, job: Job, *, role: str, odoo_user_id: int | None, language="zh_CN") -> int:
    """The one staff member of the job's estate: notified by Odoo."""
    with Session(engine) as session:
        staff = Staff(
            estate_id=job.estate_id,
            name=f"{role.title()} Li",
            role=role,
            notify_by="odoo",
            odoo_user_id=odoo_user_id,
            language=language,
        )
        session.add(staff)
        session.commit()
        return staff.id  # type: ignore[return-value]


def notifications(engine) -> list[Notification]:
    with Session(engine) as session:
        return list(session.exec(select(Notification).order_by(Notification.id)).all())


def outbox_rows(engine) -> list[OdooOutbox]:
    with Session(engine) as session:
        return list(session.exec(select(OdooOutbox).order_by(OdooOutbox.id)).all())


def test_the_channel_is_there_when_the_odoo_link_is_configured(odoo):
    assert "odoo" not in channels_for(Settings(odoo_url=None, odoo_api_key=None))
    assert isinstance(channels_for(odoo_settings(odoo))["odoo"], OdooChannel)


def test_an_escalation_becomes_one_activity_for_the_supervisors_odoo_user(odoo, syncer_for, engine):
    supervisor = odoo.add_user("Li Zhuguan", "li.zhuguan", lang="en_US")
    rid, job, gateway = synced_job(odoo, syncer_for)
    assert job.assigned_role == "lead"  # the estate's first job of the month
    add_staff(engine, job, role=NEXT_UP[d.Role.LEAD].value, odoo_user_id=supervisor, language="en")
    settings = odoo_settings(odoo)
    as_of = job.deadline + timedelta(hours=1)  # past the deadline without a callback

    made, sent = run_cycle(engine, settings, as_of)
    assert [(n.kind, n.step, n.channel) for n in made.made] == [("escalation", 1, "odoo")]
    assert (sent.sent, sent.failed, sent.retried) == (1, 0, 0)
    (note,) = notifications(engine)
    assert note.status == "sent" and note.error is None
    assert note.subject == f"Callback overdue: odoo-{rid}"  # the recipient's language
    (row,) = outbox_rows(engine)  # queued with the notification marked sent
    assert (row.key, row.kind, row.odoo_id, row.job_id) == (
        f"notification:{note.id}",
        "activity",
        rid,
        job.id,
    )
    assert row.status == "pending" and row.payload["user_id"] == supervisor

    # a reply lost on the way back is not a second activity
    odoo.faults.fail("drop_after", model="mail.activity", method="create")
    assert deliver(engine=engine, gateway=gateway, config=CONFIG).postponed
    later = lambda: datetime.now(UTC) + timedelta(seconds=5)  # noqa: E731
    assert deliver(engine=engine, gateway=gateway, config=CONFIG, now=later).sent == 1
    activities = odoo.search_read(
        "mail.activity",
        [],
        ["res_model", "res_id", "user_id", "summary", "note", "date_deadline", "activity_type_id"],
    )
    assert len(activities) == 1
    (activity,) = activities
    assert (activity["res_model"], activity["res_id"]) == ("maintenance.request", rid)
    assert activity["user_id"][0] == supervisor and activity["activity_type_id"][1] == "To-Do"
    assert activity["summary"] == note.subject
    assert f"<p>{note.body}</p>" in activity["note"]
    assert f'<a href="{note.link}">' in activity["note"] and "/s/" in note.link
    zone = d.zone("Asia/Shanghai")  # the estate's calendar
    assert activity["date_deadline"] == job.deadline.astimezone(zone).date().isoformat()

    # the next cycle and the next drain make nothing more
    made, sent = run_cycle(engine, settings, as_of + timedelta(minutes=5))
    assert made.made == [] and sent.sent == 0
    assert deliver(engine=engine, gateway=gateway, config=CONFIG, now=later).sent == 0
    assert len(outbox_rows(engine)) == 1
    assert len(odoo.search_read("mail.activity", [], ["id"])) == 1


def test_the_add_on_keeps_the_marker_out_of_the_note(odoo_addon, syncer_for, engine):
    lead = odoo_addon.add_user("Zhang Wei", "zhang.wei")
    rid, job, gateway = synced_job(odoo_addon, syncer_for)
    add_staff(engine, job, role=job.assigned_role, odoo_user_id=lead)
    as_of = job.deadline - timedelta(hours=2)  # within the hours before: a reminder
    made, sent = run_cycle(engine, odoo_settings(odoo_addon), as_of)
    assert [n.kind for n in made.made] == ["reminder"] and sent.sent == 1
    assert deliver(engine=engine, gateway=gateway, config=CONFIG).sent == 1
    (activity,) = odoo_addon.search_read(
        "mail.activity", [("res_id", "=", rid)], ["user_id", "summary", "note", "callback_marker"]
    )
    assert activity["user_id"][0] == lead and activity["summary"] == f"回访提醒：odoo-{rid}"
    assert "huifang:" not in activity["note"]
    assert activity["callback_marker"] == f"huifang:notification:{made.made[0].id}"


def failed_notification(client) -> dict:
    answer = client.get("/api/v1/notifications", params={"status": "failed"})
    assert answer.status_code == 200, answer.text
    (row,) = answer.json()["data"]
    return row


def test_a_person_without_an_odoo_user_gets_a_failed_notification(odoo, syncer_for, engine, client):
    rid, job, _gateway = synced_job(odoo, syncer_for)
    add_staff(engine, job, role="supervisor", odoo_user_id=None)
    made, sent = run_cycle(engine, odoo_settings(odoo), job.deadline + timedelta(hours=1))
    assert len(made.made) == 1 and (sent.sent, sent.failed) == (0, 1)
    assert outbox_rows(engine) == []
    row = failed_notification(client)
    assert row["job"] == f"odoo-{rid}" and row["channel"] == "odoo" and row["attempts"] == 1
    assert row["error"] == "Supervisor Li has no Odoo user (odoo_user_id) to assign the activity to"


def test_a_job_that_did_not_come_from_odoo_gets_a_failed_notification(
    odoo, estates, engine, client
):
    with Session(engine, expire_on_commit=False) as session:
        job_in = JobIn(
            ref="J-1",
            estate="E1",
            title="厨房水管漏水",
            completed_at=datetime(2026, 5, 10, 1, 30, tzinfo=UTC),
        )
        upsert_job(session=session, job_in=job_in, actor="test")
        job = session.exec(select(Job).where(Job.ref == "J-1")).one()
    add_staff(engine, job, role=NEXT_UP[d.Role(job.assigned_role)].value, odoo_user_id=2)
    made, sent = run_cycle(engine, odoo_settings(odoo), job.deadline + timedelta(hours=1))
    assert len(made.made) == 1 and sent.failed == 1
    assert outbox_rows(engine) == []
    row = failed_notification(client)
    assert row["job"] == "J-1" and row["status"] == "failed"
    assert row["error"] == (
        "job J-1 did not come from Odoo: there is no Odoo request to put the activity on"
    )


def test_a_rectifications_notices_are_due_when_the_rectification_is(odoo, syncer_for, engine):
    finder = odoo.add_user("Li Zhuguan", "li.zhuguan")
    rid, job, gateway = synced_job(odoo, syncer_for)
    add_staff(engine, job, role="supervisor", odoo_user_id=finder)  # no worker on the staff
    with Session(engine, expire_on_commit=False) as session:
        cb_in = CallbackIn(
            role="supervisor",
            staff="Supervisor Li",
            channel="phone",
            done_at=job.completed_at + timedelta(minutes=1),
            satisfaction="unsatisfied",
            problems="阀门仍有渗水",
        )
        _callback, rect = record_callback(
            session=session, ref=job.ref, cb_in=cb_in, now=datetime.now(UTC), actor="test"
        )
    assert rect is not None
    settings = odoo_settings(odoo)
    # the notice goes to the finder (no worker has a staff record); late, the warnings
    made, _ = run_cycle(engine, settings, rect.opened_at + timedelta(minutes=1))
    made_late, _ = run_cycle(engine, settings, rect.fix_due_at + timedelta(hours=1))
    kinds = [n.kind for n in made.made + made_late.made]
    assert sorted(kinds) == ["fix_late", "notice", "notice_late"]
    assert {n.status for n in notifications(engine)} == {"sent"}
    assert deliver(engine=engine, gateway=gateway, config=CONFIG).sent == 3
    zone = d.zone("Asia/Shanghai")
    due = {n.subject: n.kind for n in notifications(engine)}
    expected = {
        "notice": rect.fix_due_at,
        "notice_late": rect.notice_due_at,
        "fix_late": rect.fix_due_at,
    }
    activities = odoo.search_read(
        "mail.activity", [("res_id", "=", rid)], ["user_id", "summary", "date_deadline"]
    )
    assert len(activities) == 3 and {a["user_id"][0] for a in activities} == {finder}
    for activity in activities:
        moment = expected[due[activity["summary"]]]
        assert activity["date_deadline"] == moment.astimezone(zone).date().isoformat()


def test_the_outbox_row_commits_or_rolls_back_with_the_notification(odoo, syncer_for, engine):
    supervisor = odoo.add_user("Li Zhuguan", "li.zhuguan")
    _rid, job, _gateway = synced_job(odoo, syncer_for)
    staff_id = add_staff(engine, job, role="supervisor", odoo_user_id=supervisor)
    with Session(engine, expire_on_commit=False) as session:
        as_of = job.deadline + timedelta(hours=1)
        make_due(session=session, settings=odoo_settings(odoo), as_of=as_of)
    with Session(engine) as session:  # a send whose transaction does not commit
        (note,) = session.exec(select(Notification)).all()
        OdooChannel().send(note, session.get_one(Staff, staff_id))
        assert session.exec(select(OdooOutbox)).all() != []  # in this transaction only
        session.rollback()
    assert outbox_rows(engine) == [] and notifications(engine)[0].status == "queued"


def test_a_reminder_is_not_a_second_activity_when_the_link_already_assigned_one(
    odoo, syncer_for, engine
):
    lead_user = odoo.add_user("Zhang Wei", "zhang.wei")
    rid, job, gateway = synced_job(odoo, syncer_for)
    add_staff(engine, job, role="lead", odoo_user_id=lead_user)
    plan(engine=engine, gateway=gateway, config=CONFIG)  # the callback-due activity
    assigned = [r for r in outbox_rows(engine) if r.key.startswith("activity:assigned:")]
    assert [r.payload["user_id"] for r in assigned] == [lead_user]

    made, sent = run_cycle(engine, odoo_settings(odoo), job.deadline - timedelta(hours=2))
    assert [(n.kind, n.channel) for n in made.made] == [("reminder", "odoo")]
    assert sent.sent == 1 and notifications(engine)[0].status == "sent"
    assert not [r for r in outbox_rows(engine) if r.key.startswith("notification:")]

    # an escalation is news: it is an activity of its own
    supervisor = odoo.add_user("Li Zhuguan", "li.zhuguan")
    add_staff(engine, job, role="supervisor", odoo_user_id=supervisor)
    made, _ = run_cycle(engine, odoo_settings(odoo), job.deadline + timedelta(hours=1))
    assert [(n.kind, n.step) for n in made.made] == [("escalation", 1)]
    assert [r.payload["user_id"] for r in outbox_rows(engine) if r.key.startswith("notif")] == [
        supervisor
    ]


def _worker_rectification(odoo, syncer_for, engine):
    """A synced job whose worker reads Odoo, and a rectification opened for them."""
    worker_user = odoo.add_user("Sun Shifu", "sun.shifu")
    rid, job, gateway = synced_job(odoo, syncer_for)
    with Session(engine, expire_on_commit=False) as session:
        row = session.get_one(Job, job.id)
        row.worker = "Worker Sun"
        session.add(row)
        session.add(
            Staff(
                estate_id=job.estate_id,
                name="Worker Sun",
                role="worker",
                notify_by="odoo",
                odoo_user_id=worker_user,
            )
        )
        session.commit()
        _cb, rect = record_callback(
            session=session,
            ref=job.ref,
            now=datetime.now(UTC),
            actor="test",
            cb_in=CallbackIn(
                role="lead",
                staff="Lead Zhang",
                channel="phone",
                done_at=job.completed_at + timedelta(minutes=1),
                problems="阀门仍有渗水",
            ),
        )
    assert rect is not None and rect.worker == "Worker Sun"
    return rect, gateway, worker_user


def test_a_notice_the_odoo_link_delivered_to_the_worker_counts_as_notified(
    odoo, syncer_for, engine, client
):
    rect, gateway, worker_user = _worker_rectification(odoo, syncer_for, engine)
    made, sent = run_cycle(engine, odoo_settings(odoo), rect.opened_at + timedelta(minutes=1))
    assert [(n.kind, n.recipient) for n in made.made] == [("notice", "Worker Sun")]
    body = client.get(f"/api/v1/rectifications/{rect.id}").json()
    assert body["notified_at"] is None  # queued for Odoo is not delivered yet
    assert deliver(engine=engine, gateway=gateway, config=CONFIG).sent == 1
    body = client.get(f"/api/v1/rectifications/{rect.id}").json()
    assert body["state"] == "notified" and body["notified_via"] == "odoo"
    (activity,) = odoo.search_read("mail.activity", [], ["user_id"])
    assert activity["user_id"][0] == worker_user
    # so no late-notice warning follows
    late, _ = run_cycle(engine, odoo_settings(odoo), rect.notice_due_at + timedelta(hours=1))
    assert [n.kind for n in late.made] == []


def test_an_activity_odoo_refuses_for_good_fails_its_notification(odoo, syncer_for, engine):
    rect, gateway, _user = _worker_rectification(odoo, syncer_for, engine)
    run_cycle(engine, odoo_settings(odoo), rect.opened_at + timedelta(minutes=1))
    assert [n.status for n in notifications(engine)] == ["sent"]
    odoo.faults.fail("odoo", model="mail.activity", method="create", times=None)
    report = deliver(engine=engine, gateway=gateway, config=OutboxConfig(max_attempts=1))
    assert report.dead == 1
    (note,) = notifications(engine)
    assert note.status == "failed" and note.error.startswith("Odoo refused the activity")
