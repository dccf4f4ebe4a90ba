"""Bearer-key authentication for /api/v1, checked before anything else about a request."""

from __future__ import annotations

import hmac

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ..config import get_settings
from ..db import WRITE_REQUEST

API_PREFIX = "/api/v1"
# Called by Odoo with an HMAC signature of their own, not the bearer key.
SIGNED_PATHS = ("/api/v1/odoo/notify",)


class BearerKeyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(API_PREFIX) or path in SIGNED_PATHS:
            await self.app(scope, receive, send)
            return
        header = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
        scheme, _, key = header.partition(" ")
        expected = get_settings().admin_api_key
        if (
            scheme.lower() != "bearer"
            or not key
            or not hmac.compare_digest(key.strip().encode(), expected.encode())
        ):
            response = JSONResponse(
                {"detail": "missing or wrong API key: send Authorization: Bearer <key>"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["actor"] = "admin"
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
