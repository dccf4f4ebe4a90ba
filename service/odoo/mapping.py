"""From an Odoo ``maintenance.request`` record (as ``search_read`` returns it) to job fields.

Pure functions: no database, no network. Odoo 17 and 18 have the same field names (see
ODOO-NOTES.md). With the ``maintenance_callback`` add-on a request carries its estate,
unit, resident, charge, category and completion time; without it the mapping falls back on
the maintenance team or company (estate), the equipment category and the request's name
(category), and the request's ``write_date`` when first seen in a done stage (completion).
Whatever could not be mapped is listed in ``MappedRequest.notes`` for the log. Texts are cut
to the lengths of the jobs table's columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, NamedTuple

from service.domain.categories import DEFAULT_RULES, Category, CategoryRule, categorize
from service.models import Job

ODOO_DATETIME = "%Y-%m-%d %H:%M:%S"


def _column_length(name: str) -> int:
    length = Job.__table__.c[name].type.length  # type: ignore[attr-defined]
    assert isinstance(length, int), name
    return length


#: A job's text fields are cut to their columns' lengths (a longer value would be refused).
_LIMITS = {
    name: _column_length(name)
    for name in ("title", "erp_category", "worker", "unit", "resident_name", "resident_phone")
}


class RequestStatus(StrEnum):
    OPEN = "open"  # not in a done stage: no callback due (yet)
    DONE = "done"  # repaired: a callback is due
    NOT_REQUIRED = "not_required"  # done but scrapped: no callback by default
    ARCHIVED = "archived"


class CompletionSource(StrEnum):
    ADDON = "addon"  # the add-on's callback_completed_at
    WRITE_DATE = "write_date"  # write_date of the write first seen in a done stage
    CLOSE_DATE = "close_date"  # end of close_date's day: the request was edited after closing


class SkipRecord(ValueError):
    """The record cannot be used at all; the reason goes to the log and the sync goes on."""


@dataclass(frozen=True, slots=True)
class Stage:
    id: int
    name: str
    done: bool


@dataclass(frozen=True, slots=True)
class MappingConfig:
    """How requests become jobs. ``estate_map`` keys are team or company names."""

    estate_map: Mapping[str, str] = field(default_factory=dict)
    default_estate: str | None = None
    scrap_stages: frozenset[str] = frozenset({"scrap", "报废"})
    scrap_needs_callback: bool = False
    rules: Sequence[CategoryRule] = DEFAULT_RULES


class MappedRequest(NamedTuple):
    """One request as mapped (a tuple: made once per request read, it costs a third of a
    frozen dataclass)."""

    odoo_id: int
    write_date: datetime
    status: RequestStatus
    stage: str
    ref: str
    #: Job fields (``JobIn`` names) when the request is done; ``None`` otherwise.
    job: dict[str, Any] | None
    completion_source: CompletionSource | None
    notes: tuple[str, ...] = ()


def job_ref(odoo_id: int) -> str:
    return f"odoo-{odoo_id}"


def parse_odoo_datetime(value: Any) -> datetime | None:
    """Odoo's ``"YYYY-MM-DD HH:MM:SS"`` in UTC -> aware datetime; ``False``/empty -> None."""
    if not value:
        return None
    if not isinstance(value, str):
        raise SkipRecord(f"datetime expected, got {value!r}")
    if len(value) < 19 or value[10] != " ":
        raise SkipRecord(f"unreadable datetime {value!r}")
    try:  # fromisoformat: ten times faster than strptime, and this runs per record
        return datetime.fromisoformat(value[:19]).replace(tzinfo=UTC)
    except ValueError:
        raise SkipRecord(f"unreadable datetime {value!r}") from None


