"""``huifang audit verify|export``: the audit chain checked end to end (or an evidence pack,
without any database), and one estate-month's evidence pack written."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()

audit_app = typer.Typer(help="the audit chain: verify it, export evidence packs")


@audit_app.command("verify")
def audit_verify(
    estate: Annotated[str | None, typer.Option(help="one estate's chain (default: all)")] = None,
    pack: Annotated[
        Path | None,
        typer.Option("--pack", help="check an evidence pack instead, without any database"),
    ] = None,
) -> None:
    """Walk the audit chains from their first entry to their recorded heads and hash every
    signature again: exit 0 when all holds, 1 naming the first entry or signature that does
    not (edited, deleted or inserted behind the service's back), 2 for an unknown estate.
    With --pack: the same checks on an evidence pack, and its files against its manifest."""
    from sqlmodel import Session

    from .. import domain as d
    from ..db import get_engine, migrate
    from ..usecases.evidence import verify

    if pack is not None:
        from ..usecases.evidence_pack import verify_pack

        checked = verify_pack(pack)
        for problem in checked.problems:  # one line each, however long its path
            console.print(f"[red]{problem}[/red]", highlight=False, soft_wrap=True)
        console.print(checked.summary(), highlight=False, soft_wrap=True)
        if not checked.intact:
            raise typer.Exit(1)
        return
    engine = get_engine()
    migrate(engine)
    with Session(engine) as session:
        try:
            report = verify(session, estate_code=estate)
        except d.NotFound as exc:
            console.print(f"[red]{exc.detail}[/red]")
            raise typer.Exit(2) from None
    for problem in report.problems:
        console.print(f"[red]{problem}[/red]", highlight=False, soft_wrap=True)
    console.print(report.summary(), highlight=False, soft_wrap=True)
    if not report.intact:
        raise typer.Exit(1)


@audit_app.command("export")
def audit_export(
    estate: Annotated[str, typer.Option(help="estate code")],
    period: Annotated[str, typer.Option(help="YYYY-MM")],
    out: Annotated[Path, typer.Option("--out", help="the pack to write (.zip)")],
) -> None:
    """Write the evidence pack of one estate-month: its audit chain up to now, the ledger, the
    signatures and receipts, and a manifest of hashes with the chain head."""
    from sqlmodel import Session

    from .. import domain as d
    from ..db import get_engine, migrate
    from ..usecases.evidence_pack import export_pack
    from .ledger import to_csv

    engine = get_engine()
    migrate(engine)
    with Session(engine) as session:
        try:
            manifest = export_pack(
                session, estate_code=estate, period=period, out=out, ledger_csv=to_csv
            )
        except d.NotFound as exc:
            console.print(f"[red]{exc.detail}[/red]")
            raise typer.Exit(2) from None
        except d.InvalidInput as exc:
            raise typer.BadParameter(exc.detail, param_hint="--period") from None
    head = manifest["head"]
    console.print(
        f"audit export: {out} ({manifest['entries']} entries, {manifest['signatures']}"
        f" signatures; chain head #{head['seq']} {head['hash']})",
        highlight=False,
    )
