"""Realistic demo data: estates, staff, ~300 repair jobs over three months, callbacks by every
role (some late, some unsatisfied, some with problems and rectifications)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session

from . import domain as d
from .models import Staff
from .schemas import CallbackIn, EstateIn, JobIn, PhoneAttemptIn, TargetsIn, WindowsIn
from .usecases.callbacks import record_callback
from .usecases.estates import put_estate
from .usecases.jobs import upsert_job
from .usecases.phone import record_attempt
from .usecases.rectifications import mark_fixed, mark_notified, verify
from .usecases.signin import hash_password

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

REPAIRS = [
    ("厨房水管漏水", "给排水"),
    ("卫生间渗水到楼下", "给排水"),
    ("阳台地漏堵塞", "给排水"),
    ("楼道消防栓箱门损坏", "消防设施"),
    ("烟感报警器误报", "消防设施"),
    ("电梯按钮失灵", "电梯"),
    ("单元门禁刷卡无反应", "门禁系统"),
    ("燃气表箱锈蚀", "燃气"),
    ("户内漏电开关跳闸", "电气"),
    ("客厅灯具不亮", "电气"),
    ("防盗门锁芯更换", "门窗"),
    ("窗户密封条老化", "门窗"),
    ("墙面空鼓开裂", "土建"),
    ("天花板霉斑处理", "土建"),
    ("热水器进水阀漏水", "给排水"),
    ("车库照明损坏", "公共照明"),
    ("楼梯扶手松动", "公共设施"),
    ("空调冷凝水管滴水", "给排水"),
]
WORKERS = ["孙师傅", "马师傅", "胡师傅", "林师傅", "何师傅", "高师傅"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["先生", "女士", "阿姨", "老师"]
FEEDBACK = ["师傅很准时，干活利索", "态度好，收拾得干净", "等了比较久才上门", "解释得很清楚"]
SUGGESTIONS = ["希望提前电话告知上门时间", "建议公示收费标准", "", "无"]
PROBLEMS = ["维修后仍有少量渗水", "现场垃圾未清理", "收费与公示标准不符", "门禁仍偶尔失灵"]


@dataclass(frozen=True, slots=True)
class DemoSummary:
    estates: int
    jobs: int
    callbacks: int
    logins: list[tuple[str, str, str]]


def load_demo(
    session: Session,
    *,
    now: datetime | None = None,
    jobs_per_estate: int = 100,
    seed: int = 20261125,
) -> DemoSummary:
    now = now or datetime.now(UTC)
    rng = random.Random(seed)
    callbacks = 0
    jobs = 0
    logins: list[tuple[str, str, str]] = []
    for code, name, tz, windows, targets in ESTATES:
        estate, _ = put_estate(
            session=session,
            code=code,
            estate_in=EstateIn(name=name, timezone=tz, windows_hours=windows, targets_pct=targets),
            actor="demo",
        )
        password = hash_password(DEMO_PASSWORD)
        for staff_name, role, login in STAFF[code]:
            session.add(
                Staff(
                    estate_id=estate.id,
                    name=staff_name,
                    role=role,  # type: ignore[arg-type]
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
        # ~100 jobs spread over the last 90 days, a little busier recently
        for n in range(jobs_per_estate):
            age = timedelta(days=90 * (1 - rng.random() ** 0.8), minutes=rng.randrange(0, 600))
            completed = (now - age).replace(second=0, microsecond=0)
            title, erp_category = rng.choice(REPAIRS)
            building, unit, floor = rng.randint(1, 12), rng.randint(1, 3), rng.randint(2, 28)
            result = upsert_job(
                session=session,
                actor="demo",
                source="demo",
                job_in=JobIn(
                    ref=f"{code}-{completed:%y%m}-{n + 1:04d}",
                    estate=code,
                    unit=f"{building}栋{unit}单元{floor:02d}0{rng.randint(1, 4)}",
                    resident_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    resident_phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                    title=title,
                    erp_category=erp_category,
                    worker=rng.choice(WORKERS),
                    completed_at=completed,
                    charge=Decimal(rng.choice([0, 0, 30, 50, 80, 120, 260])),
                ),
            )
            jobs += 1
            job = result.job
            callbacks += _demo_callbacks(
                session, rng, job.ref, job.assigned_role, completed, job.deadline, now, people
            )
    return DemoSummary(estates=len(ESTATES), jobs=jobs, callbacks=callbacks, logins=logins)


def _demo_callbacks(
    session: Session,
    rng: random.Random,
    ref: str,
    assigned: str,
    completed: datetime,
    due: datetime,
    now: datetime,
    people: dict[str, list[str]],
) -> int:
    if rng.random() < 0.12:  # never called back: some of these are overdue
        if rng.random() < 0.5:  # ... though some were called and nobody answered
            for k in range(rng.randint(1, 3)):
                at = completed + timedelta(hours=2 + 20 * k + rng.uniform(0, 4))
                if at <= now:
                    _demo_call(session, ref, people[assigned][0], assigned, at, now, "no_answer")
        return 0
    count = 0
    roles = [assigned] + [
        r for r in ("manager", "supervisor", "lead") if r != assigned and rng.random() < 0.15
    ]
    for role in roles:
        window = (due - completed).total_seconds()
        late = rng.random() < 0.1
        offset = window * (1.0 + rng.random() * 0.8) if late else window * rng.uniform(0.05, 0.95)
        done_at = completed + timedelta(seconds=offset)
        if done_at > now:
            continue
        channel = "phone" if rng.random() < 0.35 else "on_site"
        satisfaction = rng.choices(["satisfied", "fairly_satisfied", "unsatisfied"], [80, 18, 2])[0]
        problems = (
            rng.choice(PROBLEMS) if satisfaction == "unsatisfied" or rng.random() < 0.04 else None
        )
        staff = rng.choice(people[role])
        attempt_id = None
        if (
            channel == "phone"
        ):  # a phone callback is the call that got through, after any that did not
            failed = rng.choices([0, 1, 2], [70, 22, 8])[0]
            for k in range(failed, 0, -1):
                at = max(completed, done_at - timedelta(hours=3 * k))
                outcome = rng.choice(["no_answer", "no_answer", "busy"])
                _demo_call(session, ref, staff, role, at, now, outcome)
            attempt_id = _demo_call(session, ref, staff, role, done_at, now, "reached")
        callback, rect = record_callback(
            session=session,
            ref=ref,
            now=now,
            actor="demo",
            cb_in=CallbackIn(
                role=d.Role(role),
                staff=staff,
                channel=d.Channel(channel),
                done_at=done_at,
                attempt_id=attempt_id,
                inspected=channel == "on_site",
                service_feedback=rng.choice(FEEDBACK),
                suggestions=rng.choice(SUGGESTIONS) or None,
                charge_verified=True,
                satisfaction=d.Satisfaction(satisfaction),
                problems=problems,
            ),
        )
        count += 1
        if rect is not None:
            _demo_rectification(
                session, rng, rect.id, rect.worker, people["supervisor"][0], done_at, now
            )
    return count


def _demo_call(
    session: Session, ref: str, staff: str, role: str, at: datetime, now: datetime, outcome: str
) -> int:
    attempt = record_attempt(
        session=session,
        ref=ref,
        now=now,
        actor="demo",
        attempt_in=PhoneAttemptIn(staff=staff, role=d.Role(role), at=at, outcome=outcome),
    )
    return attempt.id  # type: ignore[return-value]


def _demo_rectification(
    session: Session,
    rng: random.Random,
    rect_id: int,
    worker: str | None,
    verifier: str,
    found: datetime,
    now: datetime,
) -> None:
    """Most notices reach the worker on paper within the day, most fixes are made and checked;
    a few run late."""
    notified = found + timedelta(hours=rng.uniform(1, 30))
    if notified > now:
        return
    mark_notified(
        session=session,
        rectification_id=rect_id,
        at=notified,
        by=verifier,
        via=d.NoticeChannel.PAPER,
        now=now,
        actor="demo",
    )
    fixed = notified + timedelta(hours=rng.uniform(4, 90))
    if fixed > now or rng.random() < 0.15:
        return
    mark_fixed(
        session=session,
        rectification_id=rect_id,
        at=fixed,
        by=worker or "demo",
        note="已返修并经住户确认",
        now=now,
        actor="demo",
    )
    checked = fixed + timedelta(hours=rng.uniform(2, 30))
    if checked <= now and rng.random() < 0.8:
        verify(
            session=session,
            rectification_id=rect_id,
            at=checked,
            by=verifier,
            accepted=rng.random() < 0.9,
            note=None,
            now=now,
            actor="demo",
        )
