"""A local SMS/WeChat gateway (an HTTP receiver) and a local mail server (aiosmtpd) for the
resident-link tests, with the service's settings pointed at them."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from service.config import get_settings

SECRET = "gateway-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gateway(BaseHTTPRequestHandler):
    """Answers each POST with the next of ``answers`` (200 when none) and keeps what it saw."""

    answers: list[int] = []
    seen: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append((dict(self.headers), body))
        status = type(self).answers.pop(0) if type(self).answers else 200
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


def serve_gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Gateway]]:
    Gateway.answers, Gateway.seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("HUIFANG_WEBHOOK_URL", f"http://127.0.0.1:{server.server_address[1]}/hook")
    monkeypatch.setenv("HUIFANG_WEBHOOK_SECRET", SECRET)
    get_settings.cache_clear()
    yield Gateway
    server.shutdown()
    for name in ("HUIFANG_WEBHOOK_URL", "HUIFANG_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope.content)
        return "250 OK"


class Refusing(Inbox):
    """A mail server that takes the recipient, then refuses the message naming the address."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        return f"554 5.7.1 message to {envelope.rcpt_tos[0]} rejected"


def serve_mail(monkeypatch: pytest.MonkeyPatch, handler: Inbox) -> Iterator[Inbox]:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("HUIFANG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HUIFANG_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("HUIFANG_SMTP_STARTTLS", "false")
    get_settings.cache_clear()
    yield handler
    controller.stop()
    for name in ("HUIFANG_SMTP_HOST", "HUIFANG_SMTP_PORT", "HUIFANG_SMTP_STARTTLS"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
