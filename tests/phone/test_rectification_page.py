"""The rectification page (/rectifications/<id>) for signed-in staff: the lifecycle's moves
through the pages, dated by the server, made by the signed-in person; supervisors and managers
verify, and an accepted fix gives the resident a fresh confirmation link."""

from __future__ import annotations

import pytest

from service.models import Rectification

from .helpers import add_staff, problem_found, sign_in


@pytest.fixture
def rect(client, session, now):
    found = problem_found(client, session, now, hours_ago=3)
    add_staff(session, "li.yghy", "李秀英", "supervisor")
    add_staff(session, "zhao.yghy", "赵磊", "lead")
    return found


def move(client, rect, **form):
    return client.post(f"/rectifications/{rect.id}", data=form, follow_redirects=False)


def test_the_whole_lifecycle_through_the_pages(client, rect, session, now):
    sign_in(client, "li.yghy")
    page = client.get(f"/rectifications/{rect.id}")
    assert page.status_code == 200 and "水管接口仍渗水" in page.text
    assert 'id="move-notified"' in page.text
    assert move(client, rect, move="notified", via="in_person").status_code == 303
    assert move(client, rect, move="fixed", note="已更换接口").status_code == 303
    accepted = move(client, rect, move="accept")
    assert accepted.status_code == 200 and 'id="rect-reconfirm"' in accepted.text
    assert "/r/" in accepted.text  # the resident's fresh confirmation link
    session.expire_all()
    done = session.get_one(Rectification, rect.id)
    assert (done.state, done.notified_via, done.verified_by) == ("verified", "in_person", "李秀英")
    assert done.notified_at == now and done.fixed_at == now and done.fix_note == "已更换接口"


def test_a_rejected_fix_goes_back_to_the_worker(client, rect, session, now):
    sign_in(client, "li.yghy")
    move(client, rect, move="fixed")
    move(client, rect, move="reject", note="仍渗")
    session.expire_all()
    back = session.get_one(Rectification, rect.id)
    assert back.state == "notified" and back.fixed_at is None


def test_a_lead_records_but_does_not_verify(client, rect):
    sign_in(client, "zhao.yghy")
    assert move(client, rect, move="fixed").status_code == 303
    page = client.get(f"/rectifications/{rect.id}")
    assert 'id="move-accept"' not in page.text
    refused = move(client, rect, move="accept")
    assert refused.status_code == 403 and "无权验收" in refused.text


def test_moves_out_of_turn_and_strangers_are_refused(client, rect, session):
    assert client.get(f"/rectifications/{rect.id}", follow_redirects=False).status_code == 303
    sign_in(client, "li.yghy")
    assert move(client, rect, move="accept").status_code == 409  # not fixed yet
    assert client.get("/rectifications/999999").status_code == 404
    assert client.get("/rectifications/99999999999").status_code == 422
    client.put("/api/v1/estates/OTHER", json={"name": "别处"})
    add_staff(session, "wu.other", "吴", "supervisor", estate_code="OTHER")
    sign_in(client, "wu.other")
    assert client.get(f"/rectifications/{rect.id}").status_code == 403


def test_signed_in_staff_print_the_notice_from_the_page(client, rect):
    assert (
        client.get(f"/rectifications/{rect.id}/notice.pdf", follow_redirects=False).status_code
        == 303
    )
    sign_in(client, "zhao.yghy")
    pdf = client.get(f"/rectifications/{rect.id}/notice.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (
        f'href="/rectifications/{rect.id}/notice.pdf"'
        in client.get(f"/rectifications/{rect.id}").text
    )
