"""Figures as a person reads them, in their language: percentages and ages past a deadline."""

from __future__ import annotations

import math


def fmt_age(hours: float, lang: str) -> str:
    """``3天5小时`` / ``3 d 5 h``: how long past a deadline."""
    whole = max(0, math.floor(hours))
    days, rest = divmod(whole, 24)
    if lang == "zh_CN":
        return f"{days}天{rest}小时" if days else f"{rest}小时"
    return f"{days} d {rest} h" if days else f"{rest} h"


def pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"
