"""``huifang doctor``: one finding per check with its fix, exit 1 when anything is a problem.

Against the stand-in Odoo (which also answers the rights and module questions the doctor
asks), the local mail server and gateway of ``tests/support/gateway.py``, and SQLite files
made for each test."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from service.cli import app
from service.db import make_engine, migrate
from service.models import Estate, Staff
from tests.odoo.conftest import API_KEY
from tests.support.gateway import Inbox, free_port, serve_gateway, serve_mail
from tests.support.odoo_standin import AccessError, OdooStandIn
from tests.support.odoo_standin.models import FieldDef

MANIFEST_VERSION = "18.0.1.2.0"
#: What the test run itself sets (tests/conftest.py); every other HUIFANG_* is cleared.
KEPT = {"HUIFANG_ENVIRONMENT", "HUIFANG_ADMIN_API_KEY", "HUIFANG_SECRET_KEY"}
LONG = "s" * 40


class DoctorOdoo(OdooStandIn):
    """The stand-in Odoo, also answering what the doctor asks: the access rights of the
    signed-in user (``check_access_rights`` up to Odoo 18, ``has_access`` from 19; a read-only
    user may read only) and the modules' installed versions (``latest_version``)."""

    def __init__(self, *, addon_version: str = MANIFEST_VERSION, **kw: Any) -> None:
        self.addon_version = addon_version
        super().__init__(**kw)

    def _seed(self, login: str, password: str, api_key: str) -> None:
        self.store.models["ir.module.module"]["latest_version"] = FieldDef("char")
        super()._seed(login, password, api_key)
        for rec in self.store.records["ir.module.module"].values():
            if rec["state"] == "installed":
                rec["latest_version"] = (
                    self.addon_version if rec["name"] == "maintenance_callback" else "18.0.1.0"
                )

    def execute(self, uid, model, method, args, kwargs, *, via_json2=False):  # noqa: ANN001, ANN201
        rights_method = "has_access" if self.major >= 19 else "check_access_rights"
        if method in {"has_access", "check_access_rights"}:
            if method != rights_method:
                raise AttributeError(f"The method '{method}' does not exist on the model '{model}'")
            self.store.model(model)
            operation = kwargs.get("operation") or (args[-1] if args else "read")
            user = self.users.get(uid)
            allowed = operation == "read" or not (user and user.read_only)
            if not allowed and kwargs.get("raise_exception", method == "check_access_rights"):
                raise AccessError(f"You are not allowed to {operation} '{model}' records.")
            return allowed
        return super().execute(uid, model, method, args, kwargs, via_json2=via_json2)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """Only the test run's own settings, a working directory without a .env, English out."""
    for name in list(os.environ):
        if name.startswith("HUIFANG_") and name not in KEPT:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    yield monkeypatch


def database(env: pytest.MonkeyPatch, path: Path, revision: str | None = "heads") -> str:
    """A SQLite file migrated to ``revision`` (``None``: not made at all)."""
    url = f"sqlite:///{path}"
    env.setenv("HUIFANG_DATABASE_URL", url)
    if revision is not None:
        engine = make_engine(url)
        migrate(engine, revision)
        engine.dispose()
    return url


@pytest.fixture
def db(env: pytest.MonkeyPatch, tmp_path: Path) -> str:
    return database(env, tmp_path / "huifang.db")


def add_staff(url: str, **channels: int) -> None:
    engine = make_engine(url)
    with Session(engine) as session:
        estate = Estate(code="E1", name="Estate", timezone="Asia/Shanghai")
        session.add(estate)
        session.flush()
        for channel, count in channels.items():
            for n in range(count):
                session.add(
                    Staff(
                        estate_id=estate.id,
                        name=f"{channel} {n}",
                        role="lead",
                        notify_by=channel,
                        email=f"{channel}{n}@example.com",
                    )
                )
        session.commit()
    engine.dispose()


def link_to(env: pytest.MonkeyPatch, odoo: OdooStandIn, **overrides: str) -> None:
    values = {
        "HUIFANG_ODOO_URL": odoo.url,
        "HUIFANG_ODOO_DB": odoo.db,
        "HUIFANG_ODOO_USER": "admin",
        "HUIFANG_ODOO_API_KEY": API_KEY,
    } | overrides
    for name, value in values.items():
        env.setenv(name, value)


