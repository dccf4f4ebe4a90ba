"""The stand-in's records of every model, in memory, with Odoo's read/write semantics:
ids per model, Odoo-shaped values out and Python values in, ``write_date`` stored with
microseconds and returned cut to whole seconds, search with domain, order, offset, limit."""

from __future__ import annotations

import html
import itertools
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from tests.support.odoo_standin.domain import compile_domain
from tests.support.odoo_standin.errors import MissingError, OdooException, OdooValueError
from tests.support.odoo_standin.models import (
    _COMMON,
    _SEL,
    ADDON_REQUEST_FIELDS,
    BASE_MODELS,
    D_FORMAT,
    DT_FORMAT,
    RECORD_METHODS,
    SERIES_FIELDS,
    FieldDef,
    _f,
)


class Store:
    """Records of every model, in memory, with Odoo's read/write semantics."""

    #: The record methods ``run_method`` carries out, with their positional parameters.
    METHODS = RECORD_METHODS

    def __init__(self, *, addon: bool, clock: Callable[[], datetime], major: int = 18) -> None:
        self.addon = addon
        self.clock = clock
        self.models: dict[str, dict[str, FieldDef]] = {
            name: {**_COMMON, **fields} for name, fields in BASE_MODELS.items()
        }
        if addon:
            self.models["maintenance.request"].update(ADDON_REQUEST_FIELDS)
            self.models["res.groups"]["callback_role"] = _f(
                "selection", selection=_SEL("manager", "supervisor", "lead")
            )
            self.models["mail.message"]["callback_marker"] = _f("char")
            self.models["mail.activity"]["callback_marker"] = _f("char")
            self.models["maintenance.callback.estate"] = {
                **_COMMON,
                "name": _f("char"),
                "code": _f("char"),
                "timezone": _f("char"),
            }
        self.records: dict[str, dict[int, dict[str, Any]]] = {m: {} for m in self.models}
        self._ids: dict[str, Iterator[int]] = {m: itertools.count(1) for m in self.models}
        self.lock = threading.RLock()
        self._major = 0
        self.major = major

    @property
    def major(self) -> int:
        """The Odoo series (17, 18, 19): its models' fields and how activities end."""
        return self._major

    @major.setter
    def major(self, value: int) -> None:
        for series, models in SERIES_FIELDS.items():
            for model, fields in models.items():
                for name, fdef in fields.items():
                    if value >= series:
                        self.models[model][name] = fdef
                    else:
                        self.models[model].pop(name, None)
        self._major = value

    # -- record methods -----------------------------------------------------------------
    def run_method(self, model: str, method: str, params: dict[str, Any], *, uid: int) -> Any:
        """Carry out one of ``METHODS`` (named parameters, ``ids`` first) as ``uid``."""
        if method == "action_feedback" and model == "mail.activity":
            ids = [int(i) for i in params.get("ids") or []]
            return self.action_feedback(ids, feedback=params.get("feedback") or "", uid=uid)
        raise AttributeError(f"The method '{method}' does not exist on the model '{model}'")

    def action_feedback(self, ids: list[int], *, feedback: str, uid: int) -> int | bool:
        """Odoo's ``mail.activity.action_feedback``: a "done" message on each activity's
        record (with the activity's type, its summary and the feedback), then, as in
        ``_action_done``: 17 and 18 delete the activity unless its type keeps done ones
        (``keep_done``, off for To-Do), which they archive; 19 archives every one and keeps
        the feedback on it. Archived: ``active`` off, ``date_done`` today. Returns the first
        message's id, or ``False``."""
        now = self.clock()
        author = (self.records["res.users"].get(uid) or {}).get("partner_id")
        messages: list[int] = []
        for rec in self.existing("mail.activity", ids):
            body = f"<p>{html.escape(rec.get('summary') or '')}</p>"
            if feedback:
                body += f"<div>{html.escape(str(feedback))}</div>"
            messages.append(
                self.insert(
                    "mail.message",
                    {
                        "model": rec["res_model"],
                        "res_id": rec["res_id"],
                        "body": body,
                        "message_type": "notification",
                        "author_id": author,
                        "mail_activity_type_id": rec.get("activity_type_id"),
                        "message_id": f"<{len(self.records['mail.message']) + 1}@standin>",
                    },
                    now=now,
                )
            )
            kind = self.records["mail.activity.type"].get(rec.get("activity_type_id") or 0)
            if self.major >= 19 or (kind and kind.get("keep_done")):
                rec.update(active=False, date_done=now.date(), write_date=now)
                if self.major >= 19 and feedback:
                    rec["feedback"] = str(feedback)
            else:
                del self.records["mail.activity"][rec["id"]]
        return messages[0] if messages else False

    # -- low level ----------------------------------------------------------------------
    def model(self, name: str) -> dict[str, FieldDef]:
        if name not in self.models:
            raise OdooException(f"Object {name} doesn't exist") from None
        return self.models[name]

    def insert(self, model: str, vals: dict[str, Any], *, now: datetime | None = None) -> int:
        """Store a record from Python values (ints for many2one, datetime, date...)."""
        fields = self.model(model)
        now = now or self.clock()
        rid = next(self._ids[model])
        rec: dict[str, Any] = {name: None for name in fields}
        rec.update(vals)
        rec["id"] = rid
        rec["create_date"] = now
        rec["write_date"] = now
        for name, fdef in fields.items():
            if fdef.type == "many2many" and rec[name] is None:
                rec[name] = []
            if fdef.type == "boolean" and rec[name] is None:
                rec[name] = name in {"active"}
        self.records[model][rid] = rec
        return rid

    def display_name(self, model: str, rid: int) -> str:
        rec = self.records[model].get(rid)
        if rec is None:
            return ""
        if model == "mail.activity":
            return rec.get("summary") or ""
        if model == "ir.model.data":
            return f"{rec['module']}.{rec['name']}"
        return str(rec.get("name") or rec.get("login") or f"{model},{rid}")

    def value_out(self, model: str, rec: dict[str, Any], name: str) -> Any:
        fdef = self.models[model][name]
        if name == "display_name":
            return self.display_name(model, rec["id"])
        if model == "maintenance.request" and name == "done":
            stage = self.records["maintenance.stage"].get(rec.get("stage_id") or 0)
            return bool(stage and stage["done"])
        if model == "maintenance.request" and name == "callback_resident_phone":
            partner = self.records["res.partner"].get(rec.get("callback_resident_id") or 0)
            return (partner and (partner["phone"] or partner["mobile"])) or False
        value = rec.get(name)
        if fdef.type == "many2one":
            if not value or value not in self.records[fdef.relation or ""]:
                return False
            return [value, self.display_name(fdef.relation or "", value)]
        if fdef.type == "many2many":
            return list(value or [])
        if fdef.type == "datetime":
            return value.strftime(DT_FORMAT) if value else False
        if fdef.type == "date":
            return value.strftime(D_FORMAT) if value else False
        if fdef.type == "boolean":
            return bool(value)
        if fdef.type == "integer":
            return value or 0
        if fdef.type in {"float", "monetary"}:
            return float(value or 0.0)
        return value if value not in (None, "") else False

    def value_in(self, model: str, name: str, value: Any) -> Any:
        fields = self.model(model)
        if name not in fields or name in {"id", "create_date", "write_date", "display_name"}:
            raise OdooValueError(f"Invalid field '{name}' on model '{model}'")
        fdef = fields[name]
        if value is False or value is None:
            return [] if fdef.type == "many2many" else (False if fdef.type == "boolean" else None)
        if fdef.type == "many2one":
            if isinstance(value, list):
                value = value[0]
            if not isinstance(value, int) or value not in self.records[fdef.relation or ""]:
                raise MissingError(
                    f"Record does not exist or has been deleted.\n"
                    f"(Record: {fdef.relation}({value},), User: 2)"
                )
            return value
        if fdef.type == "many2many":
            ids: list[int] = []
            for command in value:
                if isinstance(command, int):
                    ids.append(command)
                elif command[0] == 6:
                    ids = list(command[2])
                elif command[0] == 4:
                    ids.append(command[1])
            return ids
        if fdef.type == "datetime":
            try:
                return datetime.strptime(str(value), DT_FORMAT)
            except ValueError:
                raise OdooValueError(
                    f"time data '{value}' does not match format '{DT_FORMAT}'"
                ) from None
        if fdef.type == "date":
            try:
                return datetime.strptime(str(value)[:10], D_FORMAT).date()
            except ValueError:
                raise OdooValueError(
                    f"time data '{value}' does not match format '{D_FORMAT}'"
                ) from None
        if fdef.type == "selection" and fdef.selection is not None:
            if value not in {k for k, _ in fdef.selection}:
                raise OdooValueError(f"Wrong value for {model}.{name}: {value!r}")
        if fdef.type in {"float", "monetary"}:
            return float(value)
        return value

    # -- domains ------------------------------------------------------------------------
    def compile_domain(self, model: str, domain: list[Any]) -> Callable[[dict[str, Any]], bool]:
        return compile_domain(self, model, domain)

    def search(
        self,
        model: str,
        domain: list[Any],
        *,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
    ) -> list[dict[str, Any]]:
        self.model(model)
        pred = self.compile_domain(model, domain)
        found = [r for r in self.records[model].values() if pred(r)]
        if model in ACTIVE_TEST_MODELS and not _names_field(domain, "active"):
            found = [r for r in found if r.get("active")]
        keys = [p.strip().split() for p in (order or "id").split(",") if p.strip()]
        for key in reversed(keys):
            name, desc = key[0], len(key) > 1 and key[1].lower() == "desc"
            if name not in self.models[model]:
                raise OdooValueError(f"Invalid field {name!r} on model {model!r}")
            found.sort(key=lambda r, n=name: _sort_key(r.get(n)), reverse=desc)
        return found[offset : offset + limit if limit else None]

    def read(self, model: str, recs: list[dict[str, Any]], fields: list[str] | None) -> list[dict]:
        known = self.models[model]
        names = list(fields) if fields else [n for n in known if known[n].type != "binary"]
        for name in names:
            if name not in known:
                raise OdooValueError(f"Invalid field '{name}' on model '{model}'")
        out = []
        for rec in recs:
            row = {"id": rec["id"]}
            for name in names:
                if name != "id":
                    row[name] = self.value_out(model, rec, name)
            out.append(row)
        return out

    def existing(self, model: str, ids: list[int]) -> list[dict[str, Any]]:
        table = self.records[model]
        missing = [i for i in ids if i not in table]
        if missing:
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {model}({', '.join(map(str, missing))},), User: 2)"
            )
        return [table[i] for i in ids]


#: Models whose archived records a search leaves out, as Odoo's ``active_test`` does unless
#: the domain names ``active`` (only these: the server passes no context down here).
ACTIVE_TEST_MODELS = frozenset({"mail.activity"})


def _names_field(domain: list[Any], name: str) -> bool:
    return any(
        isinstance(term, (list, tuple)) and term and str(term[0]).split(".")[0] == name
        for term in domain
    )


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None or value is False:
        return (1, 0)  # PostgreSQL puts NULL last in ascending order
    if isinstance(value, list):
        return (0, value[0] if value else 0)
    return (0, value)
