"""Odoo search domains over the store's records: ``& | !`` in prefix notation, leaves
``(path, operator, value)`` on plain and dotted (many2one) paths. ``compile_domain`` turns a
domain into a predicate on a stored record."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tests.support.odoo_standin.errors import OdooValueError
from tests.support.odoo_standin.models import D_FORMAT, DT_FORMAT, FieldDef

if TYPE_CHECKING:
    from tests.support.odoo_standin.store import Store


def compile_domain(store: Store, model: str, domain: list[Any]) -> Callable[[dict[str, Any]], bool]:
    items = list(domain or [])
    pos = 0

    def parse() -> Callable[[dict[str, Any]], bool]:
        nonlocal pos
        if pos >= len(items):
            raise OdooValueError(f"Invalid domain: {domain!r}")
        item = items[pos]
        pos += 1
        if item == "&" or item == "|":
            left, right = parse(), parse()
            if item == "&":
                return lambda r: left(r) and right(r)
            return lambda r: left(r) or right(r)
        if item == "!":
            inner = parse()
            return lambda r: not inner(r)
        return _term(store, model, item)

    preds = []
    while pos < len(items):
        preds.append(parse())
    if not preds:
        return lambda r: True
    if len(preds) == 1:
        return preds[0]
    return lambda r: all(p(r) for p in preds)


def _term(store: Store, model: str, term: Any) -> Callable[[dict[str, Any]], bool]:
    if term in (True, [1, "=", 1], (1, "=", 1)):
        return lambda r: True
    if not isinstance(term, list | tuple) or len(term) != 3:
        raise OdooValueError(f"Invalid leaf {term!r}")
    path, op, value = term
    names = str(path).split(".")
    getter = _getter(store, model, names)
    last_model, last_name = _resolve(store, model, names)
    fdef = store.models[last_model][last_name]
    if fdef.type == "datetime" and isinstance(value, str):
        value = datetime.strptime(value, DT_FORMAT)
    elif fdef.type == "date" and isinstance(value, str):
        value = datetime.strptime(value[:10], D_FORMAT).date()
    if fdef.type == "many2one" and isinstance(value, list | tuple) and op in {"=", "!="}:
        value = value[0]
    if value is False and fdef.type != "boolean":
        value = None
    return _operator(op, value, getter, fdef)


def _resolve(store: Store, model: str, names: list[str]) -> tuple[str, str]:
    current = model
    for i, name in enumerate(names):
        fields = store.models[current]
        if name not in fields:
            raise OdooValueError(f"Invalid field {current}.{name} in leaf")
        if i < len(names) - 1:
            current = fields[name].relation or ""
    return current, names[-1]


def _getter(store: Store, model: str, names: list[str]) -> Callable[[dict[str, Any]], Any]:
    if len(names) == 1:
        name = names[0]
        if model == "maintenance.request" and name == "done":
            return lambda r: store.value_out(model, r, "done")
        if name == "display_name":
            return lambda r: store.display_name(model, r["id"])
        return lambda r: r.get(name)
    head = names[0]
    relation = store.models[model][head].relation or ""
    rest = _getter(store, relation, names[1:])
    table = store.records[relation]

    def get(r: dict[str, Any]) -> Any:
        target = table.get(r.get(head) or 0)
        return rest(target) if target is not None else None

    return get


def _like(pattern: str, *, case: bool, raw: bool = False) -> re.Pattern[str]:
    if raw:
        regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
        return re.compile(f"^{regex}$", 0 if case else re.IGNORECASE | re.DOTALL)
    return re.compile(re.escape(pattern), 0 if case else re.IGNORECASE)


def _operator(op: str, value: Any, get: Callable[[dict[str, Any]], Any], fdef: FieldDef) -> Any:
    if fdef.type == "many2many" and op in {"in", "="}:
        wanted = set(value if isinstance(value, list | tuple) else [value])
        return lambda r: bool(wanted & set(get(r) or []))
    if op == "=":
        if value is None:
            return lambda r: get(r) in (None, False, "", [])
        return lambda r: get(r) == value
    if op == "!=":
        if value is None:
            return lambda r: get(r) not in (None, False, "", [])
        return lambda r: get(r) != value
    if op in {"in", "not in"}:
        values = set(value if isinstance(value, list | tuple) else [value])
        if op == "in":
            return lambda r: get(r) in values
        return lambda r: get(r) not in values
    if op in {"<", "<=", ">", ">="}:
        cmp = {
            "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b,
        }[op]

        def compare(r: dict[str, Any]) -> bool:
            v = get(r)
            return v is not None and v is not False and cmp(v, value)

        return compare
    if op in {"like", "ilike", "not ilike", "=like", "=ilike"}:
        pat = _like(str(value), case=op in {"like", "=like"}, raw=op.startswith("="))
        positive = op != "not ilike"

        def match(r: dict[str, Any]) -> bool:
            v = get(r)
            hit = bool(v) and bool(pat.search(str(v)))
            return hit if positive else not hit

        return match
    raise OdooValueError(f"Invalid operator {op!r}")
