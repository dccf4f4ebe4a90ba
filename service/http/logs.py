"""Logs that hold no link tokens and no residents' data.

The phone pages are reached by links whose path is the credential: ``/r/<token>`` (the
resident's confirmation), ``/s/<token>`` (the staff page), ``/w/<token>`` (the worker's notice)
and ``/v/<code>`` (the public receipt check). Anyone reading an access log could open them, so
every line the service logs shows them as ``/r/<redacted>``; the same goes for a link sent back
to the sign-in page (``/login?next=/s/<token>``) or written into a message (the ``log``
notification channel).

``RedactLinks`` is the filter; ``uvicorn_log_config`` is uvicorn's own logging configuration with
it on the access and error handlers, and ``redact_root_handlers`` puts it on the handlers every
other logger's records go through. SQLAlchemy's row dumps (its DEBUG level) are hidden too, and
so is what PostgreSQL quotes of a row or key in an error (``Failing row contains (...)``, ``Key
(ref)=(...)``) when a traceback is logged: a row of ``jobs`` holds a resident's name and phone
number. (The SQL parameters never appear: every engine hides them, ``db.make_engine``.)
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Mapping
from typing import Any

#: Prefixes of the paths whose next segment is a credential.
LINK_KINDS = "rswv"
REDACTED = "<redacted>"
# "/r/TOKEN", and "%2Fr%2FTOKEN" as a link reads inside another link's query.
_LINK = re.compile(rf"(/|%2[Ff])([{LINK_KINDS}])(/|%2[Ff])[^/?#&\s\"'%<>]+")
#: SQLAlchemy's DEBUG lines that print result rows.
_ROW_MESSAGES = frozenset({"Row %r", "Col %r"})
# What PostgreSQL quotes of a row in an error's DETAIL (a traceback the scheduler or the Odoo
# sync logs holds it): the row refused, up to the next part of the message; a key's values.
_FAILING_ROW = re.compile(
    r"(Failing row contains ).*?(?=\n\[SQL:|\n\nThe above exception|\n\nDuring handling"
    r"|\nHINT:|\nCONTEXT:|\Z)",
    re.DOTALL,
)
_KEY_VALUES = re.compile(
    r"(Key \([^)]*\)=\().*?(\) (?:already exists|is not present in table|is still referenced))",
    re.DOTALL,
)


def redact(text: str) -> str:
    """``text`` with the token of every phone-page link replaced by ``<redacted>``, and the
    values of a row or key a database error quotes."""
    text = _LINK.sub(rf"\1\2\3{REDACTED}", text)
    if "Failing row contains" in text:
        text = _FAILING_ROW.sub(rf"\1({REDACTED})", text)
    if "Key (" in text:
        text = _KEY_VALUES.sub(rf"\1{REDACTED}\2", text)
    return text


def _redacted(value: Any) -> Any:
    """An argument of a log record, its links redacted; an object that would print a link
    (a URL, a request) becomes its redacted text, any other is left as it is."""
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, int | float | bytes):
        return value
    text = str(value)
    shown = redact(text)
    return shown if shown != text else value


class RedactLinks(logging.Filter):
    """Rewrites a record so that it shows no link token (its message, its arguments, its
    exception text) and no result row; lets every record through."""

    _format = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("sqlalchemy.engine") and record.msg in _ROW_MESSAGES:
            record.args = ("(hidden: may hold personal data)",)
            return True
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {key: _redacted(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redacted(value) for value in record.args)
        if record.exc_info and not record.exc_text:
            record.exc_text = self._format.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


FILTER_NAME = "redact_links"


def uvicorn_log_config(base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """uvicorn's logging configuration (``base``, by default its own) with ``RedactLinks`` on
    every handler, so access lines read ``"GET /r/<redacted> HTTP/1.1" 200``."""
    if base is None:
        from uvicorn.config import LOGGING_CONFIG

        base = LOGGING_CONFIG
    config = copy.deepcopy(dict(base))
    config.setdefault("filters", {})[FILTER_NAME] = {"()": f"{__name__}.RedactLinks"}
    for handler in config.get("handlers", {}).values():
        names = handler.setdefault("filters", [])
        if FILTER_NAME not in names:
            names.append(FILTER_NAME)
    return config


def redact_root_handlers() -> None:
    """Put ``RedactLinks`` on the root logger's handlers (once): the service's own loggers,
    SQLAlchemy's and the libraries' write through them."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactLinks) for f in handler.filters):
            handler.addFilter(RedactLinks())
