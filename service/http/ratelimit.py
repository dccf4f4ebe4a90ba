"""Rate limits kept in this process's memory (the ``limits`` library, moving windows), and the
limit on the phone pages' posts.

``RateLimiter`` is the shared helper: ``hit(namespace, key, "30/15minutes")`` counts one event
and answers ``None`` while the key stays within its limit, else the seconds to wait (the event
refused is not counted); ``check`` answers the same without counting. The app keeps one on
``app.state.rate_limiter``. A count in memory is per instance: what must hold across several
instances (failed sign-ins per login) is counted in the database instead
(``usecases.signin``).

``PhonePostLimits`` limits the posts to ``/r/...`` and ``/s/...`` (residents' answers, staff
callbacks, call outcomes, resident links) per client address and per link, before the route
reads the body, and answers like those routes answer a refusal: JSON ``{"detail", "code"}``
with 429 and ``Retry-After``.
"""

from __future__ import annotations

import math
import time
from functools import lru_cache

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ..catalogue import pick_lang, t

#: Posts one client address may make to the phone pages, and one link may receive.
PHONE_POSTS_PER_ADDRESS = "60/minute"
PHONE_POSTS_PER_LINK = "20/minute"
PHONE_PREFIXES = ("/r/", "/s/")
LANG_COOKIE = "huifang_lang"  # the pages' remembered language (``web.templating``)


@lru_cache(maxsize=64)
def _rate(rate: str) -> RateLimitItem:
    return parse(rate)


class RateLimiter:
    """Moving-window limits per ``(namespace, key)``, in memory."""

    def __init__(self) -> None:
        self._window = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, namespace: str, key: str, rate: str) -> int | None:
        """Count one event: ``None`` when it is within ``rate``, else the whole seconds until
        one more would be (and the event is not counted)."""
        item = _rate(rate)
        if self._window.hit(item, namespace, key):
            return None
        return self._wait(item, namespace, key)

    def check(self, namespace: str, key: str, rate: str) -> int | None:
        """Like ``hit`` without counting anything."""
        item = _rate(rate)
        if self._window.test(item, namespace, key):
            return None
        return self._wait(item, namespace, key)

    def _wait(self, item: RateLimitItem, namespace: str, key: str) -> int:
        reset_at = self._window.get_window_stats(item, namespace, key).reset_time
        # the window still holds an event at exactly its age: the first whole second after
        return math.floor(max(0.0, reset_at - time.time())) + 1


def client_address(scope: Scope) -> str:
    """The address the connection came from: uvicorn puts a proxy's ``X-Forwarded-For`` here
    only for the proxies it trusts (``FORWARDED_ALLOW_IPS``, default 127.0.0.1)."""
    client = scope.get("client")
    return client[0] if client else "unknown"


def too_many(retry_after: int, lang: str) -> JSONResponse:
    """The phone pages' answer to a refused post (as their routes answer a refusal)."""
    return JSONResponse(
        {
            "detail": t("rate.limited", lang, seconds=retry_after),
            "code": "rate.limited",
            "retry_after": retry_after,
        },
        status_code=429,
        headers={"Retry-After": str(retry_after)},
    )


class PhonePostLimits:
    """429 for posts to ``/r/...`` and ``/s/...`` beyond the limits per address and per link."""

    def __init__(
        self,
        app: ASGIApp,
        limiter: RateLimiter,
        per_address: str = PHONE_POSTS_PER_ADDRESS,
        per_link: str = PHONE_POSTS_PER_LINK,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.per_address = per_address
        self.per_link = per_link

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope.get("method") != "POST"
            or not path.startswith(PHONE_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        # one link is its first two segments: /s/<token> and /s/<token>/call share a count
        link = "/".join(path.split("/")[:3])
        wait = self.limiter.hit("phone.address", client_address(scope), self.per_address)
        if wait is None:
            wait = self.limiter.hit("phone.link", link, self.per_link)
        if wait is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        lang = pick_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))
        await too_many(wait, lang)(scope, receive, send)
