"""``huifang doctor``'s checks of the Odoo link: the server and its version, the transport, the
integration user's sign-in and rights, the ``maintenance_callback`` add-on and its version,
and the language the notes will be written in.

Each step needs the one before; a step that cannot run is reported as skipped. Nothing is
written to Odoo: rights are asked (``check_access_rights`` up to Odoo 18, ``has_access`` from
19), not tried.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from service.config import Settings
from service.odoo.connect import choose_transport, connect, detect_version
from service.odoo.errors import (
    OdooAuthError,
    OdooCallError,
    OdooConfigError,
    OdooDatabaseError,
    OdooError,
    OdooUnavailable,
)
from service.odoo.gateway import ADDON_MODULE, REQUEST_MODEL, Odoo
from service.odoo.settings import connection_settings, note_language
from service.odoo.transport import ConnectionSettings, OdooVersion
from service.usecases.doctor import Findings

#: The add-on's manifest in this source tree (absent when the service is installed alone).
MANIFEST = Path(__file__).resolve().parents[2] / "addon" / ADDON_MODULE / "__manifest__.py"
#: Seconds per call while checking: the doctor should answer quickly when Odoo does not.
TIMEOUT = 10.0
LATER = ("odoo.transport", "odoo.login", "odoo.rights", "odoo.addon", "odoo.language")


def needed_rights(settings: Settings) -> list[tuple[str, str]]:
    """What the sync and the outbox do in Odoo, as (model, operation)."""
    rights = [
        (REQUEST_MODEL, "read"),
        (REQUEST_MODEL, "write"),
        ("mail.message", "create"),
        ("mail.activity", "create"),
        ("ir.attachment", "create"),
    ]
    if settings.odoo_rectification == "request":
        rights.append((REQUEST_MODEL, "create"))
    return rights


def check_odoo(findings: Findings, settings: Settings) -> None:
    if not any((settings.odoo_url, settings.odoo_db, settings.odoo_user, settings.odoo_api_key)):
        findings.skipped("odoo", findings.say("odoo.not_configured"))
        return
    try:
        conn = connection_settings(settings)
    except OdooConfigError as exc:
        findings.problem("odoo", str(exc), findings.say("fix.odoo_settings"))
        _skip_later(findings, LATER)
        return
    conn = dataclasses.replace(
        conn, timeout=min(conn.timeout, TIMEOUT), read_attempts=1, backoff_seconds=0
    )
    version = _check_server(findings, conn)
    if version is None:
        _skip_later(findings, LATER)
        return
    try:
        kind = choose_transport(version, conn.transport)
    except OdooConfigError as exc:
        findings.problem("odoo.transport", str(exc), findings.say("fix.odoo_transport"))
        _skip_later(findings, LATER[1:])
        return
    findings.ok(
        "odoo.transport",
        findings.say(
            "odoo.transport.ok", transport=kind, setting=conn.transport, version=version.text
        ),
    )
    gateway = _sign_in(findings, conn)
    if gateway is None:
        _skip_later(findings, LATER[2:])
        return
    try:
        _check_rights(findings, gateway, needed_rights(settings))
        _check_addon(findings, gateway)
        _check_language(findings, gateway, settings)
    except OdooUnavailable as exc:
        findings.problem(
            "odoo.link", findings.say("odoo.lost", error=exc), findings.say("fix.odoo_url")
        )
    finally:
        gateway.close()


def _skip_later(findings: Findings, ids: tuple[str, ...]) -> None:
    for check_id in ids:
        findings.skipped(check_id, findings.say("odoo.skipped"))


def _check_server(findings: Findings, conn: ConnectionSettings) -> OdooVersion | None:
    try:
        version = detect_version(conn.url, timeout=conn.timeout)
    except OdooUnavailable as exc:
        findings.problem("odoo", str(exc), findings.say("fix.odoo_url"))
        return None
    except OdooConfigError as exc:
        findings.problem("odoo", str(exc), findings.say("fix.odoo_url"))
        return None
    findings.ok("odoo", findings.say("odoo.ok", url=conn.url, version=version.text))
    return version


def _sign_in(findings: Findings, conn: ConnectionSettings) -> Odoo | None:
    try:
        gateway = connect(conn)
    except OdooAuthError as exc:
        findings.problem("odoo.login", str(exc), findings.say("fix.odoo_login"))
    except OdooDatabaseError as exc:
        findings.problem("odoo.login", str(exc), findings.say("fix.odoo_db"))
    except OdooUnavailable as exc:
        findings.problem("odoo.login", str(exc), findings.say("fix.odoo_url"))
    except OdooError as exc:
        findings.problem("odoo.login", str(exc), findings.say("fix.odoo_login"))
    else:
        findings.ok(
            "odoo.login",
            findings.say("odoo.login.ok", user=conn.user, uid=gateway.uid, db=conn.db),
        )
        return gateway
    return None


def has_right(gateway: Odoo, model: str, operation: str) -> bool:
    """Whether the signed-in user may ``operation`` on ``model`` (its access rights, not
    record rules): ``has_access`` on an empty recordset from Odoo 19, before it
    ``check_access_rights`` without raising; the other one when Odoo lacks the first."""
    calls = [
        ("has_access", {"ids": [], "operation": operation}),
        ("check_access_rights", {"operation": operation, "raise_exception": False}),
    ]
    if gateway.version.major < 19:
        calls.reverse()
    for attempt, (method, kwargs) in enumerate(calls):
        try:
            return bool(gateway.call(model, method, **kwargs))  # type: ignore[arg-type]
        except OdooCallError as exc:
            if _is_access_error(exc):
                return False
            if attempt == len(calls) - 1:
                raise
    return False  # pragma: no cover


def _is_access_error(exc: OdooCallError) -> bool:
    return exc.name.endswith("AccessError")


def _check_rights(findings: Findings, gateway: Odoo, rights: list[tuple[str, str]]) -> None:
    try:
        missing = [(m, op) for m, op in rights if not has_right(gateway, m, op)]
    except OdooCallError as exc:
        findings.warning(
            "odoo.rights",
            findings.say("odoo.rights.unknown", error=exc),
            findings.say("fix.odoo_rights"),
        )
        return
    shown = ", ".join(f"{op} {m}" for m, op in (missing or rights))
    if missing:
        findings.problem(
            "odoo.rights",
            findings.say("odoo.rights.missing", rights=shown),
            findings.say("fix.odoo_rights"),
        )
    else:
        findings.ok("odoo.rights", findings.say("odoo.rights.ok", rights=shown))


def manifest_version(path: Path = MANIFEST) -> str | None:
    """The add-on's version in this source tree (``18.0.1.2.0``), if it is here."""
    try:
        manifest = ast.literal_eval(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, SyntaxError):
        return None
    version = manifest.get("version") if isinstance(manifest, dict) else None
    return str(version) if version else None


