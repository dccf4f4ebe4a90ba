"""The whole flow against a real Odoo (opt-in).

Set ``HUIFANG_ODOO_URL``, ``HUIFANG_ODOO_DB``, ``HUIFANG_ODOO_USER`` and
``HUIFANG_ODOO_API_KEY`` to run it: the service's Odoo user, normally the integration user
(group *Callback Service Integration* only), and an API key or the password of that user
**on that database** (an API key belongs to the database it was created in). Use a scratch
database: the test creates a maintenance team, requests, messages and activities there.
Works with and without the ``maintenance_callback`` add-on installed.

The office's side (creating requests, moving stages, reading the result) needs a user who
may create requests, which the integration user may not: set
``HUIFANG_E2E_ODOO_OFFICE_USER`` and ``HUIFANG_E2E_ODOO_OFFICE_KEY`` (e.g. admin and its
password or API key on that database); without them the service's user plays the office too.
No staff is linked to Odoo users: the callback person comes from Odoo's groups, read with the
service user's rights.

Flow: create requests in Odoo and complete them, ``sync_once``, record callbacks through the
REST API, ``sync_once`` again, then read the write-back in Odoo (chatter note, activities, and
the add-on's fields when installed); move a request back out of its done stage and see its
job cancelled.
"""

from __future__ import annotations

import os
import uuid
import xmlrpc.client
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from service import domain as d
from service.app import create_app
from service.config import Settings
from service.db import get_session, make_engine, migrate
from service.domain.reminders import NEXT_UP
from service.http.deps import get_db_engine
from service.models import Estate, Job, Notification, Staff
from service.odoo.link import sync_once
from service.scheduler import run_cycle

REQUIRED = ("HUIFANG_ODOO_URL", "HUIFANG_ODOO_DB", "HUIFANG_ODOO_USER", "HUIFANG_ODOO_API_KEY")
MISSING = [name for name in REQUIRED if not os.environ.get(name)]
pytestmark = pytest.mark.skipif(
    bool(MISSING),
    reason=f"no real Odoo configured: set {', '.join(MISSING)} to run the e2e flow "
    "(HUIFANG_ODOO_API_KEY: an API key or the password of HUIFANG_ODOO_USER valid on "
    "HUIFANG_ODOO_DB)",
)


def login(user_var: str, key_var: str) -> tuple[int, str, str]:
    """(uid, login, secret) for the credentials in these variables, or a clear failure."""
    url = os.environ["HUIFANG_ODOO_URL"].rstrip("/")
    db = os.environ["HUIFANG_ODOO_DB"]
    user, key = os.environ[user_var], os.environ[key_var]
    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    uid = common.authenticate(db, user, key, {})
    if not uid:
        pytest.fail(
            f"Odoo at {url} refuses {user_var}={user!r} with {key_var} on database {db!r}: "
            f"{key_var} must be an API key or the password of that user valid on {db!r} "
            "(an API key works only on the database it was created in)",
            pytrace=False,
        )
    return uid, user, key


