"""A created job's audit detail, written by pydantic's serializer in one step
(``jobs.created_detail``), is byte for byte the canonical JSON of the job as given, its
personal values sealed: the text a chain's check encodes again from the stored detail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from service.domain import evidence as E
from service.schemas import JobIn
from service.usecases.audit import PERSONAL, seal, sealed
from service.usecases.jobs import created_detail

# Any character but lone surrogates (refused before they get here): quotes, backslashes,
# control characters (the validation refuses most), CJK, emoji, U+2028...
TEXT = st.none() | st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-3))]),
)
CHARGES = st.none() | st.decimals(
    min_value=Decimal("0"), max_value=Decimal("99999"), places=2, allow_nan=False
)


@settings(max_examples=400, deadline=None)
@given(
    odoo_id=st.integers(min_value=1, max_value=10**9),
    estate=st.sampled_from(["e1", "bench", "南区-01"]),
    unit=TEXT,
    resident_name=TEXT,
    resident_phone=st.none() | st.from_regex(r"\A\+?[0-9 -]{3,20}\Z"),
    title=TEXT,
    category=st.none() | st.sampled_from(["safety", "leak", "general"]),
    erp_category=TEXT,
    worker=TEXT,
    completed_at=MOMENTS,
    charge=CHARGES,
)
def test_a_created_detail_is_the_canonical_text_of_the_job_as_given(**fields):
    fields["ref"] = f"odoo-{fields.pop('odoo_id')}"
    try:
        job_in = JobIn.model_validate(fields)
    except ValidationError:
        assume(False)
    assert created_detail(job_in) == E.canonical(sealed(job_in.model_dump(mode="json")))


def test_a_created_detail_seals_the_residents_name_and_phone():
    job_in = JobIn.model_validate(
        {
            "ref": "odoo-1",
            "estate": "e1",
            "resident_name": "王芳",
            "resident_phone": "13800000000",
            "completed_at": datetime(2026, 5, 1, 8, 0, tzinfo=UTC),
            "charge": "12.5",
        }
    )
    text = created_detail(job_in).decode()
    assert "王芳" not in text and "13800000000" not in text
    assert f'"charge":"{job_in.charge}"' in text and text.count("hmac-sha256:") == 2


def test_every_personal_value_is_sealed_and_nothing_else():
    for key in PERSONAL:
        detail = {"title": "漏水", key: "王芳"}
        assert sealed(detail) == {"title": "漏水", key: seal("王芳")}
    nothing = {"title": "漏水", **dict.fromkeys(PERSONAL)}
    assert sealed(nothing) is nothing
