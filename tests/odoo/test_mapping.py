"""From Odoo request records to job fields (Odoo 17/18 shapes, with and without add-on)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from service.odoo.mapping import (
    CompletionSource,
    MappingConfig,
    RequestStatus,
    SkipRecord,
    Stage,
    map_request,
)
from service.schemas import JobIn

STAGES = {
    1: Stage(1, "New Request", False),
    2: Stage(2, "In Progress", False),
    3: Stage(3, "Repaired", True),
    4: Stage(4, "Scrap", True),
}
CONFIG = MappingConfig(estate_map={"Building A Team": "E1", "Harbour Co": "E2"})


def record(**kw):
    base = {
        "id": 7,
        "name": "Kitchen tap dripping",
        "stage_id": [3, "Repaired"],
        "write_date": "2026-05-10 06:30:15",
        "close_date": "2026-05-10",
        "category_id": False,
        "equipment_id": False,
        "maintenance_team_id": [1, "Building A Team"],
        "company_id": [1, "Harbour Co"],
        "user_id": [5, "Wang Wei"],
        "archive": False,
        "maintenance_type": "corrective",
    }
    base.update(kw)
    return base


def mapped(rec, **kw):
    return map_request(
        rec, stages=STAGES, config=kw.pop("config", CONFIG), has_addon=kw.pop("addon", False), **kw
    )


def test_done_request_without_addon_completes_at_its_write_date():
    m = mapped(record())
    assert m.status is RequestStatus.DONE and m.ref == "odoo-7"
    assert m.job["completed_at"] == datetime(2026, 5, 10, 6, 30, 15, tzinfo=UTC)
    assert m.completion_source is CompletionSource.WRITE_DATE
    assert m.job["estate"] == "E1" and m.job["category"] == "leak" and m.job["worker"] == "Wang Wei"
    assert any("unit, resident and charge unknown" in n for n in m.notes)


def test_edited_after_closing_completes_at_the_end_of_the_close_day():
    m = mapped(record(write_date="2026-05-12 09:00:00", close_date="2026-05-10"))
    assert m.job["completed_at"] == datetime(2026, 5, 10, 23, 59, 59, tzinfo=UTC)
    assert m.completion_source is CompletionSource.CLOSE_DATE


def test_a_completion_already_recorded_is_kept():
    first = datetime(2026, 5, 9, 1, 0, tzinfo=UTC)
    m = mapped(record(), known_completion=(first, CompletionSource.WRITE_DATE))
    assert m.job["completed_at"] == first


@pytest.mark.parametrize(
    ("stage", "archive", "status"),
    [
        ([1, "New Request"], False, RequestStatus.OPEN),
        ([2, "In Progress"], False, RequestStatus.OPEN),
        ([3, "Repaired"], False, RequestStatus.DONE),
        ([4, "Scrap"], False, RequestStatus.NOT_REQUIRED),
        ([3, "Repaired"], True, RequestStatus.ARCHIVED),
        ([99, "Mystery"], False, RequestStatus.OPEN),
    ],
)
def test_status_follows_stage_and_archive(stage, archive, status):
    assert mapped(record(stage_id=stage, archive=archive)).status is status


def test_scrap_can_be_configured_to_need_a_callback():
    config = MappingConfig(estate_map=CONFIG.estate_map, scrap_needs_callback=True)
    assert mapped(record(stage_id=[4, "Scrap"]), config=config).status is RequestStatus.DONE


def test_category_from_equipment_category_and_name():
    m = mapped(record(name="Check unit", category_id=[2, "Fire extinguishers"]))
    assert m.job["category"] == "safety" and m.job["erp_category"] == "Fire extinguishers"
    assert mapped(record(name="粉刷墙面")).job["category"] == "general"


def test_text_fields_are_cut_to_their_columns_lengths():
    category = "消防设备" * 70  # 280 characters; the column holds 200
    rec = record(
        name="x" * 400,
        category_id=[2, category],
        user_id=[5, "王" * 150],
        callback_unit="1" * 150,
        callback_resident_id=[8, "李" * 150],
        callback_resident_phone="1" * 60,
    )
    job = mapped(rec, addon=True, config=MappingConfig(default_estate="E1")).job
    assert job["erp_category"] == category[:200] and job["title"] == "x" * 300
    assert (job["worker"], job["unit"]) == ("王" * 100, "1" * 100)
    assert (job["resident_name"], job["resident_phone"]) == ("李" * 100, "1" * 40)
    JobIn.model_validate(job)  # every field within its limit: the job is not skipped


def test_estate_falls_back_from_team_to_company_to_default():
    assert mapped(record(maintenance_team_id=False)).job["estate"] == "E2"
    with pytest.raises(SkipRecord, match="no estate"):
        mapped(record(maintenance_team_id=[9, "Other"], company_id=[2, "Other Co"]))
    config = MappingConfig(default_estate="E9")
    assert mapped(record(maintenance_team_id=False), config=config).job["estate"] == "E9"


def test_the_addon_fields_win():
    rec = record(
        callback_estate_id=[3, "翠苑小区"],
        callback_unit="3栋2单元1201",
        callback_resident_id=[8, "李女士"],
        callback_resident_phone="13800000000",
        callback_charge=35.5,
        callback_category="safety",
        callback_completed_at="2026-05-10 06:00:00",
    )
    m = mapped(rec, addon=True, estates={3: "CY"})
    assert m.job["estate"] == "CY" and m.job["category"] == "safety"
    assert m.job["unit"] == "3栋2单元1201" and m.job["resident_name"] == "李女士"
    assert m.job["resident_phone"] == "13800000000" and m.job["charge"] == Decimal("35.50")
    assert m.completion_source is CompletionSource.ADDON
    assert m.job["completed_at"] == datetime(2026, 5, 10, 6, 0, tzinfo=UTC)


def test_addon_without_completion_time_falls_back_and_says_so():
    m = mapped(record(callback_completed_at=False, callback_estate_id=False), addon=True)
    assert m.completion_source is CompletionSource.WRITE_DATE
    assert any("completion time empty" in n for n in m.notes)


@pytest.mark.parametrize(
    "bad",
    [{"id": False}, {"id": "7"}, {"write_date": False}, {"write_date": "yesterday"}],
)
def test_unusable_records_are_skipped_with_a_reason(bad):
    with pytest.raises(SkipRecord):
        mapped(record(**bad))