def older(installed: str, wanted: str) -> bool:
    """Whether ``installed`` is older than ``wanted``, comparing the add-on's own part of the
    versions (``1.2.0`` of ``18.0.1.2.0``): the series is the Odoo server's."""

    def own(version: str) -> tuple[int, ...]:
        bits = [int(b) if b.isdigit() else 0 for b in version.split(".")]
        return tuple(bits[2:] if len(bits) >= 5 else bits)

    return own(installed) < own(wanted)


def _check_addon(findings: Findings, gateway: Odoo) -> None:
    model = "ir.module.module"
    try:
        fields = [
            "state",
            *(["latest_version"] if "latest_version" in gateway.fields(model) else []),
        ]
        rows = gateway.search_read(model, [("name", "=", ADDON_MODULE)], fields, limit=1)
    except OdooCallError as exc:
        findings.warning(
            "odoo.addon",
            findings.say("odoo.addon.unknown", error=exc),
            findings.say("fix.odoo_addon"),
        )
        return
    state = rows[0].get("state") if rows else None
    if state not in {"installed", "to upgrade"}:
        findings.warning(
            "odoo.addon",
            findings.say("odoo.addon.missing", addon=ADDON_MODULE, state=state or "-"),
            findings.say("fix.odoo_addon"),
        )
        return
    installed = str(rows[0].get("latest_version") or "")
    wanted = manifest_version()
    if installed and wanted and older(installed, wanted):
        findings.problem(
            "odoo.addon",
            findings.say("odoo.addon.old", addon=ADDON_MODULE, installed=installed, wanted=wanted),
            findings.say("fix.odoo_addon_upgrade", addon=ADDON_MODULE),
        )
        return
    findings.ok(
        "odoo.addon",
        findings.say("odoo.addon.ok", addon=ADDON_MODULE, installed=installed or "?"),
    )


def _check_language(findings: Findings, gateway: Odoo, settings: Settings) -> None:
    try:
        found = note_language(settings, gateway)
    except OdooCallError as exc:
        findings.warning(
            "odoo.language",
            findings.say("odoo.language.unknown", error=exc),
            findings.say("fix.odoo_language"),
        )
        return
    findings.ok(
        "odoo.language",
        findings.say(
            f"odoo.language.{found.source}",
            language=findings.say(f"language.{found.language}"),
            odoo_lang=found.odoo_lang or "",
        ),
    )
