"""HTTP entry points of the Odoo link.

- ``POST /api/v1/odoo/notify``: the add-on's push, ``{"db", "model": "maintenance.request",
  "ids": [...]}``, signed over a timestamp and a nonce: ``X-Huifang-Timestamp`` (unix
  seconds), ``X-Huifang-Nonce`` (16-64 URL-safe characters, new for every push) and
  ``X-Huifang-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<nonce>." + the raw body>``
  under ``HUIFANG_ODOO_SHARED_SECRET``. A wrong signature, a timestamp more than 5 minutes
  away from the service's clock or a nonce used before -> 401. Answers 202 and syncs those
  requests in the background. Like every ``/api/v1`` call it needs ``Authorization: Bearer``
  with an ``integration`` token or the admin key. The body is read within the app's body
  limit (``service.http.limits``).
- ``GET /odoo/requests/{id}/form.pdf`` and ``/odoo/requests/{id}/staff``: the buttons on
  Odoo's request form, redirected to the job ``odoo-<id>``'s pages.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Path, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from service.config import Settings, get_settings
from service.db import get_engine
from service.http.access import needs
from service.http.deps import NowDep, SessionDep
from service.odoo.errors import OdooError
from service.odoo.gateway import REQUEST_MODEL
from service.odoo.link import sync_ids
from service.odoo.mapping import job_ref
from service.usecases.push_nonces import MAX_SKEW, use_push_nonce

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Huifang-Signature"
TIMESTAMP_HEADER = "X-Huifang-Timestamp"
NONCE_HEADER = "X-Huifang-Nonce"
TIMESTAMP_FORM = re.compile(r"[0-9]{1,12}")
NONCE_FORM = re.compile(r"[A-Za-z0-9_-]{16,64}")
MAX_IDS = 1000

router = APIRouter(tags=["odoo"])


def signature(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of "<timestamp>.<nonce>." + body>``: what the add-on sends."""
    signed = f"{timestamp}.{nonce}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def odoo_engine() -> Engine:
    """The database the push syncs into (a dependency, so tests can point it elsewhere)."""
    return get_engine()


async def authenticated_body(
    request: Request, *, secret: str, session: Session, now: datetime
) -> bytes:
    """The raw body of a push, once its signature, timestamp and nonce hold (401 otherwise).

    The nonce is recorded as soon as the push is authentic, whatever the body says: a push
    seen once is never taken again."""
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    nonce = request.headers.get(NONCE_HEADER, "")
    if not TIMESTAMP_FORM.fullmatch(timestamp) or not NONCE_FORM.fullmatch(nonce):
        raise HTTPException(
            401,
            f"missing or malformed {TIMESTAMP_HEADER} (unix seconds) or {NONCE_HEADER} "
            "(16 to 64 URL-safe characters)",
        )
    body = await request.body()
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not hmac.compare_digest(given.encode(), signature(secret, timestamp, nonce, body).encode()):
        raise HTTPException(
            401,
            f"missing or wrong {SIGNATURE_HEADER}: expected sha256=<HMAC-SHA256 of "
            f'"<timestamp>.<nonce>." and the body> under the shared secret',
        )
    skew = int(timestamp) - int(now.timestamp())
    if abs(skew) > MAX_SKEW.total_seconds():
        side = "behind" if skew < 0 else "ahead of"
        raise HTTPException(
            401,
            f"{TIMESTAMP_HEADER} is {abs(skew)} seconds {side} the service's clock; a push "
            f"must be signed within {int(MAX_SKEW.total_seconds()) // 60} minutes of its "
            "arrival (check both clocks)",
        )
    if not await run_in_threadpool(use_push_nonce, session=session, nonce=nonce, now=now):
        raise HTTPException(401, f"replayed push: this {NONCE_HEADER} was used before")
    return body


def _sync_in_background(engine: Engine, settings: Settings, ids: list[int]) -> None:
    try:
        report = sync_ids(engine=engine, settings=settings, ids=ids)
        log.info("Odoo push of %d requests: %s", len(ids), report.summary())
    except OdooError as exc:  # the next scheduled sync picks them up anyway
        log.warning("Odoo push of %d requests not synced now: %s", len(ids), exc)


@router.post("/api/v1/odoo/notify", status_code=202, dependencies=[needs("odoo.push")])
async def notify(
    request: Request,
    background: BackgroundTasks,
    settings: Annotated[Settings, Depends(get_settings)],
    engine: Annotated[Engine, Depends(odoo_engine)],
    session: SessionDep,
    now: NowDep,
) -> dict[str, Any]:
    secret = settings.odoo_shared_secret
    if not secret:
        raise HTTPException(503, "push from Odoo is not configured: set HUIFANG_ODOO_SHARED_SECRET")
    body = await authenticated_body(request, secret=secret, session=session, now=now)
    try:
        payload = json.loads(body)
    except ValueError:
        raise HTTPException(422, "body is not JSON") from None
    if not isinstance(payload, dict) or set(payload) - {"db", "model", "ids"}:
        raise HTTPException(422, 'expected {"db", "model", "ids"} and nothing else')
    if payload.get("model") != REQUEST_MODEL:
        raise HTTPException(422, f"model must be {REQUEST_MODEL!r}")
    if settings.odoo_db and payload.get("db") != settings.odoo_db:
        raise HTTPException(422, f"unknown database {payload.get('db')!r}")
    ids = payload.get("ids")
    if (
        not isinstance(ids, list)
        or not ids
        or len(ids) > MAX_IDS
        or any(not isinstance(i, int) or isinstance(i, bool) or i <= 0 for i in ids)
    ):
        raise HTTPException(422, f"ids must be 1 to {MAX_IDS} positive integers")
    if not settings.odoo_configured:
        raise HTTPException(503, "Odoo is not configured: set HUIFANG_ODOO_URL and the others")
    unique = sorted(set(ids))
    background.add_task(_sync_in_background, engine, settings, unique)
    return {"accepted": len(unique)}


RequestId = Annotated[int, Path(gt=0, description="id of the Odoo maintenance request")]


@router.get("/odoo/requests/{request_id}/form.pdf", include_in_schema=False)
def request_form(request_id: RequestId, request: Request) -> RedirectResponse:
    target = f"/jobs/{job_ref(request_id)}/form.pdf"
    if request.url.query:
        target += f"?{request.url.query}"
    return RedirectResponse(target, status_code=307)


@router.get("/odoo/requests/{request_id}/staff", include_in_schema=False)
def request_staff(request_id: RequestId) -> RedirectResponse:
    return RedirectResponse(f"/jobs/{job_ref(request_id)}/staff", status_code=307)