def doctor(*args: str) -> tuple[int, dict[str, dict[str, str]], str]:
    """Run ``huifang doctor --json``: exit code, findings by id, and the output."""
    result = CliRunner().invoke(app, ["doctor", "--json", *args])
    assert "Traceback" not in result.output, result.output
    report = json.loads(result.stdout)
    assert report["ok"] == (result.exit_code == 0)
    return result.exit_code, {c["id"]: c for c in report["checks"]}, result.output


def statuses(checks: dict[str, dict[str, str]]) -> dict[str, str]:
    return {check_id: c["status"] for check_id, c in checks.items()}


@pytest.fixture
def odoo_addon() -> Iterator[DoctorOdoo]:
    with DoctorOdoo(version="18.0", addon=True) as server:
        yield server


@pytest.fixture
def mail(env: pytest.MonkeyPatch) -> Iterator[Inbox]:
    yield from serve_mail(env, Inbox())


@pytest.fixture
def gateway(env: pytest.MonkeyPatch):  # noqa: ANN201
    yield from serve_gateway(env)


# -- everything in order ---------------------------------------------------------------------
def test_a_ready_installation_is_all_ok_and_exits_0(env, db, odoo_addon, mail, gateway):
    link_to(env, odoo_addon)
    add_staff(db, email=2, webhook=1, odoo=1, log=3)
    code, checks, _ = doctor()
    assert code == 0
    assert {k: v for k, v in statuses(checks).items() if v != "ok"} == {}, checks
    assert list(checks) == [
        "settings",
        "public_url",
        "secrets",
        "database",
        "database.migrations",
        "pdf_font",
        "odoo",
        "odoo.transport",
        "odoo.login",
        "odoo.rights",
        "odoo.addon",
        "odoo.language",
        "smtp",
        "webhook",
        "staff_channels",
    ]
    assert "Odoo 18.0" in checks["odoo"]["detail"]
    assert checks["odoo.transport"]["detail"].startswith("jsonrpc (HUIFANG_ODOO_TRANSPORT=auto")
    assert "signed in as admin" in checks["odoo.login"]["detail"]
    assert "write maintenance.request" in checks["odoo.rights"]["detail"]
    assert checks["odoo.addon"]["detail"] == f"maintenance_callback {MANIFEST_VERSION} installed"
    assert checks["odoo.language"]["detail"].startswith("Chinese: the integration user's")
    assert "email 2" in checks["staff_channels"]["detail"]
    assert not any(c["fix"] for c in checks.values())


def test_odoo_19_is_checked_over_json2_with_has_access(env, db):
    with DoctorOdoo(version="19.0", addon=True, addon_version="19.0.1.2.0") as odoo:
        link_to(env, odoo)
        code, checks, _ = doctor()
        asked = {c.method for c in odoo.calls if c.service == "json2"}
    assert code == 0, checks
    assert checks["odoo.transport"]["detail"].startswith("json2 (HUIFANG_ODOO_TRANSPORT=auto")
    assert checks["odoo.rights"]["status"] == "ok"
    assert "has_access" in asked and "check_access_rights" not in asked


def test_the_text_reads_in_chinese_by_default_and_in_english_when_asked(env, db):
    env.setenv("LANG", "C.UTF-8")
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "数据库" in result.output and "正常" in result.output
    result = CliRunner().invoke(app, ["doctor", "--lang", "en"])
    assert "database" in result.output and "数据库" not in result.output
    assert result.output.splitlines()[-1].startswith("0 problem(s)")
    assert CliRunner().invoke(app, ["doctor", "--lang", "fr"]).exit_code == 2


def test_without_odoo_or_channels_those_checks_are_skipped_saying_why(env, db):
    code, checks, _ = doctor()
    assert code == 0
    for check_id, setting in (
        ("odoo", "HUIFANG_ODOO_URL"),
        ("smtp", "HUIFANG_SMTP_HOST"),
        ("webhook", "HUIFANG_WEBHOOK_URL"),
    ):
        assert checks[check_id]["status"] == "skipped" and setting in checks[check_id]["detail"]
    assert checks["secrets"]["status"] == "ok"


