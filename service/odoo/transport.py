"""What every transport to Odoo shares: where Odoo is (``ConnectionSettings``), its version,
and the ``Transport`` protocol the gateway calls through.

The transports (``rpc`` for JSON-RPC, ``json2`` for Odoo 19's JSON-2 API) and the gateway
over them all build on this module; it imports none of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from service.odoo.errors import OdooConfigError

TransportName = Literal["auto", "jsonrpc", "json2"]

#: HTTP answers that mean "Odoo is there but cannot answer now": worth a retry.
TRANSIENT_HTTP = frozenset({429, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class OdooVersion:
    major: int
    minor: int
    text: str

    @classmethod
    def parse(cls, info: Any, text: str | None = None) -> OdooVersion:
        """From ``server_version_info`` (``[18, 0, 0, "final", 0, ""]``) or a text "18.0"."""
        if isinstance(info, list | tuple) and info:
            major = int(str(info[0]).removeprefix("saas~").split(".")[0])
            minor = int(info[1]) if len(info) > 1 and str(info[1]).isdigit() else 0
            return cls(major, minor, text or f"{major}.{minor}")
        raw = str(text or info).removeprefix("saas~")
        head = raw.split("+")[0].split("-")[0]
        bits = head.split(".")
        try:
            return cls(
                int(bits[0]), int(bits[1]) if len(bits) > 1 and bits[1].isdigit() else 0, raw
            )
        except ValueError:
            raise OdooConfigError(f"cannot read Odoo's version from {raw!r}") from None


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """Where Odoo is and who we are there. ``api_key`` may also be the user's password."""

    url: str
    db: str
    user: str
    api_key: str
    transport: TransportName = "auto"
    timeout: float = 30.0
    #: Attempts for read calls when Odoo is unreachable, with exponential backoff.
    read_attempts: int = 4
    backoff_seconds: float = 0.5

    def __post_init__(self) -> None:
        missing = [n for n in ("url", "db", "user", "api_key") if not getattr(self, n)]
        if missing:
            names = ", ".join(f"HUIFANG_ODOO_{n.upper()}" for n in missing)
            raise OdooConfigError(f"Odoo connection incomplete: set {names}")
        parts = urlsplit(self.url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise OdooConfigError(f"Odoo URL must look like http://host:8069, not {self.url!r}")


class Transport(Protocol):
    """How calls reach Odoo. Arguments are always named; ``ids`` is the recordset."""

    name: str

    def authenticate(self) -> int: ...

    def verify_login(self, login: str, password: str) -> int | None:
        """The uid of an Odoo user whose login and password (or API key) are right, else None."""
        ...

    def call(
        self,
        model: str,
        method: str,
        *,
        ids: Sequence[int] | None = None,
        kwargs: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
    ) -> Any: ...

    def close(self) -> None: ...
