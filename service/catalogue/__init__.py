"""The one zh_CN/en catalogue: every label that pages, PDFs, exports and Odoo notes show.

A message is ``key -> (zh_CN, en)``; ``t(key, lang)`` falls back to the key itself so a missing
translation shows up in review instead of breaking the page. Tests check every registered key
has both languages. The texts live by subject in this package (``vocabulary``, ``phone``,
``dashboard``, ``today``, ``access``, ``ledger``, ``forms``, ``odoo``...); importing the package
loads them all. ``qr_forms`` receives its labels from here as data (``forms.form_labels``).
"""

from __future__ import annotations

from . import (  # noqa: F401 (the texts)
    access,
    dashboard,
    doctor,
    evidence,
    forms,
    landing,
    ledger,
    notifications,
    odoo,
    phone,
    rectifications,
    today,
    tokens,
    vocabulary,
)
from .core import DEFAULT_LANG, LANGS, MESSAGES, pick_lang, register, t

__all__ = ["DEFAULT_LANG", "LANGS", "MESSAGES", "pick_lang", "register", "t"]
