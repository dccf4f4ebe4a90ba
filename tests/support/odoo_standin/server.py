"""The stand-in Odoo itself: the HTTP server on loopback, its routes for each wire protocol
(JSON-RPC, XML-RPC, JSON-2, the version endpoints), the dispatch of services and ORM methods
onto the store, access checks, Odoo's error bodies and fault codes, and the faults tests
inject. See the package docstring for what is covered and what is left out on purpose."""

from __future__ import annotations

import html
import json
import threading
import time
import xmlrpc.client
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.odoo_standin import json2
from tests.support.odoo_standin.errors import (
    AccessDenied,
    AccessError,
    DatabaseMissing,
    MissingError,
    OdooException,
    OdooValueError,
    ValidationError,
)
from tests.support.odoo_standin.store import Store

_READ_METHODS = {
    "search_read",
    "search",
    "search_count",
    "read",
    "fields_get",
    "context_get",
    "get_external_id",
}
#: Groups whose members also get the groups they imply, as Odoo stores them.
IMPLIED_GROUPS = {
    "maintenance_callback.group_callback_manager": [
        "maintenance_callback.group_callback_supervisor"
    ],
    "maintenance_callback.group_callback_supervisor": ["maintenance_callback.group_callback_lead"],
}
#: Models only *Administration / Settings* may read, as in Odoo.
ADMIN_ONLY_MODELS = {"ir.model.data": "Model Data", "ir.model": "Models"}
_SIGNATURES: dict[str, tuple[str, ...]] = {
    "search_read": ("domain", "fields", "offset", "limit", "order"),
    "search": ("domain", "offset", "limit", "order"),
    "search_count": ("domain", "limit"),
    "read": ("ids", "fields"),
    "create": ("vals_list",),
    "write": ("ids", "vals"),
    "unlink": ("ids",),
    "fields_get": ("allfields", "attributes"),
    "message_post": ("ids",),
    "callback_post_message": ("ids", "body_html", "marker"),
    "get_external_id": ("ids",),
    "context_get": (),
}


@dataclass
class User:
    id: int
    login: str
    password: str
    api_keys: set[str] = field(default_factory=set)
    read_only: bool = False


# --------------------------------------------------------------------------------- faults
@dataclass
class FaultRule:
    kind: str  # http500 | http503 | drop | drop_after | odoo | slow
    model: str | None
    method: str | None
    skip: int
    times: int | None
    seconds: float = 0.0
    error: OdooException | None = None

    def matches(self, model: str | None, method: str | None) -> bool:
        return (self.model is None or self.model == model) and (
            self.method is None or self.method == method
        )