# -- the database ----------------------------------------------------------------------------
def test_a_missing_sqlite_file_is_a_problem_and_is_not_created(env, tmp_path):
    path = tmp_path / "nowhere.db"
    database(env, path, revision=None)
    code, checks, _ = doctor()
    assert code == 1
    assert checks["database"]["status"] == "problem" and str(path) in checks["database"]["detail"]
    assert (
        "huifang serve" in checks["database"]["fix"] and "huifang demo" in checks["database"]["fix"]
    )
    assert statuses(checks)["database.migrations"] == "skipped"
    assert statuses(checks)["staff_channels"] == "skipped"
    assert not path.exists()


def test_an_unmigrated_database_is_a_problem_and_is_left_as_it_is(env, tmp_path):
    path = tmp_path / "old.db"
    database(env, path, revision="0012_callback_tallies")
    before = path.read_bytes()
    code, checks, _ = doctor()
    assert code == 1
    found = checks["database.migrations"]
    assert found["status"] == "problem"
    pending = (
        "at 0012_callback_tallies: 6 migration(s) pending up to 0016_unit_repeat_partial, "
        "0103_links_skipped_partial"
    )
    assert pending in found["detail"]
    assert "huifang serve" in found["fix"]
    assert checks["database"]["status"] == "ok"
    assert path.read_bytes() == before


def test_an_empty_database_file_is_not_migrated(env, tmp_path):
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    database(env, path, revision=None)
    code, checks, _ = doctor()
    assert code == 1 and checks["database.migrations"]["detail"].startswith("not migrated")


def test_an_unreachable_postgresql_is_a_problem_naming_the_setting(env):
    env.setenv("HUIFANG_DATABASE_URL", f"postgresql://huifang:secret@127.0.0.1:{free_port()}/hf")
    code, checks, _ = doctor()
    assert code == 1
    found = checks["database"]
    assert found["status"] == "problem" and "HUIFANG_DATABASE_URL" in found["fix"]
    assert "secret" not in found["detail"]  # the password is never shown


@pytest.mark.postgres
def test_postgresql_connections_are_counted_against_the_pool(env, pg_engine):
    url = pg_engine.url.render_as_string(hide_password=False).replace("+psycopg", "")
    env.setenv("HUIFANG_DATABASE_URL", url)
    with pg_engine.connect() as conn:
        limit = int(conn.exec_driver_sql("SHOW max_connections").scalar_one())
        reserved = int(conn.exec_driver_sql("SHOW superuser_reserved_connections").scalar_one())
    env.setenv("HUIFANG_DB_POOL_SIZE", "2")
    env.setenv("HUIFANG_DB_MAX_OVERFLOW", "1")
    env.setenv("HUIFANG_DB_LOOP_POOL_SIZE", "1")
    _, checks, _ = doctor()
    found = checks["database.connections"]
    assert found["status"] == "ok", found
    assert f"max_connections {limit}" in found["detail"]
    assert f"holds {(limit - reserved) // 4} processes" in found["detail"]
    assert "(2 + 1 + 1)" in found["detail"]
    env.setenv("HUIFANG_DB_POOL_SIZE", str(limit))  # one process would take them all
    _, checks, _ = doctor()
    found = checks["database.connections"]
    assert found["status"] == "warning" and "holds only 0 processes" in found["detail"]
    assert "HUIFANG_DB_POOL_SIZE" in found["fix"]


def test_sqlite_has_no_connection_count(env, db):
    _, checks, _ = doctor()
    assert "database" in checks and "database.connections" not in checks


# -- the PDF font ----------------------------------------------------------------------------
def test_a_missing_pdf_font_is_a_problem(env, db, tmp_path):
    missing = tmp_path / "missing.ttf"
    env.setenv("HUIFANG_PDF_FONT", str(missing))
    code, checks, _ = doctor()
    assert code == 1
    found = checks["pdf_font"]
    assert found["status"] == "problem" and str(missing) in found["detail"]
    assert "HUIFANG_PDF_FONT" in found["fix"]


def test_a_file_that_is_no_font_is_a_problem(env, db, tmp_path):
    bogus = tmp_path / "bogus.ttf"
    bogus.write_bytes(b"not a font at all")
    env.setenv("HUIFANG_PDF_FONT", str(bogus))
    code, checks, _ = doctor()
    assert code == 1 and checks["pdf_font"]["status"] == "problem"


