"""What the service logs holds no resident's name or phone number, no link token and no SQL
parameter: the whole phone flow (the staff page with a signature, the resident's confirmation on
/r/, the receipt and its public check, the worker's notice) and a database error run on a live
server, logged as ``huifang serve`` logs (uvicorn's configuration with the redacting filter, the
root handlers too), at DEBUG for every logger; then the text is searched for all of them.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from service.config import get_settings
from service.http.deps import SessionDep
from service.http.logs import RedactLinks, redact, redact_root_handlers, uvicorn_log_config
from service.models import Job, Rectification, Signature
from service.usecases.documents import worker_url
from service.usecases.receipt_check import receipt_code

from ..conftest import AUTH, _free_port, app_on
from ..phone.helpers import (
    JOB_REF,
    PASSWORD,
    STROKES,
    add_staff,
    data_url,
    resident_body,
    setup_job,
    signature_png,
    token,
)

RESIDENT = "欧阳娜娜"
PHONE = "13987654321"
OTHER_RESIDENT = "司马光明"
OTHER_PHONE = "13700001111"
OTHER_REF = "odoo-4712"
FORCED = "/test/forced-database-error"
UVICORN = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")
#: Loggers set to DEBUG for the test (everything else inherits the root's DEBUG).
LOUD = ("", "sqlalchemy.engine", "httpx", "httpcore", *UVICORN)


def forced_database_error(session: SessionDep) -> None:
    """A row PostgreSQL refuses with "Failing row contains (... name, phone ...)"."""
    session.execute(
        sa.insert(Job.__table__).values(  # type: ignore[attr-defined]
            ref="forced", estate_id=None, resident_name=RESIDENT, resident_phone=PHONE
        )
    )
    session.commit()


@dataclass
class Logged:
    url: str
    engine: Engine
    buffer: io.StringIO
    secrets: list[str] = field(default_factory=list)


@dataclass
class _Saved:
    level: int
    handlers: list[logging.Handler]
    filters: list[Any]
    propagate: bool


def _save(names: tuple[str, ...]) -> dict[str, _Saved]:
    return {
        name: _Saved(
            (logger := logging.getLogger(name)).level,
            list(logger.handlers),
            list(logger.filters),
            logger.propagate,
        )
        for name in names
    }


def _restore(saved: dict[str, _Saved]) -> None:
    for name, state in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(state.level)
        logger.handlers[:] = state.handlers
        logger.filters[:] = state.filters
        logger.propagate = state.propagate
    for handler in logging.getLogger().handlers:
        for found in [f for f in handler.filters if isinstance(f, RedactLinks)]:
            handler.removeFilter(found)


@pytest.fixture
def logged(engine: Engine, now: datetime) -> Iterator[Logged]:
    """The app on a free loopback port, logging as ``huifang serve`` does, into a buffer."""
    app = app_on(engine, now)
    app.post(FORCED, include_in_schema=False)(forced_database_error)
    get_settings.cache_clear()

    saved = _save(LOUD)
    buffer = io.StringIO()
    capture = logging.StreamHandler(buffer)
    capture.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(capture)
    redact_root_handlers()  # as huifang serve does, after its basicConfig
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=uvicorn_log_config(), log_level="debug"
    )
    for name in UVICORN:  # uvicorn's own handlers, filter and formatters: into the buffer
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(buffer)
    for name in LOUD:
        logging.getLogger(name).setLevel(logging.DEBUG)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "test server did not start"
        time.sleep(0.05)
    try:
        yield Logged(url=f"http://127.0.0.1:{port}", engine=engine, buffer=buffer)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        root.removeHandler(capture)
        _restore(saved)
        get_settings.cache_clear()


def _phone_flow(logged: Logged, now: datetime) -> None:
    """Everything a resident's data and a link's token pass through, as phones do it."""
    settings = get_settings()
    with httpx.Client(base_url=logged.url, headers=AUTH, follow_redirects=False) as api:
        setup_job(api, now, resident_name=RESIDENT, resident_phone=PHONE)  # type: ignore[arg-type]
        setup_job(
            api,  # type: ignore[arg-type]
            now,
            ref=OTHER_REF,
            resident_name=OTHER_RESIDENT,
            resident_phone=OTHER_PHONE,
        )
        assert api.get(f"/api/v1/jobs/{JOB_REF}").json()["resident_name"] == RESIDENT
        refused = api.post(
            "/api/v1/jobs",
            json={
                "ref": "x",
                "estate": "YGHY",
                "completed_at": now.isoformat(),
                "resident_name": f"{RESIDENT}\x00",
                "resident_phone": PHONE,
            },
        )
        assert refused.status_code == 422
        forced = api.post(FORCED)
        assert forced.status_code == 500
        assert forced.json() == {"detail": "the database refused the change; nothing was saved"}
    with Session(logged.engine) as session:
        add_staff(session, "li.yghy", "李秀英", "supervisor")

    staff = token("staff", now)
    resident = token("resident", now, ref=OTHER_REF)
    logged.secrets += [staff, resident]
    with httpx.Client(base_url=logged.url, follow_redirects=False) as phone:
        assert phone.get(f"/s/{staff}").status_code == 303  # to /login?next=/s/<token>
        signed_in = phone.post(
            "/login", data={"login": "li.yghy", "password": PASSWORD, "next": f"/s/{staff}"}
        )
        assert signed_in.status_code == 303, signed_in.text
        page = phone.get(f"/s/{staff}")
        assert page.status_code == 200 and RESIDENT in page.text
        served = re.search(r'data-served="([^"]+)"', page.text)
        answer = {
            "channel": "on_site",
            "inspected": True,
            "service_feedback": f"{RESIDENT}说师傅很准时",
            "satisfaction": "fairly_satisfied",
            "problems": "水管接口仍渗水",
            "submission_key": "staff-key-logs-01",
            "served": served[1] if served else None,
            "resident": {
                "signer_name": RESIDENT,
                "signature": data_url(signature_png()),
                "strokes": STROKES,
            },
        }
        stored = phone.post(f"/s/{staff}", json=answer)
        assert stored.status_code == 201, stored.text
        assert phone.get(f"/s/{staff}/done").status_code == 200
        assert phone.get(f"/s/{staff}/receipt.pdf").status_code == 200

        assert phone.get(f"/r/{resident}").status_code == 200
        confirmed = phone.post(
            f"/r/{resident}",
            json=resident_body(
                signer_name=OTHER_RESIDENT,
                comment=f"有事请打 {OTHER_PHONE}",
                submission_key="resident-key-logs-1",
            ),
        )
        assert confirmed.status_code == 201, confirmed.text
        assert phone.get(f"/r/{resident}/receipt").status_code == 200
        assert phone.get(f"/r/{resident}/receipt.pdf").status_code == 200

        with Session(logged.engine) as session:
            signatures = session.exec(select(Signature.id)).all()
            rect = session.exec(select(Rectification)).one()
            worker = worker_url(settings, rect, now).rsplit("/", 1)[1]
        codes = [receipt_code(settings, signature_id) for signature_id in signatures]
        logged.secrets += [worker, *codes]
        for code in codes:
            assert phone.get(f"/v/{code}").status_code == 200
        assert phone.get(f"/w/{worker}").status_code == 200
        assert phone.post(f"/w/{worker}", data={"answer": "acknowledge"}).status_code == 200


def test_the_logs_of_the_phone_flow_hold_no_personal_data_tokens_or_sql_parameters(logged, now):
    _phone_flow(logged, now)
    time.sleep(0.2)  # the last access lines
    text = logged.buffer.getvalue()
    # What was logged: the access lines, the SQL, the database error (kind and route only).
    assert re.search(r'"GET /r/<redacted> HTTP/1\.1" 200', text)
    assert re.search(r'"POST /s/<redacted> HTTP/1\.1" 201', text)
    assert "/login?next=/s/<redacted>" in text
    assert re.search(r'"GET /w/<redacted> HTTP/1\.1" 200', text)
    assert re.search(r'"GET /v/<redacted> HTTP/1\.1" 200', text)
    assert "INSERT INTO" in text and "[SQL parameters hidden due to hide_parameters=True]" in text
    assert f"POST {FORCED}: IntegrityError" in text
    # What was not.
    for secret in (RESIDENT, OTHER_RESIDENT, PHONE, OTHER_PHONE, *logged.secrets):
        assert secret not in text, f"{secret!r} was logged"
    assert len(logged.secrets) >= 5


def test_a_database_error_shows_no_parameters_even_where_the_driver_quotes_the_row(engine):
    """Why the error handler logs the kind of error only: with the parameters hidden, the
    driver's own message still quotes the row on PostgreSQL."""
    with Session(engine) as session, pytest.raises(DBAPIError) as failed:
        forced_database_error(session)
    message = str(failed.value)
    assert "[SQL parameters hidden due to hide_parameters=True]" in message
    assert PHONE not in message.split("[SQL:", 1)[1]
    if engine.dialect.name == "postgresql":
        assert RESIDENT in str(failed.value.orig)  # "Failing row contains (...)"


