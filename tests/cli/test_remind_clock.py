"""The scheduler's notifications on the real clock (ARCHITECTURE.md section 3, "Notifications").

Nothing here passes an as-of time: the clock itself moves (``time_machine``, not ticking), and
the cycle reads it, through ``run_cycle(engine, settings)``, ``huifang remind --once`` and the
scheduler inside ``huifang serve``; what was made is read back from the database (its key and
its recipients' roles) and from ``GET /api/v1/notifications``. One story per contracted
notification: before its moment nothing is made; at its moment exactly that notification, for
exactly the contracted people, under its contracted key; later, and after a restart (fresh
engines and app on the same database), nothing more for that key.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from service.app import create_app
from service.cli import app as cli_app
from service.config import get_settings
from service.db import get_engine, make_engine
from service.domain import reminders as R
from service.models import Job, Notification, Staff
from service.scheduler import attach_scheduler, run_cycle
from tests.conftest import AUTH

SH = ZoneInfo("Asia/Shanghai")
HKT = ZoneInfo("Asia/Hong_Kong")
START = datetime(2027, 3, 1, 9, 0, tzinfo=SH)  # a Monday; every story starts here
COMPLETED = START - timedelta(hours=1)  # a general repair: due 168 h later
DEADLINE = COMPLETED + timedelta(hours=168)  # 8 March 08:00 in Shanghai
SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)

#: Two estates: YG on the default follow-up settings (its jobs go to the leads unless a story
#: says otherwise), HK in Hong Kong with follow-up settings of its own.
HK_FOLLOW_UP = {
    "reminder_hours_before": 36,
    "escalation_step_hours": 6,
    "rectification_fix_hours": 10,
}
#: name -> (estate, role, active); the inactive ones must never receive anything.
ROSTER = {
    "张伟": ("YG", "lead", True),
    "刘洋": ("YG", "lead", True),
    "赵敏": ("YG", "lead", False),
    "李主管": ("YG", "supervisor", True),
    "周主管": ("YG", "supervisor", False),
    "王经理": ("YG", "manager", True),
    "陈经理": ("YG", "manager", True),
    "吴经理": ("YG", "manager", False),
    "孙师傅": ("YG", "worker", True),
    "何志明": ("HK", "lead", True),
    "黄主任": ("HK", "supervisor", True),
    "梁经理": ("HK", "manager", True),
    "郑经理": ("HK", "manager", False),
    "冯师傅": ("HK", "worker", True),
}


def people(estate: str, role: str) -> dict[str, str]:
    """The active staff of ``estate`` in ``role``: who a role's notification goes to."""
    return {n: r for n, (e, r, active) in ROSTER.items() if e == estate and r == role and active}


YG_LEADS = people("YG", "lead")  # 张伟, 刘洋 (not 赵敏: inactive)
YG_SUPERVISORS = people("YG", "supervisor")  # 李主管 (not 周主管)
YG_MANAGERS = people("YG", "manager")  # 王经理, 陈经理 (not 吴经理)
NEXT_UP = {"lead": YG_SUPERVISORS, "supervisor": YG_MANAGERS, "manager": YG_MANAGERS}
#: targets that make the first job of a month go to one role (smooth weighted round-robin)
ONLY = {
    role: {r: (100 if r == role else 0) for r in ("manager", "supervisor", "lead")}
    for role in ("manager", "supervisor", "lead")
}

Made = tuple[str, int | None, str, str]  # kind, step, job ref, recipient
LINE = re.compile(r"^(\w+)(?:/(\d+))? (\S+) -> (.+) \((\w+)\)$")


def key_of(kind: str, *, job: int, step: int | None = None, rect: int | None = None) -> str:
    """The contracted key: the job (reminder), the job and step (escalation), the
    rectification (notice, notice_late, fix_late). Stored keys must keep this form: a change
    would make everything made before due again."""
    if rect is not None:
        key = f"{kind}:rectification:{rect}"
    elif step is not None:
        key = f"{kind}:job:{job}:{step}"
    else:
        key = f"{kind}:job:{job}"
    audience = R.Audience.ROLE
    assert R.Due(R.Kind(kind), job, audience, step=step, rectification_id=rect).key == key
    return key