# -- secrets and the public address ----------------------------------------------------------
def test_production_with_short_secrets_and_an_http_address_is_a_problem(env, db):
    env.setenv("HUIFANG_ENVIRONMENT", "production")
    env.setenv("HUIFANG_SECRET_KEY", "short-secret-0123456789")  # 23 characters
    env.setenv("HUIFANG_ADMIN_API_KEY", LONG)
    env.setenv("HUIFANG_PUBLIC_BASE_URL", "http://huifang.example.com")
    env.setenv("HUIFANG_WEBHOOK_URL", "https://gateway.example.com/hook")
    env.setenv("HUIFANG_WEBHOOK_SECRET", "dev")
    code, checks, _ = doctor()
    assert code == 1
    secrets = checks["secrets"]
    assert secrets["status"] == "problem"
    assert "HUIFANG_SECRET_KEY has 23 characters (at least 32)" in secrets["detail"]
    assert "HUIFANG_WEBHOOK_SECRET has 3 characters" in secrets["detail"]
    assert "HUIFANG_ADMIN_API_KEY" not in secrets["detail"]
    assert "HUIFANG_ODOO_SHARED_SECRET" not in secrets["detail"]  # no Odoo, no push to verify
    assert "secrets.token_urlsafe" in secrets["fix"]
    assert checks["public_url"]["status"] == "problem"
    assert "HUIFANG_PUBLIC_BASE_URL" in checks["public_url"]["fix"]


def test_production_with_good_secrets_and_https_is_ok(env, db, odoo_addon):
    link_to(env, odoo_addon)
    for name in ("SECRET_KEY", "ADMIN_API_KEY", "ODOO_SHARED_SECRET"):
        env.setenv(f"HUIFANG_{name}", LONG + name)
    env.setenv("HUIFANG_ENVIRONMENT", "production")
    env.setenv("HUIFANG_PUBLIC_BASE_URL", "https://huifang.example.com")
    code, checks, _ = doctor()
    assert code == 0, checks
    assert checks["secrets"]["status"] == "ok" and checks["public_url"]["status"] == "ok"


def test_production_checks_the_odoo_shared_secret_when_it_is_set(env, db, odoo_addon):
    link_to(env, odoo_addon)
    env.setenv("HUIFANG_ENVIRONMENT", "production")
    env.setenv("HUIFANG_SECRET_KEY", LONG)
    env.setenv("HUIFANG_ADMIN_API_KEY", LONG + "x")
    env.setenv("HUIFANG_ODOO_SHARED_SECRET", "shared")
    env.setenv("HUIFANG_PUBLIC_BASE_URL", "https://huifang.example.com")
    code, checks, _ = doctor()
    assert code == 1
    assert "HUIFANG_ODOO_SHARED_SECRET has 6 characters" in checks["secrets"]["detail"]
    assert checks["odoo.login"]["status"] == "ok"  # the rest is checked all the same


def test_settings_refused_in_production_are_reported_not_raised(env, db):
    env.setenv("HUIFANG_ENVIRONMENT", "production")
    env.delenv("HUIFANG_SECRET_KEY")  # the development default
    code, checks, _ = doctor()
    assert code == 1
    assert checks["settings"]["status"] == "problem"
    assert "HUIFANG_SECRET_KEY" in checks["settings"]["detail"]
    # the other checks still run, on the same values
    assert "HUIFANG_SECRET_KEY is the development default" in checks["secrets"]["detail"]
    assert checks["database"]["status"] == "ok"


def test_a_setting_of_the_wrong_kind_is_reported_with_its_name(env, db):
    env.setenv("HUIFANG_SMTP_PORT", "not-a-port")
    code, checks, _ = doctor()
    assert code == 1
    assert checks["settings"]["detail"].startswith("huifang cannot read its settings")
    assert "HUIFANG_SMTP_PORT" in checks["settings"]["detail"]
    assert "not-a-port" not in checks["settings"]["detail"]  # values are never shown
    assert statuses(checks)["database"] == "skipped"


def test_locally_the_development_defaults_are_named_but_not_a_problem(env, db):
    env.setenv("HUIFANG_ENVIRONMENT", "local")
    env.delenv("HUIFANG_SECRET_KEY")
    env.delenv("HUIFANG_ADMIN_API_KEY")
    code, checks, _ = doctor()
    assert code == 0
    detail = checks["secrets"]["detail"]
    assert checks["secrets"]["status"] == "ok"
    assert "development defaults" in detail and "HUIFANG_SECRET_KEY" in detail


