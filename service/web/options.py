"""Command-line options shared by the commands: a time given as ISO 8601 with an offset."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from .. import domain as d


def time_option(text: str, name: str, *, date_at_utc_midnight: bool = False) -> datetime:
    """``text`` as an aware time, or ``typer.BadParameter`` (exit 2) saying why. With
    ``date_at_utc_midnight`` a bare ``YYYY-MM-DD`` means that day's midnight in UTC."""
    try:
        parsed = datetime.fromisoformat(text)
        if date_at_utc_midnight and parsed.tzinfo is None and len(text) == 10:
            parsed = parsed.replace(tzinfo=UTC)
        return d.rules.require_aware(parsed, name)
    except (ValueError, d.InvalidInput) as exc:
        raise typer.BadParameter(str(exc), param_hint=name) from None
