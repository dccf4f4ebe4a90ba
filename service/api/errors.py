"""One table from domain errors to HTTP, and readable validation messages."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

from ..domain.errors import Conflict, DomainError, InvalidInput, NotFound

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
}


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


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        status = next((s for cls, s in STATUS_BY_ERROR.items() if isinstance(exc, cls)), 400)
        return JSONResponse({"detail": exc.detail}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        return JSONResponse({"detail": readable(errors), "errors": errors}, status_code=422)

    @app.exception_handler(OperationalError)
    async def _database(_request: Request, exc: OperationalError) -> JSONResponse:
        return JSONResponse(
            {"detail": "the database is busy or unreachable; nothing was saved, try again"},
            status_code=503,
        )