# -- the Odoo link ---------------------------------------------------------------------------
def test_odoo_unreachable_is_a_problem_whose_fix_names_the_url(env, db):
    env.setenv("HUIFANG_ODOO_URL", f"http://127.0.0.1:{free_port()}")
    env.setenv("HUIFANG_ODOO_DB", "odoo")
    env.setenv("HUIFANG_ODOO_USER", "admin")
    env.setenv("HUIFANG_ODOO_API_KEY", API_KEY)
    code, checks, _ = doctor()
    assert code == 1
    assert checks["odoo"]["status"] == "problem" and "HUIFANG_ODOO_URL" in checks["odoo"]["fix"]
    assert "cannot reach Odoo" in checks["odoo"]["detail"]
    for later in ("odoo.transport", "odoo.login", "odoo.rights", "odoo.addon", "odoo.language"):
        assert checks[later]["status"] == "skipped"


def test_an_incomplete_odoo_configuration_names_what_is_missing(env, db):
    env.setenv("HUIFANG_ODOO_URL", "http://127.0.0.1:8069")
    code, checks, _ = doctor()
    assert code == 1
    assert "HUIFANG_ODOO_DB, HUIFANG_ODOO_USER, HUIFANG_ODOO_API_KEY" in checks["odoo"]["detail"]


def test_a_wrong_api_key_is_a_sign_in_problem(env, db, odoo_addon):
    link_to(env, odoo_addon, HUIFANG_ODOO_API_KEY="wrong")
    code, checks, _ = doctor()
    assert code == 1
    assert checks["odoo"]["status"] == "ok"
    login = checks["odoo.login"]
    assert login["status"] == "problem" and "HUIFANG_ODOO_API_KEY" in login["fix"]
    assert statuses(checks)["odoo.rights"] == "skipped"


@pytest.mark.parametrize(
    ("overrides", "detail", "fix"),
    [
        (
            {"HUIFANG_ODOO_DB": "prod"},
            "no database named 'prod' (it has 'odoo', 'staging')",
            "HUIFANG_ODOO_DB",
        ),
        ({"HUIFANG_ODOO_API_KEY": "wrong"}, "Invalid apikey", "HUIFANG_ODOO_API_KEY"),
    ],
)
def test_odoo_19_sign_in_problems_over_json2_say_what_to_fix(env, db, overrides, detail, fix):
    with DoctorOdoo(version="19.0", addon=True, other_databases=["staging"]) as odoo:
        link_to(env, odoo, **overrides)
        code, checks, _ = doctor()
    login = checks["odoo.login"]
    assert code == 1 and login["status"] == "problem"
    assert detail in login["detail"] and fix in login["fix"]
    assert "jsonrpc" not in login["detail"]


def test_json2_asked_of_odoo_18_is_a_transport_problem(env, db, odoo_addon):
    link_to(env, odoo_addon, HUIFANG_ODOO_TRANSPORT="json2")
    code, checks, _ = doctor()
    assert code == 1 and "HUIFANG_ODOO_TRANSPORT" in checks["odoo.transport"]["fix"]


def test_an_integration_user_who_may_only_read_lacks_rights(env, db, odoo_addon):
    odoo_addon.add_user("Huifang", "huifang", api_key="reader-key", read_only=True)
    link_to(env, odoo_addon, HUIFANG_ODOO_USER="huifang", HUIFANG_ODOO_API_KEY="reader-key")
    code, checks, _ = doctor()
    assert code == 1
    rights = checks["odoo.rights"]
    assert rights["status"] == "problem"
    assert "write maintenance.request" in rights["detail"]
    assert "create mail.activity" in rights["detail"] and "read maintenance" not in rights["detail"]
    assert "Callback Service Integration" in rights["fix"]


def test_without_the_addon_odoo_works_with_less_data_a_warning(env, db):
    with DoctorOdoo(version="18.0", addon=False) as odoo:
        link_to(env, odoo)
        code, checks, _ = doctor()
    assert code == 0
    addon = checks["odoo.addon"]
    assert addon["status"] == "warning" and "not installed" in addon["detail"]
    assert "install" in addon["fix"]


