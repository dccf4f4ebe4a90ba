"""The dashboard, the monthly report and GET /api/v1/compliance show the same figures."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service import domain as d
from service.catalogue.formats import pct
from service.demo import DEMO_PASSWORD
from service.usecases.dashboard import build_dashboard
from service.web.report_rows import report_data

from .conftest import GENERATED_PASSWORD, generate, shown_figures, sign_in


def _periods(now: datetime, timezone: str) -> list[str]:
    this = d.Period.containing(now, timezone)
    last = d.Period(this.year - (this.month == 1), 12 if this.month == 1 else this.month - 1)
    before = d.Period(last.year - (last.month == 1), 12 if last.month == 1 else last.month - 1)
    return [str(p) for p in (before, last, this)]


def assert_agree(
    client: TestClient, session: Session, now: datetime, code: str, login: str, password: str
) -> None:
    sign_in(client, login, password)
    estate_tz = client.get(f"/api/v1/estates/{code}").json()["timezone"]
    for period in _periods(now, estate_tz):
        api = client.get("/api/v1/compliance", params={"estate": code, "period": period})
        assert api.status_code == 200, api.text
        api_body = api.json()

        # the report, as the CLI builds it and as the dashboard's download button serves it
        dash = build_dashboard(session=session, estate_code=code, period=period, as_of=now)
        report = report_data(dash)
        session.rollback()  # end the read: SQLite transactions here take the write lock
        assert report["compliance"] == api_body
        download = client.get(
            "/dashboard/report", params={"estate": code, "period": period, "format": "json"}
        )
        assert download.status_code == 200, download.text
        assert download.json()["compliance"] == api_body

        # what the page shows
        page = client.get("/dashboard", params={"estate": code, "period": period})
        assert page.status_code == 200, page.text
        shown = shown_figures(page.text)
        assert int(shown["jobs"]) == api_body["jobs"]
        assert int(shown["overdue_open"]) == api_body["overdue_open"]
        assert int(shown["on_time.on_time"]) == api_body["on_time"]["on_time"]
        assert int(shown["on_time.done"]) == api_body["on_time"]["done"]
        assert shown["on_time.rate"] == pct(api_body["on_time"]["rate"])
        assert shown["complaint_rate"] == pct(api_body["complaint_rate"])
        for key in ("open", "late"):
            assert int(shown[f"rectifications.{key}"]) == api_body["rectifications"][key]
        for answer, n in api_body["satisfaction"].items():
            assert int(shown[f"satisfaction.{answer}"]) == n
        for role, quota in api_body["roles"].items():
            assert int(shown[f"role.{role}.done"]) == quota["done"]
            assert int(shown[f"role.{role}.required"]) == quota["required"]
            if quota["shortfall"]:
                assert int(shown[f"role.{role}.shortfall"]) == quota["shortfall"]
            else:
                assert f"role.{role}.shortfall" not in shown

        # the detail tables add up to the headline figures
        ledger = client.get("/api/v1/callbacks", params={"estate": code, "period": period})
        callbacks = ledger.json()["count"]
        assert sum(s["callbacks"] for s in report["staff"]) == callbacks
        assert sum(report["channels"].values()) == callbacks
        assert sum(w["jobs"] for w in report["workers"]) == api_body["jobs"]
        # satisfaction counts jobs by their answer, as each job's body says it
        jobs = client.get(
            "/api/v1/jobs", params={"estate": code, "period": period, "limit": 1000}
        ).json()["data"]
        assert sum(1 for j in jobs if j["answer"] is not None) == api_body["answered"]
        for answer, n in api_body["satisfaction"].items():
            assert sum(w[answer] for w in report["workers"]) == n
            assert sum(1 for j in jobs if j["answer"] == answer) == n
        assert (
            sum(w["rectifications_late"] for w in report["workers"])
            == (api_body["rectifications"]["late"])
        )
        assert len(report["overdue"]) == min(api_body["overdue_open"], 50)
        assert len(report["late_rectifications"]) == min(api_body["rectifications"]["late"], 50)
        assert [s["role"] for s in report["shortfalls"]] == [
            r for r, q in api_body["roles"].items() if q["shortfall"]
        ]
    client.cookies.clear()


def test_dashboard_report_and_api_agree_on_the_demo_data(client, session, now, demo):
    for code, login in (("YGHY", "wang.yghy"), ("CHY", "yang.chy"), ("WLG", "zhou.wlg")):
        assert_agree(client, session, now, code, login, DEMO_PASSWORD)


@pytest.mark.parametrize("seed", [1, 2])
def test_dashboard_report_and_api_agree_on_a_generated_data_set(client, session, now, seed):
    codes = generate(session, now, seed)
    for code in codes:
        assert_agree(client, session, now, code, f"manager.{code.lower()}", GENERATED_PASSWORD)
