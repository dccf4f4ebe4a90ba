"""The one interface the service uses to talk to Odoo, whatever the transport.

``OdooGateway`` lists what the service needs from Odoo: read repair requests in pages, read
users and their groups, write fields back, post a chatter message, schedule an activity and
mark activities done, attach a file, open a follow-up request. ``Odoo`` implements it on
top of a ``Transport`` (JSON-RPC through odoorpc for Odoo 16-19, or Odoo 19's JSON-2 API);
``connect`` (in ``service.odoo.connect``) picks the transport from the server's version and
builds an ``Odoo``.

Writes that create something in Odoo (messages, activities, attachments, requests) carry a
*marker*, a short text such as ``hf:cb-12`` stored inside the record, so that a retry after
a lost answer can find what the first attempt created instead of creating it twice.
"""

from __future__ import annotations

import base64
import html
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol, TypeVar, runtime_checkable

from service.odoo.errors import OdooCallError, OdooUnavailable
from service.odoo.transport import OdooVersion, Transport

log = logging.getLogger(__name__)

REQUEST_MODEL = "maintenance.request"
ESTATE_MODEL = "maintenance.callback.estate"
ADDON_MODULE = "maintenance_callback"

#: Fields read from every repair request, present in plain Odoo 17 and 18.
BASE_REQUEST_FIELDS: tuple[str, ...] = (
    "name",
    "stage_id",
    "write_date",
    "close_date",
    "category_id",
    "equipment_id",
    "maintenance_team_id",
    "company_id",
    "user_id",
    "archive",
    "maintenance_type",
)
#: Fields the ``maintenance_callback`` add-on adds and the service reads.
ADDON_READ_FIELDS: tuple[str, ...] = (
    "callback_estate_id",
    "callback_unit",
    "callback_resident_id",
    "callback_resident_phone",
    "callback_charge",
    "callback_category",
    "callback_completed_at",
)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class OdooUser:
    id: int
    name: str
    login: str
    active: bool
    group_ids: frozenset[int]
    #: External ids of the user's groups, e.g. ``maintenance.group_equipment_manager``.
    group_xmlids: frozenset[str] = field(default=frozenset())


@runtime_checkable
class OdooGateway(Protocol):
    """Everything the service asks of Odoo."""

    version: OdooVersion
    uid: int

    @property
    def has_addon(self) -> bool: ...

    def verify_login(self, login: str, password: str) -> int | None: ...

    def request_fields(self) -> list[str]: ...

    def search_requests(
        self, domain: list[Any], *, limit: int | None = None, order: str = "id asc"
    ) -> list[dict[str, Any]]: ...

    def read_requests(self, ids: Sequence[int]) -> list[dict[str, Any]]: ...

    def existing_request_ids(self, ids: Sequence[int]) -> set[int]: ...

    def search_read(
        self,
        model: str,
        domain: list[Any],
        fields: Sequence[str],
        *,
        limit: int | None = None,
        order: str | None = None,
        context: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]: ...

    def count_requests(self, domain: list[Any] | None = None) -> int: ...

    def user_language(self) -> str | None: ...

    def company_language(self) -> str | None: ...

    def users(self, ids: Sequence[int] | None = None) -> list[OdooUser]: ...

    def write_request(self, request_id: int, values: dict[str, Any]) -> dict[str, Any]: ...

    def post_message(
        self, request_id: int, *, body_html: str, body_text: str, marker: str
    ) -> int: ...

    def schedule_activity(
        self,
        request_id: int,
        *,
        user_id: int,
        due: date,
        summary: str,
        note: str,
        marker: str,
    ) -> int: ...

    def close_activities(
        self, request_id: int, *, markers: Sequence[str], feedback: str
    ) -> int: ...

    def attach_file(
        self, request_id: int, *, name: str, data: bytes, mimetype: str, marker: str
    ) -> int: ...

    def create_request(self, values: dict[str, Any], *, marker: str) -> int: ...

    def find_marked(self, kind: str, request_id: int, marker: str) -> int | None: ...

    def close(self) -> None: ...


_READ_METHODS = frozenset(
    {"search_read", "read", "search", "search_count", "fields_get", "context_get"}
)


