"""Headers of a push as the Odoo add-on signs it: timestamp, nonce, signature, and the bearer
key the service asks every /api/v1 call for."""

from __future__ import annotations

import secrets
import time

from service.config import get_settings
from service.odoo.routes import NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature


def push_headers(
    secret: str,
    body: bytes,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Signed headers for ``body``: now (or ``timestamp``), a fresh nonce (or ``nonce``)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    once = secrets.token_urlsafe(24) if nonce is None else nonce
    return {
        "Authorization": f"Bearer {get_settings().admin_api_key}",
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: stamp,
        NONCE_HEADER: once,
        SIGNATURE_HEADER: signature(secret, stamp, once, body),
    }