def format_odoo_datetime(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(ODOO_DATETIME)


def _parse_date(value: Any) -> date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def m2o(value: Any) -> tuple[int, str] | None:
    """Odoo's many2one ``[id, "name"]`` (or ``False``)."""
    if value is False:  # most of them: an empty many2one
        return None
    if isinstance(value, list | tuple) and len(value) == 2 and isinstance(value[0], int):
        return value[0], str(value[1] or "")
    return None


def _text(value: Any, limit: int) -> str | None:
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    return value[:limit] or None


def map_request(
    record: Mapping[str, Any],
    *,
    stages: Mapping[int, Stage],
    config: MappingConfig,
    has_addon: bool,
    estates: Mapping[int, str] | None = None,
    known_completion: tuple[datetime, CompletionSource] | None = None,
) -> MappedRequest:
    """Map one record. ``estates`` maps add-on estate ids to codes; ``known_completion`` is
    the completion time already recorded for this request (kept while it stays done).

    Raises ``SkipRecord`` when the record is unusable (no id, no write_date...)."""
    rid = record.get("id")
    if not isinstance(rid, int) or isinstance(rid, bool) or rid <= 0:
        raise SkipRecord(f"record without a valid id: {rid!r}")
    write_date = parse_odoo_datetime(record.get("write_date"))
    if write_date is None:
        raise SkipRecord(f"request {rid} has no write_date")
    notes: list[str] = []
    ref = job_ref(rid)

    stage_ref = m2o(record.get("stage_id"))
    stage = stages.get(stage_ref[0]) if stage_ref else None
    stage_name = stage.name if stage else (stage_ref[1] if stage_ref else "")
    if stage_ref and stage is None:
        notes.append(f"unknown stage {stage_ref[1]!r}: treated as not done")
    done = bool(stage and stage.done)

    if record.get("archive"):
        status = RequestStatus.ARCHIVED
    elif not done:
        status = RequestStatus.OPEN
    elif stage_name.casefold() in config.scrap_stages and not config.scrap_needs_callback:
        status = RequestStatus.NOT_REQUIRED
    else:
        status = RequestStatus.DONE

    if not done:
        return MappedRequest(rid, write_date, status, stage_name, ref, None, None, tuple(notes))

    # -- completion time
    completed_at: datetime | None = None
    source: CompletionSource | None = None
    if has_addon:
        completed_at = parse_odoo_datetime(record.get("callback_completed_at"))
        source = CompletionSource.ADDON if completed_at else None
        if completed_at is None:
            notes.append("add-on completion time empty: using write_date")
    if completed_at is None and known_completion is not None:
        completed_at, source = known_completion
    if completed_at is None:
        completed_at, source = write_date, CompletionSource.WRITE_DATE
        closed_on = _parse_date(record.get("close_date"))
        if closed_on is not None and closed_on < write_date.date():
            # Edited after it was closed: the write_date is not the completion. The latest
            # instant consistent with the close date is the end of that (UTC) day.
            end_of_day = datetime.combine(closed_on, time(23, 59, 59), tzinfo=UTC)
            completed_at, source = min(end_of_day, write_date), CompletionSource.CLOSE_DATE

    # -- estate
    estate: str | None = None
    if has_addon:
        est = m2o(record.get("callback_estate_id"))
        if est:
            estate = (estates or {}).get(est[0])
            if estate is None:
                notes.append(f"add-on estate {est[1]!r} has no code")
    if estate is None:
        team = m2o(record.get("maintenance_team_id"))
        company = m2o(record.get("company_id"))
        for candidate in (team, company):
            if candidate and candidate[1] in config.estate_map:
                estate = config.estate_map[candidate[1]]
                break
    if estate is None:
        estate = config.default_estate
    if estate is None:
        team = m2o(record.get("maintenance_team_id"))
        company = m2o(record.get("company_id"))
        raise SkipRecord(
            f"request {rid}: no estate (team {team[1] if team else None!r}, company "
            f"{company[1] if company else None!r}; set the add-on's estate or "
            "HUIFANG_ODOO_ESTATE_MAP)"
        )

    # -- category
    title = _text(record.get("name"), _LIMITS["title"])
    equipment_category = m2o(record.get("category_id"))
    equipment = m2o(record.get("equipment_id"))
    erp_category = equipment_category[1] if equipment_category else None
    category: Category | None = None
    addon_category = record.get("callback_category") if has_addon else None
    if addon_category:
        try:
            category = Category(addon_category)
        except ValueError:
            notes.append(f"unknown add-on category {addon_category!r}: derived instead")
    if category is None:
        category = categorize(
            erp_category, equipment[1] if equipment else None, title, rules=config.rules
        )

    # -- resident, unit, charge, worker
    job: dict[str, Any] = {
        "ref": ref,
        "estate": estate,
        "title": title,
        "category": category.value,
        "erp_category": _text(erp_category, _LIMITS["erp_category"]),
        "completed_at": completed_at,
        "worker": _text((m2o(record.get("user_id")) or (0, ""))[1], _LIMITS["worker"]),
        "unit": None,
        "resident_name": None,
        "resident_phone": None,
        "charge": None,
    }
    if has_addon:
        job["unit"] = _text(record.get("callback_unit"), _LIMITS["unit"])
        resident = m2o(record.get("callback_resident_id"))
        job["resident_name"] = _text(resident[1], _LIMITS["resident_name"]) if resident else None
        job["resident_phone"] = _text(
            record.get("callback_resident_phone"), _LIMITS["resident_phone"]
        )
        job["charge"] = _money(record.get("callback_charge"), notes)
    else:
        notes.append("no add-on: unit, resident and charge unknown")
    return MappedRequest(rid, write_date, status, stage_name, ref, job, source, tuple(notes))


def _money(value: Any, notes: list[str]) -> Decimal | None:
    if value in (None, False, 0, 0.0):
        return None  # Odoo returns 0.0 for an empty monetary field
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        notes.append(f"unreadable charge {value!r}")
        return None
    if amount < 0:
        notes.append(f"negative charge {value!r} ignored")
        return None
    return amount
