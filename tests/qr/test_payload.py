"""Form tokens: signed, expiring, purpose-scoped, short, and strict about every character."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qr_forms import (
    Purpose,
    TokenData,
    TokenError,
    TokenExpired,
    TokenInvalid,
    TokenWrongPurpose,
    build_form_url,
    make_token,
    read_token,
)

from .conftest import BASE_URL, SECRET

ISSUED = datetime(2024, 5, 3, 15, 0, 7, tzinfo=UTC)
DAY = 24 * 3600
URL_SAFE = string.ascii_letters + string.digits + "-_.~"


def test_token_round_trips_ref_purpose_nonce_and_issue_time() -> None:
    token = make_token(SECRET, purpose="staff", job_ref="odoo-12345", nonce="n0nce", now=ISSUED)
    data = read_token(SECRET, token, purpose="staff", max_age_seconds=DAY, now=ISSUED)
    assert data == TokenData(job_ref="odoo-12345", purpose="staff", nonce="n0nce", issued_at=ISSUED)


def test_each_token_gets_a_fresh_random_nonce() -> None:
    nonces = {
        read_token(
            SECRET,
            make_token(SECRET, purpose="resident", job_ref="odoo-1", now=ISSUED),
            purpose="resident",
            max_age_seconds=DAY,
            now=ISSUED,
        ).nonce
        for _ in range(50)
    }
    assert len(nonces) == 50
    assert all(len(nonce) == 8 for nonce in nonces)


def test_typical_form_url_is_well_under_100_characters() -> None:
    token = make_token(SECRET, purpose="resident", job_ref="odoo-12345", now=ISSUED)
    url = build_form_url(BASE_URL, "resident", token)
    assert len(token) == 50
    assert len(url) == 75


@pytest.mark.parametrize(
    ("purpose", "path"), [("staff", "/s/"), ("resident", "/r/")], ids=["staff", "resident"]
)
def test_form_url_path_depends_on_purpose(purpose: Purpose, path: str) -> None:
    token = make_token(SECRET, purpose=purpose, job_ref="odoo-7", now=ISSUED)
    assert build_form_url(BASE_URL + "/", purpose, token) == f"{BASE_URL}{path}{token}"


@pytest.mark.parametrize(
    ("age", "accepted"),
    [(0, True), (DAY, True), (DAY + 1, False), (-299, True), (-301, False)],
    ids=["fresh", "exactly-max-age", "one-second-too-old", "small-clock-skew", "future"],
)
def test_token_age_limit_with_fixed_clock(age: int, accepted: bool) -> None:
    token = make_token(SECRET, purpose="staff", job_ref="odoo-1", now=ISSUED)
    now = ISSUED + timedelta(seconds=age)
    if accepted:
        assert read_token(SECRET, token, purpose="staff", max_age_seconds=DAY, now=now)
    else:
        with pytest.raises((TokenExpired, TokenInvalid)) as caught:
            read_token(SECRET, token, purpose="staff", max_age_seconds=DAY, now=now)
        expected = TokenExpired if age > 0 else TokenInvalid
        assert type(caught.value) is expected


def test_expired_error_says_which_job_and_how_old() -> None:
    token = make_token(SECRET, purpose="resident", job_ref="odoo-9", now=ISSUED)
    with pytest.raises(TokenExpired) as caught:
        read_token(
            SECRET, token, purpose="resident", max_age_seconds=60, now=ISSUED + timedelta(hours=1)
        )
    assert caught.value.data.job_ref == "odoo-9"
    assert caught.value.age_seconds == 3600


def test_staff_token_is_refused_on_resident_page_and_vice_versa() -> None:
    staff = make_token(SECRET, purpose="staff", job_ref="odoo-1", now=ISSUED)
    resident = make_token(SECRET, purpose="resident", job_ref="odoo-1", now=ISSUED)
    with pytest.raises(TokenWrongPurpose) as caught:
        read_token(SECRET, staff, purpose="resident", max_age_seconds=DAY, now=ISSUED)
    assert (caught.value.expected, caught.value.actual) == ("resident", "staff")
    with pytest.raises(TokenWrongPurpose):
        read_token(SECRET, resident, purpose="staff", max_age_seconds=DAY, now=ISSUED)


def test_token_signed_with_another_secret_is_invalid() -> None:
    token = make_token("another-secret", purpose="staff", job_ref="odoo-1", now=ISSUED)
    with pytest.raises(TokenInvalid):
        read_token(SECRET, token, purpose="staff", max_age_seconds=DAY, now=ISSUED)


def test_changing_any_character_of_a_token_makes_it_invalid() -> None:
    token = make_token(SECRET, purpose="staff", job_ref="odoo-12345", now=ISSUED)
    tried = 0
    for position, original in enumerate(token):
        for replacement in URL_SAFE:
            if replacement == original:
                continue
            tampered = token[:position] + replacement + token[position + 1 :]
            with pytest.raises(TokenInvalid):
                read_token(SECRET, tampered, purpose="staff", max_age_seconds=DAY, now=ISSUED)
            tried += 1
    assert tried == len(token) * (len(URL_SAFE) - 1)


@pytest.mark.parametrize(
    "garbled",
    ["", ".", "....", "not-a-token", "s.a.b.c", "sabc.odoo-1", "é" * 50, "s" * 500],
)
def test_garbled_tokens_are_invalid(garbled: str) -> None:
    with pytest.raises(TokenInvalid):
        read_token(SECRET, garbled, purpose="staff", max_age_seconds=DAY, now=ISSUED)


def test_every_token_failure_is_a_token_error() -> None:
    assert issubclass(TokenInvalid, TokenError)
    assert issubclass(TokenExpired, TokenError)
    assert issubclass(TokenWrongPurpose, TokenError)


@given(
    job_ref=st.text(min_size=1, max_size=200),
    purpose=st.sampled_from(["staff", "resident"]),
)
def test_any_job_ref_round_trips(job_ref: str, purpose: Purpose) -> None:
    token = make_token(SECRET, purpose=purpose, job_ref=job_ref, now=ISSUED)
    assert all(char in URL_SAFE for char in token)
    data = read_token(SECRET, token, purpose=purpose, max_age_seconds=DAY, now=ISSUED)
    assert (data.job_ref, data.purpose) == (job_ref, purpose)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"secret": ""}, "secret"),
        ({"purpose": "manager"}, "purpose"),
        ({"job_ref": ""}, "job_ref"),
        ({"job_ref": "x" * 201}, "job_ref"),
        ({"nonce": "has space"}, "nonce"),
        ({"now": datetime(2024, 5, 3)}, "timezone-aware"),
    ],
)
def test_make_token_rejects_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, Any] = {
        "secret": SECRET,
        "purpose": "staff",
        "job_ref": "odoo-1",
        "now": ISSUED,
    }
    arguments.update(kwargs)
    secret = arguments.pop("secret")
    with pytest.raises(ValueError, match=message):
        make_token(secret, **arguments)


def test_build_form_url_rejects_non_http_base_and_unsafe_token() -> None:
    with pytest.raises(ValueError, match="https"):
        build_form_url("wy.example.com", "staff", "abc")
    with pytest.raises(ValueError, match="token"):
        build_form_url(BASE_URL, "staff", "a/b")
