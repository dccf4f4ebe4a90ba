"""Error bodies: validation errors as one readable line (``field: message; field: message``),
and the bodies every refusal has, as the OpenAPI schema documents them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


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
        elif error.get("type") == "value_error":  # our own validators' words, without pydantic's
            message = message.removeprefix("Value error, ")
        messages.append(f"{_where(tuple(error.get('loc', ())))}: {message}")
    return "; ".join(messages)


def validation_detail(errors: list[dict[str, Any]]) -> str:
    """``readable`` over pydantic's error dicts, keeping only what a client needs."""
    return readable([{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in errors])


class ErrorOut(BaseModel):
    """Every refusal: a readable message (401, 403, 404, 409, 413, 429, 503...)."""

    detail: str = Field(description="what went wrong and, where it can, what to do about it")


class RateLimitedOut(ErrorOut):
    """429: sent too often; ``Retry-After`` (seconds) says when to try again."""

    retry_after: int = Field(ge=1, description="seconds to wait, as the Retry-After header")


class ValidationProblem(BaseModel):
    """One problem with the request, as pydantic found it."""

    loc: list[str | int] = Field(description="where: body, query or path, then the field")
    msg: str
    type: str


class ValidationErrorOut(ErrorOut):
    """422: the request breaks a rule. ``detail`` says what in one readable line; ``errors``
    lists each problem when the request's form was refused (a rule checked once the request
    was read, such as an unknown estate or a time before the repair, has ``detail`` only)."""

    errors: list[ValidationProblem] | None = None
