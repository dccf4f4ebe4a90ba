"""``huifang doctor``'s findings, and the checks that need only the settings, the database and
the PDF font.

A finding (``Check``) says what was checked, whether it is ``ok``, a ``warning`` (works, with
less), a ``problem`` (something will fail: the command exits 1) or ``skipped`` (and why), what
was found and, for a warning or a problem, the fix in one line, in the reader's language
(zh_CN or en, from the catalogue). The Odoo link's checks live in ``service.odoo.doctor``, the
notification channels' in ``service.channels.doctor``; ``service.doctor`` runs them all.

Nothing here changes anything: the database is opened read-only (a missing SQLite file is
reported, not created; pending migrations are counted, not applied).
"""

from __future__ import annotations

import io
import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import pathname2url

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from pydantic import ValidationError
from pydantic_settings import BaseSettings
from sqlalchemy import create_engine, func
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlmodel import Session, select

from ..catalogue import t
from ..config import (
    MIN_SECRET_LENGTH,
    PRODUCTION_SECRETS,
    Settings,
    SettingsRefused,
    env_name,
    settings_error_line,
)
from ..db import alembic_config, make_engine
from ..models import Staff

#: Environments where development defaults are expected.
LOCAL = frozenset({"local", "test"})
#: How a person's ``notify_by`` channel is set up (``log`` always is).
CHANNEL_SETTINGS = {
    "email": "HUIFANG_SMTP_HOST",
    "webhook": "HUIFANG_WEBHOOK_URL, HUIFANG_WEBHOOK_SECRET",
    "odoo": "HUIFANG_ODOO_URL, HUIFANG_ODOO_DB, HUIFANG_ODOO_USER, HUIFANG_ODOO_API_KEY",
}
_CONNECT_TIMEOUT = 5


class Status(StrEnum):
    OK = "ok"
    WARNING = "warning"
    PROBLEM = "problem"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Check:
    """One finding: ``id`` is stable for scripts (``database.migrations``), ``title`` says what
    was checked, ``detail`` what was found, ``fix`` what to do (one line, or empty)."""

    id: str
    status: Status
    title: str
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "status": self.status.value,
            "title": self.title,
            "detail": self.detail,
            "fix": self.fix,
        }


@dataclass(slots=True)
class Findings:
    """The checks made so far, in the reader's language."""

    lang: str = "zh_CN"
    checks: list[Check] = field(default_factory=list)

    def say(self, key: str, **values: object) -> str:
        return t(f"doctor.{key}", self.lang, **values)

    def add(self, check_id: str, status: Status, detail: str, fix: str = "") -> Check:
        found = Check(check_id, status, self.say(f"check.{check_id}"), detail, fix)
        self.checks.append(found)
        return found

    def join(self, parts: list[str]) -> str:
        """Findings of one check in a row, with the reader's punctuation."""
        return ("\uff1b" if self.lang == "zh_CN" else "; ").join(parts)

    def ok(self, check_id: str, detail: str) -> Check:
        return self.add(check_id, Status.OK, detail)

    def warning(self, check_id: str, detail: str, fix: str) -> Check:
        return self.add(check_id, Status.WARNING, detail, fix)

    def problem(self, check_id: str, detail: str, fix: str) -> Check:
        return self.add(check_id, Status.PROBLEM, detail, fix)

    def skipped(self, check_id: str, reason: str) -> Check:
        return self.add(check_id, Status.SKIPPED, reason)

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if c.status is Status.PROBLEM]

    @property
    def failed(self) -> bool:
        return bool(self.problems)

    def counts(self) -> dict[str, int]:
        return {s.value: sum(c.status is s for c in self.checks) for s in Status}

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": not self.failed,
            "lang": self.lang,
            "counts": self.counts(),
            "checks": [c.as_dict() for c in self.checks],
        }


