"""Codes, references and periods are matched whole: a trailing newline (which ``$`` lets
through) or a non-ASCII digit makes them invalid, never a different lookup."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from service import domain as d
from service.domain.rules import Period
from service.schemas import EstateIn
from service.usecases.estates import put_estate
from service.usecases.ledger import LedgerQuery, _where
from service.usecases.queries import get_estate, get_job, job_estate_code


@pytest.mark.parametrize("text", ["2026-05\n", "２０２６-05", "٢٠٢٦-05", "2026-5"])
def test_a_period_is_four_ascii_digits_a_dash_and_a_month(text):
    with pytest.raises(d.InvalidInput, match="YYYY-MM"):
        Period.parse(text)


def test_a_period_still_parses():
    assert Period.parse("2026-05") == Period(2026, 5)


def test_an_estate_code_with_a_trailing_newline_is_refused(engine):
    with Session(engine) as session:
        with pytest.raises(d.InvalidInput, match="estate code"):
            put_estate(session=session, code="E1\n", estate_in=EstateIn(), actor="t")
        put_estate(session=session, code="E1", estate_in=EstateIn(), actor="t")
        session.commit()
        assert get_estate(session, "E1").code == "E1"
        with pytest.raises(d.NotFound):
            get_estate(session, "E1\n")


@pytest.mark.parametrize("lookup", [get_job, job_estate_code])
def test_a_job_ref_with_a_trailing_newline_is_not_found(engine, lookup):
    with Session(engine) as session, pytest.raises(d.NotFound):
        lookup(session, "R-1\n")


def test_a_ledger_over_no_estates_selects_nothing_without_a_warning(recwarn):
    where = _where(LedgerQuery(estates=[], period=Period(2026, 5)))
    assert "false" in str(where).lower() or "0 = 1" in str(where)
    assert not [w for w in recwarn if "or_" in str(w.message)]
