"""Failed sign-ins hold a login back (ARCHITECTURE.md section 3, "Access"): more than 10 for
one login within 15 minutes -> 429 with ``Retry-After``, the right password too, until the
window has passed. The failures are rows in the database (every instance counts the same);
failures from one address are limited too (in memory). The clock moves with time_machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlmodel import Session, col, func, select

from service.models import Estate, SignInFailure, Staff
from service.usecases.signin import hash_password
from service.web.auth import COOKIE

PASSWORD = "right-password"
START = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def wang(engine) -> None:
    with Session(engine) as s:
        estate = Estate(code="YG", name="阳光花园")
        s.add(estate)
        s.flush()
        s.add(
            Staff(
                estate_id=estate.id,  # type: ignore[arg-type]
                name="王建国",
                role="manager",
                login="wang",
                password_hash=hash_password(PASSWORD),
            )
        )
        s.commit()


def attempt(client, password: str, login: str = "wang"):
    return client.post(
        "/login", data={"login": login, "password": password}, follow_redirects=False
    )


def fail(client, times: int, login: str = "wang") -> None:
    for _ in range(times):
        assert attempt(client, "wrong", login).status_code == 401


def failures(engine, **where: str) -> int:
    with Session(engine) as s:
        query = select(func.count()).select_from(SignInFailure)
        for name, value in where.items():
            query = query.where(getattr(SignInFailure, name) == value)
        return s.exec(query).one()


def test_the_eleventh_attempt_waits_with_the_right_password_too(client, engine, wang, clock):
    fail(client, 5)
    clock.shift(timedelta(minutes=5))
    fail(client, 5)  # ten failures within 15 minutes, the first five 5 minutes ago
    held = attempt(client, PASSWORD)
    assert held.status_code == 429 and COOKIE not in held.cookies
    # free again once the oldest counted failure has left the window: 10 minutes from now
    assert held.headers["Retry-After"] == str(10 * 60)
    assert "登录失败次数过多" in held.text and "10 分钟" in held.text
    assert failures(engine, login="wang") == 10  # a held-back attempt is not one more failure
    clock.shift(timedelta(minutes=10) - timedelta(seconds=1))
    assert attempt(client, PASSWORD).headers["Retry-After"] == "1"
    clock.shift(timedelta(seconds=1))
    assert attempt(client, PASSWORD).status_code == 303


def test_the_wait_ends_when_enough_failures_have_left_the_window(client, engine, wang, clock):
    """Twelve failures (a race of two instances may let two through): after the oldest
    leaves, eleven remain and the login still waits, until the third oldest leaves."""
    with Session(engine) as s:
        for minutes_ago in (14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3):
            s.add(
                SignInFailure(login="wang", address="x", at=START - timedelta(minutes=minutes_ago))
            )
        s.commit()
    assert attempt(client, PASSWORD).headers["Retry-After"] == str(3 * 60)  # 12 min ago + 15


def test_a_successful_sign_in_does_not_wipe_the_count(client, engine, wang, clock):
    fail(client, 9)
    assert attempt(client, PASSWORD).status_code == 303
    fail(client, 1)
    assert attempt(client, PASSWORD).status_code == 429


def test_failures_older_than_the_window_do_not_count(client, engine, wang, clock):
    with Session(engine) as s:
        for n in range(30):
            s.add(
                SignInFailure(
                    login="wang", address="x", at=START - timedelta(minutes=15, seconds=n)
                )
            )
        s.commit()
    assert attempt(client, PASSWORD).status_code == 303


def test_the_count_is_per_login_whatever_its_case(client, engine, wang, clock):
    fail(client, 10, login="Wang ")
    assert attempt(client, PASSWORD).status_code == 429
    assert failures(engine, login="wang") == 10
    assert attempt(client, "whatever", login="zhang").status_code == 401  # another login tries


def test_an_unknown_login_is_held_back_alike(client, engine, wang, clock):
    """Whether the login exists is not told by the answer."""
    fail(client, 10, login="nobody")
    assert attempt(client, "wrong", login="nobody").status_code == 429


def test_failures_older_than_a_day_are_deleted_when_one_is_recorded(client, engine, wang, clock):
    with Session(engine) as s:
        s.add(SignInFailure(login="old", address="x", at=START - timedelta(days=1, seconds=1)))
        s.add(SignInFailure(login="recent", address="x", at=START - timedelta(hours=23)))
        s.commit()
    fail(client, 1)
    with Session(engine) as s:
        logins = s.exec(select(SignInFailure.login).order_by(col(SignInFailure.login))).all()
    assert logins == ["recent", "wang"]


def test_the_address_of_a_failure_is_the_connections(client, engine, wang, clock):
    fail(client, 1)
    assert failures(engine, address="testclient") == 1


def test_one_address_failing_on_many_logins_waits_too(client, engine, wang, clock):
    for n in range(30):
        assert attempt(client, "wrong", login=f"guess-{n}").status_code == 401
    held = attempt(client, PASSWORD)  # a login with no failure of its own, from that address
    # all thirty at this very second: free the first second after the window
    assert held.status_code == 429 and held.headers["Retry-After"] == str(15 * 60 + 1)
    clock.shift(timedelta(minutes=15) - timedelta(seconds=0.5))
    assert attempt(client, PASSWORD).status_code == 429
    clock.shift(timedelta(seconds=1))
    assert attempt(client, PASSWORD).status_code == 303


def test_the_wait_is_told_in_english_too(client, engine, wang, clock):
    fail(client, 10)
    client.cookies.set("huifang_lang", "en")
    held = attempt(client, PASSWORD)
    assert held.status_code == 429 and "Too many failed sign-ins: try again in 15 min" in held.text
    assert 'lang="en"' in held.text


@pytest.mark.parametrize("field", ["login", "password"])
def test_a_control_character_in_the_sign_in_is_a_readable_refusal(client, field):
    """On PostgreSQL a NUL could not even be looked up: refused before, as a page."""
    client.headers.pop("Authorization", None)
    form = {"login": "wang", "password": "secret-0", field: "wa\x00ng"}
    response = client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 422
    assert "控制字符" in response.text and "<html" in response.text
