"""The worker's answer to the written notice (/w/<token>, the QR code on 整改通知单): one tap to
acknowledge, or a dispute with a reason; it counts as the notice delivered."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from service.config import get_settings
from service.models import Rectification
from service.usecases.documents import worker_url

from .helpers import problem_found, token


@pytest.fixture
def rect(client, session, now):
    found = problem_found(client, session, now, hours_ago=2)
    return found


def link(rect: Rectification, engine, now) -> str:
    with Session(engine) as session:
        fresh = session.get_one(Rectification, rect.id)
        return "/w/" + worker_url(get_settings(), fresh, now).rsplit("/", 1)[1]


def test_the_notice_page_shows_the_problem_and_the_fix_due_time(client, rect, engine, now):
    page = client.get(link(rect, engine, now))
    assert page.status_code == 200
    assert "水管接口仍渗水" in page.text and "整改通知单" in page.text
    due = rect.fix_due_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert due in page.text
    assert 'id="worker-ack"' in page.text


def test_acknowledging_is_the_notice_delivered(client, rect, engine, session, now):
    url = link(rect, engine, now)
    answered = client.post(url, data={"answer": "acknowledge"})
    assert answered.status_code == 200 and 'id="worker-acknowledged"' in answered.text
    session.expire_all()
    done = session.get_one(Rectification, rect.id)
    assert (done.state, done.notified_via, done.dispute) == ("notified", "paper", None)
    assert done.acknowledged_at == now and done.notified_at == now
    again = client.post(url, data={"answer": "acknowledge"})
    assert again.status_code == 409
    body = client.get(f"/api/v1/rectifications/{rect.id}").json()
    assert body["acknowledged_at"] is not None and body["notice_late"] is False


def test_a_dispute_needs_a_reason_and_is_kept(client, rect, engine, session, now):
    url = link(rect, engine, now)
    refused = client.post(url, data={"answer": "dispute", "reason": "  "})
    assert refused.status_code == 422
    answered = client.post(url, data={"answer": "dispute", "reason": "渗水来自楼上，不是接口"})
    assert answered.status_code == 200 and "渗水来自楼上" in answered.text
    session.expire_all()
    assert session.get_one(Rectification, rect.id).dispute == "渗水来自楼上，不是接口"
    assert client.get(f"/api/v1/rectifications/{rect.id}").json()["dispute"] == (
        "渗水来自楼上，不是接口"
    )


def test_an_altered_or_other_link_is_refused(client, rect, engine, now):
    url = link(rect, engine, now)
    assert client.get(url[:-3] + "xyz").status_code == 400
    assert client.get(f"/w/{token('resident', now)}").status_code == 400  # wrong purpose
    assert client.post(url, data={"answer": "maybe"}).status_code == 422
