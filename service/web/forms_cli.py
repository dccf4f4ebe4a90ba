"""``huifang forms`` and ``huifang notices``: a day's printable PDFs for an estate — the
callback forms of the repairs completed that day, or the written rectification notices
(整改通知单) opened that day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

Estate = Annotated[str, typer.Option(help="estate code, e.g. YGHY")]
Size = Annotated[str, typer.Option(help="A4 or A5-landscape")]


def _day_pdf(
    *,
    estate: str,
    day: str,
    out: Path | None,
    size: str,
    make: Callable[..., tuple[bytes | None, int]],
    name: str,
    none: str,
    wrote: str,
    working: str,
) -> None:
    from rich.console import Console
    from sqlmodel import Session

    from ..config import get_settings
    from ..db import get_engine, migrate
    from ..domain import InvalidInput, NotFound
    from ..http.progress import LateProgress
    from ..usecases.documents import parse_page_size
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
        with LateProgress(working, console=console):
            pdf, count = make(session, found, wanted, get_settings(), datetime.now(UTC), page_size)
    if pdf is None:
        console.print(none.format(estate=estate, day=wanted))
        raise typer.Exit(1)
    target = out or Path(name.format(estate=estate, day=wanted))
    target.write_bytes(pdf)
    console.print(wrote.format(count=count, target=target, size=len(pdf)))


def forms(
    estate: Estate,
    day: Annotated[
        str,
        typer.Option("--date", help="day the repairs were completed (YYYY-MM-DD, estate's time)"),
    ],
    out: Annotated[
        Path | None, typer.Option(help="PDF to write (default: forms-ESTATE-DATE.pdf)")
    ] = None,
    size: Size = "A4",
) -> None:
    """Write one multi-page PDF: the callback form of every repair completed that day."""
    from ..usecases.documents import day_forms_pdf

    _day_pdf(
        estate=estate,
        day=day,
        out=out,
        size=size,
        make=day_forms_pdf,
        name="forms-{estate}-{day}.pdf",
        none="No repairs completed in {estate} on {day} 当日无完工维修单: no PDF written",
        wrote="Wrote {count} callback form(s) 回访单 to {target} ({size} bytes)",
        working="Making the callback forms 正在生成回访单",
    )


def notices(
    estate: Estate,
    day: Annotated[
        str,
        typer.Option("--date", help="day the problems were found (YYYY-MM-DD, estate's time)"),
    ],
    out: Annotated[
        Path | None, typer.Option(help="PDF to write (default: notices-ESTATE-DATE.pdf)")
    ] = None,
    size: Size = "A4",
) -> None:
    """Write one multi-page PDF: the written rectification notice (整改通知单) of every
    problem found that day, for the workers; each carries a QR code to acknowledge it."""
    from ..usecases.documents import day_notices_pdf

    _day_pdf(
        estate=estate,
        day=day,
        out=out,
        size=size,
        make=day_notices_pdf,
        name="notices-{estate}-{day}.pdf",
        none="No rectifications opened in {estate} on {day} 当日无整改通知: no PDF written",
        wrote="Wrote {count} rectification notice(s) 整改通知单 to {target} ({size} bytes)",
        working="Making the rectification notices 正在生成整改通知单",
    )


__all__ = ["forms", "notices"]
