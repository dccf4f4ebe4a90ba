"""The Odoo models the stand-in knows, with their fields, and Odoo's datetime formats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

DT_FORMAT = "%Y-%m-%d %H:%M:%S"
D_FORMAT = "%Y-%m-%d"


@dataclass
class FieldDef:
    type: str
    relation: str | None = None
    selection: list[tuple[str, str]] | None = None
    required: bool = False
    string: str = ""


def _f(type_: str, relation: str | None = None, **kw: Any) -> FieldDef:
    return FieldDef(type_, relation, **kw)


_COMMON = {
    "id": _f("integer"),
    "display_name": _f("char"),
    "create_date": _f("datetime"),
    "write_date": _f("datetime"),
}

BASE_MODELS: dict[str, dict[str, FieldDef]] = {
    "res.company": {
        "name": _f("char", required=True),
        "partner_id": _f("many2one", "res.partner"),
    },
    "res.partner": {
        "name": _f("char"),
        "phone": _f("char"),
        "mobile": _f("char"),
        "lang": _f("char"),
    },
    "res.groups": {"name": _f("char"), "users": _f("many2many", "res.users")},
    "res.users": {
        "name": _f("char"),
        "login": _f("char"),
        "active": _f("boolean"),
        "share": _f("boolean"),
        "groups_id": _f("many2many", "res.groups"),
        "partner_id": _f("many2one", "res.partner"),
        "company_id": _f("many2one", "res.company"),
        "lang": _f("char"),
    },
    "ir.model": {"model": _f("char"), "name": _f("char")},
    "ir.model.data": {
        "module": _f("char"),
        "name": _f("char"),
        "model": _f("char"),
        "res_id": _f("integer"),
    },
    "ir.module.module": {"name": _f("char"), "state": _f("char")},
    "maintenance.stage": {"name": _f("char"), "done": _f("boolean"), "sequence": _f("integer")},
    "maintenance.team": {"name": _f("char"), "company_id": _f("many2one", "res.company")},
    "maintenance.equipment.category": {"name": _f("char")},
    "maintenance.equipment": {
        "name": _f("char"),
        "category_id": _f("many2one", "maintenance.equipment.category"),
    },
    "maintenance.request": {
        "name": _f("char", required=True),
        "stage_id": _f("many2one", "maintenance.stage"),
        "done": _f("boolean"),
        "close_date": _f("date"),
        "request_date": _f("date"),
        "schedule_date": _f("datetime"),
        "category_id": _f("many2one", "maintenance.equipment.category"),
        "equipment_id": _f("many2one", "maintenance.equipment"),
        "maintenance_team_id": _f("many2one", "maintenance.team"),
        "company_id": _f("many2one", "res.company"),
        "user_id": _f("many2one", "res.users"),
        "owner_user_id": _f("many2one", "res.users"),
        "archive": _f("boolean"),
        "maintenance_type": _f(
            "selection", selection=[("corrective", "Corrective"), ("preventive", "Preventive")]
        ),
        "priority": _f("selection", selection=[(str(i), str(i)) for i in range(4)]),
        "description": _f("html"),
    },
    "mail.message": {
        "model": _f("char"),
        "res_id": _f("integer"),
        "body": _f("html"),
        "message_type": _f("char"),
        "author_id": _f("many2one", "res.partner"),
        "message_id": _f("char"),
        "mail_activity_type_id": _f("many2one", "mail.activity.type"),
    },
    # keep_done: a done activity of this type is archived, not deleted (17 and 18; To-Do
    # does not keep them)
    "mail.activity.type": {"name": _f("char"), "keep_done": _f("boolean")},
    "mail.activity": {
        "res_model_id": _f("many2one", "ir.model", required=True),
        "res_model": _f("char"),
        "res_id": _f("integer", required=True),
        "activity_type_id": _f("many2one", "mail.activity.type"),
        "user_id": _f("many2one", "res.users"),
        "date_deadline": _f("date", required=True),
        "summary": _f("char"),
        "note": _f("html"),
        "active": _f("boolean"),
        "date_done": _f("date"),
    },
    "ir.attachment": {
        "name": _f("char", required=True),
        "res_model": _f("char"),
        "res_id": _f("integer"),
        "datas": _f("binary"),
        "mimetype": _f("char"),
        "description": _f("text"),
    },
}

_SEL = lambda *v: [(x, x) for x in v]  # noqa: E731

ADDON_REQUEST_FIELDS: dict[str, FieldDef] = {
    "callback_estate_id": _f("many2one", "maintenance.callback.estate"),
    "callback_unit": _f("char"),
    "callback_resident_id": _f("many2one", "res.partner"),
    "callback_resident_phone": _f("char"),
    "callback_charge": _f("monetary"),
    "callback_category": _f("selection", selection=_SEL("safety", "leak", "general")),
    "callback_completed_at": _f("datetime"),
    "callback_deadline": _f("datetime"),
    "callback_state": _f(
        "selection", selection=_SEL("pending", "done", "overdue", "not_required", "cancelled")
    ),
    "callback_role": _f("selection", selection=_SEL("manager", "supervisor", "lead")),
    "callback_user_id": _f("many2one", "res.users"),
    "callback_last_at": _f("datetime"),
    "callback_last_by": _f("char"),
    "callback_satisfaction": _f(
        "selection", selection=_SEL("satisfied", "fairly_satisfied", "unsatisfied")
    ),
    "callback_rectification_state": _f("selection", selection=_SEL("none", "open", "done", "late")),
    "callback_receipt_attachment_id": _f("many2one", "ir.attachment"),
}


#: Record methods the store carries out itself (``Store.run_method``), with their positional
#: parameters as Odoo names them.
RECORD_METHODS: dict[str, tuple[str, ...]] = {
    "action_feedback": ("ids", "feedback", "attachment_ids"),
}
#: Fields a series adds to a model: Odoo 19 keeps a done activity's feedback on it.
SERIES_FIELDS: dict[int, dict[str, dict[str, FieldDef]]] = {
    19: {"mail.activity": {"feedback": _f("text")}},
}


def utc(text: str) -> datetime:
    """Parse Odoo's ``"YYYY-MM-DD HH:MM:SS"`` (UTC) into an aware datetime."""
    return datetime.strptime(text, DT_FORMAT).replace(tzinfo=UTC)
