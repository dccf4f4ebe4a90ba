"""Bodies over HUIFANG_MAX_BODY_BYTES (default 1 MiB) are refused with 413 on every route, the
Odoo push included, before the rest of them is read.

The chunked cases call the app over raw ASGI, so that the test counts the bytes the app pulled
from ``receive`` (a test client would hand the app the whole body in one message).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator

import pytest

from service.config import get_settings
from service.http.limits import BodyLimitMiddleware, BodyTooLarge
from tests.conftest import ADMIN_KEY, FIXED_NOW
from tests.odoo.pushes import push_headers

# Nothing here depends on the database engine.
sqlite_only = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)

LIMIT = get_settings().max_body_bytes
CHUNK = 64 * 1024
SECRET = "push-secret-for-body-limit-tests"
NOW = int(FIXED_NOW.timestamp())  # the app's clock in the ``client`` fixture
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

ROUTES = [
    pytest.param("/api/v1/jobs", JSON, id="api"),
    pytest.param("/login", FORM, id="page-login"),
    pytest.param("/r/not-a-real-token", JSON, id="page-resident"),
    pytest.param("/api/v1/odoo/notify", JSON, id="odoo-push"),
]


@pytest.fixture(autouse=True)
def push_configured(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The push's shared secret is set, so that the push reads its body."""
    monkeypatch.setenv("HUIFANG_ODOO_SHARED_SECRET", SECRET)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def headers_for(path: str, content_type: dict[str, str], body: bytes = b"") -> dict[str, str]:
    if path == "/api/v1/odoo/notify":
        return push_headers(SECRET, body, timestamp=NOW)
    return {"Authorization": f"Bearer {ADMIN_KEY}", **content_type}


class Sent:
    """What an ASGI app answered, and how many body bytes it pulled from ``receive``."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.pulled = 0

    @property
    def status(self) -> int:
        return next(m["status"] for m in self.messages if m["type"] == "http.response.start")

    @property
    def body(self) -> bytes:
        return b"".join(
            m.get("body", b"") for m in self.messages if m["type"] == "http.response.body"
        )


def call(app, path: str, headers: dict[str, str], chunks: Iterator[bytes]) -> Sent:
    """POST ``chunks`` to ``path`` as a chunked body (no Content-Length unless in ``headers``)."""
    sent = Sent()

    async def run() -> None:
        done = asyncio.Event()
        source = iter(chunks)
        finished = False

        async def receive() -> dict:
            nonlocal finished
            if finished:
                await done.wait()
                return {"type": "http.disconnect"}
            chunk = next(source, None)
            if chunk is None:
                finished = True
                return {"type": "http.request", "body": b"", "more_body": False}
            sent.pulled += len(chunk)
            return {"type": "http.request", "body": chunk, "more_body": True}

        async def send(message: dict) -> None:
            sent.messages.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver")]
            + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        await app(scope, receive, send)

    asyncio.run(run())
    return sent


def chunks_of(total: int) -> Iterator[bytes]:
    while total > 0:
        size = min(CHUNK, total)
        total -= size
        yield b"x" * size


@sqlite_only
@pytest.mark.parametrize(("path", "content_type"), ROUTES)
def test_a_declared_body_over_the_limit_is_refused_before_the_app_reads_any(
    client, path, content_type
):
    body = b"x" * (2 * 1024 * 1024)
    resp = client.post(path, content=body, headers=headers_for(path, content_type, body))
    assert resp.status_code == 413
    assert str(LIMIT) in resp.json()["detail"]

    headers = {**headers_for(path, content_type, body), "Content-Length": str(len(body))}
    sent = call(client.app, path, headers, chunks_of(len(body)))
    assert sent.status == 413 and sent.pulled == 0


@sqlite_only
@pytest.mark.parametrize(("path", "content_type"), ROUTES)
def test_a_chunked_body_is_refused_once_it_passes_the_limit_without_reading_the_rest(
    client, path, content_type
):
    sent = call(client.app, path, headers_for(path, content_type), chunks_of(2 * 1024 * 1024))
    assert sent.status == 413, sent.body
    assert "detail" in json.loads(sent.body)
    assert sent.pulled <= LIMIT + CHUNK
    # one answer only: whatever the app made of the refusal was not sent
    assert [m["type"] for m in sent.messages] == ["http.response.start", "http.response.body"]


@sqlite_only
def test_a_chunked_body_without_length_through_the_test_client_is_refused(client):
    resp = client.post("/api/v1/jobs", content=chunks_of(2 * 1024 * 1024), headers=JSON)
    assert resp.status_code == 413


def padded_job(size: int) -> bytes:
    job = json.dumps(
        {"ref": "J-BIG", "estate": "YG", "completed_at": "2026-05-19T10:00:00+08:00"}
    ).encode()
    return job[:-1] + b" " * (size - len(job)) + b"}"


@sqlite_only
def test_a_body_just_under_the_limit_is_taken(client, estate):
    body = padded_job(LIMIT - 1)
    assert len(body) == LIMIT - 1
    resp = client.post("/api/v1/jobs", content=body, headers=JSON)
    assert resp.status_code == 201, resp.text

    sent = call(client.app, "/api/v1/jobs", headers_for("/api/v1/jobs", JSON), iter([body]))
    assert sent.status == 200, sent.body  # the same job again: updated
    assert sent.pulled == LIMIT - 1


@sqlite_only
def test_a_signed_push_just_under_the_limit_is_read_and_verified(client):
    payload = json.dumps({"db": "odoo", "model": "maintenance.request", "ids": [1]}).encode()
    body = payload[:-1] + b" " * (LIMIT - 1 - len(payload)) + b"}"
    resp = client.post(
        "/api/v1/odoo/notify", content=body, headers=push_headers(SECRET, body, timestamp=NOW)
    )
    # past the signature, timestamp and nonce: refused only because Odoo is not set up here
    assert resp.status_code == 503 and "HUIFANG_ODOO_URL" in resp.json()["detail"]


def test_a_body_passing_the_limit_after_the_answer_started_leaves_it_unfinished(caplog):
    seen: list[str] = []

    async def streaming_reader(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        try:
            while (await receive()).get("more_body"):
                pass
        except BodyTooLarge:
            seen.append("refused")
        seen.append((await receive())["type"])  # asked again: there is no more body
        await send({"type": "http.response.body", "body": b"done"})

    app = BodyLimitMiddleware(streaming_reader, max_bytes=4 * CHUNK)
    with caplog.at_level(logging.WARNING, logger="service.http.limits"):
        sent = call(app, "/stream", {}, chunks_of(10 * CHUNK))
    assert seen == ["refused", "http.disconnect"]
    # the answer was started and never completed: the server closes the connection
    assert [m["type"] for m in sent.messages] == ["http.response.start"]
    assert sent.pulled == 5 * CHUNK
    assert "connection closed" in caplog.text


@sqlite_only
def test_the_limit_is_the_setting(monkeypatch, client):
    monkeypatch.setenv("HUIFANG_MAX_BODY_BYTES", "2048")
    get_settings.cache_clear()
    resp = client.post("/api/v1/jobs", content=b" " * 2049, headers=JSON)
    assert resp.status_code == 413 and "2048" in resp.json()["detail"]
