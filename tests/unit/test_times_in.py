"""Times in: ISO 8601 with an offset, as people and programs write it (seconds optional, T or a
space); never without an offset, never a number, never outside the calendar rules' years."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import TypeAdapter, ValidationError

from service.schemas import Time
from service.schemas.core import TIME_PATTERN

READ = TypeAdapter(Time)
SHANGHAI = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-05-12T10:00:00+08:00", datetime(2026, 5, 12, 10, tzinfo=SHANGHAI)),
        ("2026-05-12T10:00+08:00", datetime(2026, 5, 12, 10, tzinfo=SHANGHAI)),
        ("2026-05-12 10:00:00+08:00", datetime(2026, 5, 12, 10, tzinfo=SHANGHAI)),
        ("2026-05-12T02:00:00Z", datetime(2026, 5, 12, 2, tzinfo=UTC)),
        ("2026-05-12t02:00z", datetime(2026, 5, 12, 2, tzinfo=UTC)),
        ("2026-05-12T10:00:00.250+08:00", datetime(2026, 5, 12, 10, 0, 0, 250000, SHANGHAI)),
    ],
)
def test_iso_times_with_an_offset_are_read(text, moment):
    assert READ.validate_python(text) == moment
    assert re.fullmatch(TIME_PATTERN, text)  # and the schema's pattern says so


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2026-05-12T10:00:00", "timezone"),
        ("2026-05-12", "ISO 8601 time"),
        ("1714521600", "ISO 8601 time"),
        ("2026-05-12T10:00:00+0800", "ISO 8601 time"),
        ("1969-12-31T23:00:00Z", "out of range"),
        ("2026-02-30T10:00:00+08:00", "day value is outside expected range"),
    ],
)
def test_other_times_are_refused_saying_why(text, why):
    with pytest.raises(ValidationError) as refused:
        READ.validate_python(text)
    assert why in str(refused.value)
