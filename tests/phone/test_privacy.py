"""Residents' personal data kept as the law asks: the audit chain never holds a resident's
name or phone as such; a purge (command, or the scheduler once the retention period ended)
removes names, phone numbers and signature images, keeps their hashes, and the chain still
verifies, counting the purged signatures; a signature emptied behind the service's back is
caught."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from service.config import Settings
from service.models import AuditLog, Job, Signature
from service.scheduler import run_cycle
from service.usecases.evidence import verify
from service.usecases.privacy import purge, retention_cutoff

from .helpers import JOB_REF, post_json, resident_body, setup_job, token
from .test_audit_chain import behind_the_back, history  # noqa: F401 - the fixture


def test_the_chain_never_holds_a_residents_name_or_phone(history, engine, client, now):  # noqa: F811
    # the resident's own unsatisfied answer opens a rectification found by them
    body = resident_body(satisfaction="unsatisfied", submission_key="resident-key-0002")
    answer = post_json(client, f"/r/{token('resident', now, ref='YG-0')}", body)
    assert answer.status_code == 201, answer.text
    with Session(engine) as session:
        details = [e.detail for e in session.exec(select(AuditLog)).all() if e.detail]
    text = str(details)
    assert "13812345678" not in text and "王女士" not in text
    created = next(d for d in details if d.get("ref") == JOB_REF)
    assert created["resident_phone"].startswith("hmac-sha256:")


def test_a_purge_empties_personal_data_and_the_chain_still_verifies(history, engine, now):  # noqa: F811
    with Session(engine, expire_on_commit=False) as session:
        report = purge(session=session, before=now, actor="test", now=now)
        job = session.exec(select(Job).where(Job.ref == JOB_REF)).one()
        sig = session.exec(select(Signature)).one()
        later = session.exec(select(Job).where(Job.ref == "YG-0")).one()
        checked = verify(session)
    assert report.jobs == 1 and report.signatures == 1  # YG-* were completed at ``now``
    assert (job.resident_name, job.resident_phone, job.purged_at) == (None, None, now)
    assert sig.png is None and sig.strokes is None and sig.signer_name is None
    assert sig.sha256 and sig.evidence_sha256 and sig.satisfaction == "satisfied"
    assert later.resident_phone is None or later.purged_at is None
    assert checked.intact, checked.problems
    assert checked.purged == 1 and checked.signatures == 0
    assert checked.summary().endswith("chain intact; 0 signatures match; 1 purged")
    with Session(engine) as session:
        entry = session.exec(select(AuditLog).where(AuditLog.action == "privacy.purged")).one()
    assert entry.detail["jobs"] == [JOB_REF] and entry.detail["signatures"] == [sig.id]


def test_a_signature_emptied_behind_the_services_back_is_caught(history, engine, now):  # noqa: F811
    behind_the_back(engine, "UPDATE signatures SET png = NULL, strokes = NULL")
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE signatures SET purged_at = :t"), {"t": now.replace(tzinfo=None)}
        )
    with Session(engine) as session:
        checked = verify(session)
    assert not checked.intact
    assert "was emptied without a purge in the audit log" in checked.problems[0]


def test_the_scheduler_purges_once_the_retention_period_ended(client, engine, now):
    setup_job(client, now)
    assert post_json(client, f"/r/{token('resident', now)}", resident_body()).status_code == 201
    settings = Settings(retention_years=3)
    run_cycle(engine, settings, now + timedelta(days=3 * 365))  # not yet: 3 calendar years
    with Session(engine) as session:
        assert session.exec(select(Job)).one().purged_at is None
    run_cycle(engine, settings, now + timedelta(days=3 * 366))
    with Session(engine) as session:
        job = session.exec(select(Job)).one()
        assert job.purged_at is not None and job.resident_phone is None
        assert session.exec(select(Signature)).one().png is None
        assert verify(session).intact


def test_the_retention_cutoff_is_calendar_years():
    leap = datetime(2028, 2, 29, 12, 0, tzinfo=UTC)
    assert retention_cutoff(leap, 3) == datetime(2025, 2, 28, 12, 0, tzinfo=UTC)
    assert retention_cutoff(datetime(2026, 5, 1, tzinfo=UTC), 3) == datetime(2023, 5, 1, tzinfo=UTC)


def test_the_resident_page_says_what_is_kept_why_and_for_how_long(client, now):
    setup_job(client, now)
    page = client.get(f"/r/{token('resident', now)}")
    assert page.status_code == 200
    assert "维修完成 3 年后，姓名、电话和签名图像将被删除" in page.text
    english = client.get(f"/r/{token('resident', now)}", params={"lang": "en"})
    assert "3 years after the repair your name, phone number and signature image are deleted" in (
        english.text
    )


def test_a_pack_of_a_purged_month_verifies_and_counts_the_purge(history, engine, now, tmp_path):  # noqa: F811
    from service.usecases.evidence_pack import export_pack, verify_pack
    from service.web.ledger import to_csv

    with Session(engine) as session:
        purge(session=session, before=now, actor="test", now=now)
        export_pack(
            session, estate_code="YGHY", period="2026-05", out=tmp_path / "p.zip", ledger_csv=to_csv
        )
    checked = verify_pack(tmp_path / "p.zip")
    assert checked.intact, checked.problems
    assert checked.purged == 1 and "1 purged; pack:" in checked.summary()


def test_a_purged_receipt_still_checks_by_its_kept_hashes(history, engine, now, client):  # noqa: F811
    from service.config import get_settings
    from service.usecases.receipt_check import receipt_code

    with Session(engine) as session:
        purge(session=session, before=now, actor="test", now=now)
        sig_id = session.exec(select(Signature.id)).one()
    page = client.get(f"/v/{receipt_code(get_settings(), sig_id)}")
    assert page.status_code == 200
    assert "签名与回执一致" in page.text and 'id="check-purged"' in page.text
