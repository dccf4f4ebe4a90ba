import pytest


def test_put_creates_with_defaults_then_replaces(client):
    created = client.put("/api/v1/estates/YG", json={"name": "阳光花园"})
    assert created.status_code == 201
    assert created.json() == {
        "code": "YG",
        "name": "阳光花园",
        "timezone": "Asia/Shanghai",
        "windows_hours": {"safety": 48, "leak": 72, "general": 168},
        "targets_pct": {"manager": 10, "supervisor": 30, "lead": 60},
        "follow_up": {
            "reminder_hours_before": 24,
            "escalation_step_hours": 24,
            "phone_attempts_before_visit": 3,
            "rectification_fix_hours": 72,
            "late_entry_hours": 24,
            "repeat_window_days": 30,
        },
    }
    replaced = client.put(
        "/api/v1/estates/YG",
        json={
            "name": "阳光花园二期",
            "timezone": "Asia/Hong_Kong",
            "windows_hours": {"safety": 24},
            "targets_pct": {"manager": 20, "supervisor": 30, "lead": 50},
        },
    )
    assert replaced.status_code == 200
    body = client.get("/api/v1/estates/YG").json()
    assert body["windows_hours"] == {"safety": 24, "leak": 72, "general": 168}
    assert body["timezone"] == "Asia/Hong_Kong" and body["name"] == "阳光花园二期"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"windows_hours": {"safety": 0}}, "windows_hours.safety"),
        ({"windows_hours": {"safety": 1.5}}, "windows_hours.safety"),
        ({"windows_hours": {"safety": "48"}}, "windows_hours.safety"),
        ({"windows_hours": {"urgent": 12}}, "windows_hours.urgent: unknown field"),
        ({"targets_pct": {"manager": 101}}, "targets_pct.manager"),
        ({"targets_pct": {"lead": -5}}, "targets_pct.lead"),
        ({"colour": "blue"}, "colour: unknown field"),
    ],
)
def test_bad_estates_are_422_with_a_readable_detail(client, body, fragment):
    response = client.put("/api/v1/estates/YG", json=body)
    assert response.status_code == 422
    assert fragment in response.json()["detail"]
    assert client.get("/api/v1/estates/YG").status_code == 404


def test_unknown_estate_is_404(client):
    response = client.get("/api/v1/estates/NOPE")
    assert response.status_code == 404
    assert "NOPE" in response.json()["detail"]


def test_list_estates_pages(client):
    for code in ("A", "B", "C"):
        client.put(f"/api/v1/estates/{code}", json={})
    page = client.get("/api/v1/estates?limit=2&offset=1").json()
    assert page["count"] == 3 and [e["code"] for e in page["data"]] == ["B", "C"]
