"""Residents signing while the office writes: every submission is stored, none is refused.

SQLite allows one writer: a request that reads (its sign-in, its link) before it writes must
take the write lock up front, or the upgrade fails at once under load. Runs the real server.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from sqlmodel import Session, func, select

from service.models import Signature
from tests.conftest import ADMIN_KEY

from .helpers import data_url, resident_body, signature_png, token


def test_resident_signatures_and_api_callbacks_at_once_all_succeed(live_server, now):
    api = httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert api.put("/api/v1/estates/YGHY", json={"name": "阳光花园"}).status_code == 201
    refs = [f"C-{i:02d}" for i in range(24)]
    for ref in refs:
        job = {"ref": ref, "estate": "YGHY", "completed_at": (now - timedelta(days=1)).isoformat()}
        assert api.post("/api/v1/jobs", json=job).status_code == 201
    png = data_url(signature_png())

    def sign(ref: str) -> int:
        with httpx.Client(base_url=live_server.url, timeout=60) as c:
            body = resident_body(signature=png, submission_key=f"key-{ref}")
            return c.post(f"/r/{token('resident', now, ref=ref)}", json=body).status_code

    def call_back(ref: str) -> int:
        with httpx.Client(
            base_url=live_server.url, timeout=60, headers={"Authorization": f"Bearer {ADMIN_KEY}"}
        ) as c:
            body = {"role": "lead", "staff": "张伟", "channel": "phone", "done_at": now.isoformat()}
            return c.post(f"/api/v1/jobs/{ref}/callbacks", json=body).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:  # both kinds interleaved
        futures = [(pool.submit(sign, ref), pool.submit(call_back, ref)) for ref in refs]
        signed = [s.result() for s, _ in futures]
        called = [c.result() for _, c in futures]
    assert signed == [201] * len(refs) and called == [201] * len(refs)
    with Session(live_server.engine) as session:
        assert session.exec(select(func.count()).select_from(Signature)).one() == len(refs)
