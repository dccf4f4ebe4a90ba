"""Rectification as the regulation means it: the written notice due 24 h after the finding, the
fix due by the estate's setting, open -> notified -> fixed -> verified (or rejected back), late
flags, lists and the notice PDF (ARCHITECTURE.md section 3, "Rectifications")."""

import io

import pypdfium2 as pdfium
import pytest

from .helpers import callback_body, job_body

FOUND = "2026-05-11T10:00:00+08:00"  # the callback's done_at in callback_body()


@pytest.fixture
def rid(client, estate):
    client.post("/api/v1/jobs", json=job_body())
    body = client.post(
        "/api/v1/jobs/J-1/callbacks", json=callback_body(problems="维修后仍有渗水")
    ).json()
    return body["rectification_id"]


def move(client, rid, name, **body):
    return client.post(f"/api/v1/rectifications/{rid}/{name}", json=body)


def test_a_new_rectification_has_its_two_due_times(client, rid):
    body = client.get(f"/api/v1/rectifications/{rid}").json()
    assert body["state"] == "open" and body["source"] == "problems"
    assert (body["problem"], body["found_by"], body["worker"]) == (
        "维修后仍有渗水",
        "张伟",
        "孙师傅",
    )
    assert body["opened_at"] == FOUND
    assert body["notice_due_at"] == "2026-05-12T10:00:00+08:00"
    assert body["fix_due_at"] == "2026-05-14T10:00:00+08:00"
    # as of 20 May neither the notice nor the fix came: both late
    assert (body["notice_late"], body["fix_late"]) == (True, True)


def test_the_whole_lifecycle_through_the_api(client, rid):
    notified = move(
        client, rid, "notified", at="2026-05-11T18:00:00+08:00", by="李主管", via="paper"
    )
    assert notified.status_code == 200, notified.text
    assert (notified.json()["state"], notified.json()["notice_late"]) == ("notified", False)
    fixed = move(client, rid, "fixed", at="2026-05-13T09:00:00+08:00", by="孙师傅", note="已更换")
    assert (fixed.json()["state"], fixed.json()["fix_late"]) == ("fixed", False)
    verified = move(
        client, rid, "verify", at="2026-05-13T15:00:00+08:00", by="李主管", accepted=True
    )
    body = verified.json()
    assert body["state"] == "verified" and body["verified_by"] == "李主管"
    assert body["resident_link"].startswith("http") and "/r/" in body["resident_link"]
    figures = client.get("/api/v1/compliance?estate=YG&period=2026-05").json()["rectifications"]
    assert figures == {"open": 0, "late": 0, "notice_late": 0, "fix_late": 0, "verified": 1}


def test_a_rejected_fix_goes_back_to_the_worker_with_a_new_due_time(client, rid):
    move(client, rid, "fixed", at="2026-05-12T09:00:00+08:00", by="孙师傅")
    rejected = move(
        client,
        rid,
        "verify",
        at="2026-05-12T15:00:00+08:00",
        by="李主管",
        accepted=False,
        note="仍渗",
    ).json()
    assert rejected["state"] == "notified" and rejected["fixed_at"] is None
    assert rejected["fix_due_at"] == "2026-05-15T15:00:00+08:00"  # 72 h after the rejection
    assert rejected["resident_link"] is None


def test_the_fix_hours_are_an_estate_setting(client, estate):
    client.put(
        "/api/v1/estates/YG",
        json={"name": "阳光花园", "follow_up": {"rectification_fix_hours": 24}},
    )
    client.post("/api/v1/jobs", json=job_body())
    rid = client.post("/api/v1/jobs/J-1/callbacks", json=callback_body(problems="渗水")).json()[
        "rectification_id"
    ]
    assert client.get(f"/api/v1/rectifications/{rid}").json()["fix_due_at"] == (
        "2026-05-12T10:00:00+08:00"
    )


@pytest.mark.parametrize(
    ("moves", "last"),
    [
        ([], ("verify", {"accepted": True})),
        ([("notified", {"via": "paper"})], ("notified", {"via": "odoo"})),
        ([("fixed", {})], ("fixed", {})),
        ([("fixed", {}), ("verify", {"accepted": True})], ("fixed", {})),
    ],
)
def test_a_move_from_the_wrong_state_is_409(client, rid, moves, last):
    at = {"at": "2026-05-13T09:00:00+08:00", "by": "李主管"}
    for name, body in moves:
        assert move(client, rid, name, **at, **body).status_code == 200
    response = move(client, rid, last[0], **at, **last[1])
    assert response.status_code == 409 and response.json()["detail"]


