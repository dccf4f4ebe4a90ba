"""Shared data for the phone-page tests: an estate, a repaired job, staff logins, signatures."""

from __future__ import annotations

import base64
import io
import json
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image, ImageDraw
from sqlmodel import Session, select

from qr_forms.payload import make_token
from service.config import get_settings
from service.models import Estate, Staff
from service.usecases.signin import hash_password

PASSWORD = "huifang-test-pw"
JOB_REF = "odoo-4711"


def setup_job(client: TestClient, now: datetime, **job: Any) -> dict[str, Any]:
    assert client.put("/api/v1/estates/YGHY", json={"name": "阳光花园管理处"}).status_code in (
        200,
        201,
    )
    body = {
        "ref": JOB_REF,
        "estate": "YGHY",
        "unit": "3栋2单元1201",
        "resident_name": "王女士",
        "resident_phone": "13812345678",
        "title": "厨房水管漏水",
        "worker": "孙师傅",
        "completed_at": (now - timedelta(days=1)).isoformat(),
        "charge": "80.00",
        **job,
    }
    response = client.post("/api/v1/jobs", json=body)
    assert response.status_code in (200, 201), response.text
    return response.json()


def add_staff(
    session: Session, login: str, name: str, role: str, estate_code: str = "YGHY"
) -> Staff:
    estate = session.exec(select(Estate).where(Estate.code == estate_code)).one()
    staff = Staff(
        estate_id=estate.id,  # type: ignore[arg-type]
        name=name,
        role=role,
        login=login,
        password_hash=hash_password(PASSWORD),
    )
    session.add(staff)
    session.commit()
    return staff


def sign_in(client: TestClient, login: str) -> None:
    response = client.post(
        "/login", data={"login": login, "password": PASSWORD, "next": "/"}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


def token(purpose: str, now: datetime, ref: str = JOB_REF, **kw: Any) -> str:
    return make_token(
        get_settings().secret_key,
        purpose=purpose,
        job_ref=ref,
        now=now,
        **kw,  # type: ignore[arg-type]
    )


def signature_png(width: int = 600, height: int = 200, *, blank: bool = False) -> bytes:
    image = Image.new("RGB", (width, height), "white")
    if not blank:
        draw = ImageDraw.Draw(image)
        draw.line([(40, 150), (120, 40), (200, 160), (300, 50), (420, 140)], fill="black", width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


STROKES = [[[40, 150, 0], [120, 40, 30], [200, 160, 60]], [[300, 50, 200], [420, 140, 260]]]


def resident_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "satisfaction": "satisfied",
        "comment": "师傅很细心",
        "signer_name": "王女士",
        "signature": data_url(signature_png()),
        "strokes": STROKES,
        "submission_key": "resident-key-0001",
    }
    body.update(over)
    return body


def post_json(client: TestClient, url: str, body: Any) -> Any:
    return client.post(url, content=json.dumps(body), headers={"Content-Type": "application/json"})


def rows(session: Session, statement: Any) -> list[Any]:
    """Run a query and end the transaction: on SQLite every transaction takes the write lock
    (BEGIN IMMEDIATE), so a test must not sit in one while the app handles a request."""
    result = list(session.exec(statement).all())
    session.commit()
    return result


def one(session: Session, statement: Any) -> Any:
    found = rows(session, statement)
    assert len(found) == 1, found
    return found[0]


def problem_found(client: TestClient, session: Session, now: datetime, hours_ago: int) -> Any:
    """The job set up, a lead's callback ``hours_ago`` that found a problem: its rectification."""
    from service.models import Rectification

    setup_job(client, now)
    response = client.post(
        f"/api/v1/jobs/{JOB_REF}/callbacks",
        json={
            "role": "lead",
            "staff": "张伟",
            "channel": "on_site",
            "inspected": True,
            "done_at": (now - timedelta(hours=hours_ago)).isoformat(),
            "problems": "水管接口仍渗水",
        },
    )
    assert response.status_code == 201, response.text
    return one(session, select(Rectification))
