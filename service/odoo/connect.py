"""Open the Odoo gateway: ask the server its version, choose a transport, log in.

This module sits above both the gateway and the transports: it builds a transport
(``rpc.JsonRpcTransport`` or ``json2.Json2Transport``) and hands it to ``gateway.Odoo``.
Neither of those imports it.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Literal

from service.odoo.errors import OdooConfigError, OdooError, OdooUnavailable
from service.odoo.gateway import Odoo
from service.odoo.transport import ConnectionSettings, OdooVersion, Transport, TransportName


def detect_version(url: str, *, timeout: float = 10.0) -> OdooVersion:
    """Ask the server its version: ``GET /web/version`` (Odoo 19), else the web client's
    ``/web/webclient/version_info`` JSON-RPC route (every version since 8)."""
    base = url.rstrip("/")
    try:
        with urllib.request.urlopen(f"{base}/web/version", timeout=timeout) as resp:
            if resp.status == 200 and "json" in resp.headers.get("Content-Type", ""):
                data = json.loads(resp.read())
                if isinstance(data, dict) and "version_info" in data:
                    return OdooVersion.parse(data["version_info"], data.get("version"))
    except urllib.error.HTTPError:
        pass  # 404 on Odoo 17-18
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        raise OdooUnavailable(f"cannot reach Odoo at {url}: {_reason(exc)}") from exc
    except ValueError:
        pass
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": {}, "id": 1}).encode()
    req = urllib.request.Request(
        f"{base}/web/webclient/version_info",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            data = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        if exc.code in {502, 503, 504}:
            raise OdooUnavailable(f"Odoo at {url} answered HTTP {exc.code}") from exc
        raise OdooConfigError(f"{url} does not look like Odoo (HTTP {exc.code})") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        raise OdooUnavailable(f"cannot reach Odoo at {url}: {_reason(exc)}") from exc
    except ValueError as exc:
        raise OdooConfigError(f"{url} does not look like Odoo (no JSON answer)") from exc
    result = data.get("result") if isinstance(data, dict) else None
    if not isinstance(result, dict) or "server_version_info" not in result:
        raise OdooConfigError(f"{url} does not look like Odoo (no version information)")
    return OdooVersion.parse(result["server_version_info"], result.get("server_version"))


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc)


def choose_transport(version: OdooVersion, wanted: TransportName) -> Literal["jsonrpc", "json2"]:
    if wanted == "json2" and version.major < 19:
        raise OdooConfigError(f"the JSON-2 API needs Odoo 19 or later; this is {version.text}")
    if wanted != "auto":
        return wanted
    return "json2" if version.major >= 19 else "jsonrpc"


def connect(settings: ConnectionSettings) -> Odoo:
    """Connect and log in. Raises ``OdooConfigError`` (bad settings) or ``OdooUnavailable``."""
    attempts = max(1, settings.read_attempts)
    for attempt in range(1, attempts + 1):
        try:
            version = detect_version(settings.url, timeout=settings.timeout)
            break
        except OdooUnavailable:
            if attempt == attempts:
                raise
            time.sleep(settings.backoff_seconds * 2 ** (attempt - 1))
    kind = choose_transport(version, settings.transport)
    # Each transport's client library (httpx, odoorpc) is imported only when it is used.
    transport: Transport
    if kind == "json2":
        from service.odoo.json2 import Json2Transport

        transport = Json2Transport(settings)
    else:
        from service.odoo.rpc import JsonRpcTransport

        transport = JsonRpcTransport(settings, version)
    try:
        return Odoo(
            transport,
            version,
            read_attempts=settings.read_attempts,
            backoff_seconds=settings.backoff_seconds,
        )
    except OdooError:
        transport.close()
        raise
