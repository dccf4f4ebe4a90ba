"""The quota planner (domain.planner): never more than qualifies, every reachable quota met by
following the plan, calls shared between roles only when they must be, draws weighted and
reproducible from their log."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain import Category, Role, Satisfaction
from service.domain import planner as p

AS_OF = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)
SEEDS = {Role.MANAGER: "a1", Role.SUPERVISOR: "b2"}

candidates_st = st.lists(
    st.builds(
        p.Candidate,
        job_id=st.integers(1, 10_000),
        deadline=st.integers(-72, 168).map(lambda h: AS_OF + timedelta(hours=h)),
        category=st.sampled_from(list(Category)),
        answer=st.sampled_from([None, *Satisfaction]),
        called_by=st.frozensets(st.sampled_from(list(Role))),
    ),
    max_size=40,
    unique_by=lambda c: c.job_id,
)
needs_st = st.fixed_dictionaries(
    {
        role: st.tuples(st.integers(0, 30), st.integers(0, 30)).map(
            lambda rd, role=role: p.Need(role, rd[0], rd[1])
        )
        for role in Role
    }
)


@settings(max_examples=300)
@given(candidates_st, needs_st, st.text("0123456789abcdef", min_size=1, max_size=8))
def test_the_plan_never_asks_for_more_than_qualifies_and_meets_every_reachable_quota(
    candidates, needs, seed
):
    plans = p.plan(needs, candidates, AS_OF, {Role.MANAGER: seed, Role.SUPERVISOR: seed + "s"})
    by_id = {c.job_id: c for c in candidates}
    for role, rp in plans.items():
        qualifying = {c.job_id for c in candidates if p.qualifies(c, role, AS_OF)}
        assert rp.qualifying == len(qualifying)
        assert len(rp.picked) == len(set(rp.picked)) == min(rp.need, len(qualifying))
        assert set(rp.picked) <= qualifying
        assert all(role not in by_id[j].called_by for j in rp.picked)
        # following the plan: each picked job gets this role's callback
        after = rp.done + len(rp.picked)
        if rp.reachable:
            assert after >= rp.required and rp.short == 0
        else:  # every qualifying job is planned, and it is still not enough
            assert set(rp.picked) == qualifying and after < rp.required


@settings(max_examples=300)
@given(candidates_st, needs_st)
def test_roles_share_a_job_only_when_nothing_else_qualifies(candidates, needs):
    plans = p.plan(needs, candidates, AS_OF, SEEDS)
    earlier: set[int] = set()
    for role in (Role.MANAGER, Role.SUPERVISOR, Role.LEAD):
        picked = set(plans[role].picked)
        fresh = {
            c.job_id for c in candidates if p.qualifies(c, role, AS_OF) and c.job_id not in earlier
        }
        if picked & earlier:
            assert fresh <= picked, "shared a job while an untaken one qualified"
        earlier |= picked


@settings(max_examples=200)
@given(candidates_st, needs_st)
def test_every_draw_is_repeated_from_its_log(candidates, needs):
    plans = p.plan(needs, candidates, AS_OF, SEEDS)
    deadlines = {c.job_id: c.deadline for c in candidates}
    for rp in plans.values():
        again = p.redraw(rp.entries, len(rp.picked), rp.method, rp.seed, deadlines)
        assert tuple(again) == rp.picked


def test_a_draw_depends_on_its_seed():
    entries = [p.Entry(j, 1) for j in range(1, 51)]
    assert p.draw(entries, 5, "x") == p.draw(entries, 5, "x")
    assert p.draw(entries, 5, "x") != p.draw(entries, 5, "y")


def test_the_lead_takes_the_earliest_deadlines_and_nothing_the_others_took():
    jobs = [
        p.Candidate(j, AS_OF + timedelta(hours=h), Category.GENERAL)
        for j, h in [(1, 50), (2, 5), (3, 20), (4, 1), (5, 90)]
    ]
    needs = {
        Role.MANAGER: p.Need(Role.MANAGER, 1, 0),
        Role.SUPERVISOR: p.Need(Role.SUPERVISOR, 0, 0),
        Role.LEAD: p.Need(Role.LEAD, 3, 0),
    }
    plans = p.plan(needs, jobs, AS_OF, SEEDS)
    (manager_job,) = plans[Role.MANAGER].picked
    rest = sorted((j for j in jobs if j.job_id != manager_job), key=lambda c: c.deadline)
    assert plans[Role.LEAD].picked == tuple(c.job_id for c in rest[:3])
    assert plans[Role.LEAD].method == "deadline" and plans[Role.LEAD].seed is None


def test_closed_windows_and_jobs_the_role_already_called_do_not_qualify():
    jobs = [
        p.Candidate(1, AS_OF - timedelta(minutes=1), Category.SAFETY),
        p.Candidate(2, AS_OF, Category.LEAK, called_by=frozenset({Role.LEAD})),
        p.Candidate(3, AS_OF, Category.GENERAL, called_by=frozenset({Role.MANAGER})),
    ]
    needs = {role: p.Need(role, 5, 0) for role in Role}
    plans = p.plan(needs, jobs, AS_OF, SEEDS)
    assert plans[Role.MANAGER].picked == (2,)
    assert sorted(plans[Role.SUPERVISOR].picked) == [2, 3]
    assert plans[Role.LEAD].picked == (3,)
    assert not plans[Role.LEAD].reachable and plans[Role.LEAD].short == 4


@pytest.mark.parametrize(
    ("category", "answer", "expected"),
    [
        (Category.GENERAL, None, 1),
        (Category.GENERAL, Satisfaction.SATISFIED, 1),
        (Category.LEAK, None, 2),
        (Category.SAFETY, None, 3),
        (Category.GENERAL, Satisfaction.UNSATISFIED, 3),
        (Category.SAFETY, Satisfaction.UNSATISFIED, 9),
    ],
)
def test_weights_favour_safety_leaks_and_unhappy_answers(category, answer, expected):
    assert p.weight(p.Candidate(1, AS_OF, category, answer)) == expected


def test_heavier_jobs_are_drawn_in_proportion_to_their_weight():
    # 10 safety jobs (weight 3) among 90 general ones (weight 1), one job drawn per seed:
    # the safety share should be 30/120 = 25%, against 10% for a uniform draw.
    entries = [p.Entry(j, 3 if j <= 10 else 1) for j in range(1, 101)]
    hits = Counter(p.draw(entries, 1, f"seed-{n}")[0] <= 10 for n in range(4000))
    share = hits[True] / 4000
    assert 0.22 < share < 0.28


def test_a_later_round_shares_what_an_earlier_round_took_only_when_short():
    jobs = [p.Candidate(j, AS_OF + timedelta(hours=j), Category.GENERAL) for j in range(1, 6)]
    needs = {Role.MANAGER: p.Need(Role.MANAGER, 2, 0)}
    plans = p.plan(needs, jobs, AS_OF, SEEDS, taken={1, 2, 3})
    assert set(plans[Role.MANAGER].picked) == {4, 5}
    needs = {Role.MANAGER: p.Need(Role.MANAGER, 3, 0)}
    plans = p.plan(needs, jobs, AS_OF, SEEDS, taken={1, 2, 3})
    assert {4, 5} < set(plans[Role.MANAGER].picked)
