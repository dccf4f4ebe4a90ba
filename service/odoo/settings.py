"""Settings of the Odoo link that the core ``Settings`` does not hold (yet).

Read from the same environment / ``.env``: ``HUIFANG_ODOO_ESTATE_MAP`` (JSON object from a
maintenance team or company name to an estate code), ``HUIFANG_ODOO_DEFAULT_ESTATE``,
``HUIFANG_ODOO_LANGUAGE`` (``zh_CN`` or ``en``, for chatter notes and activities),
``HUIFANG_ODOO_RECTIFICATION`` (``activity`` or ``request``), ``HUIFANG_ODOO_SCRAP_NEEDS_CALLBACK``,
``HUIFANG_ODOO_TIMEOUT`` (seconds per call), ``HUIFANG_ODOO_LOOKBACK_SECONDS``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.config import Settings
from service.odoo.gateway import ConnectionSettings
from service.odoo.mapping import MappingConfig
from service.odoo.outbox import OutboxConfig
from service.odoo.sync import SyncConfig


class OdooLinkSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUIFANG_ODOO_", env_file=".env", extra="ignore")

    estate_map: dict[str, str] = Field(default_factory=dict)
    default_estate: str | None = None
    language: Literal["zh_CN", "en"] = "zh_CN"
    rectification: Literal["activity", "request"] = "activity"
    scrap_needs_callback: bool = False
    timeout: float = Field(default=30.0, gt=0)
    lookback_seconds: int = Field(default=30, ge=0)


def connection_settings(
    settings: Settings, link: OdooLinkSettings | None = None
) -> ConnectionSettings:
    """Raises ``OdooConfigError`` naming the missing HUIFANG_ODOO_* variables."""
    link = link or OdooLinkSettings()
    return ConnectionSettings(
        url=settings.odoo_url or "",
        db=settings.odoo_db or "",
        user=settings.odoo_user or "",
        api_key=settings.odoo_api_key or "",
        transport=settings.odoo_transport,
        timeout=link.timeout,
    )


def sync_config(settings: Settings, link: OdooLinkSettings | None = None) -> SyncConfig:
    link = link or OdooLinkSettings()
    return SyncConfig(
        page_size=settings.sync_page_size,
        lookback_seconds=link.lookback_seconds,
        mapping=MappingConfig(
            estate_map=dict(link.estate_map),
            default_estate=link.default_estate,
            scrap_needs_callback=link.scrap_needs_callback,
        ),
    )


def outbox_config(link: OdooLinkSettings | None = None) -> OutboxConfig:
    link = link or OdooLinkSettings()
    return OutboxConfig(language=link.language, rectification_mode=link.rectification)