class Faults:
    """What the stand-in should get wrong next. Rules are tried in the order added."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def fail(
        self,
        kind: str = "http503",
        *,
        model: str | None = None,
        method: str | None = None,
        skip: int = 0,
        times: int | None = 1,
        error: OdooException | None = None,
    ) -> FaultRule:
        """Answer matching calls with ``kind``: ``http500``, ``http503``, ``drop`` (close the
        connection without an answer), ``drop_after`` (make the call, then close the
        connection: the answer is lost; JSON-RPC only) or ``odoo`` (``error``, an Odoo
        exception), after letting ``skip`` matching calls through, ``times`` times
        (``None``: until cleared)."""
        if kind == "odoo" and error is None:
            error = OdooException("Simulated failure")
        rule = FaultRule(kind, model, method, skip, times, error=error)
        with self._lock:
            self._rules.append(rule)
        return rule

    def slow(
        self,
        seconds: float,
        *,
        model: str | None = None,
        method: str | None = None,
        times: int | None = None,
    ) -> FaultRule:
        rule = FaultRule("slow", model, method, 0, times, seconds=seconds)
        with self._lock:
            self._rules.append(rule)
        return rule

    def down(self) -> None:
        self.fail("drop", times=None)

    def up(self) -> None:
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def pick(self, model: str | None, method: str | None) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if not rule.matches(model, method):
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self._rules.remove(rule)
                return rule
        return None


@dataclass(frozen=True)
class Call:
    path: str
    service: str
    model: str | None
    method: str | None
    uid: int | None


class _Drop(Exception):
    """Close the connection without answering."""


class _HttpError(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


# --------------------------------------------------------------------------------- server
class OdooStandIn:
    """Start with ``with OdooStandIn() as odoo: ...`` or ``start()``/``stop()``."""

    def __init__(
        self,
        *,
        version: str = "18.0",
        addon: bool = False,
        db: str = "odoo",
        other_databases: Sequence[str] = (),
        list_db: bool = True,
        dbfilter: str = ".*",
        login: str = "admin",
        password: str = "admin",
        api_key: str = "standin-api-key",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.version = version
        self.major = int(version.split(".")[0].removeprefix("saas~"))
        self.db = db
        #: Every database the server has; only ``db`` holds data and users.
        self.databases = [db, *other_databases]
        #: Odoo's ``list_db`` (``db.list`` refused when off) and ``dbfilter`` (the databases a
        #: request may open, a regular expression on the name).
        self.list_db = list_db
        self.dbfilter = dbfilter
        self.faults = Faults()
        self.calls: list[Call] = []
        self.store = Store(
            addon=addon,
            clock=clock or (lambda: datetime.now(UTC).replace(tzinfo=None)),
            major=self.major,
        )
        self.users: dict[int, User] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._seed(login, password, api_key)

    # -- data ---------------------------------------------------------------------------
    @property
    def addon(self) -> bool:
        return self.store.addon

    def _seed(self, login: str, password: str, api_key: str) -> None:
        s = self.store
        company_partner = s.insert("res.partner", {"name": "YourCompany", "lang": "en_US"})
        s.insert("res.company", {"name": "YourCompany", "partner_id": company_partner})
        for model in s.models:
            s.insert("ir.model", {"model": model, "name": model})
        groups = {
            "base.group_user": "Internal User",
            "base.group_system": "Settings",
            "maintenance.group_equipment_manager": "Equipment Manager",
        }
        if self.addon:
            groups.update(
                {
                    "maintenance_callback.group_callback_manager": "Callback: Manager",
                    "maintenance_callback.group_callback_supervisor": "Callback: Supervisor",
                    "maintenance_callback.group_callback_lead": "Callback: Maintenance Lead",
                    "maintenance_callback.group_callback_integration": "Callback Service "
                    "Integration",
                }
            )
        for xmlid, name in groups.items():
            vals: dict[str, Any] = {"name": name}
            role = xmlid.removeprefix("maintenance_callback.group_callback_")
            if self.addon and role in {"manager", "supervisor", "lead"}:
                vals["callback_role"] = role
            self.add_xmlid(xmlid, "res.groups", s.insert("res.groups", vals))
        todo = s.insert("mail.activity.type", {"name": "To-Do"})
        self.add_xmlid("mail.mail_activity_data_todo", "mail.activity.type", todo)
        s.insert("res.users", {"name": "OdooBot", "login": "__system__", "active": False})
        self.add_user(
            "Administrator",
            login,
            password=password,
            api_key=api_key,
            groups=["base.group_user", "base.group_system", "maintenance.group_equipment_manager"],
        )
        for name, state in (("base", "installed"), ("maintenance", "installed")):
            s.insert("ir.module.module", {"name": name, "state": state})
        s.insert(
            "ir.module.module",
            {"name": "maintenance_callback", "state": "installed" if self.addon else "uninstalled"},
        )
        for seq, (name, done) in enumerate(
            (("New Request", False), ("In Progress", False), ("Repaired", True), ("Scrap", True)),
            start=1,
        ):
            s.insert("maintenance.stage", {"name": name, "done": done, "sequence": seq})
        s.insert("maintenance.team", {"name": "Internal Maintenance", "company_id": 1})

    def add_xmlid(self, xmlid: str, model: str, res_id: int) -> None:
        module, _, name = xmlid.partition(".")
        self.store.insert(
            "ir.model.data", {"module": module, "name": name, "model": model, "res_id": res_id}
        )

    def group_id(self, xmlid: str) -> int:
        module, _, name = xmlid.partition(".")
        for rec in self.store.records["ir.model.data"].values():
            if rec["module"] == module and rec["name"] == name:
                return int(rec["res_id"])
        raise KeyError(xmlid)

    def add_user(
        self,
        name: str,
        login: str,
        *,
        password: str = "password",
        api_key: str | None = None,
        groups: list[str] = (),  # type: ignore[assignment]
        read_only: bool = False,
        lang: str = "zh_CN",
    ) -> int:
        with self.store.lock:
            partner = self.store.insert("res.partner", {"name": name})
            names = ["base.group_user", *groups]
            for name in names:
                names.extend(g for g in IMPLIED_GROUPS.get(name, []) if g not in names)
            group_ids = [self.group_id(g) for g in names]
            uid = self.store.insert(
                "res.users",
                {
                    "name": name,
                    "login": login,
                    "active": True,
                    "share": False,
                    "partner_id": partner,
                    "company_id": 1,
                    "groups_id": sorted(set(group_ids)),
                    "lang": lang,
                },
            )
            for gid in group_ids:
                users = self.store.records["res.groups"][gid]["users"]
                users.append(uid)
            self.users[uid] = User(uid, login, password, {api_key} if api_key else set(), read_only)
            return uid

    def has_group(self, uid: int, xmlid: str) -> bool:
        rec = self.store.records["res.users"].get(uid)
        return bool(rec) and self.group_id(xmlid) in (rec.get("groups_id") or [])

    def stage_id(self, name: str) -> int:
        for rec in self.store.records["maintenance.stage"].values():
            if rec["name"] == name:
                return int(rec["id"])
        raise KeyError(name)

    def create(self, model: str, vals: dict[str, Any]) -> int:
        """Create a record as an Odoo user would (Odoo-shaped values), outside any fault."""
        with self.store.lock:
            return self._create(model, [vals], uid=2)[0]

    def write(self, model: str, ids: list[int], vals: dict[str, Any]) -> None:
        with self.store.lock:
            self._write(model, ids, vals, uid=2)

    def unlink(self, model: str, ids: list[int]) -> None:
        with self.store.lock:
            for rid in ids:
                self.store.records[model].pop(rid, None)

    def read(self, model: str, ids: list[int], fields: list[str] | None = None) -> list[dict]:
        with self.store.lock:
            return self.store.read(model, self.store.existing(model, ids), fields)

    def search_read(
        self, model: str, domain: list[Any], fields: list[str] | None = None
    ) -> list[dict]:
        with self.store.lock:
            return self.store.read(model, self.store.search(model, domain), fields)

    def set_write_date(self, model: str, ids: list[int], moment: datetime) -> None:
        """For tests: pretend the records were last written at ``moment`` (naive UTC)."""
        with self.store.lock:
            for rid in ids:
                self.store.records[model][rid]["write_date"] = moment

    # -- ORM methods --------------------------------------------------------------------
    def _create(self, model: str, vals_list: list[dict[str, Any]], *, uid: int) -> list[int]:
        s = self.store
        fields = s.model(model)
        now = s.clock()
        ids = []
        for vals in vals_list:
            if not isinstance(vals, dict):
                raise OdooValueError("create() expects a dict or a list of dicts")
            clean = {name: s.value_in(model, name, value) for name, value in vals.items()}
            for name, fdef in fields.items():
                if fdef.required and clean.get(name) in (None, ""):
                    raise ValidationError(
                        f"The operation cannot be completed: Missing required fields on "
                        f"{model}: {name}"
                    )
            if model == "maintenance.request":
                clean.setdefault("stage_id", self.stage_id("New Request"))
                clean.setdefault("company_id", 1)
                clean.setdefault("maintenance_type", "corrective")
                clean.setdefault("request_date", now.date())
                self._stage_effects(clean, clean.get("stage_id"), now)
            if model == "mail.activity":
                res_model = s.records["ir.model"][clean["res_model_id"]]["model"]
                clean["res_model"] = res_model
                clean.setdefault("active", True)
                if clean["res_id"] not in s.records.get(res_model, {}):
                    raise MissingError("Record does not exist or has been deleted.")
            ids.append(s.insert(model, clean, now=now))
        return ids

    def _stage_effects(self, clean: dict[str, Any], stage_id: int | None, now: datetime) -> None:
        stage = self.store.records["maintenance.stage"].get(stage_id or 0)
        done = bool(stage and stage["done"])
        clean["close_date"] = now.date() if done else None
        if self.addon:
            clean["callback_completed_at"] = now.replace(microsecond=0) if done else None

    def _write(self, model: str, ids: list[int], vals: dict[str, Any], *, uid: int) -> bool:
        s = self.store
        recs = s.existing(model, ids)
        clean = {name: s.value_in(model, name, value) for name, value in vals.items()}
        now = s.clock()
        for rec in recs:
            update = dict(clean)
            if model == "maintenance.request" and "stage_id" in clean:
                old = s.records["maintenance.stage"].get(rec.get("stage_id") or 0)
                new = s.records["maintenance.stage"].get(clean["stage_id"] or 0)
                if bool(old and old["done"]) != bool(new and new["done"]):
                    self._stage_effects(update, clean["stage_id"], now)
            rec.update(update)
            rec["write_date"] = now
        return True

    def _post(
        self,
        model: str,
        ids: list[int],
        body: str,
        *,
        html_body: bool,
        uid: int,
        message_id: str | None = None,
        callback_marker: str | None = None,
    ) -> list[int]:
        s = self.store
        s.existing(model, ids)
        user = s.records["res.users"][uid]
        if not html_body:
            body = "<p>" + html.escape(str(body)).replace("\n", "<br>") + "</p>"
        return [
            s.insert(
                "mail.message",
                {
                    "model": model,
                    "res_id": rid,
                    "body": body,
                    "message_type": "comment",
                    "author_id": user["partner_id"],
                    "message_id": message_id or f"<{len(s.records['mail.message']) + 1}@standin>",
                    **({"callback_marker": callback_marker} if callback_marker else {}),
                },
            )
            for rid in ids
        ]

    def execute(
        self,
        uid: int,
        model: str,
        method: str,
        args: list[Any],
        kwargs: dict[str, Any],
        *,
        via_json2: bool = False,
    ) -> Any:
        s = self.store
        s.model(model)
        if method.startswith("_"):
            raise AccessError(
                f"Private methods (such as '{model}.{method}') cannot be called remotely."
            )
        user = self.users.get(uid)
        if model in ADMIN_ONLY_MODELS and not self.has_group(uid, "base.group_system"):
            raise AccessError(
                f"You are not allowed to access '{ADMIN_ONLY_MODELS[model]}' ({model}) "
                "records.\n\nThis operation is allowed for the following groups:\n"
                "\t- Administration/Settings\n\n"
                "Contact your administrator to request access if necessary."
            )
        if method not in _READ_METHODS and user is not None and user.read_only:
            label = model.replace(".", " ").title()
            raise AccessError(
                f"You are not allowed to modify '{label}' ({model}) records.\n\n"
                "This operation is allowed for the following groups:\n\t- Settings"
            )
        if method in s.METHODS:  # record methods the store carries out (action_feedback)
            params = dict(zip(s.METHODS[method], args, strict=False))
            params.update(kwargs)
            params.pop("context", None)
            return s.run_method(model, method, params, uid=uid)
        signature = _SIGNATURES.get(method)
        if signature is None:
            raise AttributeError(f"The method '{method}' does not exist on the model '{model}'")
        params = dict(zip(signature, args, strict=False))
        params.update(kwargs)
        context = params.pop("context", None) or {}
        if method == "search_read":
            recs = s.search(
                model,
                params.get("domain") or [],
                offset=params.get("offset") or 0,
                limit=params.get("limit") or None,
                order=params.get("order"),
            )
            return s.read(model, recs, params.get("fields"))
        if method == "search":
            recs = s.search(
                model,
                params.get("domain") or [],
                offset=params.get("offset") or 0,
                limit=params.get("limit") or None,
                order=params.get("order"),
            )
            return [r["id"] for r in recs]
        if method == "search_count":
            return len(s.search(model, params.get("domain") or []))
        if method == "read":
            table = s.records[model]
            recs = [table[i] for i in params.get("ids") or [] if i in table]
            return s.read(model, recs, params.get("fields"))
        if method == "create":
            if not args and not via_json2:
                # Odoo's call_kw takes create's values from args[0], even if named.
                raise IndexError("tuple index out of range")
            vals_list = params.get("vals_list")
            single = isinstance(vals_list, dict)
            vals_list = [vals_list] if single else list(vals_list or [])
            if model == "mail.activity" and context.get("default_res_model"):
                # as Odoo's mail.activity.default_get: the model id from default_res_model
                model_ids = [
                    r["id"]
                    for r in s.records["ir.model"].values()
                    if r["model"] == context["default_res_model"]
                ]
                vals_list = [
                    {"res_model_id": model_ids[0] if model_ids else None, **v} for v in vals_list
                ]
            created = self._create(model, vals_list, uid=uid)
            return created[0] if single else created
        if method == "write":
            return self._write(
                model, list(params.get("ids") or []), params.get("vals") or {}, uid=uid
            )
        if method == "unlink":
            for rec in s.existing(model, list(params.get("ids") or [])):
                del s.records[model][rec["id"]]
            return True
        if method == "fields_get":
            attrs = params.get("attributes") or ["type", "relation", "string", "selection"]
            out: dict[str, Any] = {}
            for name, fdef in s.models[model].items():
                desc = {
                    "type": fdef.type,
                    "relation": fdef.relation or False,
                    "string": fdef.string or name.replace("_", " ").title(),
                    "selection": [list(x) for x in fdef.selection or []],
                    "required": fdef.required,
                }
                if fdef.type != "many2one" and fdef.type != "many2many":
                    desc.pop("relation")
                if fdef.type != "selection":
                    desc.pop("selection")
                out[name] = {k: v for k, v in desc.items() if k in attrs}
            return out
        if method == "context_get":
            return {"lang": "en_US", "tz": "Asia/Shanghai", "uid": uid}
        if method == "message_post":
            if model != "maintenance.request":
                raise AttributeError(
                    f"The method 'message_post' does not exist on the model '{model}'"
                )
            ids = list(params.get("ids") or [])
            if len(ids) != 1:
                raise OdooValueError(f"Expected singleton: {model}({ids})")
            return self._post(
                model,
                ids,
                str(params.get("body") or ""),
                html_body=False,
                uid=uid,
                message_id=params.get("message_id") or None,
            )[0]
        if method == "callback_post_message":
            if not self.addon or model != "maintenance.request":
                raise AttributeError(
                    f"The method 'callback_post_message' does not exist on the model '{model}'"
                )
            ids = list(params.get("ids") or [])
            if len(ids) != 1:
                raise OdooValueError(f"Expected singleton: {model}({ids})")
            mark = params.get("marker") or None
            if mark:
                for msg in s.records["mail.message"].values():
                    if (
                        msg["model"] == model
                        and msg["res_id"] == ids[0]
                        and msg.get("callback_marker") == mark
                    ):
                        return msg["id"]
            return self._post(
                model,
                ids,
                str(params.get("body_html") or ""),
                html_body=True,
                uid=uid,
                callback_marker=mark,
            )[0]
        if method == "get_external_id":
            ids = [int(i) for i in params.get("ids") or []]
            names: dict[str, str] = {str(i): "" for i in ids}
            for data in s.records["ir.model.data"].values():
                if data["model"] == model and data["res_id"] in ids:
                    names[str(data["res_id"])] = f"{data['module']}.{data['name']}"
            return names
        raise AttributeError(f"The method '{method}' does not exist on the model '{model}'")

    # -- services -----------------------------------------------------------------------
    def version_info(self) -> dict[str, Any]:
        return {
            "server_version": self.version,
            "server_version_info": [self.major, 0, 0, "final", 0, ""],
            "server_serie": f"{self.major}.0",
            "protocol_version": 1,
        }

    def _check_db(self, db: str) -> None:
        if db not in self.databases:
            raise DatabaseMissing(
                'connection to server at "127.0.0.1", port 5432 failed: '
                f'FATAL:  database "{db}" does not exist'
            )

    def _auth(self, db: str, login_or_uid: Any, secret: str) -> int | None:
        self._check_db(db)
        if db != self.db:
            return None  # another database: none of these users is there
        for user in self.users.values():
            if user.id == login_or_uid or user.login == login_or_uid:
                if secret == user.password or secret in user.api_keys:
                    return user.id
                return None
        return None

    def dispatch(self, service: str, method: str, args: list[Any]) -> Any:
        if service == "common":
            if method == "version":
                return self.version_info()
            if method in {"authenticate", "login"}:
                db, login, secret = args[0], args[1], args[2]
                return self._auth(db, login, secret) or False
            raise OdooException(f"Method not available {method}")
        if service == "db":
            if method == "list":
                if not self.list_db:
                    raise AccessDenied()
                return list(self.databases)
            if method == "server_version":
                return self.version
            raise AccessDenied()
        if service == "object":
            if method == "execute_kw":
                db, uid, secret, model, meth = args[:5]
                margs = args[5] if len(args) > 5 else []
                mkwargs = args[6] if len(args) > 6 else {}
            elif method == "execute":
                db, uid, secret, model, meth, *margs = args
                mkwargs = {}
            else:
                raise OdooException(f"Method not available {method}")
            if self._auth(db, uid, secret) != uid:
                raise AccessDenied()
            return self._run(uid, model, meth, list(margs), dict(mkwargs or {}))
        raise OdooException(f"Unknown service {service}")

    def _run(
        self,
        uid: int,
        model: str,
        method: str,
        args: list[Any],
        kwargs: dict[str, Any],
        *,
        via_json2: bool = False,
    ) -> Any:
        with self.store.lock:
            return self.execute(uid, model, method, args, kwargs, via_json2=via_json2)

    # -- lifecycle ----------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self, port: int = 0) -> OdooStandIn:
        handler = type("Handler", (_Handler,), {"odoo": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> OdooStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    odoo: OdooStandIn
    protocol_version = "HTTP/1.1"
    # Answers go out at once: with Nagle's algorithm a kept-alive connection (XML-RPC, JSON-2)
    # waits ~40 ms per answer for the client's delayed ACK, as Odoo's own server does not.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: tests read ``server.calls`` instead."""

    # -- helpers ------------------------------------------------------------------------
    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, payload: Any, status: int = 200) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _fault(self, model: str | None, method: str | None) -> OdooException | None:
        rule = self.odoo.faults.pick(model, method)
        if rule is None:
            return None
        if rule.kind == "slow":
            time.sleep(rule.seconds)
            return None
        if rule.kind == "drop":
            raise _Drop()
        if rule.kind == "drop_after":
            self._drop_after = True
            return None
        if rule.kind in {"http500", "http502", "http503", "http504"}:
            raise _HttpError(int(rule.kind[4:]))
        return rule.error

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(2)
        except OSError:
            pass

    # -- routes -------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?")[0]
        if path == "/web/version" and self.odoo.major >= 19:
            info = self.odoo.version_info()
            self._json(
                {"version_info": info["server_version_info"], "version": info["server_version"]}
            )
            return
        self._send(404, b"<html><body>404 Not Found</body></html>", "text/html")

    def do_POST(self) -> None:  # noqa: N802
        path = self.path.split("?")[0]
        body = self._body()
        try:
            if path == "/web/webclient/version_info":
                self._fault(None, "version_info")
                req = json.loads(body or b"{}")
                self._json(
                    {"jsonrpc": "2.0", "id": req.get("id"), "result": self.odoo.version_info()}
                )
            elif path == "/jsonrpc":
                self._jsonrpc(body)
            elif path in {"/xmlrpc/2/common", "/xmlrpc/2/object", "/xmlrpc/2/db"}:
                self._xmlrpc(path.rsplit("/", 1)[1], body)
            elif path.startswith("/json/2/"):
                self._json2(path, body)
            else:
                self._send(404, b"<html><body>404 Not Found</body></html>", "text/html")
        except _Drop:
            self._drop()
        except _HttpError as exc:
            self._send(exc.status, f"<html>HTTP {exc.status}</html>".encode(), "text/html")

    def _record(
        self, path: str, service: str, model: str | None, method: str | None, uid: int | None
    ) -> None:
        self.odoo.calls.append(Call(path, service, model, method, uid))

    def _jsonrpc(self, body: bytes) -> None:
        req = json.loads(body)
        params = req.get("params") or {}
        service, method, args = (
            params.get("service"),
            params.get("method"),
            params.get("args") or [],
        )
        model = meth = None
        uid = None
        if service == "object" and len(args) >= 5:
            uid, model, meth = args[1], args[3], args[4]
        self._record("/jsonrpc", service, model, meth or method, uid)
        try:
            injected = self._fault(model, meth or method)
            if injected is not None:
                raise injected
            result = self.odoo.dispatch(service, method, args)
        except (OdooException, AttributeError, KeyError, TypeError, ValueError) as exc:
            self._json({"jsonrpc": "2.0", "id": req.get("id"), "error": _error_body(exc)})
            return
        if getattr(self, "_drop_after", False):
            self._drop_after = False
            raise _Drop()  # the call was made; its answer is lost
        self._json({"jsonrpc": "2.0", "id": req.get("id"), "result": result})

    def _xmlrpc(self, service: str, body: bytes) -> None:
        args, method = xmlrpc.client.loads(body, use_builtin_types=True)
        model = meth = uid = None
        if service == "object" and len(args) >= 5:
            uid, model, meth = args[1], args[3], args[4]
        self._record(f"/xmlrpc/2/{service}", service, model, meth or method, uid)
        try:
            injected = self._fault(model, meth or method)
            if injected is not None:
                raise injected
            result = self.odoo.dispatch(service, method or "", list(args))
            payload = xmlrpc.client.dumps((result,), methodresponse=True, allow_none=False)
        except OdooException as exc:
            payload = xmlrpc.client.dumps(xmlrpc.client.Fault(exc.xmlrpc_code, exc.message))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            payload = xmlrpc.client.dumps(
                xmlrpc.client.Fault(
                    1, f"Traceback (most recent call last):\n{type(exc).__name__}: {exc}"
                )
            )
        self._send(200, payload.encode(), "text/xml")

    def _json2(self, path: str, body: bytes) -> None:
        json2.serve(self, path, body)


def _error_body(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, OdooException):
        name, message = exc.name, exc.message
    else:
        name, message = f"builtins.{type(exc).__name__}", str(exc)
    return {
        "code": 200,
        "message": "Odoo Server Error",
        "data": {
            "name": name,
            "debug": f"Traceback (most recent call last):\n{name}: {message}\n",
            "message": message,
            "arguments": [message],
            "context": {},
        },
    }
