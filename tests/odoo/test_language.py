"""HUIFANG_ODOO_LANGUAGE=auto: the notes follow the integration user's language, then the
company's, then Chinese; resolved once per pass of the link, not once per note."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from service.config import Settings
from service.models import Job
from service.odoo.link import sync_once
from service.odoo.settings import note_language
from service.schemas import CallbackIn
from service.usecases.callbacks import record_callback

from .conftest import API_KEY

ADMIN = 2  # the stand-in's integration user (login admin)
COMPANY_PARTNER = 1


def link_settings(odoo, **kw) -> Settings:
    values = {
        "odoo_url": odoo.url,
        "odoo_db": odoo.db,
        "odoo_user": "admin",
        "odoo_api_key": API_KEY,
        "odoo_timeout": 5.0,
        "odoo_default_estate": "E1",
        "odoo_lookback_seconds": 0,
    }
    return Settings(**(values | kw))


def languages(odoo, *, user, company) -> None:
    odoo.write("res.users", [ADMIN], {"lang": user})
    odoo.write("res.partner", [COMPANY_PARTNER], {"lang": company})


def called_back(engine, rid: int) -> None:
    with Session(engine, expire_on_commit=False) as session:
        job = session.exec(select(Job).where(Job.ref == f"odoo-{rid}")).one()
        record_callback(
            session=session,
            ref=job.ref,
            cb_in=CallbackIn(
                role="supervisor",
                staff="Zhang",
                channel="phone",
                done_at=job.completed_at + timedelta(minutes=1),
                satisfaction="satisfied",
            ),
            now=datetime.now(UTC) + timedelta(minutes=1),
            actor="test",
        )


def note_after_a_callback(odoo, engine, settings: Settings) -> str:
    """Sync a done request, call it back, sync again: the chatter note written."""
    rid = odoo.create("maintenance.request", {"name": "Tap", "stage_id": odoo.stage_id("Repaired")})
    sync_once(engine=engine, settings=settings)
    called_back(engine, rid)
    report = sync_once(engine=engine, settings=settings)
    assert not report.delivery.errors
    (note,) = odoo.search_read(
        "mail.message", [("res_id", "=", rid), ("message_type", "=", "comment")], ["body"]
    )
    return note["body"]


@pytest.mark.parametrize(
    ("user", "company", "chinese"),
    [
        ("zh_CN", "en_US", True),  # Chinese loaded: the company's contact stays en_US
        ("en_US", "zh_CN", False),
        (False, "en_US", False),  # no language on the user: the company's
        (False, "zh_CN", True),
        (False, False, True),  # Odoo says nothing: Chinese
    ],
)
def test_auto_notes_follow_the_integration_user_then_the_company_then_chinese(
    odoo, engine, estates, user, company, chinese
):
    languages(odoo, user=user, company=company)
    body = note_after_a_callback(odoo, engine, link_settings(odoo))
    if chinese:
        assert "回访记录" in body and "满意度：满意" in body
    else:
        assert "Callback" in body and "Satisfaction: satisfied" in body
        assert "回访" not in body


@pytest.mark.parametrize(
    ("user", "company", "expected", "source"),
    [
        ("zh_CN", "en_US", "zh_CN", "user"),
        ("zh_TW", "en_US", "zh_CN", "user"),
        ("en_GB", "zh_CN", "en", "user"),
        ("fr_FR", "zh_CN", "en", "user"),  # a language without texts of its own: English
        (False, "en_US", "en", "company"),
        (False, False, "zh_CN", "default"),
    ],
)
def test_zh_languages_read_chinese_and_every_other_english(
    odoo, gateway_for, user, company, expected, source
):
    languages(odoo, user=user, company=company)
    found = note_language(link_settings(odoo), gateway_for(odoo))
    assert (found.language, found.source) == (expected, source)
    assert found.odoo_lang == (user or company or None)


@pytest.mark.parametrize("setting", ["zh_CN", "en"])
def test_a_language_set_in_the_service_wins_without_asking_odoo(odoo, gateway_for, setting):
    languages(odoo, user="en_US" if setting == "zh_CN" else "zh_CN", company=False)
    gateway = gateway_for(odoo)
    before = len(odoo.calls)
    found = note_language(link_settings(odoo, odoo_language=setting), gateway)
    assert (found.language, found.source) == (setting, "setting")
    assert len(odoo.calls) == before


def test_the_language_is_resolved_once_a_pass_not_once_a_note(odoo, engine, estates):
    """The company's language (read only for the fallback) is asked once in a pass that
    writes three notes."""
    languages(odoo, user=False, company="en_US")
    settings = link_settings(odoo)
    rids = [
        odoo.create(
            "maintenance.request", {"name": f"Tap {n}", "stage_id": odoo.stage_id("Repaired")}
        )
        for n in range(3)
    ]
    sync_once(engine=engine, settings=settings)
    for rid in rids:
        called_back(engine, rid)
    odoo.calls.clear()
    sync_once(engine=engine, settings=settings)
    notes = odoo.search_read(
        "mail.message", [("res_id", "in", rids), ("message_type", "=", "comment")], ["body"]
    )
    assert len(notes) == 3 and all("Satisfaction: satisfied" in n["body"] for n in notes)
    assert [c.method for c in odoo.calls if c.model == "res.company"] == ["search_read"]