def test_an_addon_older_than_the_manifest_is_a_problem(env, db):
    with DoctorOdoo(version="18.0", addon=True, addon_version="18.0.1.1.0") as odoo:
        link_to(env, odoo)
        code, checks, _ = doctor()
    assert code == 1
    addon = checks["odoo.addon"]
    assert addon["status"] == "problem"
    assert f"18.0.1.1.0 is installed, older than {MANIFEST_VERSION}" in addon["detail"]
    assert "-u maintenance_callback" in addon["fix"]


def test_the_note_language_says_where_it_comes_from(env, db, odoo_addon):
    odoo_addon.write("res.users", [2], {"lang": False})
    link_to(env, odoo_addon)
    _, checks, _ = doctor()
    assert checks["odoo.language"]["detail"] == (
        "English: the company's language, en_US (the integration user has none)"
    )
    env.setenv("HUIFANG_ODOO_LANGUAGE", "zh_CN")
    _, checks, _ = doctor()
    assert checks["odoo.language"]["detail"] == "Chinese (HUIFANG_ODOO_LANGUAGE)"


# -- the notification channels ---------------------------------------------------------------
def test_a_mail_server_that_answers_is_ok_and_gets_no_mail(env, db, mail):
    code, checks, _ = doctor()
    assert code == 0 and checks["smtp"]["status"] == "ok"
    assert "EHLO" in checks["smtp"]["detail"]
    assert mail.messages == []


def test_a_mail_server_that_is_down_is_a_problem(env, db):
    env.setenv("HUIFANG_SMTP_HOST", "127.0.0.1")
    env.setenv("HUIFANG_SMTP_PORT", str(free_port()))
    code, checks, _ = doctor()
    assert code == 1
    assert checks["smtp"]["status"] == "problem" and "HUIFANG_SMTP_HOST" in checks["smtp"]["fix"]


def test_a_login_the_mail_server_does_not_take_is_a_problem(env, db, mail):
    env.setenv("HUIFANG_SMTP_USER", "huifang")
    env.setenv("HUIFANG_SMTP_PASSWORD", "secret")
    code, checks, _ = doctor()
    assert code == 1
    assert "refused the login" in checks["smtp"]["detail"]
    assert "HUIFANG_SMTP_USER" in checks["smtp"]["fix"]


def test_starttls_asked_of_a_server_without_it_is_a_warning(env, db, mail):
    env.setenv("HUIFANG_SMTP_STARTTLS", "true")
    code, checks, _ = doctor()
    assert code == 0
    assert checks["smtp"]["status"] == "warning" and "STARTTLS" in checks["smtp"]["detail"]


def test_a_gateway_that_answers_is_ok_and_gets_no_post(env, db, gateway):
    code, checks, _ = doctor()
    assert code == 0 and checks["webhook"]["status"] == "ok"
    assert gateway.seen == []


def test_a_gateway_that_is_down_or_lacks_its_secret_is_a_problem(env, db):
    env.setenv("HUIFANG_WEBHOOK_URL", f"http://127.0.0.1:{free_port()}/hook")
    env.setenv("HUIFANG_WEBHOOK_SECRET", "gateway-secret")
    code, checks, _ = doctor()
    assert code == 1 and "HUIFANG_WEBHOOK_URL" in checks["webhook"]["fix"]
    env.delenv("HUIFANG_WEBHOOK_SECRET")
    code, checks, _ = doctor()
    assert code == 1 and "HUIFANG_WEBHOOK_SECRET" in checks["webhook"]["fix"]


def test_staff_whose_channel_is_not_set_up_are_counted_per_channel(env, db):
    add_staff(db, email=2, webhook=1, log=1)
    code, checks, _ = doctor()
    found = checks["staff_channels"]
    assert code == 0 and found["status"] == "warning"
    assert "email 2, webhook 1" in found["detail"] and "log 1" not in found["detail"]
    assert "HUIFANG_SMTP_HOST" in found["fix"] and "HUIFANG_WEBHOOK_SECRET" in found["fix"]


def test_in_production_staff_without_a_channel_are_a_problem(env, db):
    add_staff(db, email=1)
    env.setenv("HUIFANG_ENVIRONMENT", "production")
    env.setenv("HUIFANG_SECRET_KEY", LONG)
    env.setenv("HUIFANG_ADMIN_API_KEY", LONG + "x")
    env.setenv("HUIFANG_PUBLIC_BASE_URL", "https://huifang.example.com")
    code, checks, _ = doctor()
    assert code == 1 and checks["staff_channels"]["status"] == "problem"
