"""What residents answer on their own phone counts: it is listed by the API, it is the job's
answer before any staff answer, and a 不满意 or a disputed charge opens a rectification at once
(ARCHITECTURE.md section 3, "Resident confirmations" and the job's answer)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from service.models import Rectification

from .helpers import JOB_REF, one, post_json, resident_body, rows, setup_job, token

CALLBACK = {
    "role": "lead",
    "staff": "张伟",
    "channel": "phone",
    "inspected": False,
}


def confirm(client, now, **body):
    response = post_json(client, f"/r/{token('resident', now)}", resident_body(**body))
    assert response.status_code == 201, response.text
    return response


def callback(client, now, satisfaction, minutes=0):
    done = (now - timedelta(hours=1) + timedelta(minutes=minutes)).isoformat()
    response = client.post(
        f"/api/v1/jobs/{JOB_REF}/callbacks",
        json={**CALLBACK, "done_at": done, "satisfaction": satisfaction},
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_confirmations_are_listed_by_the_api(client, now):
    setup_job(client, now)
    confirm(client, now, comment="很好")
    listed = client.get(f"/api/v1/jobs/{JOB_REF}/confirmations").json()
    assert listed["count"] == 1
    (item,) = listed["data"]
    assert (item["satisfaction"], item["comment"], item["signed"], item["refused"]) == (
        "satisfied",
        "很好",
        True,
        False,
    )
    assert len(item["signature_sha256"]) == 64 and item["rectification_id"] is None
    assert client.get("/api/v1/jobs/NOPE/confirmations").status_code == 404


def test_the_residents_own_answer_is_the_jobs_answer(client, now):
    setup_job(client, now)
    callback(client, now, "unsatisfied")
    job = client.get(f"/api/v1/jobs/{JOB_REF}").json()
    assert (job["answer"], job["answer_source"]) == ("unsatisfied", "staff")
    confirm(client, now, satisfaction="satisfied")
    job = client.get(f"/api/v1/jobs/{JOB_REF}").json()
    assert (job["answer"], job["answer_source"]) == ("satisfied", "resident")
    callback(client, now, "fairly_satisfied", minutes=30)  # a later staff answer does not win
    assert client.get(f"/api/v1/jobs/{JOB_REF}").json()["answer"] == "satisfied"


def test_satisfaction_counts_each_job_once_however_often_it_was_called(client, now):
    setup_job(client, now)
    for minutes, answer in ((0, "unsatisfied"), (10, "unsatisfied"), (20, "satisfied")):
        callback(client, now, answer, minutes)
    body = client.get("/api/v1/compliance?estate=YGHY&period=2026-05").json()  # now: 20 May
    assert body["satisfaction"] == {"satisfied": 1, "fairly_satisfied": 0, "unsatisfied": 0}
    assert (body["answered"], body["complaint_rate"]) == (1, 0.0)


def test_a_residents_unsatisfied_opens_a_rectification_at_once(client, session, now):
    setup_job(client, now)
    confirm(client, now, satisfaction="unsatisfied", comment="还是漏水")
    rect = one(session, select(Rectification))
    assert (rect.source, rect.state, rect.callback_id) == ("resident", "open", None)
    assert "还是漏水" in rect.problem and rect.found_by == "王女士"
    assert rect.notice_due_at == now + timedelta(hours=24)
    listed = client.get(f"/api/v1/jobs/{JOB_REF}/confirmations").json()["data"]
    assert listed[0]["rectification_id"] == rect.id


def test_a_disputed_charge_opens_a_rectification_with_the_note(client, session, now):
    setup_job(client, now)
    confirm(client, now, charge_disputed=True, charge_note="只换了垫片，不该收80元")
    rect = one(session, select(Rectification))
    assert rect.source == "resident"
    assert "收费" in rect.problem and "不该收80元" in rect.problem
    (item,) = client.get(f"/api/v1/jobs/{JOB_REF}/confirmations").json()["data"]
    assert (item["charge_disputed"], item["charge_note"]) == (True, "只换了垫片，不该收80元")


def test_a_satisfied_resident_opens_nothing(client, session, now):
    setup_job(client, now)
    confirm(client, now)
    assert rows(session, select(Rectification)) == []


def test_one_complaint_opens_one_rectification(client, session, now):
    """The resident's 不满意 opened one; the callback that hears the same answer opens no
    second, unless it found problems of its own."""
    setup_job(client, now)
    confirm(client, now, satisfaction="unsatisfied")
    callback(client, now, "unsatisfied")
    assert len(rows(session, select(Rectification))) == 1
    done = (now - timedelta(minutes=30)).isoformat()
    client.post(
        f"/api/v1/jobs/{JOB_REF}/callbacks",
        json={**CALLBACK, "done_at": done, "satisfaction": "unsatisfied", "problems": "地漏堵塞"},
    )
    assert len(rows(session, select(Rectification))) == 2