class World:
    """One deployment on the test database, on a clock that moves only when told to."""

    def __init__(self, url: str, traveller: time_machine.Traveller) -> None:
        self.url, self.traveller = url, traveller
        self._start()

    def _start(self) -> None:
        get_settings.cache_clear()
        get_engine.cache_clear()
        self.engine: Engine = make_engine(self.url)
        self.api = TestClient(create_app())
        self.api.__enter__()
        self.api.headers.update(AUTH)

    def close(self) -> None:
        self.api.__exit__(None, None, None)
        get_engine().dispose()
        self.engine.dispose()
        get_settings.cache_clear()
        get_engine.cache_clear()

    def restart(self) -> None:
        """As after a restart of the service: new engines and app on the same database."""
        self.close()
        self._start()

    # ------------------------------------------------------------ the clock

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    def at(self, moment: datetime) -> None:
        assert moment >= self.now(), "time only moves forward here"
        self.traveller.shift(moment - self.now())
        assert self.now() == moment

    # ------------------------------------------------------------ running a cycle

    def cycle(self) -> list[Made]:
        """``run_cycle`` as ``huifang serve`` calls it, without an as-of: the clock decides."""
        report, sent = run_cycle(self.engine, get_settings())
        assert sent.failed == 0
        refs = dict(self._refs())
        return sorted((n.kind, n.step, refs[n.job_id], n.recipient) for n in report.made)

    def remind(self) -> list[Made]:
        """``huifang remind --once`` (no --as-of): what it printed it made."""
        result = CliRunner().invoke(cli_app, ["remind", "--once"])
        assert result.exit_code == 0, result.output
        lines = result.output.strip().splitlines()
        made = []
        for line in lines[:-1]:
            match = LINE.match(line.strip())
            assert match, line
            kind, step, ref, recipient, _channel = match.groups()
            made.append((kind, int(step) if step else None, ref, recipient))
        assert lines[-1].startswith(f"remind: {len(made)} made, ")
        return sorted(made)

    # ------------------------------------------------------------ setting things up

    def estate(self, code: str, **body: Any) -> None:
        body.setdefault("name", code)
        response = self.api.put(f"/api/v1/estates/{code}", json=body)
        assert response.status_code in (200, 201), response.text

    def staff(self, name: str, estate: str, role: str, active: bool = True, **more: Any) -> None:
        body = {"estate": estate, "name": name, "role": role, "active": active, **more}
        response = self.api.post("/api/v1/staff", json=body)
        assert response.status_code in (200, 201), response.text

    def job(self, ref: str, estate: str = "YG", **body: Any) -> dict[str, Any]:
        body = {
            "ref": ref,
            "estate": estate,
            "title": "客厅墙面开裂",
            "category": "general",
            "worker": "孙师傅",
            "completed_at": COMPLETED.isoformat(),
            **body,
        }
        response = self.api.post("/api/v1/jobs", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def callback(self, ref: str, staff: str, role: str, **body: Any) -> dict[str, Any]:
        """A callback done now (or at ``done_at``), recorded now."""
        body = {
            "role": role,
            "staff": staff,
            "channel": "on_site",
            "done_at": self.now().isoformat(),
            "inspected": True,
            "satisfaction": "satisfied",
            **body,
        }
        response = self.api.post(f"/api/v1/jobs/{ref}/callbacks", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def rectification(self, ref: str) -> dict[str, Any]:
        rects = self.api.get("/api/v1/rectifications").json()["data"]
        (rect,) = [r for r in rects if r["job"] == ref]
        return rect

    def move(self, rect: int, move: str, **body: Any) -> dict[str, Any]:
        body = {"at": self.now().isoformat(), **body}
        response = self.api.post(f"/api/v1/rectifications/{rect}/{move}", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    # ------------------------------------------------------------ what was made

    def _refs(self) -> list[tuple[int, str]]:
        with Session(self.engine) as session:
            return [(j.id, j.ref) for j in session.exec(select(Job)) if j.id is not None]

    def job_id(self, ref: str) -> int:
        return dict((r, i) for i, r in self._refs())[ref]

    def under(self, key: str) -> dict[str, str]:
        """Who holds a notification under ``key``: name -> role (of their staff record)."""
        with Session(self.engine) as session:
            rows = session.exec(
                select(Notification, Staff)
                .join(Staff, col(Staff.id) == Notification.staff_id)
                .where(Notification.key == key)
            ).all()
        assert len(rows) == len({n.staff_id for n, _ in rows}), "one per person"
        assert all(n.recipient == s.name for n, s in rows)
        return {s.name: s.role for _, s in rows}

    def total(self) -> int:
        return self.api.get("/api/v1/notifications").json()["count"]

    def listed(self, ref: str, kind: str) -> list[dict[str, Any]]:
        response = self.api.get("/api/v1/notifications", params={"job": ref, "kind": kind})
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def expect(
        self,
        made: list[Made],
        kind: str,
        ref: str,
        to: dict[str, str],
        *,
        step: int | None = None,
        rect: int | None = None,
        tz: ZoneInfo = SH,
    ) -> None:
        """``made`` is exactly one ``kind`` notification for job ``ref``, to the people ``to``
        (name -> role), stored under its contracted key and listed by the API as made now."""
        assert made == sorted((kind, step, ref, name) for name in to)
        key = key_of(kind, job=self.job_id(ref), step=step, rect=rect)
        assert self.under(key) == to
        listed = [n for n in self.listed(ref, kind) if n["step"] == step]
        assert sorted(n["recipient"] for n in listed) == sorted(to)
        now = self.now()
        for n in listed:
            created = datetime.fromisoformat(n["created_at"])
            assert created == now and created.utcoffset() == now.astimezone(tz).utcoffset()
            assert n["rectification"] == rect and n["status"] == "sent"

    def nothing_more(self, *moments: datetime) -> None:
        """At each later moment, and after a restart, no cycle makes anything."""
        for moment in moments:
            self.at(moment)
            assert self.cycle() == []
        count = self.total()
        self.restart()
        assert self.remind() == [] and self.cycle() == []
        assert self.total() == count


@pytest.fixture
def world(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """Both estates and their staff, set up through the API at START (SQLite and PostgreSQL)."""
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("HUIFANG_DATABASE_URL", url)
    with time_machine.travel(START, tick=False) as traveller:
        world = World(url, traveller)
        try:
            only(world, "lead")
            world.estate("HK", name="海景苑", timezone="Asia/Hong_Kong", follow_up=HK_FOLLOW_UP)
            for name, (estate, role, active) in ROSTER.items():
                world.staff(name, estate, role, active)
            yield world
        finally:
            world.close()


def only(world: World, role: str) -> None:
    """YG's next job goes to ``role`` (the targets decide the assigned role)."""
    world.estate("YG", name="阳光花园", timezone="Asia/Shanghai", targets_pct=ONLY[role])


# ---------------------------------------------------------------- reminder


def test_the_reminder_comes_exactly_reminder_hours_before_the_deadline(world: World):
    job = world.job("J-1")
    assert job["assigned_role"] == "lead"
    assert datetime.fromisoformat(job["deadline"]) == DEADLINE
    world.at(DEADLINE - 24 * HOUR - MINUTE)
    assert world.cycle() == [] and world.remind() == []
    world.at(DEADLINE - 24 * HOUR)
    world.expect(world.remind(), "reminder", "J-1", YG_LEADS)
    world.nothing_more(DEADLINE - HOUR, DEADLINE)


def test_each_estate_reminds_and_escalates_by_its_own_hours_in_its_own_timezone(world: World):
    """HK (Asia/Hong_Kong): reminders 36 h before, step 2 six hours after the deadline;
    YG keeps the defaults (24 h, 24 h). Two jobs with the same deadline."""
    world.job("Y-1")
    hk = world.job(
        "H-1", estate="HK", worker="冯师傅", completed_at=COMPLETED.astimezone(HKT).isoformat()
    )
    assert hk["assigned_role"] == "lead" and hk["deadline"].endswith("+08:00")
    assert datetime.fromisoformat(hk["deadline"]) == DEADLINE
    world.at(DEADLINE - 36 * HOUR - MINUTE)
    assert world.cycle() == []
    world.at(DEADLINE - 36 * HOUR)
    world.expect(world.cycle(), "reminder", "H-1", people("HK", "lead"), tz=HKT)
    world.at(DEADLINE - 24 * HOUR - MINUTE)
    assert world.remind() == []
    world.at(DEADLINE - 24 * HOUR)
    world.expect(world.remind(), "reminder", "Y-1", YG_LEADS)
    world.at(DEADLINE + SECOND)
    made = world.cycle()
    world.expect(
        [m for m in made if m[2] == "H-1"],
        "escalation",
        "H-1",
        people("HK", "supervisor"),
        step=1,
        tz=HKT,
    )
    world.expect([m for m in made if m[2] == "Y-1"], "escalation", "Y-1", YG_SUPERVISORS, step=1)
    world.at(DEADLINE + 6 * HOUR - SECOND)
    assert world.cycle() == []
    world.at(DEADLINE + 6 * HOUR)
    world.expect(world.cycle(), "escalation", "H-1", people("HK", "manager"), step=2, tz=HKT)
    world.at(DEADLINE + 24 * HOUR - SECOND)
    assert world.remind() == []
    world.at(DEADLINE + 24 * HOUR)
    world.expect(world.remind(), "escalation", "Y-1", YG_MANAGERS, step=2)
    world.nothing_more(DEADLINE + 30 * 24 * HOUR)


def test_a_job_called_back_before_its_reminder_time_is_never_reminded_nor_escalated(
    world: World,
):
    world.job("J-1")
    world.job("J-2")  # not called back: it shows the cycles ran at the right moments
    world.at(START + 2 * HOUR)
    world.callback("J-1", "张伟", "lead")
    assert world.cycle() == []
    world.at(DEADLINE - 24 * HOUR)
    world.expect(world.cycle(), "reminder", "J-2", YG_LEADS)
    world.at(DEADLINE + SECOND)
    world.expect(world.remind(), "escalation", "J-2", YG_SUPERVISORS, step=1)
    world.at(DEADLINE + 24 * HOUR)
    world.expect(world.cycle(), "escalation", "J-2", YG_MANAGERS, step=2)
    world.nothing_more(DEADLINE + 30 * 24 * HOUR)
    assert world.listed("J-1", "reminder") == world.listed("J-1", "escalation") == []


# ---------------------------------------------------------------- escalation


@pytest.mark.parametrize("role", ["lead", "supervisor", "manager"])
def test_escalation_goes_one_role_up_at_the_deadline_then_to_the_managers(world: World, role: str):
    only(world, role)
    assert world.job("J-1")["assigned_role"] == role
    world.at(DEADLINE - 24 * HOUR)
    world.expect(world.cycle(), "reminder", "J-1", people("YG", role))
    world.at(DEADLINE)  # the deadline has not passed yet
    assert world.cycle() == []
    world.at(DEADLINE + SECOND)
    world.expect(world.remind(), "escalation", "J-1", NEXT_UP[role], step=1)
    world.at(DEADLINE + 24 * HOUR - SECOND)
    assert world.cycle() == []
    world.at(DEADLINE + 24 * HOUR)
    if role == "lead":
        world.expect(world.cycle(), "escalation", "J-1", YG_MANAGERS, step=2)
    else:  # step 1 already went to the managers: no step 2
        assert world.cycle() == []
    world.nothing_more(DEADLINE + 48 * HOUR, DEADLINE + 30 * 24 * HOUR)
    assert world.under(key_of("escalation", job=world.job_id("J-1"), step=2)) == (
        YG_MANAGERS if role == "lead" else {}
    )


def test_a_callback_after_step_one_stops_step_two(world: World):
    world.job("J-1")
    world.job("J-2")  # not called back: it gets its step 2
    world.at(DEADLINE + SECOND)
    made = world.cycle()
    world.expect([m for m in made if m[2] == "J-1"], "escalation", "J-1", YG_SUPERVISORS, step=1)
    world.at(DEADLINE + 2 * HOUR)
    world.callback("J-1", "李主管", "supervisor")
    assert world.cycle() == []
    world.at(DEADLINE + 24 * HOUR)
    world.expect(world.remind(), "escalation", "J-2", YG_MANAGERS, step=2)
    world.nothing_more(DEADLINE + 30 * 24 * HOUR)
    assert world.under(key_of("escalation", job=world.job_id("J-1"), step=2)) == {}


def test_staff_made_inactive_before_the_moment_receive_nothing(world: World):
    world.job("J-1")
    world.at(DEADLINE - 24 * HOUR - HOUR)
    world.staff("刘洋", "YG", "lead", active=False)
    world.staff("陈经理", "YG", "manager", active=False)
    world.at(DEADLINE - 24 * HOUR)
    world.expect(world.cycle(), "reminder", "J-1", {"张伟": "lead"})
    world.at(DEADLINE + 24 * HOUR)
    made = world.remind()
    world.expect([m for m in made if m[1] == 2], "escalation", "J-1", {"王经理": "manager"}, step=2)
    world.nothing_more(DEADLINE + 30 * 24 * HOUR)


# ---------------------------------------------------------------- rectifications


def problem_found(world: World, ref: str, staff: str = "张伟", **body: Any) -> int:
    """A callback that found a problem: it opens a rectification; its id."""
    world.callback(ref, staff, ROSTER[staff][1], problems="墙面仍有裂缝", **body)
    return world.rectification(ref)["id"]


def test_the_notice_goes_to_the_worker_once(world: World):
    world.job("J-1", worker="孙师傅")
    world.at(START + 3 * HOUR)
    assert world.cycle() == []
    rect = problem_found(world, "J-1")
    world.expect(world.remind(), "notice", "J-1", {"孙师傅": "worker"}, rect=rect)
    world.nothing_more(START + 4 * HOUR, START + 3 * HOUR + 24 * HOUR)


@pytest.mark.parametrize("worker_record", ["none", "inactive", "not a worker", "other estate"])
def test_without_an_active_worker_of_that_name_the_finder_gets_the_notice(
    world: World, worker_record: str
):
    if worker_record == "inactive":
        world.staff("钱师傅", "YG", "worker", active=False)
    elif worker_record == "not a worker":
        world.staff("钱师傅", "YG", "lead")  # a lead of that name is not the repair worker
    elif worker_record == "other estate":
        world.staff("钱师傅", "HK", "worker")
    world.job("J-1", worker="钱师傅")
    world.at(START + 3 * HOUR)
    rect = problem_found(world, "J-1", staff="刘洋")
    world.expect(world.cycle(), "notice", "J-1", {"刘洋": "lead"}, rect=rect)
    world.nothing_more(START + 4 * HOUR)


def test_notice_late_goes_to_the_supervisors_24_hours_after_opened_at(world: World):
    world.job("J-1")
    world.job("J-2")  # its notice is marked delivered in time: never late
    world.at(START + 21 * HOUR)
    opened = START + HOUR  # done at 10:00, entered 20 hours later: the 24 h run from 10:00
    late = problem_found(world, "J-1", done_at=opened.isoformat())
    kept = problem_found(world, "J-2", done_at=opened.isoformat())
    assert datetime.fromisoformat(world.rectification("J-1")["notice_due_at"]) == opened + 24 * HOUR
    made = world.cycle()
    assert made == [("notice", None, "J-1", "孙师傅"), ("notice", None, "J-2", "孙师傅")]
    world.at(START + 22 * HOUR)
    world.move(kept, "notified", by="李主管", via="paper")
    world.at(opened + 24 * HOUR)  # due now, not yet passed
    assert world.cycle() == []
    world.at(opened + 24 * HOUR + SECOND)
    world.expect(world.remind(), "notice_late", "J-1", YG_SUPERVISORS, rect=late)
    assert world.rectification("J-1")["notice_late"] is True
    world.at(opened + 26 * HOUR)
    world.move(late, "notified", by="李主管", via="in_person")  # late all the same
    world.nothing_more(opened + 27 * HOUR, opened + 72 * HOUR)  # (then the fixes are late)
    assert world.listed("J-2", "notice_late") == []


@pytest.mark.parametrize(("estate", "fix_hours"), [("YG", 72), ("HK", 10)])
def test_fix_late_goes_to_the_finder_and_the_supervisors_at_fix_due_at(
    world: World, estate: str, fix_hours: int
):
    worker, finder = ("孙师傅", "张伟") if estate == "YG" else ("冯师傅", "何志明")
    world.job("J-1", estate=estate, worker=worker)
    world.job("J-2", estate=estate, worker=worker)  # fixed in time: never late
    tz = SH if estate == "YG" else HKT
    world.at(START + 2 * HOUR)
    opened = START + HOUR
    late = problem_found(world, "J-1", staff=finder, done_at=opened.isoformat())
    kept = problem_found(world, "J-2", staff=finder, done_at=opened.isoformat())
    assert sorted(world.cycle()) == [("notice", None, r, worker) for r in ("J-1", "J-2")]
    world.move(late, "notified", by=finder, via="paper")
    world.move(kept, "notified", by=finder, via="paper")
    assert datetime.fromisoformat(world.rectification("J-1")["fix_due_at"]) == (
        opened + fix_hours * HOUR
    )
    world.at(opened + fix_hours * HOUR - HOUR)
    world.move(kept, "fixed", by=worker, note="已修补")
    world.at(opened + fix_hours * HOUR)  # due now, not yet passed
    assert world.cycle() == []
    world.at(opened + fix_hours * HOUR + SECOND)
    to = {finder: "lead"} | people(estate, "supervisor")
    world.expect(world.remind(), "fix_late", "J-1", to, rect=late, tz=tz)
    world.move(late, "fixed", by=worker, note="已修补")  # fixed late: nothing new
    world.nothing_more(opened + (fix_hours + 1) * HOUR, opened + 30 * 24 * HOUR)
    assert world.listed("J-2", "fix_late") == []


# ---------------------------------------------------------------- inside huifang serve


def _wait_for(condition: Any, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds  # the monotonic clock is not the one travelling
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_scheduler_inside_serve_follows_the_clock(world: World):
    world.job("J-1")
    world.at(DEADLINE - 24 * HOUR)
    application = create_app()
    settings = get_settings().model_copy(update={"remind_interval_seconds": 5})
    stop = attach_scheduler(application, world.engine, settings)
    with TestClient(application):
        assert _wait_for(lambda: world.total() == len(YG_LEADS))
        world.at(DEADLINE + SECOND)
        assert _wait_for(lambda: world.total() == len(YG_LEADS) + len(YG_SUPERVISORS))
    assert stop.is_set()
    assert world.under(key_of("reminder", job=world.job_id("J-1"))) == YG_LEADS
    assert world.under(key_of("escalation", job=world.job_id("J-1"), step=1)) == YG_SUPERVISORS


# ---------------------------------------------------------------- against the contract


def test_a_reminder_made_is_not_made_again_for_someone_who_joins_later(world: World):
    world.job("J-1")
    world.at(DEADLINE - 24 * HOUR)
    world.expect(world.cycle(), "reminder", "J-1", YG_LEADS)
    world.at(DEADLINE - 12 * HOUR)
    world.staff("钱多多", "YG", "lead")  # joins
    world.staff("赵敏", "YG", "lead", active=True)  # back from leave
    assert world.cycle() == []


def test_a_notice_made_is_not_made_again_when_the_worker_is_added(world: World):
    world.job("J-1", worker="钱师傅")
    world.at(START + 3 * HOUR)
    rect = problem_found(world, "J-1")
    world.expect(world.cycle(), "notice", "J-1", {"张伟": "lead"}, rect=rect)
    world.at(START + 4 * HOUR)
    world.staff("钱师傅", "YG", "worker")
    assert world.cycle() == []


class Gateway(BaseHTTPRequestHandler):
    """An SMS gateway that takes every message."""

    posted: list[bytes] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        self.posted.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("HUIFANG_WEBHOOK_URL", f"http://127.0.0.1:{server.server_address[1]}/sms")
    monkeypatch.setenv("HUIFANG_WEBHOOK_SECRET", "gateway-secret")
    Gateway.posted = []
    try:
        yield Gateway.posted
    finally:
        server.shutdown()
        server.server_close()


def test_a_notice_delivered_by_the_workers_channel_counts_as_notified(
    world: World, gateway: list[bytes]
):
    world.restart()  # picks up the gateway's settings
    world.staff("孙师傅", "YG", "worker", notify_by="webhook", phone="13800001234")
    world.job("J-1", worker="孙师傅")
    world.at(START + 3 * HOUR)
    rect = problem_found(world, "J-1")
    world.expect(world.cycle(), "notice", "J-1", {"孙师傅": "worker"}, rect=rect)
    assert len(gateway) == 1  # the gateway took it: delivered
    world.at(START + 3 * HOUR + 24 * HOUR + SECOND)
    made = world.cycle()
    body = world.rectification("J-1")
    assert (body["notified_via"], body["state"]) == ("webhook", "notified")
    assert datetime.fromisoformat(body["notified_at"]) == START + 3 * HOUR
    assert made == [] and body["notice_late"] is False
