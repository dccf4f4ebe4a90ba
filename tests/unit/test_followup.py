"""The follow-up rules (domain.followup) and the callback checks, read as the rules they are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.domain import Channel, Conflict, InvalidInput, Satisfaction, check_callback
from service.domain import followup as f
from service.domain.rules import rectifications_state

T0 = datetime(2026, 5, 10, 1, 30, tzinfo=UTC)
Out = f.CallOutcome
S = f.RectificationState


@pytest.mark.parametrize(
    ("done", "failed", "last", "limit", "step"),
    [
        (True, 5, Out.REFUSED, 3, "none"),
        (False, 0, None, 3, "callback"),
        (False, 2, Out.NO_ANSWER, 3, "callback"),
        (False, 3, Out.BUSY, 3, "visit"),
        (False, 1, Out.REFUSED, 3, "visit"),
        (False, 1, Out.WRONG_NUMBER, 3, "visit"),
        (False, 1, Out.NO_ANSWER, 1, "visit"),
        (False, 2, Out.RESCHEDULED, 3, "callback"),
    ],
)
def test_next_step_follows_the_calls(done, failed, last, limit, step):
    got = f.next_step(
        done=done, failed_calls=failed, last_outcome=last, attempts_before_visit=limit
    )
    assert got == step


def test_only_the_four_failed_outcomes_count_as_failed_calls():
    assert {o for o in Out if f.is_failed(o)} == {
        Out.NO_ANSWER,
        Out.BUSY,
        Out.REFUSED,
        Out.WRONG_NUMBER,
    }


@pytest.mark.parametrize(
    ("resident", "staff", "answer"),
    [
        (Satisfaction.SATISFIED, Satisfaction.UNSATISFIED, ("satisfied", "resident")),
        (None, Satisfaction.FAIRLY_SATISFIED, ("fairly_satisfied", "staff")),
        (None, None, (None, None)),
    ],
)
def test_the_residents_own_answer_comes_first(resident, staff, answer):
    assert f.job_answer(resident, staff) == answer


MOVES = [
    (S.OPEN, f.Move.NOTIFIED, True, S.NOTIFIED),
    (S.OPEN, f.Move.FIXED, True, S.FIXED),
    (S.NOTIFIED, f.Move.FIXED, True, S.FIXED),
    (S.FIXED, f.Move.VERIFY, True, S.VERIFIED),
    (S.FIXED, f.Move.VERIFY, False, S.NOTIFIED),
]


@pytest.mark.parametrize(("state", "move", "accepted", "after"), MOVES)
def test_the_rectification_lifecycle(state, move, accepted, after):
    assert f.after_move(state, move, accepted=accepted) == after


@given(st.sampled_from(list(S)), st.sampled_from(list(f.Move)), st.booleans())
def test_every_other_move_is_a_conflict(state, move, accepted):
    allowed = {(s, m) for s, m, _, _ in MOVES}
    if (state, move) in allowed:
        f.after_move(state, move, accepted=accepted)
    else:
        with pytest.raises(Conflict):
            f.after_move(state, move, accepted=accepted)


def test_late_means_done_after_the_due_time_or_not_done_with_it_passed():
    due = T0 + timedelta(hours=24)
    assert f.is_late(None, due, due + timedelta(seconds=1))
    assert not f.is_late(None, due, due)
    assert f.is_late(due + timedelta(seconds=1), due, due)
    assert not f.is_late(due, due, due + timedelta(days=9))


def test_notice_and_fix_due_times():
    assert f.notice_due(T0) == T0 + timedelta(hours=24)
    assert f.fix_due(T0, f.FollowUp(rectification_fix_hours=48)) == T0 + timedelta(hours=48)


def test_nobody_verifies_their_own_fix():
    with pytest.raises(InvalidInput, match="cannot verify"):
        f.check_move(move=f.Move.VERIFY, at=T0, by=" 孙师傅", opened_at=T0, worker="孙师傅", now=T0)
    f.check_move(move=f.Move.FIXED, at=T0, by="孙师傅", opened_at=T0, worker="孙师傅", now=T0)


@pytest.mark.parametrize("value", [0, -1, True, 1.5])
def test_follow_up_settings_are_whole_numbers_from_one(value):
    with pytest.raises(InvalidInput):
        f.FollowUp(late_entry_hours=value)


def test_problems_or_an_unsatisfied_answer_open_a_rectification():
    assert f.opens_rectification("渗水", Satisfaction.SATISFIED)
    assert f.opens_rectification(None, Satisfaction.UNSATISFIED)
    assert not f.opens_rectification("  ", Satisfaction.FAIRLY_SATISFIED)


def test_a_repeat_is_the_latest_earlier_repair_of_the_unit_and_category_in_the_window():
    key = f.RepairKey
    job = key(9, "1-101", "leak", T0)
    others = [
        key(1, "1-101", "leak", T0 - timedelta(days=31)),
        key(2, "1-101", "leak", T0 - timedelta(days=20)),
        key(3, "1-101", "leak", T0 - timedelta(days=2)),
        key(4, "1-101", "safety", T0 - timedelta(days=1)),
        key(5, "1-102", "leak", T0 - timedelta(days=1)),
        key(6, "1-101", "leak", T0 + timedelta(days=1)),
    ]
    assert f.repeat_of(job, others, 30) == 3
    assert f.repeat_of(job, others[:1], 30) is None
    assert f.repeat_of(key(9, " ", "leak", T0), others, 30) is None


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"job_state": "cancelled"}, Conflict),
        ({"done_at": T0 - timedelta(minutes=1)}, InvalidInput),
        ({"done_at": T0 + timedelta(days=2, minutes=6)}, InvalidInput),
        ({"channel": Channel.PHONE, "inspected": True}, InvalidInput),
    ],
)
def test_check_callback_refuses_what_the_rules_forbid(change, error):
    args = {
        "job_ref": "J",
        "job_state": "active",
        "completed_at": T0,
        "done_at": T0 + timedelta(hours=1),
        "channel": Channel.ON_SITE,
        "inspected": True,
        "now": T0 + timedelta(days=2),
    }
    check_callback(**args)
    with pytest.raises(error):
        check_callback(**{**args, **change})


def test_rectifications_state_for_odoo():
    due = T0 + timedelta(hours=72)
    assert rectifications_state([], T0) == "none"
    assert rectifications_state([(due, None)], T0) == "open"
    assert rectifications_state([(due, None), (due, T0)], due + timedelta(1)) == "late"
    assert rectifications_state([(due, T0)], due + timedelta(1)) == "done"
