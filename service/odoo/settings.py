"""Turn the service's ``Settings`` into the Odoo link's own configuration objects."""

from __future__ import annotations

from service.config import Settings
from service.odoo.gateway import OdooGateway
from service.odoo.mapping import MappingConfig
from service.odoo.outbox import OutboxConfig
from service.odoo.sync import SyncConfig
from service.odoo.transport import ConnectionSettings


def connection_settings(settings: Settings) -> ConnectionSettings:
    """Raises ``OdooConfigError`` naming the missing HUIFANG_ODOO_* variables."""
    return ConnectionSettings(
        url=settings.odoo_url or "",
        db=settings.odoo_db or "",
        user=settings.odoo_user or "",
        api_key=settings.odoo_api_key or "",
        transport=settings.odoo_transport,
        timeout=settings.odoo_timeout,
    )


def sync_config(settings: Settings) -> SyncConfig:
    return SyncConfig(
        page_size=settings.sync_page_size,
        lookback_seconds=settings.odoo_lookback_seconds,
        mapping=MappingConfig(
            estate_map=dict(settings.odoo_estate_map),
            default_estate=settings.odoo_default_estate,
            scrap_needs_callback=settings.odoo_scrap_needs_callback,
        ),
    )


def outbox_config(settings: Settings, gateway: OdooGateway | None = None) -> OutboxConfig:
    """With ``HUIFANG_ODOO_LANGUAGE=auto`` the notes speak the Odoo company's language:
    Chinese for a Chinese company (or when Odoo does not say), English for any other."""
    language = settings.odoo_language
    if language == "auto":
        found = gateway.company_language() if gateway is not None else None
        language = "en" if found and not found.startswith("zh") else "zh_CN"
    return OutboxConfig(language=language, rectification_mode=settings.odoo_rectification)
