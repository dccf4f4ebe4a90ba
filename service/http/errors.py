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

**The database unreachable** (restarted, failed over, cut off, out of connections) is a 503
with ``Retry-After``, never a 500, wherever it is met: in a route, a dependency or a
middleware's own read (a scoped token's lookup), since ``DatabaseOutages`` sits around every
other middleware. Its detail says what became of the request: nothing was saved, or (the
connection lost during the COMMIT) nobody can say, look before sending it again. A read
(``GET``/``HEAD`` without a body) is tried again a few times over about two seconds before it
is answered so, which carries it across a quick restart; a write is never tried again here,
since its client alone knows whether sending it twice is harmless.
"""

from __future__ import annotations

import logging

import anyio
from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, PendingRollbackError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..db import RequestCommits, error_summary, request_commits, unreachable, watch_request
from ..domain.errors import DomainError
from ..schemas import readable
from .headers import SecurityHeaders

log = logging.getLogger("huifang.errors")

BUSY = "the database is busy or unreachable; nothing was saved, try again"
UNKNOWN = (
    "the database went away while saving: the change may have been saved or not; "
    "look it up before sending it again"
)
REFUSED = "the database refused the change; nothing was saved"
#: Seconds a client is asked to wait before it tries again while the database is unreachable.
RETRY_AFTER = "2"
#: Pauses between the tries of a read met by an unreachable database (about two seconds).
READ_RETRY_DELAYS = (0.25, 0.5, 1.0)
SAFE_METHODS = ("GET", "HEAD")
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


async def known_query_only(request: Request) -> None:
    """A route dependency: 422 for a query parameter the route does not take, as for an unknown
    body field (``?estat=YG`` would otherwise list every estate). ``async``: it reads nothing,
    so it takes no trip through the thread pool."""
    if not request.scope.get("query_string"):
        return
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
    return error_summary(exc)


def unavailable_response(commits: RequestCommits | None, method: str) -> JSONResponse:
    """The 503 for a request that met an unreachable database, saying what became of it (a
    read's own bookkeeping, a token's last use, is no change of the client's)."""
    unknown = commits is not None and commits.maybe_saved and method not in SAFE_METHODS
    detail = UNKNOWN if unknown else BUSY
    return JSONResponse(
        {"detail": detail},
        status_code=503,
        headers={"Retry-After": RETRY_AFTER, "Cache-Control": "no-store"},
    )


def _answer_unreachable(request: Request, exc: Exception) -> JSONResponse:
    commits = request_commits()
    if commits is None:  # not behind DatabaseOutages: nobody else logs it
        _log_unreachable(request.method, route_of(request), exc, 1)
    else:
        commits.unreachable = exc
    return unavailable_response(commits, request.method)


def _log_unreachable(method: str, route: str, exc: BaseException | None, tries: int) -> None:
    log.warning(
        "%s %s: %s: the database is unreachable; answered 503%s",
        method,
        route,
        error_summary(exc) if exc is not None else "unknown error",
        f" after {tries} tries" if tries > 1 else "",
    )


class DatabaseOutages:
    """Around every other middleware: an unreachable database met anywhere in a request
    (a middleware's own read included) is a 503 with a readable detail, and a read is tried
    again (``READ_RETRY_DELAYS``) before it is answered so. Each try's commits are watched
    (``db.watch_request``), so the detail can say whether anything may have been saved."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "")
        delays = list(READ_RETRY_DELAYS) if _replayable(scope) else []
        tries = 0
        while True:
            tries += 1
            attempt = _Attempt(send, hold=bool(delays))
            with watch_request() as commits:
                attempt.commits = commits
                error: Exception | None = None
                try:
                    await self.app(scope, receive if tries == 1 else _no_body(receive), attempt)
                except Exception as exc:
                    if attempt.started or not unreachable(exc):
                        raise
                    error = exc
            route = _route_of_scope(scope)
            if error is None and not attempt.held:
                if commits.unreachable is not None:  # a route's own 503, sent as it came
                    _log_unreachable(method, route, commits.unreachable, tries)
                elif tries > 1:
                    log.info("%s %s: answered at try %d (database back)", method, route, tries)
                return
            if not delays or commits.outcome_unknown:
                _log_unreachable(method, route, error or commits.unreachable, tries)
                if attempt.held:  # a route's own 503
                    for message in attempt.held:
                        await send(message)
                else:  # met outside the routes: answered here
                    answer = SecurityHeaders(unavailable_response(commits, method))
                    await answer(scope, receive, send)
                return
            await anyio.sleep(delays.pop(0))


class _Attempt:
    """The ``send`` of one try: with ``hold``, a route's 503 for an unreachable database is
    kept back (another try may do better); everything else goes out at once."""

    def __init__(self, send: Send, *, hold: bool) -> None:
        self.send = send
        self.hold = hold
        self.commits: RequestCommits | None = None
        self.held: list[Message] = []
        self.started = False

    async def __call__(self, message: Message) -> None:
        if self.held or (
            self.hold
            and message["type"] == "http.response.start"
            and message["status"] == 503
            and self.commits is not None
            and self.commits.unreachable is not None
        ):
            self.held.append(message)
            return
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)


def _replayable(scope: Scope) -> bool:
    """A read without a body: the same request can be made again."""
    if scope.get("method") not in SAFE_METHODS:
        return False
    headers = dict(scope.get("headers") or [])
    return b"transfer-encoding" not in headers and headers.get(b"content-length", b"0") == b"0"


def _no_body(receive: Receive) -> Receive:
    """``receive`` for a try after the first: the (empty) body once more, then the client's
    own messages (its disconnect)."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return await receive()

    return replay


def _route_of_scope(scope: Scope) -> str:
    return getattr(scope.get("route"), "path", None) or "(no route)"


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
        if unreachable(exc):
            return _answer_unreachable(request, exc)
        log.error("%s %s: %s", request.method, route_of(request), database_error_summary(exc))
        return JSONResponse({"detail": REFUSED}, status_code=500)

    async def _outage(request: Request, exc: Exception) -> JSONResponse:
        if not unreachable(exc):
            raise exc
        return _answer_unreachable(request, exc)

    # no connection free in the pool in time; a connection lost inside a transaction
    app.add_exception_handler(PoolTimeout, _outage)
    app.add_exception_handler(PendingRollbackError, _outage)
