"""The stand-in's JSON-2 API (``POST /json/2/<model>/<method>``), as Odoo 19 answers it.

Observed on a real Odoo 19 and read in its ``rpc`` controller and ``odoo.http``:

- the database comes from the ``X-Odoo-Database`` header, or is the only one the server has;
  with several databases and no header, or a header naming a database that does not exist or
  that ``dbfilter`` leaves out, Odoo answers **404 text/html** ("No database is selected
  ..."), not JSON;
- a body that is not ``application/json`` -> 415 (text/html, ``Accept: application/json``);
  a body that is not JSON -> 400 ``BadRequest``;
- no bearer key, or a wrong one -> 401 ``Unauthorized`` with ``WWW-Authenticate: Bearer``;
- an unknown model or method -> 404 ``NotFound``; a private method -> 403 ``AccessError``;
  argument names the method does not take -> 422 ``UnprocessableEntity``;
- Odoo's own errors carry their ``http_status``: ``AccessError`` 403, ``MissingError`` 404,
  ``UserError``/``ValidationError`` 422, anything else 500;
- an error body is ``{name, message, arguments, context, debug}``; for an HTTP error its
  ``arguments`` are ``[message, status]``.
Odoo 18 answers a 303 to ``/web/login`` and Odoo 17 a 404 page: they have no JSON-2.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from tests.support.odoo_standin.errors import AccessError, OdooException

if TYPE_CHECKING:
    from tests.support.odoo_standin.server import _Handler

#: Odoo's page when no database could be chosen for a request (odoo.http.NOT_FOUND_NODB).
NOT_FOUND_NODB = """\
<!DOCTYPE html>
<title>404 Not Found</title>
<h1>Not Found</h1>
<p>No database is selected and the requested URL was not found in the server-wide controllers.</p>
<p>Please verify the hostname, <a href=/web/login>login</a> and try again.</p>

<!-- Alternatively, use the X-Odoo-Database header. -->
"""

#: Named arguments each method takes besides ``ids`` and ``context``; ``None``: any (the
#: method ends with ``**kwargs``, as ``search_read`` and ``message_post`` do in Odoo). A
#: method not listed is passed on unchecked; if the stand-in lacks it, the answer is a 404.
PARAMETERS: dict[str, frozenset[str] | None] = {
    "search_read": None,
    "search": frozenset({"domain", "offset", "limit", "order"}),
    "search_count": frozenset({"domain", "limit"}),
    "read": frozenset({"fields", "load"}),
    "create": frozenset({"vals_list"}),
    "write": frozenset({"vals"}),
    "unlink": frozenset(),
    "fields_get": frozenset({"allfields", "attributes"}),
    "message_post": None,
    "callback_post_message": frozenset({"body_html", "marker"}),
    "get_external_id": frozenset(),
    "context_get": frozenset(),
    "action_feedback": frozenset({"feedback", "attachment_ids"}),
}
#: ``@api.model`` methods: called with ``ids`` they are refused (422).
MODEL_METHODS = frozenset({"search_read", "search", "search_count", "create", "fields_get"})
#: Methods that act on the records in ``ids`` (the recordset is their first argument).
RECORD_METHODS = frozenset(
    {"read", "write", "unlink", "message_post", "callback_post_message", "action_feedback"}
)

_STATUS = {
    "odoo.exceptions.AccessError": 403,
    "odoo.exceptions.AccessDenied": 403,
    "odoo.exceptions.MissingError": 404,
    "odoo.exceptions.ValidationError": 422,
    "odoo.exceptions.UserError": 422,
}


class HttpError(Exception):
    """A werkzeug HTTP exception as Odoo's JSON-2 dispatcher serialises it."""

    names = {
        400: "BadRequest",
        401: "Unauthorized",
        404: "NotFound",
        422: "UnprocessableEntity",
    }

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        name = f"werkzeug.exceptions.{self.names[self.status]}"
        return {
            "name": name,
            "message": self.message,
            "arguments": [self.message, self.status],
            "context": {},
            "debug": f"Traceback (most recent call last):\n{name}: {self.message}\n",
        }


