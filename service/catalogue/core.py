"""The catalogue's mechanism: messages ``key -> (zh_CN, en)``, ``register`` and ``t``.

A message is ``key -> (zh_CN, en)``; ``t(key, lang)`` falls back to the key itself so a missing
translation shows up in review instead of breaking the page. Tests check every registered key
has both languages.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGS = ("zh_CN", "en")
DEFAULT_LANG = "zh_CN"

MESSAGES: dict[str, tuple[str, str]] = {}


def register(messages: Mapping[str, tuple[str, str]]) -> None:
    for key, pair in messages.items():
        if key in MESSAGES and MESSAGES[key] != pair:
            raise ValueError(f"message {key!r} registered twice with different text")
        MESSAGES[key] = pair


def t(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    pair = MESSAGES.get(key)
    text = key if pair is None else pair[0 if lang == "zh_CN" else 1]
    return text.format(**values) if values else text


def pick_lang(query_lang: str | None, cookie_lang: str | None) -> str:
    """The query parameter, then the remembered choice; Chinese by default whatever the browser
    says (staff phones are often set to English while the residents they serve read Chinese)."""
    for candidate in (query_lang, cookie_lang):
        if candidate in LANGS:
            return candidate  # type: ignore[return-value]
    return DEFAULT_LANG