class Odoo:
    """``OdooGateway`` over a ``Transport``; read calls are retried while Odoo is unreachable."""

    def __init__(
        self,
        transport: Transport,
        version: OdooVersion,
        *,
        read_attempts: int = 4,
        backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.transport = transport
        self.version = version
        self.read_attempts = max(1, read_attempts)
        self.backoff_seconds = backoff_seconds
        self._sleep = sleep
        self.uid = self._retry(transport.authenticate)
        self._fields: dict[str, dict[str, Any]] = {}
        self._xmlids: dict[str, int] = {}

    # -- plumbing ---------------------------------------------------------------------------
    def _retry(self, fn: Callable[[], T]) -> T:
        for attempt in range(1, self.read_attempts + 1):
            try:
                return fn()
            except OdooUnavailable as exc:
                if attempt == self.read_attempts:
                    raise
                delay = self.backoff_seconds * 2 ** (attempt - 1)
                log.warning("Odoo unreachable (%s); retry %d in %.1fs", exc, attempt, delay)
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def call(
        self,
        model: str,
        method: str,
        *,
        ids: Sequence[int] | None = None,
        context: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call any public model method; read-only methods are retried, writes are not."""

        def once() -> Any:
            return self.transport.call(model, method, ids=ids, kwargs=kwargs, context=context)

        if method in _READ_METHODS:
            return self._retry(once)
        return once()

    def fields(self, model: str) -> dict[str, Any]:
        if model not in self._fields:
            self._fields[model] = self.call(model, "fields_get", attributes=["type", "relation"])
        return self._fields[model]

    def external_ids(self, model: str, ids: Sequence[int]) -> dict[int, str]:
        """External ids (``module.name``) of records the caller may read.

        Through the public ``get_external_id`` method, not by reading ``ir.model.data``:
        only *Administration / Access Rights* may read that model, and the integration user
        must not need it. Returns ``{}`` when Odoo refuses (and says why in the log).
        """
        if not ids:
            return {}
        try:
            result = self.call(model, "get_external_id", ids=list(ids))
        except OdooCallError as exc:
            log.warning("cannot read the external ids of %s: %s", model, exc)
            return {}
        return {int(k): v for k, v in (result or {}).items() if v}

    def xmlid(self, xmlid: str, model: str) -> int | None:
        """The id of ``xmlid``, a record of ``model`` (searched among that model's records,
        so only for small models such as activity types or groups)."""
        if xmlid not in self._xmlids:
            ids = self.call(model, "search", domain=[], context={"active_test": False})
            for rid, name in self.external_ids(model, ids).items():
                self._xmlids.setdefault(name, rid)
            if xmlid not in self._xmlids:
                return None
        return self._xmlids[xmlid]

    # -- reading ----------------------------------------------------------------------------
    def user_language(self) -> str | None:
        """The language of the user the link signs in as (``res.users`` ``lang``), e.g. zh_CN:
        what an office sets so that the integration's changes read in its language."""
        rows = self.search_read("res.users", [("id", "=", self.uid)], ["lang"], limit=1)
        return (rows[0]["lang"] or None) if rows else None

    def company_language(self) -> str | None:
        """The language of the service user's company (its contact's ``lang``), e.g. zh_CN."""
        me = self.search_read("res.users", [("id", "=", self.uid)], ["company_id"], limit=1)
        company = me[0]["company_id"] if me else False
        if not company:
            return None
        rows = self.search_read("res.company", [("id", "=", company[0])], ["partner_id"], limit=1)
        partner = rows[0]["partner_id"] if rows else False
        if not partner:
            return None
        found = self.search_read("res.partner", [("id", "=", partner[0])], ["lang"], limit=1)
        return (found[0]["lang"] or None) if found else None

    def verify_login(self, login: str, password: str) -> int | None:
        """Check a person's own Odoo credentials (staff signing in to the phone pages)."""
        if not login or not password:
            return None
        return self._retry(lambda: self.transport.verify_login(login, password))

    @property
    def has_addon(self) -> bool:
        """The add-on is there when its fields are on ``maintenance.request``."""
        return "callback_completed_at" in self.fields(REQUEST_MODEL)

    def request_fields(self) -> list[str]:
        known = self.fields(REQUEST_MODEL)
        wanted = [*BASE_REQUEST_FIELDS, *(ADDON_READ_FIELDS if self.has_addon else ())]
        return [f for f in wanted if f in known]

    def search_requests(
        self, domain: list[Any], *, limit: int | None = None, order: str = "id asc"
    ) -> list[dict[str, Any]]:
        return self.call(
            REQUEST_MODEL,
            "search_read",
            domain=domain,
            fields=self.request_fields(),
            order=order,
            limit=limit,
        )

    def read_requests(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        """Read the given requests in one call; deleted ones are simply absent."""
        if not ids:
            return []
        return self.search_requests([("id", "in", list(ids))])

    def existing_request_ids(self, ids: Sequence[int]) -> set[int]:
        found: set[int] = set()
        chunk = 5000
        for start in range(0, len(ids), chunk):
            part = list(ids[start : start + chunk])
            found.update(self.call(REQUEST_MODEL, "search", domain=[("id", "in", part)]))
        return found

    def search_read(
        self,
        model: str,
        domain: list[Any],
        fields: Sequence[str],
        *,
        limit: int | None = None,
        order: str | None = None,
        context: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        return self.call(
            model,
            "search_read",
            domain=domain,
            fields=list(fields),
            limit=limit,
            order=order,
            context=context,
        )

    def count_requests(self, domain: list[Any] | None = None) -> int:
        return int(self.call(REQUEST_MODEL, "search_count", domain=domain or []))

    def users(self, ids: Sequence[int] | None = None) -> list[OdooUser]:
        """Users with their groups (``groups_id`` up to 18, ``group_ids`` from 19)."""
        user_fields = self.fields("res.users")
        groups_field = "groups_id" if "groups_id" in user_fields else "group_ids"
        domain: list[Any] = [("share", "=", False)]
        if ids is not None:
            domain = [("id", "in", list(ids))]
        rows = self.call(
            "res.users",
            "search_read",
            domain=domain,
            fields=["name", "login", "active", groups_field],
            context={"active_test": False},
        )
        group_ids = sorted({g for row in rows for g in row.get(groups_field) or []})
        names = self.group_xmlids(group_ids)
        return [
            OdooUser(
                id=row["id"],
                name=row.get("name") or "",
                login=row.get("login") or "",
                active=bool(row.get("active", True)),
                group_ids=frozenset(row.get(groups_field) or []),
                group_xmlids=frozenset(names[g] for g in row.get(groups_field) or [] if g in names),
            )
            for row in rows
        ]

    def group_xmlids(self, group_ids: Sequence[int]) -> dict[int, str]:
        """External ids of groups, without reading ``ir.model.data``: the add-on marks its
        role groups with ``res.groups.callback_role``; other groups (Maintenance's own) come
        from ``get_external_id``."""
        names: dict[int, str] = {}
        if not group_ids:
            return names
        if "callback_role" in self.fields("res.groups"):
            for row in self.call(
                "res.groups",
                "search_read",
                domain=[("id", "in", list(group_ids)), ("callback_role", "!=", False)],
                fields=["callback_role"],
            ):
                names[row["id"]] = f"{ADDON_MODULE}.group_callback_{row['callback_role']}"
        rest = [g for g in group_ids if g not in names]
        names.update(self.external_ids("res.groups", rest))
        return names

    # -- writing ----------------------------------------------------------------------------
    def write_request(self, request_id: int, values: dict[str, Any]) -> dict[str, Any]:
        """Write the values Odoo has fields for; returns what was written (may be empty)."""
        known = self.fields(REQUEST_MODEL)
        writable = {k: v for k, v in values.items() if k in known}
        skipped = sorted(set(values) - set(writable))
        if skipped:
            log.info("request %s: Odoo has no field %s; not written", request_id, skipped)
        if writable:
            self.call(REQUEST_MODEL, "write", ids=[request_id], vals=writable)
        return writable

    def post_message(self, request_id: int, *, body_html: str, body_text: str, marker: str) -> int:
        """Post a note in the request's chatter, the marker kept out of sight.

        With the add-on: formatted, through ``callback_post_message``, the marker stored in
        ``mail.message.callback_marker``. Without it: ``message_post`` (over RPC it escapes
        HTML, so plain text), the marker as the message's ``Message-Id``, a header field
        Odoo does not show."""
        if self.has_addon:
            result = self.call(
                REQUEST_MODEL,
                "callback_post_message",
                ids=[request_id],
                body_html=body_html,
                marker=marker,
            )
            if isinstance(result, list):
                result = result[0] if result else 0
            if isinstance(result, int) and not isinstance(result, bool) and result:
                return result
            return self.find_marked("message", request_id, marker) or 0
        return self.call(
            REQUEST_MODEL,
            "message_post",
            ids=[request_id],
            body=body_text,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            message_id=message_id_for(marker, request_id),
        )

    def schedule_activity(
        self,
        request_id: int,
        *,
        user_id: int,
        due: date,
        summary: str,
        note: str,
        marker: str,
    ) -> int:
        # ``activity_schedule`` over RPC creates the activity and then fails to marshal it:
        # create the ``mail.activity`` record directly. Its ``res_model_id`` comes from the
        # ``default_res_model`` context (Odoo resolves it): only administrators may read
        # ``ir.model``.
        vals: dict[str, Any] = {
            "res_id": request_id,
            "user_id": user_id,
            "date_deadline": due.isoformat(),
            "summary": summary,
            "note": note,
        }
        if self.has_addon and "callback_marker" in self.fields("mail.activity"):
            vals["callback_marker"] = marker
        else:
            vals["note"] = f"{note}<p><small>{html.escape(marker)}</small></p>"
        todo = self.xmlid("mail.mail_activity_data_todo", "mail.activity.type")
        if todo:
            vals["activity_type_id"] = todo
        return _first_id(
            self.call(
                "mail.activity",
                "create",
                vals_list=[vals],
                context={"default_res_model": REQUEST_MODEL},
            )
        )

    def close_activities(self, request_id: int, *, markers: Sequence[str], feedback: str) -> int:
        """Mark done the open activities on the request that carry one of ``markers``, with
        Odoo's ``action_feedback`` (a "done" note with ``feedback`` in the chatter; 17 and 18
        delete a To-Do activity then, 19 archives it). Returns how many were open: 0 when
        each is done or deleted already, so a repeat changes nothing."""
        if not markers:
            return 0
        terms: list[Any] = []
        if self.has_addon and "callback_marker" in self.fields("mail.activity"):
            terms.append(("callback_marker", "in", list(markers)))
        # without the add-on the marker closes the note: <small>marker</small>
        terms += [("note", "ilike", f">{html.escape(m)}<") for m in markers]
        domain: list[Any] = [
            ("res_model", "=", REQUEST_MODEL),
            ("res_id", "=", request_id),
            *["|"] * (len(terms) - 1),
            *terms,
        ]
        ids = self.call("mail.activity", "search", domain=domain)
        if not ids:
            return 0
        self.call("mail.activity", "action_feedback", ids=list(ids), feedback=feedback)
        return len(ids)

    def attach_file(
        self, request_id: int, *, name: str, data: bytes, mimetype: str, marker: str
    ) -> int:
        vals = {
            "name": name,
            "res_model": REQUEST_MODEL,
            "res_id": request_id,
            "datas": base64.b64encode(data).decode("ascii"),
            "mimetype": mimetype,
            "description": marker,
        }
        return _first_id(self.call("ir.attachment", "create", vals_list=[vals]))

    def create_request(self, values: dict[str, Any], *, marker: str) -> int:
        vals = dict(values)
        vals["description"] = f"{vals.get('description') or ''}<p>{marker}</p>"
        return _first_id(
            self.call(
                REQUEST_MODEL, "create", vals_list=[vals], context={"tracking_disable": False}
            )
        )

    def find_marked(self, kind: str, request_id: int, marker: str) -> int | None:
        """The id of what an earlier attempt created for ``marker``, if anything."""
        # Where the marker is: a field of the add-on, the Message-Id without it, or the text
        # (what earlier versions wrote).
        message_where: list[Any] = ["|", ("message_id", "=", message_id_for(marker, request_id))]
        activity_where: list[Any] = []
        if self.has_addon and "callback_marker" in self.fields("mail.message"):
            message_where = ["|", ("callback_marker", "=", marker), *message_where]
        if self.has_addon and "callback_marker" in self.fields("mail.activity"):
            activity_where = ["|", ("callback_marker", "=", marker)]
        domains: dict[str, tuple[str, list[Any]]] = {
            "message": (
                "mail.message",
                [
                    ("model", "=", REQUEST_MODEL),
                    ("res_id", "=", request_id),
                    *message_where,
                    ("body", "ilike", marker),
                ],
            ),
            "activity": (
                "mail.activity",
                [
                    ("res_model", "=", REQUEST_MODEL),
                    ("res_id", "=", request_id),
                    *activity_where,
                    ("note", "ilike", marker),
                ],
            ),
            "attachment": (
                "ir.attachment",
                [
                    ("res_model", "=", REQUEST_MODEL),
                    ("res_id", "=", request_id),
                    ("description", "=", marker),
                ],
            ),
            "request": (REQUEST_MODEL, [("description", "ilike", marker)]),
        }
        model, domain = domains[kind]
        ids = self.call(model, "search", domain=domain, limit=1, context={"active_test": False})
        return ids[0] if ids else None

    def close(self) -> None:
        self.transport.close()


def message_id_for(marker: str, request_id: int) -> str:
    """The ``Message-Id`` that carries ``marker`` on a note posted without the add-on
    (RFC 5322 dot-atoms: the marker's colons become dots)."""
    safe = "".join(c if c.isalnum() or c in "-_" else "." for c in marker)
    return f"<{safe}.{REQUEST_MODEL}-{int(request_id)}@huifang>"


def _first_id(result: Any) -> int:
    if isinstance(result, list):
        return int(result[0])
    return int(result)


def chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
