"""Validation errors as one readable line: ``field: message; field: message``."""

from __future__ import annotations

from typing import Any


def _where(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def readable(errors: list[dict[str, Any]]) -> str:
    messages = []
    for error in errors:
        message = error.get("msg", "invalid")
        if error.get("type") == "extra_forbidden":
            message = "unknown field"
        elif error.get("type") == "timezone_aware":
            message = "needs a timezone offset, e.g. 2026-05-01T09:30:00+08:00"
        elif error.get("type") == "json_invalid":
            message = "the body is not valid JSON"
        messages.append(f"{_where(tuple(error.get('loc', ())))}: {message}")
    return "; ".join(messages)


def validation_detail(errors: list[dict[str, Any]]) -> str:
    """``readable`` over pydantic's error dicts, keeping only what a client needs."""
    return readable([{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in errors])
