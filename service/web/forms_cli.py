"""``huifang forms``: one printable PDF of a day's callback forms for an estate."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer


def forms(
    estate: Annotated[str, typer.Option(help="estate code, e.g. YGHY")],
    day: Annotated[
        str,
        typer.Option("--date", help="day the repairs were completed (YYYY-MM-DD, estate's time)"),
    ],
    out: Annotated[
        Path | None, typer.Option(help="PDF to write (default: forms-ESTATE-DATE.pdf)")
    ] = None,
    size: Annotated[str, typer.Option(help="A4 or A5-landscape")] = "A4",
) -> None:
    """Write one multi-page PDF: the callback form of every repair completed that day."""
    from rich.console import Console
    from sqlmodel import Session

    from ..config import get_settings
    from ..db import get_engine, migrate
    from ..domain import InvalidInput, NotFound
    from ..usecases.documents import day_forms_pdf, parse_page_size
    from ..usecases.queries import get_estate

    console = Console(stderr=True)
    try:
        wanted = date.fromisoformat(day)
        page_size = parse_page_size(size)
    except ValueError:
        console.print(f"[red]--date must be YYYY-MM-DD, not {day!r}[/]")
        raise typer.Exit(2) from None
    except InvalidInput as exc:
        console.print(f"[red]--size: {exc.detail}[/]")
        raise typer.Exit(2) from None
    engine = get_engine()
    migrate(engine)
    with Session(engine) as session:
        try:
            found = get_estate(session, estate)
        except NotFound as exc:
            console.print(f"[red]{exc.detail}[/]")
            raise typer.Exit(1) from None
        pdf, count = day_forms_pdf(
            session, found, wanted, get_settings(), datetime.now(UTC), page_size
        )
    if pdf is None:
        console.print(
            f"No repairs completed in {estate} on {wanted} 当日无完工维修单: no PDF written"
        )
        raise typer.Exit(1)
    target = out or Path(f"forms-{estate}-{wanted}.pdf")
    target.write_bytes(pdf)
    console.print(f"Wrote {count} callback form(s) 回访单 to {target} ({len(pdf)} bytes)")
