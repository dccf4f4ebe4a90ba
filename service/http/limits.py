"""The request body limit of every route: a body over ``HUIFANG_MAX_BODY_BYTES`` (default 1 MiB)
is refused with 413 ``{"detail": ...}`` before the rest of it is read.

A pure ASGI middleware, registered outermost so that nothing (sign-in, the bearer key, a route)
reads a body before it. A declared ``Content-Length`` over the limit is answered at once: the
app never sees the request. A body without one (chunked) is counted as the app pulls it from
``receive``; the moment the count passes the limit the 413 goes out, the app is stopped with
``BodyTooLarge`` raised from its ``receive`` and anything it still tries to send is dropped.
Nothing is buffered here: the server discards what the client still sends. Should the app have
started its answer before the body ran over (a route streaming while it reads), no 413 can be
sent any more: the answer is left incomplete, so the server closes the connection.
"""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..config import get_settings

log = logging.getLogger(__name__)


class BodyTooLarge(Exception):
    """Raised from ``receive`` into the app when the body passes the limit, to stop it."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body larger than {limit} bytes")
        self.limit = limit


def declared_length(scope: Scope) -> int | None:
    """The request's ``Content-Length``, or None when it has none (or none that is a number:
    the server refuses those before the app is called)."""
    for name, value in scope.get("headers") or ():
        if name.lower() == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


async def refuse(send: Send, limit: int) -> None:
    body = json.dumps(
        {"detail": f"the request body is larger than {limit} bytes: refused, nothing saved"}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """413 for a request body over ``max_bytes`` (by default ``settings.max_body_bytes``, read
    at each request)."""

    def __init__(self, app: ASGIApp, max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes if self.max_bytes is not None else get_settings().max_body_bytes
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            await refuse(send, limit)
            return

        received = 0
        started = False
        refused = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            if refused:  # the app caught BodyTooLarge and asks again: there is no more body
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if started:
                        log.warning(
                            "request body passed %d bytes after the answer had started: "
                            "connection closed",
                            limit,
                        )
                    else:
                        await refuse(send, limit)
                    raise BodyTooLarge(limit)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if refused:  # the 413 (or the closed connection) is the answer
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracked_send)
        except Exception:
            # Once refused, whatever the app raised on its way out (BodyTooLarge itself, or
            # what it made of it) concerns a request that has already been answered.
            if not refused:
                raise
