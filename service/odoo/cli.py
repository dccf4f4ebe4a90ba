"""``huifang sync``: the Odoo sync from the command line.

Mount with ``app.command("sync")(service.odoo.cli.sync)`` or ``app.add_typer(odoo_app)``.
Exit codes: 0 done (or another sync is running on the database: nothing to do), 2 wrong
settings (bad URL, database, user or API key), 3 Odoo unreachable, 1 anything else Odoo
refused. Messages are one line, never a traceback.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from rich.console import Console

from service.odoo.errors import OdooConfigError, OdooError, OdooUnavailable

console = Console(stderr=True, soft_wrap=True)
odoo_app = typer.Typer(help="The link with Odoo.", no_args_is_help=True)


@odoo_app.callback()
def main() -> None:
    """The link with Odoo: sync repair requests, write callbacks back."""


EXIT_CONFIG = 2
EXIT_UNAVAILABLE = 3


@odoo_app.command("sync")
def sync(
    once: Annotated[bool, typer.Option("--once", help="one pass, then exit")] = False,
    full: Annotated[
        bool, typer.Option("--full", help="read every request again (unchanged ones cost nothing)")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Read changed repair requests from Odoo and write callbacks back (``--once``: one
    pass; without it: repeat every HUIFANG_SYNC_INTERVAL_SECONDS until interrupted)."""
    import threading

    from service.config import get_settings
    from service.db import get_engine, migrate
    from service.heap import settle
    from service.http.progress import LateProgress, counted_columns
    from service.odoo.link import SyncRunning, run_sync_loop, sync_once
    from service.odoo.sync import reset_cursor

    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, format="%(message)s")
    settings = get_settings()
    engine = get_engine()
    migrate(engine)
    if full:
        reset_cursor(engine)
    settle()  # what start-up loaded stays out of the collections a sync sets off
    if not once:
        stop = threading.Event()
        try:
            run_sync_loop(engine=engine, settings=settings, stop=stop)
        except KeyboardInterrupt:
            stop.set()
        return
    bar = LateProgress("Odoo requests", console=console, disable=quiet, columns=counted_columns())
    try:
        with bar:

            def progress(done: int, total: int | None) -> None:
                bar.update(completed=done, total=total)

            report = sync_once(engine=engine, settings=settings, progress=progress)
    except SyncRunning:
        console.print("another sync is running on this database; nothing to do")
        return
    except OdooConfigError as exc:
        console.print(f"[red]Odoo settings: {exc}[/]")
        raise typer.Exit(EXIT_CONFIG) from None
    except OdooUnavailable as exc:
        console.print(f"[red]Odoo unreachable: {exc}[/]")
        raise typer.Exit(EXIT_UNAVAILABLE) from None
    except OdooError as exc:
        console.print(f"[red]Odoo refused: {exc}[/]")
        raise typer.Exit(1) from None
    if not quiet:
        console.print(report.summary())
        for reason in report.sync.reasons[:10]:
            console.print(f"  skipped: {reason}")