# -- settings --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LoadedSettings:
    """The settings as the service would read them. When they refuse to load (``error``),
    ``settings`` are the same values read as for local use, so the other checks can still
    run (``None`` when even that fails); ``environment`` is the one asked for."""

    settings: Settings | None
    environment: str
    error: str | None = None

    @property
    def production(self) -> bool:
        return self.environment not in LOCAL


class _Environment(BaseSettings):
    """Only HUIFANG_ENVIRONMENT, read like ``Settings`` reads it, whatever else is wrong."""

    model_config = Settings.model_config
    environment: str = "local"


def load_settings() -> LoadedSettings:
    """Read the settings afresh (environment and ``.env``), catching their refusal."""
    try:
        settings = Settings()
    except (SettingsRefused, ValidationError) as exc:
        error = settings_error_line(exc)
    else:
        return LoadedSettings(settings, settings.environment)
    try:
        environment = _Environment().environment
    except ValidationError:
        environment = "production"
    try:
        fallback: Settings | None = Settings(environment="local")
    except (SettingsRefused, ValidationError):
        fallback = None
    return LoadedSettings(fallback, environment, error)


def check_settings(findings: Findings, loaded: LoadedSettings) -> None:
    if loaded.error is None:
        findings.ok("settings", findings.say("settings.ok", environment=loaded.environment))
        return
    findings.problem(
        "settings",
        loaded.error,
        findings.say("fix.settings"),
    )


def check_public_url(findings: Findings, settings: Settings, *, production: bool) -> None:
    url = settings.public_base_url
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        findings.problem(
            "public_url", findings.say("public_url.bad", url=url), findings.say("fix.public_url")
        )
    elif production and parts.scheme != "https":
        findings.problem(
            "public_url", findings.say("public_url.http", url=url), findings.say("fix.public_url")
        )
    else:
        findings.ok("public_url", url)


def secret_findings(settings: Settings) -> dict[str, str | None]:
    """Per secret setting (those production checks, ``config.PRODUCTION_SECRETS``):
    ``"default"``, ``"short:<length>"``, ``"unset"`` (for one production needs) or ``None``
    when it will do."""
    found: dict[str, str | None] = {}
    for name, required in PRODUCTION_SECRETS:
        value = getattr(settings, name)
        if not value:
            found[name] = "unset" if required else None
        elif value == Settings.model_fields[name].default:
            found[name] = "default"
        elif len(value) < MIN_SECRET_LENGTH:
            found[name] = f"short:{len(value)}"
        else:
            found[name] = None
    return found


def check_secrets(findings: Findings, settings: Settings, *, production: bool) -> None:
    found = secret_findings(settings)
    if not production:
        defaults = [env_name(name) for name, what in found.items() if what == "default"]
        if defaults:
            findings.ok(
                "secrets", findings.say("secrets.local_defaults", names=", ".join(defaults))
            )
        else:
            findings.ok("secrets", findings.say("secrets.local"))
        return
    wrong = []
    for name, what in found.items():
        if what is None:
            continue
        kind, _, length = what.partition(":")
        wrong.append(
            findings.say(
                f"secrets.{kind}", name=env_name(name), length=length, min=MIN_SECRET_LENGTH
            )
        )
    if wrong:
        findings.problem(
            "secrets",
            findings.join(wrong),
            findings.say("fix.secrets", min=MIN_SECRET_LENGTH),
        )
        return
    names = ", ".join(env_name(name) for name, _ in PRODUCTION_SECRETS if getattr(settings, name))
    findings.ok("secrets", findings.say("secrets.ok", names=names, min=MIN_SECRET_LENGTH))


# -- database --------------------------------------------------------------------------------
def check_database(findings: Findings, url: str) -> Engine | None:
    """Reachable, then at the newest migration. Returns a read-only engine on a database that
    is at head (for the checks that read it), else ``None``. The caller disposes of it."""
    engine = _open_database(findings, url)
    if engine is None:
        findings.skipped("database.migrations", findings.say("database.skipped"))
        return None
    if _check_migrations(findings, engine):
        return engine
    engine.dispose()
    return None


