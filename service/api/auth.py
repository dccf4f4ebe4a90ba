"""Bearer-key authentication for /api/v1, checked before anything else about a request: the
admin key (``HUIFANG_ADMIN_API_KEY``) or a scoped token (``usecases.tokens``). The caller it
finds (``http.access.Caller``) is what the routes' rights and estate checks read."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ..config import get_settings
from ..db import WRITE_REQUEST, get_session, open_session, unwatched
from ..http.access import ADMIN_CALLER, Caller, known_callers
from ..http.deps import get_now
from ..usecases.tokens import PREFIX, holder_of

API_PREFIX = "/api/v1"
REFUSED = "missing or wrong API key: send Authorization: Bearer <key>"


def _dependency(
    app: Any, dependency: Callable[..., Any], default: Callable[..., Any] | None = None
) -> Callable[..., Any]:
    """The app's override of a dependency when it has one (tests point the session and the
    clock elsewhere), so the key is checked in the same database and at the same time as the
    request is then served; else ``default`` (a plain function for an ``async`` dependency)
    or the dependency itself."""
    overrides = getattr(app, "dependency_overrides", None) or {}
    return overrides.get(dependency, default or dependency)


def _now(app: Any) -> datetime:
    clock = _dependency(app, get_now)
    return datetime.now(UTC) if clock is get_now else clock()


def _token_caller(app: Any, key: str) -> Caller | None:
    now = _now(app)
    sessions = _dependency(app, get_session, open_session)()
    session = next(sessions)
    try:
        with unwatched():  # the token's last use is bookkeeping, not the client's change
            holder = holder_of(session, key, now)
    finally:
        sessions.close()
    if holder is None:
        return None
    caller = Caller(
        role=holder.role,
        name=holder.name,
        token_id=holder.token_id,
        estate_id=holder.estate_id,
        estate_code=holder.estate_code,
    )
    known_callers(app).keep(key, caller, holder.expires_at, now)
    return caller


class BearerKeyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
            await self.app(scope, receive, send)
            return
        header = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
        scheme, _, key = header.partition(" ")
        key = key.strip()
        caller: Caller | None = None
        if scheme.lower() == "bearer" and key:
            if hmac.compare_digest(key.encode(), get_settings().admin_api_key.encode()):
                caller = ADMIN_CALLER
            elif key.startswith(PREFIX):
                app = scope.get("app")
                caller = known_callers(app).get(key, _now(app))
                if caller is None:
                    caller = await run_in_threadpool(_token_caller, app, key)
        if caller is None:
            response = JSONResponse(
                {"detail": REFUSED}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
            await response(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["caller"] = caller
        state["actor"] = caller.actor
        await self.app(scope, receive, send)


class WriteRequestMiddleware:
    """Marks requests that may write, so their SQLite transactions take the write lock first
    (see ``service.db.WRITE_REQUEST``)."""

    SAFE = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in self.SAFE:
            await self.app(scope, receive, send)
            return
        token = WRITE_REQUEST.set(True)
        try:
            await self.app(scope, receive, send)
        finally:
            WRITE_REQUEST.reset(token)
