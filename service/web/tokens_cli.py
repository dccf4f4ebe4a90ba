"""``huifang token create|list|revoke``: scoped API tokens from the server's own shell, for the
administrator who would otherwise send the admin key over the network to make one. The same
use case as ``POST/GET/DELETE /api/v1/tokens``; the key is printed once."""

from __future__ import annotations

from typing import Annotated

import typer

token_app = typer.Typer(help="scoped API tokens: make one (shown once), list them, revoke one")

ROLES = "manager, supervisor, lead, integration or readonly"


def _session():  # noqa: ANN202 - imported late, like every command
    from sqlmodel import Session

    from ..db import get_engine, migrate

    engine = get_engine()
    migrate(engine)
    return Session(engine, expire_on_commit=False)


@token_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="who or what uses it, e.g. 'odoo' or 'monthly report'")],
    role: Annotated[str, typer.Option(help=ROLES)],
    estate: Annotated[str | None, typer.Option(help="the one estate it acts on")] = None,
    expires: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD (UTC midnight) or an ISO time with offset")
    ] = None,
) -> None:
    """Make a token and print it once: only its SHA-256 is kept."""
    from datetime import UTC, datetime

    from rich.console import Console

    from .. import domain as d
    from ..usecases.tokens import create_token
    from .options import time_option

    err = Console(stderr=True)
    expires_at = time_option(expires, "--expires", date_at_utc_midnight=True) if expires else None
    with _session() as session:
        try:
            token, key = create_token(
                session,
                name=name.strip(),
                role=role,
                estate=estate,
                expires_at=expires_at,
                actor="cli",
                now=datetime.now(UTC),
            )
        except d.DomainError as exc:
            err.print(f"[red]token not made:[/red] {exc.detail}", highlight=False)
            raise typer.Exit(2) from None
    print(key)
    where = f"estate {estate} only" if estate else "every estate"
    until = f"until {expires_at.isoformat()}" if expires_at else "with no expiry"
    err.print(
        f"token {token.id} ({token.role}, {where}, {until}): shown this once; keep it secret",
        highlight=False,
    )


@token_app.command("list")
def list_(
    estate: Annotated[str | None, typer.Option(help="only this estate's tokens")] = None,
) -> None:
    """Every token (never its key): role, estate, state, expiry, last use."""
    from datetime import UTC, datetime

    from rich.console import Console
    from rich.table import Table

    from .. import domain as d
    from ..usecases.queries import get_estate
    from ..usecases.tokens import list_tokens, token_out

    now = datetime.now(UTC)
    with _session() as session:
        try:
            estate_id = get_estate(session, estate).id if estate else None
        except d.NotFound as exc:
            Console(stderr=True).print(f"[red]{exc.detail}[/red]", highlight=False)
            raise typer.Exit(2) from None
        rows, _ = list_tokens(session, estate_id=estate_id, limit=10_000)
        shown = [token_out(t, e, now) for t, e in rows]
    table = Table("id", "name", "role", "estate", "starts with", "state", "expires", "last used")
    for tok in shown:
        table.add_row(
            str(tok["id"]),
            tok["name"],
            tok["role"],
            tok["estate"] or "(all)",
            tok["prefix"] + "…",
            tok["state"],
            tok["expires_at"].isoformat() if tok["expires_at"] else "never",
            tok["last_used_at"].isoformat() if tok["last_used_at"] else "—",
        )
    Console().print(table)


@token_app.command("revoke")
def revoke(token_id: Annotated[int, typer.Argument(help="the token's id (huifang token list)")]):
    """End a token: any later request with it gets 401 (from a running server, within
    HUIFANG_TOKEN_CACHE_SECONDS)."""
    from datetime import UTC, datetime

    from rich.console import Console

    from .. import domain as d
    from ..config import get_settings
    from ..usecases.tokens import revoke_token

    with _session() as session:
        try:
            token = revoke_token(session, token_id, actor="cli", now=datetime.now(UTC))
        except d.NotFound as exc:
            Console(stderr=True).print(f"[red]{exc.detail}[/red]", highlight=False)
            raise typer.Exit(2) from None
    seconds = get_settings().token_cache_seconds
    within = f"; running servers refuse it within {seconds:g} s" if seconds else ""
    Console(stderr=True).print(f"token {token.id} ({token.name}) revoked{within}", highlight=False)