def _open_database(findings: Findings, url: str) -> Engine | None:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        findings.problem(
            "database", findings.say("database.bad_url", error=exc), findings.say("fix.database")
        )
        return None
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            findings.problem(
                "database", findings.say("database.memory"), findings.say("fix.database")
            )
            return None
        path = Path(parsed.database).absolute()
        if not path.is_file():
            findings.problem(
                "database",
                findings.say("database.no_file", path=path),
                findings.say("fix.database_file"),
            )
            return None
        shown = str(path)
        engine = _read_only_sqlite(path)
    else:
        try:
            engine = make_engine(url, connect_args={"connect_timeout": _CONNECT_TIMEOUT})
        except (ArgumentError, ImportError, SQLAlchemyError) as exc:
            findings.problem(
                "database",
                findings.say("database.unreachable", url=shown, error=_first_line(exc)),
                findings.say("fix.database"),
            )
            return None
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
            kind = conn.dialect.name
    except (SQLAlchemyError, OSError) as exc:
        engine.dispose()
        findings.problem(
            "database",
            findings.say("database.unreachable", url=shown, error=_first_line(exc)),
            findings.say("fix.database"),
        )
        return None
    kinds = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    findings.ok("database", findings.say("database.ok", kind=kinds.get(kind, kind), url=shown))
    return engine


def check_connections(findings: Findings, engine: Engine | None, settings: Settings) -> None:
    """PostgreSQL: how many processes of these pools (``HUIFANG_DB_POOL_SIZE``,
    ``HUIFANG_DB_MAX_OVERFLOW``, ``HUIFANG_DB_LOOP_POOL_SIZE``) its ``max_connections`` holds;
    a warning below three (one
    ``huifang serve --workers 2``: two workers and the parent). Nothing on SQLite."""
    if engine is None or engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        limit = int(conn.exec_driver_sql("SHOW max_connections").scalar_one())
        reserved = int(conn.exec_driver_sql("SHOW superuser_reserved_connections").scalar_one())
    each = settings.db_pool_size + settings.db_max_overflow + settings.db_loop_pool_size
    room = (limit - reserved) // each
    values = {
        "limit": limit,
        "reserved": reserved,
        "each": each,
        "pool": settings.db_pool_size,
        "overflow": settings.db_max_overflow,
        "loop": settings.db_loop_pool_size,
        "room": room,
    }
    if room >= 3:
        findings.ok("database.connections", findings.say("connections.ok", **values))
    else:
        findings.warning(
            "database.connections",
            findings.say("connections.few", **values),
            findings.say("fix.connections"),
        )


def _read_only_sqlite(path: Path) -> Engine:
    """An engine that can read the file and nothing else: no write, no new file."""
    uri = f"file:{pathname2url(str(path.resolve()))}?mode=ro"
    return create_engine(
        "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
    )


def _first_line(exc: BaseException) -> str:
    reason = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = [line.strip() for line in str(reason).splitlines() if line.strip()]
    return " ".join(lines[:2]) or type(reason).__name__