class OdooAdmin:
    """Plays the office in Odoo: plain XML-RPC, independent of the code under test."""

    def __init__(self) -> None:
        url = os.environ["HUIFANG_ODOO_URL"].rstrip("/")
        self.db = os.environ["HUIFANG_ODOO_DB"]
        if os.environ.get("HUIFANG_E2E_ODOO_OFFICE_USER"):
            self.uid, _, self.key = login(
                "HUIFANG_E2E_ODOO_OFFICE_USER", "HUIFANG_E2E_ODOO_OFFICE_KEY"
            )
        else:
            self.uid, _, self.key = login("HUIFANG_ODOO_USER", "HUIFANG_ODOO_API_KEY")
        self.object = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)

    def __call__(self, model: str, method: str, *args: object, **kw: object) -> object:
        return self.object.execute_kw(self.db, self.uid, self.key, model, method, list(args), kw)

    def stage(self, name: str) -> int:
        return self("maintenance.stage", "search", [("name", "=", name)], limit=1)[0]  # type: ignore[index]

    def has_addon(self) -> bool:
        return "callback_state" in self("maintenance.request", "fields_get", attributes=["type"])  # type: ignore[operator]

    def callback_activities(self, ids: list[int]) -> dict[int, tuple[int, int]]:
        """{request id: (activity id, user id)} of the open callback-due activities."""
        found = self(
            "mail.activity",
            "search_read",
            [
                ("res_model", "=", "maintenance.request"),
                ("res_id", "in", ids),
                ("summary", "=like", "维修回访%"),
            ],
            fields=["res_id", "user_id"],
        )
        return {a["res_id"]: (a["id"], a["user_id"][0]) for a in found}  # type: ignore[index,union-attr]

    def group_members(self, domain: list) -> dict[int, list[int]]:
        """{group id: its users' ids} of the groups in ``domain``. A group's users are
        ``users`` up to 18 and ``user_ids`` from 19: asked of the server, not assumed."""
        fields = self("res.groups", "fields_get", attributes=["type"])
        members = "user_ids" if "user_ids" in fields else "users"  # type: ignore[operator]
        groups = self("res.groups", "search_read", domain, fields=[members])
        return {g["id"]: g[members] for g in groups}  # type: ignore[union-attr,index]


@pytest.fixture
def e2e_engine(tmp_path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path}/e2e.db")
    migrate(engine)
    yield engine
    engine.dispose()


