"""Settings, read from HUIFANG_* environment variables or a .env file."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "change-me-local-only"
DEV_ADMIN_KEY = "dev-admin-key"
ENV_PREFIX = "HUIFANG_"
#: The shortest secret or key production accepts.
MIN_SECRET_LENGTH = 32
GENERATE_SECRET = "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
#: The secrets production checks: name, and whether it must be set at all.
PRODUCTION_SECRETS = (
    ("secret_key", True),
    ("admin_api_key", True),
    ("odoo_shared_secret", False),
    ("webhook_secret", False),
)


class SettingsRefused(RuntimeError):
    """The settings cannot serve this environment; ``problems`` each name the variable to
    change and how. (Not a ValueError: pydantic would wrap it with every input value, the
    secrets included.)"""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def env_name(field: str) -> str:
    return f"{ENV_PREFIX}{field.upper()}"


def production_problems(settings: Settings) -> list[str]:
    """What keeps ``settings`` from production: short or development secrets and keys, a
    public address that is not https. Empty when none."""
    problems = []
    for field, required in PRODUCTION_SECRETS:
        value = getattr(settings, field)
        if not value and not required:
            continue
        name = env_name(field)
        if value in (DEV_SECRET, DEV_ADMIN_KEY):
            problems.append(
                f"{name} is the development default; production needs a secret of its own,"
                f" at least {MIN_SECRET_LENGTH} characters: {GENERATE_SECRET}"
            )
        elif len(value) < MIN_SECRET_LENGTH:
            problems.append(
                f"{name} is {len(value)} characters; production needs at least"
                f" {MIN_SECRET_LENGTH}: {GENERATE_SECRET}"
            )
    url = urlsplit(settings.public_base_url)
    if url.scheme != "https" or not url.hostname:
        problems.append(
            f"{env_name('public_base_url')} is {settings.public_base_url!r}; production needs"
            " the https address staff and residents open (it is printed in the QR codes),"
            " e.g. https://huifang.example.com"
        )
    return problems


def settings_error_line(exc: SettingsRefused | ValidationError) -> str:
    """One readable line for a refusal of the settings, naming the variables to change (never
    their values: they may be secrets)."""
    if isinstance(exc, SettingsRefused):
        return f"huifang cannot start in production: {'; '.join(exc.problems)}"
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in error.get("loc", ()))
        problems.append(f"{env_name(where) if where else 'settings'}: {error.get('msg')}")
    return f"huifang cannot read its settings: {'; '.join(problems)}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUIFANG_", env_file=".env", extra="ignore")

    environment: Literal["local", "test", "production"] = "local"
    database_url: str = "sqlite:///huifang.db"
    # Each process keeps up to db_pool_size connections open and opens up to db_max_overflow
    # more at busy moments (closed again when returned). PostgreSQL's max_connections must
    # hold instances x (workers + 1) x (db_pool_size + db_max_overflow +
    # db_loop_pool_size); see the README.
    db_pool_size: int = Field(default=15, ge=1, le=500)
    db_max_overflow: int = Field(default=5, ge=0, le=500)
    # PostgreSQL: connections each process keeps besides, for the busiest reads, which run in
    # the event loop (service.loop_reads); 0: those reads go through the pool above too.
    db_loop_pool_size: int = Field(default=4, ge=0, le=100)
    admin_api_key: str = DEV_ADMIN_KEY
    secret_key: str = DEV_SECRET
    public_base_url: str = "http://127.0.0.1:8000"
    # Requests with a larger body are refused (413) before the rest of it is read.
    max_body_bytes: int = Field(default=1_048_576, ge=1024)

    # Odoo link
    odoo_url: str | None = None
    odoo_db: str | None = None
    odoo_user: str | None = None
    odoo_api_key: str | None = None
    odoo_transport: Literal["auto", "jsonrpc", "json2"] = "auto"
    odoo_shared_secret: str | None = None
    odoo_timeout: float = Field(default=30.0, gt=0, description="seconds per Odoo call")
    # Estate of a request without the add-on's estate field: maintenance team or company name
    # -> estate code (JSON object), else this default.
    odoo_estate_map: dict[str, str] = Field(default_factory=dict)
    odoo_default_estate: str | None = None
    # Language of the chatter notes and activities; "auto": the integration user's language,
    # else the Odoo company's, else Chinese.
    odoo_language: Literal["auto", "zh_CN", "en"] = "auto"
    odoo_rectification: Literal["activity", "request"] = "activity"
    odoo_scrap_needs_callback: bool = False
    odoo_lookback_seconds: int = Field(default=30, ge=0)
    sync_interval_seconds: int = Field(default=60, ge=5)
    remind_interval_seconds: int = Field(default=300, ge=5)
    sync_page_size: int = Field(default=500, ge=1, le=10_000)

    # Notification channels: e-mail over SMTP, and a signed webhook (SMS / WeChat gateways)
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "huifang@localhost"
    smtp_starttls: bool = True
    smtp_timeout: float = Field(default=20.0, gt=0)
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_timeout: float = Field(default=10.0, gt=0)

    # Phone pages and forms
    # A token's holder is remembered this many seconds per process, so a busy caller's
    # requests need no lookup each; a revoked token is refused at once by the process that
    # revoked it and within this time by the others (0: look it up on every request).
    token_cache_seconds: float = Field(default=5.0, ge=0, le=300)
    token_max_age_days: int = Field(default=30, ge=1)
    signature_max_bytes: int = Field(default=300_000, ge=1_000)
    # Residents' names, phone numbers and signature images are removed this many years after
    # the repair was completed (their hashes stay, so the audit chain still verifies).
    retention_years: int = Field(default=3, ge=1, le=30)

    @model_validator(mode="after")
    def _refuse_weak_secrets_in_production(self) -> Settings:
        if self.environment == "production":
            problems = production_problems(self)
            if problems:
                raise SettingsRefused(problems)
        return self

    @property
    def odoo_configured(self) -> bool:
        return bool(self.odoo_url and self.odoo_db and self.odoo_user and self.odoo_api_key)


@lru_cache
def get_settings() -> Settings:
    return Settings()