def _check_migrations(findings: Findings, engine: Engine) -> bool:
    script = ScriptDirectory.from_config(alembic_config(engine))
    heads = set(script.get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    shown_heads = ", ".join(sorted(heads))
    if current == heads:
        findings.ok("database.migrations", findings.say("migrations.ok", heads=shown_heads))
        return True
    if not current:
        findings.problem(
            "database.migrations", findings.say("migrations.none"), findings.say("fix.migrate")
        )
        return False
    unknown = []
    for rev in sorted(current):
        try:
            script.get_revision(rev)
        except CommandError:
            unknown.append(rev)
    if unknown:
        findings.problem(
            "database.migrations",
            findings.say("migrations.unknown", current=", ".join(unknown)),
            findings.say("fix.migrations_newer"),
        )
        return False
    pending = _lineage(script, heads) - _lineage(script, current)
    findings.problem(
        "database.migrations",
        findings.say(
            "migrations.pending",
            current=", ".join(sorted(current)),
            heads=shown_heads,
            count=len(pending),
        ),
        findings.say("fix.migrate"),
    )
    return False


def _lineage(script: ScriptDirectory, revisions: set[str]) -> set[str]:
    return {r.revision for r in script.iterate_revisions(tuple(revisions), "base") if r}


# -- staff and their channels ------------------------------------------------------------------
def staff_by_channel(session: Session) -> dict[str, int]:
    """Active staff members per ``notify_by`` channel."""
    rows = session.exec(
        select(Staff.notify_by, func.count()).where(Staff.active).group_by(Staff.notify_by)
    ).all()
    return {channel: int(count) for channel, count in rows}


def check_staff_channels(
    findings: Findings,
    engine: Engine | None,
    set_up: set[str],
    *,
    production: bool,
) -> None:
    """Staff whose ``notify_by`` channel is not set up get their notifications in the log
    only: a problem in production, a warning elsewhere."""
    if engine is None:
        findings.skipped("staff_channels", findings.say("staff_channels.skipped"))
        return
    with Session(engine) as session:
        counts = staff_by_channel(session)
    missing = {ch: n for ch, n in sorted(counts.items()) if ch != "log" and ch not in set_up}
    shown = ", ".join(f"{ch} {n}" for ch, n in sorted(counts.items())) or "0"
    if not missing:
        findings.ok("staff_channels", findings.say("staff_channels.ok", counts=shown))
        return
    detail = findings.say(
        "staff_channels.missing",
        missing=", ".join(f"{ch} {n}" for ch, n in missing.items()),
    )
    fix = findings.say(
        "fix.staff_channels",
        settings="; ".join(f"{ch}: {CHANNEL_SETTINGS.get(ch, '?')}" for ch in missing),
    )
    (findings.problem if production else findings.warning)("staff_channels", detail, fix)


# -- the PDF font ----------------------------------------------------------------------------
def check_pdf_font(findings: Findings, environ: Mapping[str, str] | None = None) -> None:
    """The CJK font the PDFs embed: found the way the forms find it (``HUIFANG_PDF_FONT``,
    else the package's or Debian's fonts), and drawn into a PDF by reportlab."""
    from reportlab.pdfgen.canvas import Canvas

    from qr_forms.fonts import FONT_ENV_VAR, PdfFontError, cjk_font

    configured = (environ if environ is not None else os.environ).get(FONT_ENV_VAR, "").strip()
    try:
        # The forms choose once per process (``cjk_font`` is cached); the doctor looks anew.
        font = cjk_font.__wrapped__()
    except PdfFontError as exc:
        findings.problem(
            "pdf_font",
            findings.say("pdf_font.bad", var=FONT_ENV_VAR, error=exc),
            findings.say("fix.pdf_font_set", var=FONT_ENV_VAR),
        )
        return
    if not font.embedded:
        findings.warning(
            "pdf_font",
            findings.say("pdf_font.fallback", name=font.name),
            findings.say("fix.pdf_font", var=FONT_ENV_VAR),
        )
        return
    out = io.BytesIO()
    try:
        canvas = Canvas(out)
        canvas.setFont(font.name, 12)
        canvas.drawString(72, 720, t("doctor.pdf_font.sample", "zh_CN"))
        canvas.save()
    except Exception as exc:  # reportlab raises plain exceptions for a font it cannot use
        findings.problem(
            "pdf_font",
            findings.say("pdf_font.unusable", path=font.path, error=exc),
            findings.say("fix.pdf_font_set" if configured else "fix.pdf_font", var=FONT_ENV_VAR),
        )
        return
    source = FONT_ENV_VAR if configured else findings.say("pdf_font.found")
    findings.ok("pdf_font", findings.say("pdf_font.ok", path=font.path, source=source))
