"""The load benchmark's data (``benchmarks/load.py``): the demo's estates as they stand today,
the jobs whose residents sign during the run and their links, a scoped API token; and the check
afterwards that every signature the service acknowledged is stored."""

from __future__ import annotations

import base64
import io
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

UNSATISFIED_SHARE = 0.03
RESIDENT_REF_PREFIX = "SIGN-"


# ------------------------------------------------------------------ data


@dataclass
class Seeded:
    refs: list[str]
    estates: list[str]
    periods: list[str]
    manager_login: str
    manager_estate: str
    token: str
    links: list[str]  # lines of the resident scenario: token, satisfaction, key, address
    counts: dict[str, int]


def signature_body() -> str:
    """The resident's answer after its satisfaction and submission key: a signature drawn on
    the page's 600x200 canvas (PNG, as the page sends it) and its strokes."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 200), "white")
    draw = ImageDraw.Draw(image)
    points = [(40, 150), (120, 40), (200, 160), (300, 50), (420, 140), (540, 70)]
    draw.line(points, fill="black", width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    data_url = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    strokes = [[[x, y, 40 * i] for i, (x, y) in enumerate(points[:3])]]
    strokes.append([[x, y, 400 + 40 * i] for i, (x, y) in enumerate(points[3:])])
    rest = {"comment": "已修好", "signer_name": "王女士", "signature": data_url, "strokes": strokes}
    return json.dumps(rest, ensure_ascii=False)[1:]  # the opening brace is the script's


def months_back(period: str, count: int) -> list[str]:
    year, month = map(int, period.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def seed(
    engine: Any, *, secret_key: str, jobs_per_estate: int, resident_links: int, now: datetime
) -> Seeded:
    import sqlalchemy as sa
    from sqlmodel import Session, select

    from qr_forms.payload import make_token
    from service.demo import load_demo
    from service.models import Callback, Estate, Job, Staff
    from service.usecases.tokens import create_token

    with Session(engine, expire_on_commit=False) as session:
        summary = load_demo(session, now=now, jobs_per_estate=jobs_per_estate)
        token, key = create_token(
            session,
            name="load benchmark",
            role="supervisor",
            estate=None,
            expires_at=None,
            actor="bench",
            now=now,
        )
        session.commit()
        estates = list(session.exec(select(Estate).order_by(Estate.id)).all())
        leads = {
            e.id: session.exec(
                select(Staff).where(Staff.estate_id == e.id, Staff.role == "lead")
            ).first()
            for e in estates
        }
        refs = list(session.exec(select(Job.ref)).all())
    manager = next(login for login, _name, role in summary.logins if role == "manager")
    rng = random.Random(16)
    jobs: list[dict[str, Any]] = []
    called: list[int] = []
    for n in range(resident_links):
        estate = estates[n % len(estates)]
        completed = now - timedelta(hours=rng.uniform(2, 46))
        jobs.append(
            {
                "ref": f"{RESIDENT_REF_PREFIX}{n:06d}",
                "estate_id": estate.id,
                "unit": f"{n % 12 + 1}栋{n % 3 + 1}单元{n % 28 + 2:02d}01",
                "resident_name": "王女士",
                "resident_phone": f"139{n:08d}",
                "title": rng.choice(("厨房水管漏水", "走廊灯不亮", "门锁更换", "卫生间渗水")),
                "category": "general",
                "worker": "孙师傅",
                "completed_at": completed,
                "deadline": completed + timedelta(hours=168),
                "assigned_role": "lead",
                "state": "active",
                "source": "bench",
                "created_at": completed,
                "updated_at": completed,
            }
        )
        if n % 2:  # called back by phone an hour after the repair: the answer is the staff's
            called.append(n)
            jobs[-1].update(
                first_callback_at=completed + timedelta(hours=1),
                cb_lead=True,
                answer="satisfied",
                answer_source="staff",
            )
    with engine.begin() as conn:
        table = Job.__table__  # type: ignore[attr-defined]
        for i in range(0, len(jobs), 5000):
            conn.execute(table.insert(), jobs[i : i + 5000])
        ids = dict(conn.execute(sa.select(table.c.ref, table.c.id)).all())
        callbacks = []
        for n in called:
            job = jobs[n]
            lead = leads[job["estate_id"]]
            done_at = job["first_callback_at"]
            callbacks.append(
                {
                    "job_id": ids[job["ref"]],
                    "staff_id": lead.id if lead else None,
                    "role": "lead",
                    "staff": lead.name if lead else "负责人",
                    "channel": "phone",
                    "done_at": done_at,
                    "charge_verified": True,
                    "satisfaction": "satisfied",
                    "recorded_at": done_at,
                    "recorded_by": lead.name if lead else None,
                    "created_at": done_at,
                }
            )
        for i in range(0, len(callbacks), 5000):
            conn.execute(Callback.__table__.insert(), callbacks[i : i + 5000])  # type: ignore[attr-defined]
    with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    links = []
    for n, job in enumerate(jobs):
        link = make_token(secret_key, purpose="resident", job_ref=job["ref"], now=now)
        satisfaction = "unsatisfied" if rng.random() < UNSATISFIED_SHARE else "satisfied"
        address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
        links.append(f"{link} {satisfaction} load-{n:08d} {address}")
    rng.shuffle(refs)
    shanghai = now.astimezone(ZoneInfo("Asia/Shanghai"))
    return Seeded(
        refs=refs,
        estates=[e.code for e in estates],
        periods=months_back(previous_month(f"{shanghai:%Y-%m}"), 3),
        manager_login=manager,
        manager_estate=estates[0].code,
        token=key,
        links=links,
        counts={
            "demo jobs": summary.jobs,
            "callbacks": summary.callbacks + len(callbacks),
            "rectifications": summary.rectifications,
            "resident links": len(links),
        },
    )


def previous_month(period: str) -> str:
    return months_back(period, 2)[1]


# ------------------------------------------------------------------ the resident check


def stored_submissions(engine: Any, out_dir: Path, *, secret_key: str) -> dict[str, int]:
    """The submissions answered 2xx, each looked up in the database: the link's use, its
    signature (with the PNG's SHA-256) and the signature's audit entry."""
    import sqlalchemy as sa

    from qr_forms.payload import read_token

    accepted: dict[str, int] = {}
    for path in sorted(out_dir.glob("accepted-*.txt")):
        for line in path.read_text().splitlines():
            status, token = line.split(" ", 1)
            accepted[token] = max(accepted.get(token, 0), int(status))
    nonces = {}
    unreadable = 0
    for token in accepted:
        try:
            nonces[token] = read_token(
                secret_key, token, purpose="resident", max_age_seconds=10**9
            ).nonce
        except ValueError:
            unreadable += 1
    query = sa.text(
        "SELECT u.nonce FROM form_token_uses u"
        " JOIN signatures s ON s.token_use_id = u.id AND s.sha256 IS NOT NULL"
        " JOIN audit_log a ON a.entity = 'job' AND a.action = 'signature.recorded'"
        "  AND CAST(a.detail ->> 'signature_id' AS INTEGER) = s.id"
        " WHERE u.purpose = 'resident' AND u.nonce = ANY(:nonces)"
    )
    with engine.connect() as conn:
        found = {row[0] for row in conn.execute(query, {"nonces": list(nonces.values())})}
        signatures = conn.execute(
            sa.text(
                "SELECT count(*) FROM signatures s JOIN jobs j ON j.id = s.job_id"
                " WHERE s.taken_on = 'resident' AND j.ref LIKE :prefix"
            ),
            {"prefix": RESIDENT_REF_PREFIX + "%"},
        ).scalar_one()
    return {
        "answered 2xx": len(accepted),
        "new (201)": sum(1 for status in accepted.values() if status == 201),
        "stored": sum(1 for nonce in nonces.values() if nonce in found),
        "lost": len(accepted) - sum(1 for nonce in nonces.values() if nonce in found),
        "unreadable answers": unreadable,
        "stored in all": signatures,
    }
