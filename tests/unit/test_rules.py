"""The callback rules of DOMAIN.md, table-driven, plus their properties (Hypothesis)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain import (
    DEFAULT_TARGETS_PCT,
    Category,
    EstateRules,
    InvalidInput,
    JobStatus,
    Period,
    PeriodCounts,
    Role,
    Satisfaction,
    assign_role,
    categorize,
    compliance,
    deadline,
    is_on_time,
    job_status,
    required_callbacks,
    role_quota,
    rules_from_mapping,
)
from service.domain.categories import DEFAULT_RULES
from service.domain.followup import notice_due
from service.domain.rules import projection

SHANGHAI = ZoneInfo("Asia/Shanghai")
RULES = EstateRules()


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("消防栓箱门损坏",), Category.SAFETY),
        (("电梯按钮失灵",), Category.SAFETY),
        (("燃气表箱锈蚀",), Category.SAFETY),
        (("单元门禁刷卡无反应",), Category.SAFETY),
        (("户内漏电开关跳闸",), Category.SAFETY),
        (("厨房水管漏水",), Category.LEAK),
        (("卫生间渗水到楼下",), Category.LEAK),
        (("水管爆管",), Category.LEAK),
        (("Burst pipe under sink",), Category.LEAK),
        (("Leaking tap",), Category.LEAK),
        (("Lift stuck on floor 3",), Category.SAFETY),
        (("Fire extinguisher refill",), Category.SAFETY),
        (("客厅灯具不亮",), Category.GENERAL),
        (("Replace light bulb",), Category.GENERAL),
        (("Tape on the wall peeling",), Category.GENERAL),  # "tap" is a whole word only
        (("电梯", "机房漏水"), Category.SAFETY),  # safety is checked before leak
        ((None, ""), Category.GENERAL),
        (("Elevators", None), Category.SAFETY),
    ],
)
def test_default_rule_table_recognises_common_wording(texts, expected):
    assert categorize(*texts) == expected


def _one_pattern_per_keyword(rule) -> bool:
    """The reference: a boundary and an ending around each Latin keyword of its own."""
    import re

    def matches(text: str) -> bool:
        for keyword in rule.keywords:
            escaped = re.escape(keyword.casefold())
            if keyword.isascii():
                escaped = rf"\b{escaped}(?:s|es|ing|ed|age)?\b"
            if re.search(escaped, text):
                return True
        return False

    return matches


_WORDS = sorted({k for rule in DEFAULT_RULES for k in rule.keywords} | {"tape", "uplifting"})


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(_WORDS),
            st.sampled_from(["s", "es", "ing", "ed", "age", "x", "_", "1", "-", " ", "水"]),
            st.text(alphabet="abcdefgilnoprst 漏水电梯", max_size=4),
        ),
        max_size=8,
    )
)
def test_each_rules_one_pattern_matches_what_a_pattern_per_keyword_matches(pieces):
    text = "".join(pieces).casefold()
    for rule in DEFAULT_RULES:
        assert rule.matches(text) == _one_pattern_per_keyword(rule)(text), (rule.category, text)


def test_a_configured_rule_table_replaces_the_default():
    rules = rules_from_mapping({"leak": ["潮湿"], "safety": ["窗"]})
    assert categorize("墙面潮湿", rules=rules) == Category.LEAK
    assert categorize("窗户松动", rules=rules) == Category.SAFETY
    assert categorize("电梯故障", rules=rules) == Category.GENERAL


def test_a_rule_table_with_an_unknown_category_is_refused():
    with pytest.raises(ValueError, match="unknown category"):
        rules_from_mapping({"urgent": ["急"]})


@pytest.mark.parametrize(
    ("category", "hours"),
    [(Category.SAFETY, 48), (Category.LEAK, 72), (Category.GENERAL, 168)],
)
def test_deadline_is_completion_plus_the_category_window(category, hours):
    completed = datetime(2026, 5, 1, 9, 30, tzinfo=SHANGHAI)
    assert deadline(completed, category, RULES) == completed + timedelta(hours=hours)


def test_leak_repair_deadline_is_72_hours_after_completion():
    completed = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
    assert deadline(completed, Category.LEAK, RULES) == datetime(2026, 5, 4, 1, 0, tzinfo=UTC)


def test_estate_windows_are_used():
    rules = EstateRules(
        windows_hours={Category.SAFETY: 24, Category.LEAK: 48, Category.GENERAL: 96}
    )
    completed = datetime(2026, 5, 1, tzinfo=UTC)
    assert deadline(completed, Category.SAFETY, rules) == completed + timedelta(hours=24)


def test_a_deadline_needs_an_aware_completion_time():
    with pytest.raises(InvalidInput, match="offset"):
        deadline(datetime(2026, 5, 1), Category.LEAK, RULES)


@pytest.mark.parametrize(
    ("windows", "targets", "message"),
    [
        ({Category.SAFETY: 0, Category.LEAK: 72, Category.GENERAL: 168}, None, "window"),
        (None, {Role.MANAGER: 101, Role.SUPERVISOR: 30, Role.LEAD: 60}, "target"),
        (None, {Role.MANAGER: -1, Role.SUPERVISOR: 30, Role.LEAD: 60}, "target"),
    ],
)
def test_bad_estate_rules_are_refused(windows, targets, message):
    kwargs = {}
    if windows:
        kwargs["windows_hours"] = windows
    if targets:
        kwargs["targets_pct"] = targets
    with pytest.raises(InvalidInput, match=message):
        EstateRules(**kwargs)


def test_unknown_timezone_is_refused():
    with pytest.raises(InvalidInput, match="timezone"):
        EstateRules(timezone="Mars/Olympus")


@pytest.mark.parametrize(
    ("jobs", "pct", "required"),
    [
        (30, 10, 3),
        (31, 10, 4),
        (0, 60, 0),
        (1, 10, 1),
        (10, 30, 3),
        (7, 60, 5),
        (100, 60, 60),
        (3, 0, 0),
        (3, 100, 3),
    ],
)
def test_required_is_the_ceiling_in_exact_integers(jobs, pct, required):
    assert required_callbacks(jobs, pct) == required


def test_shortfall_rate_and_compliance():
    quota = role_quota(jobs=30, done=2, pct=10)
    assert (quota.required, quota.shortfall, quota.compliant) == (3, 1, False)
    assert quota.rate == pytest.approx(2 / 30)
    assert role_quota(jobs=30, done=5, pct=10).shortfall == 0


def test_a_period_without_jobs_is_compliant_with_rate_one():
    quota = role_quota(jobs=0, done=0, pct=60)
    assert quota.compliant and quota.rate == 1.0 and quota.required == 0


def test_period_bounds_follow_the_estate_timezone():
    start, end = Period.parse("2026-05").bounds("Asia/Shanghai")
    assert start == datetime(2026, 4, 30, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 5, 31, 16, 0, tzinfo=UTC)


def test_a_repair_finished_late_on_the_last_evening_belongs_to_that_month_locally():
    completed = datetime(2026, 5, 31, 17, 0, tzinfo=UTC)  # 01:00 on 1 June in Shanghai
    assert Period.containing(completed, "Asia/Shanghai") == Period(2026, 6)
    assert Period.containing(completed, "UTC") == Period(2026, 5)


@pytest.mark.parametrize("text", ["2026-13", "2026-5", "26-05", "", "2026-05-01", "abcd-ef"])
def test_bad_periods_are_refused(text):
    with pytest.raises(InvalidInput, match="YYYY-MM"):
        Period.parse(text)


@pytest.mark.parametrize("text", ["0000-01", "1969-12", "9999-12"])
def test_periods_outside_the_calendar_range_are_refused(text):
    with pytest.raises(InvalidInput, match="out of range"):
        Period.parse(text)


def test_december_rolls_into_january():
    assert Period(2026, 12).next() == Period(2027, 1)


def test_on_time_is_at_or_before_the_deadline():
    due = datetime(2026, 5, 3, tzinfo=UTC)
    assert is_on_time(due, due)
    assert not is_on_time(due + timedelta(seconds=1), due)


@pytest.mark.parametrize(
    ("first", "offset_hours", "expected"),
    [(None, -1, JobStatus.DUE), (None, 1, JobStatus.OVERDUE), ("x", 1, JobStatus.DONE)],
)
def test_job_status(first, offset_hours, expected):
    due = datetime(2026, 5, 3, tzinfo=UTC)
    first_at = due if first else None
    assert job_status(first_at, due, due + timedelta(hours=offset_hours)) == expected


def test_rectification_notice_is_due_24_hours_after_the_callback():
    done = datetime(2026, 5, 3, 10, tzinfo=SHANGHAI)
    assert notice_due(done) == done + timedelta(hours=24)


def test_compliance_figures_from_counts():
    counts = PeriodCounts(
        jobs=30,
        done_by_role={Role.MANAGER: 3, Role.SUPERVISOR: 8, Role.LEAD: 20},
        callbacks_done=28,
        on_time=25,
        overdue_open=1,
        satisfaction={Satisfaction.SATISFIED: 25, Satisfaction.UNSATISFIED: 1},
    )
    result = compliance(Period(2026, 5), counts, RULES)
    assert result.roles[Role.MANAGER].compliant
    assert result.roles[Role.SUPERVISOR].shortfall == 1
    assert result.roles[Role.LEAD].shortfall == 0
    assert result.on_time_rate == pytest.approx(25 / 28)
    assert result.satisfaction[Satisfaction.FAIRLY_SATISFIED] == 0
    assert result.complaint_rate == pytest.approx(1 / 26)
    assert not result.compliant


def test_on_time_rate_is_null_when_nothing_was_called_back():
    assert compliance(Period(2026, 5), PeriodCounts(jobs=4), RULES).on_time_rate is None


def test_projection_scales_required_to_the_month_at_the_current_pace():
    quota = role_quota(jobs=20, done=1, pct=10)  # 20 jobs in 10 of 30 days -> 60 expected
    assert projection(quota, jobs_so_far=20, days_elapsed=10, days_total=30) == 5


def test_first_assignments_follow_smooth_weighted_round_robin():
    counts: Counter[Role] = Counter()
    picks = []
    for _ in range(10):
        role = assign_role(counts, DEFAULT_TARGETS_PCT)
        counts[role] += 1
        picks.append(role)
    assert counts == {Role.LEAD: 6, Role.SUPERVISOR: 3, Role.MANAGER: 1}
    assert picks[:3] == [Role.LEAD, Role.SUPERVISOR, Role.LEAD]


def test_ties_go_manager_then_supervisor_then_lead():
    equal = {Role.MANAGER: 1, Role.SUPERVISOR: 1, Role.LEAD: 1}
    assert assign_role({}, equal) == Role.MANAGER


# ------------------------------------------------------------------ properties

targets = st.tuples(st.integers(0, 100), st.integers(0, 100)).filter(lambda t: t[0] + t[1] <= 100)


@given(targets, st.integers(1, 400))
@settings(max_examples=150, deadline=None)
def test_assignment_stays_within_one_of_the_target_share_for_every_prefix(split, n):
    manager, supervisor = split
    pct = {
        Role.MANAGER: manager,
        Role.SUPERVISOR: supervisor,
        Role.LEAD: 100 - manager - supervisor,
    }
    counts: Counter[Role] = Counter()
    for i in range(1, n + 1):
        counts[assign_role(counts, pct)] += 1
        for role, share in pct.items():
            assert abs(counts[role] - share * i / 100) <= 1, (role, i, counts)


@given(st.integers(0, 10**6), st.integers(0, 100))
def test_required_never_exceeds_jobs_and_meets_the_target(jobs, pct):
    required = required_callbacks(jobs, pct)
    assert 0 <= required <= jobs
    assert required * 100 >= jobs * pct > (required - 1) * 100 or required == 0


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    st.sampled_from(list(Category)),
    st.sampled_from(["America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Shanghai"]),
)
def test_a_dst_change_never_moves_a_deadline(completed, category, tz):
    local = completed.astimezone(ZoneInfo(tz))
    due = deadline(local, category, RULES)
    assert (due - completed).total_seconds() == RULES.windows_hours[category] * 3600


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    st.sampled_from(["America/New_York", "Asia/Shanghai", "Pacific/Chatham", "UTC"]),
)
def test_every_instant_falls_in_exactly_the_period_that_contains_it(moment, tz):
    period = Period.containing(moment, tz)
    start, end = period.bounds(tz)
    assert start <= moment < end
