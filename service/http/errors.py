"""Domain errors as HTTP answers (their one status table is ``domain.errors.STATUS``), and
readable validation messages: for the REST API and the pages alike.

Every answer is ``{"detail": "<readable message>"}``; a request whose form is refused also
carries ``errors`` (each problem: ``loc``, ``msg``, ``type``). The OpenAPI schema says so
(``http.openapi``).

A database error is answered here, never left to the server's own handler, which would log the
exception with its text: the driver's message may quote the row (PostgreSQL's "Failing row
contains (...)" holds a resident's name and phone), and the SQL parameters are hidden only in
SQLAlchemy's part of it (``db.make_engine``). What is logged is the kind of error, its SQLSTATE
and the route's template, never a value.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from ..domain.errors import DomainError
from ..schemas import readable

log = logging.getLogger("huifang.errors")

BUSY = "the database is busy or unreachable; nothing was saved, try again"
REFUSED = "the database refused the change; nothing was saved"
#: FastAPI's answer to a body it cannot decode (not UTF-8): bad input like any other, so 422.
UNDECODABLE_BODY = "There was an error parsing the body"


def route_of(request: Request) -> str:
    """The route's template (``/r/{token}``), not the path: a path may carry a link's token."""
    route = request.scope.get("route")
    return getattr(route, "path", None) or "(no route)"


#: The methods a 405 may name.
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path (a 405 names them all in ``Allow``, not
    only those of the first route that matched the path)."""
    routes = request.app.router.routes
    return [
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters a route takes, its dependencies' included."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def known_query_only(request: Request) -> None:
    """A route dependency: 422 for a query parameter the route does not take, as for an unknown
    body field (``?estat=YG`` would otherwise list every estate)."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if dependant is None:
        return
    known = _query_names(dependant)
    unknown = dict.fromkeys(name for name in request.query_params if name not in known)
    if unknown:
        raise RequestValidationError(
            [
                {"type": "extra_forbidden", "loc": ("query", name), "msg": "unknown parameter"}
                for name in unknown
            ]
        )


def database_error_summary(exc: DBAPIError) -> str:
    """What a log may say about a database error: its kinds and SQLSTATE, no value."""
    original = exc.orig
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    kind = type(original).__name__ if original is not None else "unknown"
    return f"{type(exc).__name__} ({kind}{f', SQLSTATE {state}' if state else ''})"


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        return JSONResponse({"detail": readable(errors), "errors": errors}, status_code=422)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 400 and exc.detail == UNDECODABLE_BODY:
            return JSONResponse(
                {"detail": "body: the body is not valid JSON (UTF-8 text)"}, status_code=422
            )
        if exc.status_code == 405:
            methods = allowed_methods(request)
            if methods:
                exc.headers = {**(exc.headers or {}), "Allow": ", ".join(methods)}
        return await http_exception_handler(request, exc)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        busy = isinstance(exc, OperationalError)
        log.error(
            "%s %s: %s%s",
            request.method,
            route_of(request),
            database_error_summary(exc),
            " (busy or unreachable)" if busy else "",
        )
        return JSONResponse({"detail": BUSY if busy else REFUSED}, status_code=503 if busy else 500)
