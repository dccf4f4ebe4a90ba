"""Odoo 19's JSON-2 API: ``POST /json/2/<model>/<method>`` with a bearer API key.

Named arguments only, the recordset as ``ids``, one transaction per call. The only module
importing httpx for Odoo.

Every request names its database in ``X-Odoo-Database``. What a real Odoo 19 answers when
something is wrong, and what the service says then:

- no database chosen (several databases and no header, or a header naming one that does not
  exist, or one its ``dbfilter`` leaves out): **404 text/html** "No database is selected".
  The service then asks Odoo's database list and names the cause (``OdooDatabaseError``);
- a missing or wrong bearer key: 401 ``Unauthorized`` (``OdooAuthError``);
- an unknown model or method: 404 ``NotFound`` JSON (``OdooNotFound``, naming the module to
  install or upgrade); wrong argument names: 422 ``UnprocessableEntity``
  (``OdooArgumentsError``); a private method: 403 ``AccessError``;
- Odoo's own errors with their ``http_status`` (403, 404, 409, 422) or 500;
- Odoo 18 and older have no JSON-2: a 303 to ``/web/login`` or a plain 404 page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from service.odoo.errors import (
    OdooArgumentsError,
    OdooAuthError,
    OdooConfigError,
    OdooDatabaseError,
    OdooError,
    OdooUnavailable,
    call_error,
    is_missing_database,
    not_found,
)
from service.odoo.transport import TRANSIENT_HTTP, ConnectionSettings


class Json2Transport:
    name = "json2"

    def __init__(self, settings: ConnectionSettings) -> None:
        self._settings = settings
        self._client = httpx.Client(
            base_url=settings.url.rstrip("/"),
            timeout=settings.timeout,
            headers={
                "Authorization": f"bearer {settings.api_key}",
                "X-Odoo-Database": settings.db,
                "User-Agent": "huifang",
            },
            follow_redirects=False,
        )

    def authenticate(self) -> int:
        rows = self.call(
            "res.users",
            "search_read",
            kwargs={"domain": [("login", "=", self._settings.user)], "fields": ["id"], "limit": 1},
        )
        if not rows:
            raise OdooAuthError(f"the API key does not belong to user {self._settings.user!r}")
        return int(rows[0]["id"])

    def verify_login(self, login: str, password: str) -> int | None:
        """JSON-2 has no password check of its own: ask ``common.authenticate`` over
        ``/jsonrpc``, which Odoo keeps (deprecated) until version 22."""
        try:
            resp = self._jsonrpc("common", "authenticate", [self._settings.db, login, password, {}])
        except httpx.TransportError as exc:
            raise OdooUnavailable(f"Odoo at {self._settings.url}: {exc!r}") from exc
        if resp.status_code in TRANSIENT_HTTP:
            raise OdooUnavailable(f"Odoo answered HTTP {resp.status_code}")
        try:
            uid = resp.json().get("result")
        except (ValueError, AttributeError):
            raise OdooConfigError(f"{self._settings.url} did not answer JSON-RPC") from None
        return int(uid) if uid else None

    def call(
        self,
        model: str,
        method: str,
        *,
        ids: Sequence[int] | None = None,
        kwargs: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
    ) -> Any:
        body: dict[str, Any] = {k: v for k, v in (kwargs or {}).items() if v is not None}
        if ids is not None:
            body["ids"] = list(ids)
        if context:
            body["context"] = context
        try:
            resp = self._client.post(f"/json/2/{model}/{method}", json=body)
        except httpx.TransportError as exc:
            raise OdooUnavailable(f"Odoo at {self._settings.url}: {exc!r}") from exc
        if resp.status_code == 200:
            return resp.json()
        if resp.status_code in TRANSIENT_HTTP:
            raise OdooUnavailable(f"Odoo answered HTTP {resp.status_code}")
        try:
            err = resp.json()
        except ValueError:
            err = None
        if not isinstance(err, dict):
            raise self._not_json(resp)
        name = str(err.get("name") or "")
        message = str(err.get("message") or resp.reason_phrase)
        short = name.rsplit(".", 1)[-1]
        if resp.status_code == 401:
            raise OdooAuthError(
                f"Odoo refused the API key of {self._settings.user!r} in database "
                f"{self._settings.db!r} ({message}): set HUIFANG_ODOO_API_KEY to an API key "
                "of that user (Preferences -> Account Security)"
            )
        if is_missing_database(name, message):
            raise OdooDatabaseError(f"Odoo has no database named {self._settings.db!r}")
        if resp.status_code == 404 and short == "NotFound":
            raise not_found(message, name=name, model=model, method=method)
        if resp.status_code == 422 and short == "UnprocessableEntity":
            raise OdooArgumentsError(
                f"Odoo {model}.{method} refused the arguments this service sent ({message}): "
                "this version of Huifang does not match that Odoo; see the supported series "
                "in the add-on's README",
                name=name,
                model=model,
                method=method,
            )
        raise call_error(message, name=name, model=model, method=method)

    def _not_json(self, resp: httpx.Response) -> OdooError:
        """The error for an answer that is not JSON: a redirect or a 404 page."""
        status = resp.status_code
        if status == 404 and "No database is selected" in resp.text:
            return self._database_not_selected()
        if status in {301, 302, 303, 404}:
            return OdooConfigError(
                f"{self._settings.url} has no JSON-2 API (HTTP {status}); "
                "use the jsonrpc transport for Odoo before 19"
            )
        return OdooConfigError(f"Odoo answered HTTP {status} without JSON")

    def _database_not_selected(self) -> OdooDatabaseError:
        """Odoo chose no database for ``X-Odoo-Database``: ask its list which cause it is."""
        db, url = self._settings.db, self._settings.url
        names = self._database_list()
        if names is None:
            return OdooDatabaseError(
                f'Odoo at {url} did not open database {db!r} (404 "No database is '
                'selected"): check HUIFANG_ODOO_DB; Odoo hides its database list '
                "(list_db = False), so the names cannot be checked from here"
            )
        if db not in names:
            shown = ", ".join(repr(n) for n in names[:10]) or "none"
            return OdooDatabaseError(
                f"Odoo has no database named {db!r} (it has {shown}): set HUIFANG_ODOO_DB "
                "to one of them"
            )
        return OdooDatabaseError(
            f"Odoo has a database {db!r} but does not serve it at {url}: its dbfilter leaves "
            "it out for this host name; use the address the dbfilter expects in "
            "HUIFANG_ODOO_URL, or widen dbfilter in the Odoo configuration"
        )

    def _database_list(self) -> list[str] | None:
        """Odoo's databases (``db.list`` over JSON-RPC), or ``None`` when it hides them."""
        try:
            # no database named: db.list is served without one
            result = self._jsonrpc("db", "list", [], {"X-Odoo-Database": ""}).json().get("result")
        except (httpx.TransportError, ValueError, AttributeError):
            return None
        if not isinstance(result, list):
            return None
        return [str(n) for n in result]

    def _jsonrpc(
        self, service: str, method: str, args: list[Any], headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """One call of Odoo's ``/jsonrpc`` services, without the bearer key."""
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
        }
        return self._client.post(
            "/jsonrpc", json=payload, headers={"Authorization": "", **(headers or {})}
        )

    def close(self) -> None:
        self._client.close()
