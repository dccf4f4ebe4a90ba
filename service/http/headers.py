"""Security headers on every response, set in one place (an ASGI middleware).

- every response: ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin``;
- every HTML page: a Content-Security-Policy that runs only the service's own script files (no
  inline script, no style attribute, nothing from another origin; images may be ``data:`` and
  ``blob:`` URLs, as the signature pad makes them), refuses to be framed, and
  ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``. The pages' own
  ``<style>`` element carries the response's nonce (``request.state.csp_nonce``, which the
  policy names), so a style injected into a page is not applied;
- the pages and downloads with personal data (``PRIVATE_PREFIXES``): ``Cache-Control: no-store``.

Why ``same-origin`` rather than ``no-referrer``: the ``/r/`` and ``/s/`` addresses carry their
token, and neither policy lets it leave the service (no ``Referer`` goes to another origin).
But under ``no-referrer`` a browser sends ``Origin: null`` with the pages' own form posts, and
``POST /login`` and ``/logout`` refuse a post whose origin is not the service's.
"""

from __future__ import annotations

import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data: blob:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


#: Paths whose answers carry personal data: never kept by the browser or a proxy.
PRIVATE_PREFIXES = (
    "/api/",
    "/s/",
    "/r/",
    "/w/",
    "/v/",
    "/rectifications",
    "/today",
    "/dashboard",
    "/ledger",
    "/tokens",
    "/login",
    "/logout",
    "/jobs/",
    "/odoo/requests/",
)


def is_private(path: str) -> bool:
    return path.startswith(PRIVATE_PREFIXES)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = is_private(scope.get("path", ""))
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                if headers.get("content-type", "").startswith("text/html"):
                    headers["Content-Security-Policy"] = content_security_policy(nonce)
                    headers["X-Frame-Options"] = "DENY"
                if private:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
