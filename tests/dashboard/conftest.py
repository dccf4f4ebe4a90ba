"""Helpers for the dashboard, ledger and report tests: sign-in, demo and generated data."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service import domain as d
from service.demo import DEMO_PASSWORD, load_demo
from service.models import Staff
from service.schemas import CallbackIn, EstateIn, JobIn, TargetsIn, WindowsIn
from service.usecases.callbacks import record_callback
from service.usecases.estates import put_estate
from service.usecases.jobs import upsert_job
from service.usecases.rectifications import mark_fixed
from service.usecases.signin import hash_password


def sign_in(client: TestClient, login: str, password: str = DEMO_PASSWORD) -> None:
    response = client.post(
        "/login", data={"login": login, "password": password}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


GENERATED_PASSWORD = "pw-generated"

_FIG = re.compile(r'data-fig="([^"]+)"(?: data-value="([^"]*)")?[^>]*>([^<]*)<')


def shown_figures(html: str) -> dict[str, str]:
    """The figures a dashboard page shows, by their ``data-fig`` name."""
    return {name: (value if value else text).strip() for name, value, text in _FIG.findall(html)}


@pytest.fixture
def demo(session: Session, now: datetime):
    return load_demo(session, now=now, jobs_per_estate=60)


@pytest.fixture
def small_demo(session: Session, now: datetime):
    """The demo estates and logins with a handful of jobs: for tests about access, not sums."""
    return load_demo(session, now=now, jobs_per_estate=4)


def generate(session: Session, now: datetime, seed: int, jobs: int = 120) -> list[str]:
    """A random data set around ``now``: two estates in different zones, jobs near month ends,
    callbacks by every role and channel (some late, some before the deadline), rectifications
    open, closed in time and closed late. Returns the estate codes."""
    rng = random.Random(seed)
    estates = [
        ("GEN1", "Asia/Shanghai", WindowsIn(), TargetsIn()),
        ("GEN2", "America/New_York", WindowsIn(safety=24, general=96), TargetsIn(manager=20)),
    ]
    password = hash_password(GENERATED_PASSWORD)
    for code, tz, windows, targets in estates:
        estate, _ = put_estate(
            session=session,
            code=code,
            estate_in=EstateIn(
                name=f"生成{code}", timezone=tz, windows_hours=windows, targets_pct=targets
            ),
            actor="test",
        )
        for role in ("manager", "supervisor", "lead"):
            session.add(
                Staff(
                    estate_id=estate.id,
                    name=f"{code}-{role}",
                    role=role,
                    login=f"{role}.{code.lower()}",
                    password_hash=password,
                )
            )
        session.commit()
    categories = ["safety", "leak", "general"]
    for n in range(jobs):
        code = rng.choice([e[0] for e in estates])
        # spread over ~70 days before now, some exactly at local month boundaries
        completed = now - timedelta(hours=rng.uniform(0, 24 * 70))
        if rng.random() < 0.1:
            tz = d.zone("Asia/Shanghai" if code == "GEN1" else "America/New_York")
            local = completed.astimezone(tz)
            completed = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        completed = completed.replace(microsecond=0)
        job = upsert_job(
            session=session,
            actor="test",
            job_in=JobIn(
                ref=f"{code}-{seed}-{n:04d}",
                estate=code,
                unit=f"{rng.randint(1, 9)}栋{rng.randint(100, 999)}",
                title=rng.choice(["漏水", "门禁失灵", "灯不亮", None]),
                category=rng.choice(categories),
                worker=rng.choice(["甲师傅", "乙师傅", "丙师傅", None]),
                completed_at=completed,
                charge=Decimal(rng.choice([0, 45])),
            ),
        ).job
        for _ in range(rng.choice([0, 0, 1, 1, 1, 2, 3])):
            window = (job.deadline - completed).total_seconds()
            done_at = completed + timedelta(seconds=window * rng.uniform(0.01, 1.6))
            if done_at > now:
                continue
            role = rng.choice(["manager", "supervisor", "lead"])
            channel = rng.choice(["on_site", "phone"])
            problems = "返工" if rng.random() < 0.15 else None
            _, rect = record_callback(
                session=session,
                ref=job.ref,
                now=now,
                actor="test",
                cb_in=CallbackIn(
                    role=d.Role(role),
                    staff=f"{code}-{role}",
                    channel=d.Channel(channel),
                    done_at=done_at,
                    inspected=channel == "on_site",
                    satisfaction=rng.choice([None, "satisfied", "fairly_satisfied", "unsatisfied"]),
                    problems=problems,
                ),
            )
            if rect is not None and rng.random() < 0.6:
                fixed = rect.notice_due_at + timedelta(hours=rng.uniform(-20, 20))
                if fixed <= now:
                    mark_fixed(
                        session=session,
                        rectification_id=rect.id,
                        at=max(fixed, done_at),
                        by="test",
                        note="ok",
                        now=now,
                        actor="test",
                    )
    return [e[0] for e in estates]