def test_a_database_error_logged_with_its_traceback_quotes_no_row(engine):
    """The scheduler and the Odoo sync log a failed cycle with its traceback: through the
    filter, what PostgreSQL quotes of the row is gone."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(RedactLinks())
    log = logging.getLogger("huifang.test_logs")
    log.addHandler(handler)
    try:
        with Session(engine) as session:
            try:
                forced_database_error(session)
            except DBAPIError:
                log.exception("scheduler cycle failed; trying again next cycle")
    finally:
        log.removeHandler(handler)
    text = buffer.getvalue()
    assert "IntegrityError" in text and "Traceback" in text
    assert RESIDENT not in text and PHONE not in text
    if engine.dialect.name == "postgresql":
        assert "Failing row contains (<redacted>)" in text


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ('"GET /r/abc.DEF-1_x HTTP/1.1" 200', '"GET /r/<redacted> HTTP/1.1" 200'),
        ("/s/abc/done", "/s/<redacted>/done"),
        ("/s/abc/receipt.pdf?lang=en", "/s/<redacted>/receipt.pdf?lang=en"),
        ("/login?next=/s/abc", "/login?next=/s/<redacted>"),
        ("/login?next=%2Fs%2Fabc%3Flang%3Den", "/login?next=%2Fs%2F<redacted>%3Flang%3Den"),
        ("link https://huifang.example.com/w/abc", "link https://huifang.example.com/w/<redacted>"),
        ("/v/42.abc", "/v/<redacted>"),
        ("/static/staff.js", "/static/staff.js"),
        ("/api/v1/jobs/odoo-4711/callbacks", "/api/v1/jobs/odoo-4711/callbacks"),
        ("Key (login)=(wang.yghy) already exists.", "Key (login)=(<redacted>) already exists."),
    ],
)
def test_links_are_logged_without_their_token(line, shown):
    assert redact(line) == shown


def test_the_filter_rewrites_uvicorn_access_records_and_sqlalchemy_rows():
    access = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/r/secret-token?lang=en", "1.1", 200),
        None,
    )
    assert RedactLinks().filter(access)
    assert access.getMessage() == '127.0.0.1:5000 - "GET /r/<redacted>?lang=en HTTP/1.1" 200'
    row = logging.LogRecord(
        "sqlalchemy.engine.Engine", logging.DEBUG, __file__, 1, "Row %r", (("王女士",),), None
    )
    assert RedactLinks().filter(row) and "王女士" not in row.getMessage()


def test_uvicorn_log_config_puts_the_filter_on_every_handler():
    config = uvicorn_log_config()
    assert config["filters"]["redact_links"] == {"()": "service.http.logs.RedactLinks"}
    assert all("redact_links" in h["filters"] for h in config["handlers"].values())
    from uvicorn.config import LOGGING_CONFIG

    assert "filters" not in LOGGING_CONFIG["handlers"]["access"]  # uvicorn's own left as is
