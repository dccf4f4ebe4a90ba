"""Turn the service's ``Settings`` into the Odoo link's own configuration objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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


@dataclass(frozen=True, slots=True)
class NoteLanguage:
    """The language of the notes and activities written to Odoo, and where it came from:
    ``setting`` (HUIFANG_ODOO_LANGUAGE), ``user`` (the integration user's language),
    ``company`` (the company's contact's language) or ``default`` (Chinese)."""

    language: Literal["zh_CN", "en"]
    source: Literal["setting", "user", "company", "default"]
    #: Odoo's own code of the language followed (``zh_CN``, ``en_US``...), if any.
    odoo_lang: str | None = None


def note_language(settings: Settings, gateway: OdooGateway | None = None) -> NoteLanguage:
    """With ``HUIFANG_ODOO_LANGUAGE=auto``: the integration user's language, else the
    company's, else Chinese; Chinese for any zh_* and English for any other language.

    The user's language comes first: loading Chinese into Odoo leaves the company's contact
    in en_US, while the integration user is set to the language the office reads."""
    if settings.odoo_language != "auto":
        return NoteLanguage(settings.odoo_language, "setting")
    if gateway is not None:
        user = gateway.user_language()
        if user:
            return NoteLanguage(_ours(user), "user", user)
        company = gateway.company_language()
        if company:
            return NoteLanguage(_ours(company), "company", company)
    return NoteLanguage("zh_CN", "default")


def _ours(odoo_lang: str) -> Literal["zh_CN", "en"]:
    return "zh_CN" if odoo_lang.lower().startswith("zh") else "en"


def outbox_config(settings: Settings, gateway: OdooGateway | None = None) -> OutboxConfig:
    """The outbox's configuration for one pass of the link: its language is resolved here,
    once (see ``note_language``), not for every note."""
    return OutboxConfig(
        language=note_language(settings, gateway).language,
        rectification_mode=settings.odoo_rectification,
    )
