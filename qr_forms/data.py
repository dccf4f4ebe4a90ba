"""The values every qr_forms document prints, and how they print: the single source of the
choice types (category, role, satisfaction, channel, notice source), of their validation
(``FormDataError``) and of the value formats (money, local time, masked phone, signature SHA-256).

No text and no drawing here: the labels come from :mod:`qr_forms.labels`, the drawing from
:mod:`qr_forms.layout`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "Category",
    "Role",
    "Satisfaction",
    "Channel",
    "NoticeSource",
    "FormDataError",
    "mask_phone",
    "signature_sha256",
]

Category = Literal["safety", "leak", "general"]
Role = Literal["manager", "supervisor", "lead"]
Satisfaction = Literal["satisfied", "fairly_satisfied", "unsatisfied"]
Channel = Literal["on_site", "phone"]
NoticeSource = Literal["problems", "unsatisfied", "resident"]
"""What a rectification notice answers: problems the callback found, an unsatisfied answer,
or the resident's own answer on their phone."""

PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"


class FormDataError(ValueError):
    """The data given for a form or receipt is invalid (naive time, unknown category, ...)."""


def mask_phone(phone: str) -> str:
    """Mask a phone number for print: ``13812345678`` -> ``138****5678``.

    Only digits are kept (spaces, dashes and a ``+86`` prefix are dropped). Eleven-digit mobile
    numbers keep the first 3 and last 4 digits; shorter numbers keep only the last 4 (or fewer);
    an empty string stays empty.
    """
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not digits:
        return ""
    if len(digits) >= 11:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    keep = min(4, len(digits) // 2)
    return "*" * (len(digits) - keep) + digits[len(digits) - keep :]


def signature_sha256(png_bytes: bytes) -> str:
    """Return the SHA-256 of the signature image bytes, as 64 lowercase hex digits."""
    return hashlib.sha256(png_bytes).hexdigest()


def check_choice(field: str, value: object, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise FormDataError(f"{field} must be one of {', '.join(allowed)}, not {value!r}")


def check_aware(field: str, value: datetime) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise FormDataError(f"{field} must be a timezone-aware datetime")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise FormDataError(f"unknown timezone {name!r}") from exc


def local_time(moment: datetime, zone_name: str) -> str:
    """``2024-05-03 14:30 (UTC+08:00)``: the moment in the estate's timezone, offset shown."""
    local = moment.astimezone(zone(zone_name))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"


def money(amount: Decimal) -> str:
    """``¥1,234.50``."""
    return f"¥{amount.quantize(Decimal('0.01')):,}"
