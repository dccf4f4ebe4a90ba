"""My work today (/today): where a lead, supervisor or manager lands after signing in; what each
is given to do, in deadline order, with why and what next; the quota position and plan."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from service import domain as d
from service.config import Settings
from service.models import Notification, Staff
from service.schemas import CallbackIn, EstateIn, JobIn
from service.usecases.callbacks import record_callback
from service.usecases.estates import put_estate
from service.usecases.jobs import upsert_job
from service.usecases.notifications import make_due
from service.usecases.rectifications import mark_fixed
from service.usecases.signin import hash_password

from .conftest import sign_in

PASSWORD = "today-password"


@pytest.fixture
def office(session: Session, now: datetime) -> dict[str, str]:
    """阳光花园: a manager, a supervisor, two leads, a worker; open jobs due soon, one overdue
    (escalated to the supervisor), one called back with a problem the worker has fixed."""
    estate, _ = put_estate(
        session=session, code="YG", estate_in=EstateIn(name="阳光花园"), actor="test"
    )
    people = {
        "wang": ("王经理", "manager"),
        "li": ("李主管", "supervisor"),
        "zhang": ("张伟", "lead"),
        "liu": ("刘洋", "lead"),
        "sun": ("孙师傅", "worker"),
    }
    for login, (name, role) in people.items():
        session.add(
            Staff(
                estate_id=estate.id,
                name=name,
                role=role,
                login=login,
                password_hash=hash_password(PASSWORD),
            )
        )
    session.commit()

    def job(ref: str, hours_ago: float, category: str = "general", role: str | None = None):
        created = upsert_job(
            session=session,
            actor="test",
            job_in=JobIn(
                ref=ref,
                estate="YG",
                unit=f"3栋{ref[-2:]}",
                title="厨房水管",
                category=d.Category(category),
                worker="孙师傅",
                completed_at=(now - timedelta(hours=hours_ago)).replace(microsecond=0),
            ),
        ).job
        if role:  # the assignment is the service's; the test pins it to tell roles apart
            created.assigned_role = role
            session.add(created)
            session.commit()
        return created

    job("YG-01", 150, role="lead")  # general, due in 18 h
    job("YG-02", 40, "safety", role="lead")  # due in 8 h
    job("YG-03", 100, "leak", role="lead")  # overdue by 28 h
    job("YG-04", 20, role="supervisor")
    job("YG-05", 10, role="manager")
    fixed = job("YG-06", 30, role="lead")
    _, rect = record_callback(
        session=session,
        ref=fixed.ref,
        now=now,
        actor="test",
        cb_in=CallbackIn(
            role=d.Role.LEAD,
            staff="张伟",
            channel=d.Channel.ON_SITE,
            done_at=now - timedelta(hours=20),
            inspected=True,
            satisfaction=d.Satisfaction.UNSATISFIED,
            problems="水管仍渗水",
        ),
    )
    assert rect is not None
    mark_fixed(
        session=session,
        rectification_id=rect.id,
        at=now - timedelta(hours=2),
        by="孙师傅",
        note="已更换",
        now=now,
        actor="test",
    )
    make_due(session=session, settings=Settings(), as_of=now)
    return {"rect": str(rect.id)}


def _tasks(html: str) -> list[tuple[str, str, str]]:
    return re.findall(
        r'class="task" data-ref="([^"]+)" data-step="([^"]+)" data-reasons="([^"]*)"', html
    )


def test_a_lead_lands_on_today_and_sees_their_jobs_by_deadline(client, office):
    landing = client.post(
        "/login", data={"login": "zhang", "password": PASSWORD}, follow_redirects=False
    )
    assert landing.status_code == 303 and landing.headers["location"] == "/today"
    page = client.get("/today")
    assert page.status_code == 200
    tasks = _tasks(page.text)
    refs = [ref for ref, _, _ in tasks]
    # the lead's open jobs, overdue first, then by deadline; not the supervisor's or manager's
    assert refs[:3] == ["YG-03", "YG-02", "YG-01"]
    assert "YG-04" not in refs or "quota" in dict((r, s) for r, _, s in tasks)["YG-04"]
    assert all(step == "call" for ref, step, _ in tasks if ref in {"YG-01", "YG-02", "YG-03"})
    assert "assigned" in dict((r, s) for r, _, s in tasks)["YG-03"]
    assert "已逾期" in page.text and "今日工作" in page.text
    # each job opens its staff page
    assert len(re.findall(r'href="http[^"]*/s/[^"]+"', page.text)) == len(tasks)
    # a lead has no dashboard link, and the dashboard's refusal leads back here
    assert 'id="to-dashboard"' not in page.text
    refused = client.get("/dashboard")
    assert refused.status_code == 403 and 'href="/today"' in refused.text


def test_reminders_and_escalations_to_me_are_listed_and_tag_the_job(client, office, session):
    sign_in(client, "li", PASSWORD)
    page = client.get("/today")
    tasks = {ref: reasons for ref, _, reasons in _tasks(page.text)}
    # YG-03 is overdue: step 1 of its escalation went to the supervisor
    assert "escalated" in tasks["YG-03"] and "assigned" not in tasks["YG-03"]
    assert "assigned" in tasks["YG-04"]
    kinds = re.findall(r'data-kind="([^"]+)" data-job="([^"]+)"', page.text)
    assert ("escalation", "YG-03") in kinds
    mine = session.exec(select(Notification).where(Notification.recipient == "李主管")).all()
    assert {(n.kind, n.job.ref) for n in mine} == set(kinds)
    assert 'id="to-dashboard"' in page.text


def test_the_quota_card_says_how_many_more_and_which_jobs_still_qualify(client, office):
    sign_in(client, "wang", PASSWORD)
    page = client.get("/today")
    card = re.search(
        r'class="card quota" data-period="2026-05" data-need="(\d+)" '
        r'data-planned="(\d+)"',
        page.text,
    )
    assert card is not None
    need, planned = int(card[1]), int(card[2])
    # 6 jobs in May: the manager needs ceil(0.6) = 1; five jobs still qualify
    assert (need, planned) == (1, 1)
    assert "还需回访 1 次；以下 1 单在回访时限内仍可完成" in page.text
    quota_jobs = [ref for ref, _, reasons in _tasks(page.text) if "quota" in reasons]
    assert len(quota_jobs) == 1 and quota_jobs[0] != "YG-03"  # YG-03's window is closed
    # managers see the other roles' positions, and how their jobs were chosen
    assert re.search(r'data-role="supervisor">主管：已回访 0/2，还需 2', page.text)
    assert re.search(r'data-role="lead">维修负责人：已回访 1/4，还需 3', page.text)
    assert "按权重随机抽取" in page.text
    english = client.get("/today", params={"lang": "en"})
    assert "You need 1 more callbacks this month; these 1 jobs still qualify" in english.text
    assert "My work today" in english.text


def test_a_fixed_rectification_waits_for_someone_to_ask_the_resident_again(client, office):
    sign_in(client, "liu", PASSWORD)
    page = client.get("/today")
    assert f'data-rectification="{office["rect"]}"' in page.text
    assert "水管仍渗水" in page.text and f"/rectifications/{office['rect']}" in page.text


def test_a_worker_sees_their_notices_not_callbacks(client, office, session, now):
    sign_in(client, "sun", PASSWORD)
    page = client.get("/today")
    assert page.status_code == 200
    assert _tasks(page.text) == [] and 'id="notices"' in page.text
    assert "没有待处理的整改通知" in page.text  # their one rectification is already fixed


def test_not_signed_in_goes_to_sign_in_and_back(client, office):
    response = client.get("/today", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/today"