def test_the_worker_cannot_verify_their_own_fix(client, rid):
    move(client, rid, "fixed", at="2026-05-12T09:00:00+08:00", by="孙师傅")
    response = move(
        client, rid, "verify", at="2026-05-12T10:00:00+08:00", by="孙师傅", accepted=True
    )
    assert response.status_code == 422 and "cannot verify their own" in response.json()["detail"]


@pytest.mark.parametrize(
    ("at", "words"),
    [
        ("2026-05-11T09:59:00+08:00", "before the problem was found"),
        ("2026-05-20T12:10:00+08:00", "future"),
    ],
)
def test_a_move_out_of_time_is_422(client, rid, at, words):
    response = move(client, rid, "fixed", at=at, by="孙师傅")
    assert response.status_code == 422 and words in response.json()["detail"]


def test_bad_move_bodies_are_422_and_unknown_ones_404(client, rid):
    assert move(client, rid, "notified", at=FOUND, by="x", via="pigeon").status_code == 422
    assert move(client, rid, "fixed", at=FOUND).status_code == 422  # by is required
    assert move(client, rid, "fixed", at=FOUND, by="x", extra=1).status_code == 422
    assert move(client, 999, "fixed", at=FOUND, by="x").status_code == 404
    assert client.get("/api/v1/rectifications/999").status_code == 404


def test_an_unsatisfied_answer_without_problems_opens_one_too(client, estate):
    client.post("/api/v1/jobs", json=job_body())
    body = client.post(
        "/api/v1/jobs/J-1/callbacks", json=callback_body(satisfaction="unsatisfied")
    ).json()
    rect = client.get(f"/api/v1/rectifications/{body['rectification_id']}").json()
    assert rect["source"] == "unsatisfied" and rect["problem"]


def test_lists_filter_by_estate_state_and_lateness(client, rid):
    client.put("/api/v1/estates/OTHER", json={"name": "别处"})
    client.post("/api/v1/jobs", json=job_body("J-2", completed_at="2026-05-19T09:00:00+08:00"))
    other = client.post(
        "/api/v1/jobs/J-2/callbacks",
        json=callback_body(problems="门吸松动", done_at="2026-05-20T09:00:00+08:00"),
    ).json()["rectification_id"]
    every = client.get("/api/v1/rectifications").json()
    assert every["count"] == 2 and [r["id"] for r in every["data"]] == [rid, other]
    assert [r["id"] for r in client.get("/api/v1/rectifications?late=true").json()["data"]] == [rid]
    assert [r["id"] for r in client.get("/api/v1/rectifications?late=false").json()["data"]] == [
        other
    ]
    move(client, other, "notified", at="2026-05-20T10:00:00+08:00", by="李主管", via="in_person")
    assert client.get("/api/v1/rectifications?state=notified").json()["count"] == 1
    assert client.get("/api/v1/rectifications?estate=OTHER").json()["count"] == 0
    assert client.get("/api/v1/rectifications?estate=NOPE").status_code == 404
    assert client.get("/api/v1/rectifications?state=closed").status_code == 422


def test_the_written_notice_is_a_pdf_with_the_job_and_the_problem(client, rid):
    response = client.get(f"/api/v1/rectifications/{rid}/notice.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    pdf = pdfium.PdfDocument(io.BytesIO(response.content))
    text = pdf[0].get_textpage().get_text_range()
    assert "J-1" in text and "维修后仍有渗水" in text and "整改通知单" in text
    assert "2026-05-14 10:00" in text  # the fix due time, in the estate's timezone


def test_listing_rectifications_costs_the_same_for_few_or_many(client, rid, engine):
    import sqlalchemy as sa

    def selects_for_listing() -> int:
        counted: list[str] = []

        def count(*args):
            counted.append(args[2])

        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/api/v1/rectifications").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return sum(1 for q in counted if q.lstrip().upper().startswith("SELECT"))

    few = selects_for_listing()
    for n in range(5):
        client.post("/api/v1/jobs", json=job_body(f"K-{n}", unit=f"{n}-101"))
        client.post(f"/api/v1/jobs/K-{n}/callbacks", json=callback_body(problems="松动"))
    assert selects_for_listing() == few