def serve(handler: _Handler, path: str, body: bytes) -> None:
    """Answer one ``/json/2/...`` request on ``handler``."""
    odoo = handler.odoo
    if odoo.major < 19:
        if odoo.major == 18:
            handler._send(303, b"", "text/html", {"Location": "/web/login"})
        else:
            handler._send(404, b"<html><body>404 Not Found</body></html>", "text/html")
        return
    served = [name for name in odoo.databases if re.fullmatch(odoo.dbfilter, name)]
    db = handler.headers.get("X-Odoo-Database") or (served[0] if len(served) == 1 else None)
    if db not in served:
        handler._send(404, NOT_FOUND_NODB.encode(), "text/html; charset=utf-8")
        return
    parts = path.split("/")
    model, method = (parts[3], parts[4]) if len(parts) == 5 and all(parts[3:]) else (None, None)
    key = _bearer(handler.headers.get("Authorization") or "")
    uid = None
    if db == odoo.db and key:
        uid = next((u.id for u in odoo.users.values() if key in u.api_keys), None)
    handler._record(path, "json2", model, method, uid)
    content_type = (handler.headers.get("Content-Type") or "").split(";")[0].strip()
    if body and content_type != "application/json":
        page = (
            "<!doctype html><title>415 Unsupported Media Type</title>"
            "<h1>Unsupported Media Type</h1><p>Please verify the Content-Type request header "
            "and try again.</p>"
        )
        handler._send(
            415, page.encode(), "text/html; charset=utf-8", {"Accept": "application/json"}
        )
        return
    try:
        if model is None or method is None:
            raise HttpError(404, "Did you mean POST /json/2/<model>/<method>?")
        params = _params(body)
        injected = handler._fault(model, method)
        if injected is not None:
            raise injected
        if uid is None:
            message = (
                "Invalid apikey"
                if key
                else "User not authenticated, use an API Key with a Bearer Authorization header."
            )
            raise HttpError(401, message, {"WWW-Authenticate": "Bearer"})
        result = _call(handler, uid, model, method, params)
    except HttpError as exc:
        handler._send(exc.status, _dumps(exc.body()), _JSON, exc.headers)
        return
    except (OdooException, AttributeError, KeyError, TypeError, ValueError) as exc:
        err = _odoo_error(exc)
        handler._send(_STATUS.get(err["name"], 500), _dumps(err), _JSON)
        return
    handler._send(200, _dumps(result), _JSON)


_JSON = "application/json; charset=utf-8"


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def _bearer(header: str) -> str:
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.casefold() == "bearer" else ""


def _params(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        params = json.loads(body)
    except ValueError as exc:
        raise HttpError(400, f"could not parse the body as json: {exc.args[0]}") from exc
    return params if isinstance(params, dict) else {}


def _call(handler: _Handler, uid: int, model: str, method: str, params: dict[str, Any]) -> Any:
    odoo = handler.odoo
    if model not in odoo.store.models:
        raise HttpError(404, f"the model {model!r} does not exist")
    if method.startswith("_"):
        raise AccessError(
            f"Private methods (such as '{model}.{method}') cannot be called remotely."
        )
    ids = params.pop("ids", None)
    if ids and method in MODEL_METHODS:
        raise HttpError(422, f"cannot call {model}.{method} with ids")
    accepted = PARAMETERS.get(method)
    if accepted is not None:
        unknown = sorted(set(params) - accepted - {"context"})
        if unknown:
            raise HttpError(422, f"got an unexpected keyword argument {unknown[0]!r}")
    args: list[Any] = [list(ids or [])] if ids is not None or method in RECORD_METHODS else []
    try:
        return odoo._run(uid, model, method, args, params, via_json2=True)
    except AttributeError as exc:
        if method in PARAMETERS:
            raise
        # Odoo 19: get_public_method's AttributeError becomes a 404
        raise HttpError(404, f"The method '{model}.{method}' does not exist") from exc


def _odoo_error(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, OdooException):
        name, message = exc.name, exc.message
    else:
        name, message = f"builtins.{type(exc).__name__}", str(exc)
    return {
        "name": name,
        "message": message,
        "arguments": [message],
        "context": {},
        "debug": f"Traceback (most recent call last):\n{name}: {message}\n",
    }
