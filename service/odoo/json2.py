"""Odoo 19's JSON-2 API: ``POST /json/2/<model>/<method>`` with a bearer API key.

Named arguments only, the recordset as ``ids``, one transaction per call. The only module
importing httpx for Odoo.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from service.odoo.errors import (
    OdooAuthError,
    OdooConfigError,
    OdooDatabaseError,
    OdooUnavailable,
    call_error,
    is_missing_database,
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
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "service": "common",
                "method": "authenticate",
                "args": [self._settings.db, login, password, {}],
            },
        }
        try:
            resp = self._client.post("/jsonrpc", json=payload, headers={"Authorization": ""})
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
            if resp.status_code in {301, 302, 303, 404}:
                raise OdooConfigError(
                    f"{self._settings.url} has no JSON-2 API (HTTP {resp.status_code}); "
                    "use the jsonrpc transport for Odoo before 19"
                )
            raise OdooConfigError(f"Odoo answered HTTP {resp.status_code} without JSON")
        name = str(err.get("name") or "")
        message = str(err.get("message") or resp.reason_phrase)
        if resp.status_code == 401:
            raise OdooAuthError(f"Odoo refused the API key: {message}")
        if is_missing_database(name, message):
            raise OdooDatabaseError(f"Odoo has no database named {self._settings.db!r}")
        raise call_error(message, name=name, model=model, method=method)

    def close(self) -> None:
        self._client.close()