def test_requests_completed_in_odoo_are_called_back_and_written_back(e2e_engine, capsys):
    service_uid, service_login, _ = login("HUIFANG_ODOO_USER", "HUIFANG_ODOO_API_KEY")
    odoo = OdooAdmin()
    tag = uuid.uuid4().hex[:8]
    team_name = f"E2E team {tag}"
    try:
        team = odoo("maintenance.team", "create", {"name": team_name})
    except xmlrpc.client.Fault as exc:
        pytest.fail(
            f"the office's side cannot create a maintenance team ({exc.faultString.strip()}); "
            "set HUIFANG_E2E_ODOO_OFFICE_USER and HUIFANG_E2E_ODOO_OFFICE_KEY to a user who "
            "may (e.g. admin)",
            pytrace=False,
        )
    repaired, in_progress = odoo.stage("Repaired"), odoo.stage("In Progress")
    names = [f"厨房水管漏水 {tag}", f"电梯门感应器 {tag}", f"Corridor paint {tag}"]
    ids = [
        odoo(
            "maintenance.request",
            "create",
            {"name": n, "maintenance_team_id": team, "user_id": odoo.uid},
        )
        for n in names
    ]
    odoo("maintenance.request", "write", ids, {"stage_id": repaired})

    with Session(e2e_engine) as session:
        session.add(Estate(code="E2E", name="E2E estate"))
        session.commit()

    settings = Settings(
        odoo_url=os.environ["HUIFANG_ODOO_URL"],
        odoo_db=os.environ["HUIFANG_ODOO_DB"],
        odoo_user=os.environ["HUIFANG_ODOO_USER"],
        odoo_api_key=os.environ["HUIFANG_ODOO_API_KEY"],
        admin_api_key="e2e-admin-key",
        odoo_estate_map={team_name: "E2E"},
        odoo_default_estate=None,
        odoo_lookback_seconds=5,
        odoo_language="zh_CN",  # the checks below read the Chinese summaries
    )
    first = sync_once(engine=e2e_engine, settings=settings)
    print("first pass:", first.summary())
    scheduled = odoo.callback_activities(ids)
    assert sorted(scheduled) == sorted(ids), scheduled  # one callback-due activity each
    with Session(e2e_engine) as session:
        jobs = {
            j.ref: j
            for j in session.exec(select(Job).where(Job.ref.in_([f"odoo-{i}" for i in ids])))
        }
    assert sorted(jobs) == sorted(f"odoo-{i}" for i in ids)
    assert jobs[f"odoo-{ids[0]}"].category == "leak" and jobs[f"odoo-{ids[1]}"].category == "safety"

    app = create_app()

    def _session() -> Iterator[Session]:
        with Session(e2e_engine, expire_on_commit=False) as s:
            yield s

    app.dependency_overrides[get_session] = _session
    app.dependency_overrides[get_db_engine] = lambda: e2e_engine
    from service.config import get_settings

    app.dependency_overrides[get_settings] = lambda: settings
    with TestClient(app) as client:
        client.headers["Authorization"] = (
            f"Bearer {os.environ.get('HUIFANG_ADMIN_API_KEY', 'e2e-admin-key')}"
        )
        done_at = datetime.now(UTC).isoformat()
        for rid, problems in ((ids[0], None), (ids[1], "门感应器仍偶尔失灵")):
            resp = client.post(
                f"/api/v1/jobs/odoo-{rid}/callbacks",
                json={
                    "role": "supervisor",
                    "staff": f"张主管 {tag}",
                    "channel": "on_site",
                    "done_at": done_at,
                    "inspected": True,
                    "satisfaction": "satisfied" if problems is None else "unsatisfied",
                    **({"problems": problems} if problems else {}),
                },
            )
            assert resp.status_code == 201, resp.text

    odoo("maintenance.request", "write", [ids[2]], {"stage_id": in_progress})
    second = sync_once(engine=e2e_engine, settings=settings)
    print("second pass:", second.summary())
    assert second.delivery.dead == 0 and second.delivery.failed == 0

    has_addon = odoo.has_addon()
    # the service's note: once per callback, its marker out of sight (a field of the add-on,
    # the Message-Id without it), not in the text office staff read
    marked = (
        ("callback_marker", "=like", "huifang:message:%")
        if has_addon
        else ("message_id", "=like", "<huifang.message.%")
    )
    for rid in ids[:2]:
        notes = odoo(
            "mail.message",
            "search_read",
            [("model", "=", "maintenance.request"), ("res_id", "=", rid), marked],
            fields=["body", "author_id"],
        )
        assert len(notes) == 1 and "回访记录" in notes[0]["body"], notes  # type: ignore[index]
        assert "huifang:" not in notes[0]["body"], notes[0]["body"]  # type: ignore[index]
    activities = odoo(
        "mail.activity",
        "search_read",
        [("res_model", "=", "maintenance.request"), ("res_id", "in", ids)],
        fields=["res_id", "user_id", "summary", "date_deadline", "note"],
    )
    summaries = sorted(a["summary"] for a in activities)  # type: ignore[union-attr]
    print("activities:", summaries)
    assert any(s.startswith("整改通知") for s in summaries)
    assigned = {rid: user for rid, (_, user) in scheduled.items()}
    # called back: the callback-due activity is done (Odoo's "done" message with the
    # callback as feedback; 17 and 18 delete a done To-Do, 19 archives it); the cancelled
    # job's stays open
    assert sorted(odoo.callback_activities(ids)) == [ids[2]], activities
    for rid in ids[:2]:
        done = odoo(
            "mail.message",
            "search_read",
            [
                ("model", "=", "maintenance.request"),
                ("res_id", "=", rid),
                ("mail_activity_type_id", "!=", False),
            ],
            fields=["body"],
        )
        assert len(done) == 1 and "维修回访" in done[0]["body"], done  # type: ignore[index]
        assert f"张主管 {tag}" in done[0]["body"], done  # type: ignore[index]
    if has_addon:
        assert all("huifang:" not in (a["note"] or "") for a in activities)  # type: ignore[union-attr]
        rows = odoo(
            "maintenance.request", "read", ids, fields=["callback_state", "callback_user_id"]
        )
        states = {r["id"]: r["callback_state"] for r in rows}  # type: ignore[union-attr]
        people = {r["id"]: r["callback_user_id"] for r in rows}  # type: ignore[union-attr]
        print("add-on callback_state:", states, "callback_user_id:", people)
        assert states[ids[0]] == "done" and states[ids[1]] == "done"
        role_holders = {
            user
            for users in odoo.group_members([("callback_role", "!=", False)]).values()
            for user in users
        }
        for rid in ids[:2]:
            assert people[rid], f"request {rid}: no callback person (回访人) set"
            assert people[rid][0] == assigned[rid] and people[rid][0] in role_holders
    with Session(e2e_engine) as session:
        cancelled = session.exec(select(Job).where(Job.ref == f"odoo-{ids[2]}")).one()
    assert cancelled.state == "cancelled"

    third = sync_once(engine=e2e_engine, settings=settings)
    print("third pass:", third.summary())
    assert third.queued == 0 and third.delivery.sent == 0
    with capsys.disabled():
        print(
            f"\nE2E against {settings.odoo_url} db={settings.odoo_db} (add-on: {has_addon}, "
            f"transport: {settings.odoo_transport}), "
            f"service user {service_login!r} (uid {service_uid}), office uid {odoo.uid}"
        )
        print("  first pass:", first.summary())
        print("  second pass:", second.summary())
        print("  third pass:", third.summary())
        print("  activities:", summaries)
        print("  activity users:", {rid: assigned[rid] for rid in ids})
        if has_addon:
            print("  callback_user_id:", people)


