"""Posts to the phone pages (``/r/...``, ``/s/...``) are limited per client address and per
link: 429 with ``Retry-After``, answered as JSON like the pages' other refusals
(``{"detail", "code"}``), in the page's language; the clock moves with time_machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from service.http.ratelimit import PHONE_POSTS_PER_ADDRESS, PHONE_POSTS_PER_LINK, RateLimiter

START = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
PER_LINK = int(PHONE_POSTS_PER_LINK.split("/")[0])
PER_ADDRESS = int(PHONE_POSTS_PER_ADDRESS.split("/")[0])


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def post(client, path: str):
    # an unreadable link: the route refuses it at once (400), after the limits let it through
    return client.post(path, content=b"{}", headers={"Content-Type": "application/json"})


def test_one_link_takes_twenty_posts_a_minute(client, clock):
    for _ in range(PER_LINK):
        assert post(client, "/r/some-link").status_code != 429
    refused = post(client, "/r/some-link")
    # all twenty were made at this very second: free again the first second after a minute
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "61"
    assert refused.json() == {
        "detail": "提交太频繁，请 61 秒后再试。",
        "code": "rate.limited",
        "retry_after": 61,
    }
    # the link's other posts share its count; another link has its own
    assert post(client, "/r/some-link/anything").status_code == 429
    assert post(client, "/s/another-link").status_code != 429
    clock.shift(timedelta(seconds=30.5))
    assert post(client, "/r/some-link").headers["Retry-After"] == "30"
    clock.shift(timedelta(seconds=30))
    assert post(client, "/r/some-link").status_code != 429


def test_one_address_takes_sixty_posts_a_minute_over_all_links(client, clock):
    for n in range(PER_ADDRESS):
        assert post(client, f"/s/link-{n}/call").status_code != 429
    refused = post(client, "/r/a-fresh-link")
    assert refused.status_code == 429 and refused.json()["code"] == "rate.limited"
    clock.shift(timedelta(seconds=int(refused.headers["Retry-After"])))
    assert post(client, "/r/a-fresh-link").status_code != 429


def test_the_refusal_speaks_the_pages_language(client, clock):
    client.cookies.set("huifang_lang", "en")
    for _ in range(PER_LINK):
        post(client, "/s/link")
    assert post(client, "/s/link").json()["detail"] == "Too many submissions: try again in 61 s."
    assert post(client, "/s/link?lang=zh_CN").json()["detail"].startswith("提交太频繁")


def test_reading_the_pages_and_other_posts_are_not_counted(client, clock):
    for _ in range(PER_LINK):
        post(client, "/r/link")
    assert client.get("/r/link").status_code != 429
    for n in range(PER_ADDRESS - PER_LINK - 1):
        post(client, f"/s/link-{n}")
    for _ in range(3):
        assert client.post("/w/a-worker-link", data={}).status_code != 429
    assert post(client, "/s/last-one").status_code != 429  # the address's sixtieth
    assert post(client, "/s/one-more").status_code == 429


def test_the_limiter_answers_the_seconds_to_wait():
    limiter = RateLimiter()
    with time_machine.travel(START, tick=False) as clock:
        assert [limiter.hit("ns", "k", "2/minute") for _ in range(2)] == [None, None]
        clock.shift(timedelta(seconds=20.5))
        assert limiter.check("ns", "k", "2/minute") == 40
        assert limiter.hit("ns", "k", "2/minute") == 40  # refused, and not counted
        assert limiter.hit("ns", "other", "2/minute") is None
        clock.shift(timedelta(seconds=39))
        assert limiter.hit("ns", "k", "2/minute") == 1
        clock.shift(timedelta(seconds=1))
        assert limiter.hit("ns", "k", "2/minute") is None
