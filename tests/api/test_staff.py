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


def test_someone_linked_to_an_odoo_user_hears_through_odoo_unless_they_chose(client, estate):
    base = {"estate": "YG", "role": "lead"}
    linked = client.post("/api/v1/staff", json={**base, "name": "张伟", "odoo_user_id": 7})
    plain = client.post("/api/v1/staff", json={**base, "name": "刘洋"})
    chose = client.post(
        "/api/v1/staff",
        json={**base, "name": "陈静", "odoo_user_id": 8, "notify_by": "email", "email": "c@x.cn"},
    )
    assert [r.json()["notify_by"] for r in (linked, plain, chose)] == ["odoo", "log", "email"]