def test_a_notification_for_someone_who_reads_odoo_becomes_one_activity(e2e_engine):
    """An escalation for a staff member with ``notify_by=odoo``: one activity for their Odoo
    user (the office's) on the request, with the notification's subject; once."""
    odoo = OdooAdmin()
    tag = uuid.uuid4().hex[:8]
    team = odoo("maintenance.team", "create", {"name": f"E2E team {tag}"})
    rid = odoo(
        "maintenance.request", "create", {"name": f"水管 {tag}", "maintenance_team_id": team}
    )
    odoo("maintenance.request", "write", [rid], {"stage_id": odoo.stage("Repaired")})
    settings = Settings(
        odoo_url=os.environ["HUIFANG_ODOO_URL"],
        odoo_db=os.environ["HUIFANG_ODOO_DB"],
        odoo_user=os.environ["HUIFANG_ODOO_USER"],
        odoo_api_key=os.environ["HUIFANG_ODOO_API_KEY"],
        odoo_estate_map={f"E2E team {tag}": "E2E"},
        odoo_default_estate=None,
        odoo_lookback_seconds=5,
    )
    with Session(e2e_engine, expire_on_commit=False) as session:
        session.add(Estate(code="E2E", name="E2E estate"))
        session.commit()
        sync_once(engine=e2e_engine, settings=settings)
        job = session.exec(select(Job).where(Job.ref == f"odoo-{rid}")).one()
        role = NEXT_UP[d.Role(job.assigned_role)].value
        session.add(
            Staff(
                estate_id=job.estate_id,
                name=f"E2E {tag}",
                role=role,
                notify_by="odoo",
                odoo_user_id=odoo.uid,
            )
        )
        session.commit()
    for _ in range(2):  # the second cycle and pass make nothing more
        run_cycle(e2e_engine, settings, job.deadline + timedelta(hours=1))
        assert sync_once(engine=e2e_engine, settings=settings).delivery.dead == 0
        with Session(e2e_engine) as session:
            (note,) = session.exec(select(Notification)).all()
        assert note.status == "sent", note.error
        found = odoo(
            "mail.activity",
            "search_read",
            [
                ("res_model", "=", "maintenance.request"),
                ("res_id", "=", rid),
                ("summary", "=", note.subject),
            ],
            fields=["user_id", "date_deadline"],
        )
        assert len(found) == 1 and found[0]["user_id"][0] == odoo.uid, found  # type: ignore[index]
