from sqlmodel import Session, select

from service.models import AuditLog, Staff
from service.usecases.signin import verify_password


def test_staff_with_a_login_can_be_created_and_updated(client, estate, engine):
    body = {
        "estate": "YG",
        "name": "王经理",
        "role": "manager",
        "login": "wang",
        "password": "s3cret-pass",
    }
    created = client.post("/api/v1/staff", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["login"] == "wang" and "password" not in created.json()
    updated = client.post("/api/v1/staff", json={**body, "role": "supervisor", "password": None})
    assert updated.status_code == 200 and updated.json()["role"] == "supervisor"
    with Session(engine) as s:
        staff = s.exec(select(Staff)).one()
        assert verify_password("s3cret-pass", staff.password_hash)
        details = [
            a.detail for a in s.exec(select(AuditLog).where(AuditLog.entity == "staff")).all()
        ]
        assert details and all("password" not in d for d in details)
    listed = client.get("/api/v1/staff?estate=YG").json()
    assert listed["count"] == 1


def test_staff_errors(client, estate):
    ok = {
        "estate": "YG",
        "name": "李主管",
        "role": "supervisor",
        "login": "li.zg",
        "password": "long-enough",
    }
    assert client.post("/api/v1/staff", json=ok).status_code == 201
    cases = [
        ({**ok, "estate": "NOPE"}, 422, "unknown estate"),
        ({**ok, "name": "别人"}, 409, "already used"),
        ({**ok, "password": "short"}, 422, "password"),
        ({**ok, "role": "boss"}, 422, "role"),
        (
            {"estate": "YG", "name": "X", "role": "lead", "password": "long-enough"},
            422,
            "needs a login",
        ),
    ]
    for body, status, fragment in cases:
        response = client.post("/api/v1/staff", json=body)
        assert response.status_code == status, (body, response.text)
        assert fragment in response.json()["detail"]
    assert client.get("/api/v1/staff?estate=NOPE").status_code == 404
