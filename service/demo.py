"""Demo data that looks alive on any day, and the check that keeps it away from an office's data.

``load_demo`` makes three estates with their staff and ~100 repair jobs each over the 90 days up
to ``now``: the current month always has its share of jobs (a night repair or two when it is only
minutes old), the months before are complete (every job past its window was called back, or is
one of a realistic few overdue), and the jobs still inside their window are partly done. Callbacks
come from every role, by phone and on site, a few late; phone calls have every outcome; problems
found become rectifications in every state (open, notified, fixed, verified; a few late or
rejected). People work office hours in the estate's timezone: every callback, call and
rectification move falls between 08:30 and 20:00 local time, and nothing is after ``now``. The
same ``now`` and seed give the same data.

``inspect_database`` tells the ``huifang demo`` command what a database holds before it loads:
nothing, only what the demo made (each estate created by the demo and every job from it), or an
office's own data, which the demo never replaces unless told to.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import Session

from . import domain as d
from .demo_database import DEMO_ACTOR, DatabaseState, inspect_database, remove_sqlite
from .models import Staff
from .schemas import CallbackIn, EstateIn, JobIn, PhoneAttemptIn, TargetsIn, WindowsIn
from .usecases.callbacks import record_callback
from .usecases.estates import put_estate
from .usecases.jobs import upsert_job
from .usecases.phone import record_attempt
from .usecases.rectifications import mark_fixed, mark_notified, verify
from .usecases.signin import hash_password

__all__ = ["DEMO_PASSWORD", "DatabaseState", "inspect_database", "load_demo", "remove_sqlite"]

DEMO_PASSWORD = "huifang-demo"

ESTATES = [
    ("YGHY", "阳光花园管理处", "Asia/Shanghai", WindowsIn(), TargetsIn()),
    ("CHY", "翠湖苑管理处", "Asia/Shanghai", WindowsIn(), TargetsIn()),
    (
        "WLG",
        "维港湾管理处",
        "Asia/Hong_Kong",
        WindowsIn(general=120),
        TargetsIn(manager=15, supervisor=30, lead=55),
    ),
]

STAFF = {
    "YGHY": [
        ("王建国", "manager", "wang"),
        ("李秀英", "supervisor", "li"),
        ("张伟", "lead", "zhang"),
        ("刘洋", "lead", "liu"),
    ],
    "CHY": [
        ("陈志强", "manager", "chen"),
        ("杨静", "supervisor", "yang"),
        ("赵磊", "lead", "zhao"),
        ("黄海", "lead", "huang"),
    ],
    "WLG": [("周文华", "manager", "zhou"), ("吴敏", "supervisor", "wu"), ("郑凯", "lead", "zheng")],
}

#: (title, ERP category, may happen at night: an emergency repair)
REPAIRS = [
    ("厨房水管漏水", "给排水", True),
    ("卫生间渗水到楼下", "给排水", True),
    ("阳台地漏堵塞", "给排水", False),
    ("楼道消防栓箱门损坏", "消防设施", False),
    ("烟感报警器误报", "消防设施", True),
    ("电梯按钮失灵", "电梯", True),
    ("单元门禁刷卡无反应", "门禁系统", True),
    ("燃气表箱锈蚀", "燃气", False),
    ("户内漏电开关跳闸", "电气", True),
    ("客厅灯具不亮", "电气", False),
    ("防盗门锁芯更换", "门窗", False),
    ("窗户密封条老化", "门窗", False),
    ("墙面空鼓开裂", "土建", False),
    ("天花板霉斑处理", "土建", False),
    ("热水器进水阀漏水", "给排水", True),
    ("车库照明损坏", "公共照明", False),
    ("楼梯扶手松动", "公共设施", False),
    ("空调冷凝水管滴水", "给排水", False),
]
NIGHT_REPAIRS = [r for r in REPAIRS if r[2]]
WORKERS = ["孙师傅", "马师傅", "胡师傅", "林师傅", "何师傅", "高师傅"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["先生", "女士", "阿姨", "老师"]
FEEDBACK = ["师傅很准时，干活利索", "态度好，收拾得干净", "等了比较久才上门", "解释得很清楚"]
SUGGESTIONS = ["希望提前电话告知上门时间", "建议公示收费标准", "", "无"]
PROBLEMS = ["维修后仍有少量渗水", "现场垃圾未清理", "收费与公示标准不符", "门禁仍偶尔失灵"]
LATE_CALL_NOTE = "住户出差，约定回来后再回访"
FIX_NOTE = "已返修并经住户确认"
REJECT_NOTE = "复查仍有问题，需重新处理"

DAYS = 90  # how far back the jobs go
#: Office hours, local time: callbacks, calls and rectification moves happen between these.
OFFICE_OPENS, OFFICE_CLOSES = time(8, 30), time(20, 0)
#: The latest start of such an event: entering it takes minutes, and that is inside hours too.
LAST_START = time(19, 45)
#: When repairs are usually finished, local time (emergencies at any hour).
REPAIR_HOURS = (time(8, 0), time(18, 30))
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class DemoSummary:
    estates: int
    jobs: int
    callbacks: int
    logins: list[tuple[str, str, str]]
    #: The month whose figures to show first (YYYY-MM): the current month once it has
    #: callbacks, else the one before (in the first hours of a month).
    period: str = ""
    #: An open job of the first estate, waiting for its callback: a staff page to try.
    open_job: str | None = None
    phone_attempts: int = 0
    rectifications: int = 0


@dataclass(slots=True)
class _Tally:
    jobs: int = 0
    callbacks: int = 0
    attempts: int = 0
    rectifications: int = 0


def load_demo(
    session: Session,
    *,
    now: datetime | None = None,
    jobs_per_estate: int = 100,
    seed: int = 20261125,
) -> DemoSummary:
    """Load the demo estates, staff and jobs (see the module's docstring) as they stand at
    ``now`` (default: the clock)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    tally = _Tally()
    logins: list[tuple[str, str, str]] = []
    password = hash_password(DEMO_PASSWORD)
    period, open_job = "", None
    for code, name, tz, windows, targets in ESTATES:
        rng = random.Random(f"{seed}:{code}")
        estate, _ = put_estate(
            session=session,
            code=code,
            estate_in=EstateIn(name=name, timezone=tz, windows_hours=windows, targets_pct=targets),
            actor=DEMO_ACTOR,
        )
        for staff_name, role, login in STAFF[code]:
            session.add(
                Staff(
                    estate_id=estate.id,  # type: ignore[arg-type]
                    name=staff_name,
                    role=role,
                    login=f"{login}.{code.lower()}",
                    password_hash=password,
                )
            )
            logins.append((f"{login}.{code.lower()}", staff_name, role))
        session.commit()
        people = {
            role: [s for s, r, _ in STAFF[code] if r == role]
            for role in ("manager", "supervisor", "lead")
        }
        story = _EstateStory(session, rng, code, ZoneInfo(tz), now, people, tally)
        story.tell(jobs_per_estate)
        if not period:
            period, open_job = story.shown_period(), story.open_job
    return DemoSummary(
        estates=len(ESTATES),
        jobs=tally.jobs,
        callbacks=tally.callbacks,
        logins=logins,
        period=period,
        open_job=open_job,
        phone_attempts=tally.attempts,
        rectifications=tally.rectifications,
    )


class _EstateStory:
    """One estate's 90 days: its jobs in the order they were finished, each with what the
    office did about it, then the follow-up of the problems found."""

    def __init__(
        self,
        session: Session,
        rng: random.Random,
        code: str,
        tz: ZoneInfo,
        now: datetime,
        people: dict[str, list[str]],
        tally: _Tally,
    ) -> None:
        self.session, self.rng, self.code, self.tz, self.now = session, rng, code, tz, now
        self.people, self.tally = people, tally
        self.month = d.Period.containing(now, tz.key)
        self.month_start = self.month.bounds(tz.key)[0]
        self.found: list[tuple[datetime, int]] = []
        self.current_called = 0  # current-month jobs with a callback
        self.open_job: str | None = None
        self.open_rank: tuple[bool, datetime] | None = None

    # ------------------------------------------------------------ jobs
    def tell(self, count: int) -> None:
        for n, completed in enumerate(self._completion_times(count)):
            self._job(n, completed)
        self._follow_rectifications()

    def _completion_times(self, count: int) -> list[datetime]:
        """``count`` completion times over the 90 days up to now, a little busier recently;
        the current month gets its share by its elapsed time, and at least 3 jobs."""
        start = self.now - timedelta(days=DAYS)
        share = (self.now - self.month_start) / (self.now - start)
        current = min(count, max(3, round(count * share * 1.1)))
        times = [self._repair_time(self.month_start, self.now) for _ in range(current)]
        span = self.month_start - start
        for _ in range(count - current):
            moment = start + span * self.rng.random() ** 0.8
            times.append(self._repair_time(start, self.month_start - MINUTE, around=moment))
        return sorted(times)

    def _repair_time(self, lo: datetime, hi: datetime, around: datetime | None = None) -> datetime:
        """A whole minute in [lo, hi]: on the day of ``around`` (default: any day), mostly in
        the repair teams' hours; some emergencies, and any repair when the span has no such
        hours (the first minutes of a month), at night."""
        around = around or _minute_between(self.rng, lo, hi)
        if self.rng.random() < 0.9:
            local_day = around.astimezone(self.tz).date()
            day_lo = datetime.combine(local_day, REPAIR_HOURS[0], self.tz).astimezone(UTC)
            day_hi = datetime.combine(local_day, REPAIR_HOURS[1], self.tz).astimezone(UTC)
            if max(lo, day_lo) <= min(hi, day_hi):
                return _minute_between(self.rng, max(lo, day_lo), min(hi, day_hi))
        return _minute_between(self.rng, lo, hi) if around < lo or around > hi else _floor(around)

    def _job(self, n: int, completed: datetime) -> None:
        rng = self.rng
        local = completed.astimezone(self.tz)
        daytime = REPAIR_HOURS[0] <= local.time() <= REPAIR_HOURS[1]
        title, erp_category, _ = rng.choice(REPAIRS if daytime else NIGHT_REPAIRS)
        building, unit, floor = rng.randint(1, 12), rng.randint(1, 3), rng.randint(2, 28)
        job = upsert_job(
            session=self.session,
            actor=DEMO_ACTOR,
            source=DEMO_ACTOR,
            job_in=JobIn(
                ref=f"{self.code}-{local:%y%m}-{n + 1:04d}",
                estate=self.code,
                unit=f"{building}栋{unit}单元{floor:02d}0{rng.randint(1, 4)}",
                resident_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                resident_phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                title=title,
                erp_category=erp_category,
                worker=rng.choice(WORKERS),
                completed_at=completed,
                charge=Decimal(rng.choice([0, 0, 30, 50, 80, 120, 260])),
            ),
        ).job
        self.tally.jobs += 1
        called = self._callbacks(job.ref, d.Role(job.assigned_role), completed, job.deadline)
        if completed >= self.month_start and called:
            self.current_called += 1
        if not called and job.deadline > self.now:  # waiting: the soonest due, a lead's first
            rank = (job.assigned_role != "lead", job.deadline)
            if self.open_rank is None or rank < self.open_rank:
                self.open_job, self.open_rank = job.ref, rank

    def shown_period(self) -> str:
        previous = (self.month_start - MINUTE).astimezone(self.tz)
        return str(self.month if self.current_called else d.Period(previous.year, previous.month))

    # ------------------------------------------------------------ callbacks and calls
    def _callbacks(self, ref: str, assigned: d.Role, completed: datetime, due: datetime) -> int:
        """What the office did for one job; returns how many callbacks it has by now."""
        rng = self.rng
        window = due - completed
        fate = rng.choices(["in_time", "late", "never"], [87, 8, 5])[0]
        if fate == "never":  # some of these are overdue; a few were called, in vain
            if rng.random() < 0.6:
                self._failed_calls(ref, assigned, completed + 30 * MINUTE, due + window / 2)
            return 0
        if fate == "late":
            done = self._at_work(due + 60 * MINUTE, due + window * 0.6)
        else:  # spread over the window, few right away or at its very end
            by = completed + window * min(0.95, max(0.1, rng.betavariate(2, 2)))
            done = self._at_work(completed + 30 * MINUTE, by)
        if done is None:
            done = self._at_work(completed + 30 * MINUTE, due)
        if done is None:
            return 0
        count = self._callback(ref, assigned, completed, done, due)
        if not count:
            return 0
        for role in d.ROLE_ORDER:  # now and then another role calls the same household
            if role != assigned and rng.random() < 0.08:
                again = self._at_work(done + 60 * MINUTE, done + timedelta(days=3))
                if again is not None:
                    count += self._callback(ref, role, completed, again, due)
        return count

    def _callback(
        self, ref: str, role: d.Role, completed: datetime, done: datetime, due: datetime
    ) -> int:
        """One callback at ``done`` with the calls before it; those after ``now`` have not
        happened yet (a rescheduled call may point at it). Returns 1 when it is recorded."""
        rng = self.rng
        staff = rng.choice(self.people[role.value])
        channel = d.Channel.PHONE if rng.random() < 0.35 else d.Channel.ON_SITE
        attempt_id = None
        if channel == d.Channel.PHONE:
            failed = rng.choices([0, 1, 2], [65, 25, 10])[0]
            earlier = sorted(
                t
                for t in (
                    self._at_work(completed + 30 * MINUTE, done - 30 * MINUTE)
                    for _ in range(failed)
                )
                if t is not None
            )
            for k, at in enumerate(earlier):
                if k == len(earlier) - 1 and rng.random() < 0.35:
                    note = LATE_CALL_NOTE if done > due else None
                    self._call(ref, staff, role, at, d.CallOutcome.RESCHEDULED, done, note)
                else:
                    self._call(ref, staff, role, at, rng.choice(["no_answer", "no_answer", "busy"]))
            if done > self.now:
                return 0
            attempt_id = self._call(ref, staff, role, done, d.CallOutcome.REACHED)
        else:
            if rng.random() < 0.12:  # calls that failed first: then the visit
                self._failed_calls(ref, role, completed + 30 * MINUTE, done - 30 * MINUTE, staff)
            if done > self.now:
                return 0
        satisfaction = rng.choices(list(d.Satisfaction), [80, 18, 2])[0]
        problems = (
            rng.choice(PROBLEMS)
            if satisfaction == d.Satisfaction.UNSATISFIED or rng.random() < 0.04
            else None
        )
        entered = done + rng.randint(2, 15) * MINUTE
        if rng.random() < 0.03:  # entered a day or more later: shown for review
            entered = (
                self._at_work(done + timedelta(hours=26), done + timedelta(hours=72)) or entered
            )
        _, rect = record_callback(
            session=self.session,
            ref=ref,
            now=min(entered, self.now),
            actor=DEMO_ACTOR,
            cb_in=CallbackIn(
                role=role,
                staff=staff,
                channel=channel,
                done_at=done,
                attempt_id=attempt_id,
                inspected=channel == d.Channel.ON_SITE,
                service_feedback=rng.choice(FEEDBACK),
                suggestions=rng.choice(SUGGESTIONS) or None,
                charge_verified=True,
                satisfaction=satisfaction,
                problems=problems,
            ),
        )
        self.tally.callbacks += 1
        if rect is not None:
            self.found.append((done, rect.id))  # type: ignore[arg-type]
            self.tally.rectifications += 1
        return 1

    def _failed_calls(
        self, ref: str, role: d.Role, lo: datetime, hi: datetime, staff: str | None = None
    ) -> None:
        """Calls that never reached the resident: unanswered, busy, then perhaps refused or a
        wrong number (after which the office visits)."""
        rng = self.rng
        staff = staff or rng.choice(self.people[role.value])
        outcomes = rng.choice(
            [
                ["no_answer", "no_answer", "no_answer"],
                ["busy", "no_answer", "no_answer"],
                ["no_answer", "refused"],
                ["wrong_number"],
                ["refused"],
                ["no_answer", "busy"],
            ]
        )
        times = sorted(t for t in (self._at_work(lo, hi) for _ in outcomes) if t is not None)
        for at, outcome in zip(times, outcomes, strict=False):
            self._call(ref, staff, role, at, d.CallOutcome(outcome))

    def _call(
        self,
        ref: str,
        staff: str,
        role: d.Role,
        at: datetime,
        outcome: d.CallOutcome | str,
        next_at: datetime | None = None,
        note: str | None = None,
    ) -> int | None:
        if at > self.now:
            return None
        attempt = record_attempt(
            session=self.session,
            ref=ref,
            now=self.now,
            actor=DEMO_ACTOR,
            attempt_in=PhoneAttemptIn(
                staff=staff,
                role=role,
                at=at,
                outcome=d.CallOutcome(outcome),
                next_at=next_at,
                note=note,
            ),
        )
        self.tally.attempts += 1
        return attempt.id

    # ------------------------------------------------------------ rectifications
    def _follow_rectifications(self) -> None:
        """Most notices reach the worker on paper within the day and most fixes are made and
        checked; a few run late, and a check may send the fix back. The newest problems are
        the ones still open, notified and fixed (waiting for the check)."""
        rng = self.rng
        newest_first = sorted(self.found, reverse=True)
        for k, (found, rect_id) in enumerate(newest_first):
            stop = ["open", "notified", "fixed"][k] if k < 3 else None
            if stop is None and rng.random() < 0.1:
                stop = rng.choice(["notified", "fixed"])
            self._rectification(rect_id, found, stop)

    def _rectification(self, rect_id: int, found: datetime, stop: str | None) -> None:
        rng = self.rng
        supervisor = self.people["supervisor"][0]
        if stop == "open":
            return
        hours = timedelta(hours=1)
        notified = (
            self._at_work(found + 25 * hours, found + 60 * hours)
            if rng.random() < 0.12
            else self._at_work(found + 15 * MINUTE, found + 20 * hours)
        )
        if notified is None or notified > self.now:
            return
        rect = mark_notified(
            session=self.session,
            rectification_id=rect_id,
            at=notified,
            by=supervisor,
            via=d.NoticeChannel.PAPER,
            now=self.now,
            actor=DEMO_ACTOR,
        )
        since = notified
        for _ in range(2):  # a fix, and after a rejected check, a second one
            if stop == "notified":
                return
            due = rect.fix_due_at
            fixed = (
                self._at_work(due + hours, due + 48 * hours)
                if rng.random() < 0.15
                else self._at_work(since + 2 * hours, min(due, since + 60 * hours))
            )
            if fixed is None or fixed > self.now:
                return
            rect = mark_fixed(
                session=self.session,
                rectification_id=rect_id,
                at=fixed,
                by=rect.worker or DEMO_ACTOR,
                note=FIX_NOTE,
                now=self.now,
                actor=DEMO_ACTOR,
            )
            if stop == "fixed":
                return
            checked = self._at_work(fixed + hours, fixed + 30 * hours)
            if checked is None or checked > self.now:
                return
            accepted = rng.random() < 0.88
            rect = verify(
                session=self.session,
                rectification_id=rect_id,
                at=checked,
                by=supervisor,
                accepted=accepted,
                note=None if accepted else REJECT_NOTE,
                now=self.now,
                actor=DEMO_ACTOR,
            )
            if accepted:
                return
            since = checked

    # ------------------------------------------------------------ office hours
    def _at_work(self, lo: datetime, hi: datetime) -> datetime | None:
        """A random whole minute of office hours (local) in [lo, hi], or None when there is
        none. Events after ``now`` may be drawn: they are the ones that have not happened."""
        spans: list[tuple[datetime, int]] = []
        day = lo.astimezone(self.tz).date()
        while day <= hi.astimezone(self.tz).date():
            opens = datetime.combine(day, OFFICE_OPENS, self.tz).astimezone(UTC)
            last = datetime.combine(day, LAST_START, self.tz).astimezone(UTC)
            start, end = _ceil(max(lo, opens)), _floor(min(hi, last))
            if start <= end:
                spans.append((start, (end - start) // MINUTE + 1))
            day += timedelta(days=1)
        total = sum(n for _, n in spans)
        if not total:
            return None
        pick = self.rng.randrange(total)
        for start, n in spans:
            if pick < n:
                return start + pick * MINUTE
            pick -= n
        raise AssertionError("unreachable")


def _floor(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _ceil(moment: datetime) -> datetime:
    floor = _floor(moment)
    return floor if floor == moment else floor + MINUTE


def _minute_between(rng: random.Random, lo: datetime, hi: datetime) -> datetime:
    """A random whole minute in [lo, hi] (``lo`` itself when there is no whole minute)."""
    start, end = _ceil(lo), _floor(hi)
    if end < start:
        return lo
    return start + rng.randrange((end - start) // MINUTE + 1) * MINUTE
