"""JSON-RPC transport (Odoo 16-19) through ``odoorpc``; the only module importing odoorpc.

odoorpc's own ``login`` goes through the web client's session route, which refuses API
keys (they are for non-interactive use only), so this transport calls ``/jsonrpc`` itself
(``common.authenticate``, then ``object.execute_kw``) over odoorpc's connection. The URL's
scheme, host and port are used; a path prefix is not supported by odoorpc.
"""

from __future__ import annotations

import http.client
import urllib.error
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import odoorpc
import odoorpc.error

from service.odoo.errors import (
    OdooAuthError,
    OdooConfigError,
    OdooDatabaseError,
    OdooUnavailable,
    call_error,
    is_missing_database,
)
from service.odoo.transport import TRANSIENT_HTTP, ConnectionSettings, OdooVersion


class JsonRpcTransport:
    name = "jsonrpc"

    def __init__(self, settings: ConnectionSettings, version: OdooVersion) -> None:
        parts = urlsplit(settings.url)
        secure = parts.scheme == "https"
        self._settings = settings
        self._uid: int | None = None
        self._odoo = odoorpc.ODOO(
            parts.hostname or "localhost",
            protocol="jsonrpc+ssl" if secure else "jsonrpc",
            port=parts.port or (443 if secure else 80),
            timeout=settings.timeout,
            version=version.text,  # already detected: no second round trip
        )

    def _rpc(self, service: str, method: str, args: list[Any], *, model: str = "") -> Any:
        params = {"service": service, "method": method, "args": args}
        try:
            data = self._odoo.json("/jsonrpc", params)
        except odoorpc.error.RPCError as exc:
            info = exc.info if isinstance(exc.info, dict) else {}
            detail = info.get("data") or {}
            name = str(detail.get("name") or "")
            message = str(detail.get("message") or info.get("message") or exc)
            if is_missing_database(name, message):
                raise OdooDatabaseError(
                    f"Odoo has no database named {self._settings.db!r}"
                ) from None
            raise call_error(
                message, name=name, model=model, method=args[4] if model else method
            ) from None
        except urllib.error.HTTPError as exc:
            if exc.code in TRANSIENT_HTTP:
                raise OdooUnavailable(f"Odoo answered HTTP {exc.code}") from exc
            raise OdooConfigError(
                f"{self._settings.url} answered HTTP {exc.code} on /jsonrpc: is it Odoo?"
            ) from exc
        except (http.client.HTTPException, OSError) as exc:  # URLError, timeouts, resets
            reason = getattr(exc, "reason", None) or exc or type(exc).__name__
            raise OdooUnavailable(f"Odoo at {self._settings.url}: {reason}") from exc
        except ValueError as exc:  # not JSON
            raise OdooConfigError(f"{self._settings.url} did not answer JSON-RPC") from exc
        return data.get("result")

    def authenticate(self) -> int:
        s = self._settings
        uid = self._rpc("common", "authenticate", [s.db, s.user, s.api_key, {}])
        if not uid:
            raise OdooAuthError(
                f"Odoo refused user {s.user!r} on database {s.db!r}: wrong login or API key"
            )
        self._uid = int(uid)
        return self._uid

    def verify_login(self, login: str, password: str) -> int | None:
        try:
            uid = self._rpc("common", "authenticate", [self._settings.db, login, password, {}])
        except OdooAuthError:
            return None
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
        if self._uid is None:
            self.authenticate()
        s = self._settings
        args: list[Any] = [list(ids)] if ids is not None else []
        kw = {k: v for k, v in (kwargs or {}).items() if v is not None}
        if method == "create" and "vals_list" in kw:
            # Odoo's call_kw reads create's values from the first positional argument.
            args.append(kw.pop("vals_list"))
        if context:
            kw["context"] = context
        return self._rpc(
            "object",
            "execute_kw",
            [s.db, self._uid, s.api_key, model, method, args, kw],
            model=model,
        )

    def close(self) -> None:
        """odoorpc opens one connection per call; nothing to release."""
