"""The ``huifang`` command."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .heap import settle

app = typer.Typer(
    help="Huifang 回访: maintenance callbacks on top of Odoo.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
console = Console()


def _settings():  # noqa: ANN202 - imported late so env changes made by commands apply
    """The settings; settings that cannot serve (a weak secret in production, a value that
    does not parse) end the command with one line naming the variable to change, exit 2."""
    from pydantic import ValidationError

    from .config import SettingsRefused, get_settings, settings_error_line

    try:
        return get_settings()
    except (SettingsRefused, ValidationError) as exc:
        typer.echo(settings_error_line(exc), err=True)
        raise typer.Exit(2) from None


def _reset_cached_settings() -> None:
    from .config import get_settings
    from .db import get_engine

    get_settings.cache_clear()
    get_engine.cache_clear()


SERVE_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    sync: Annotated[
        bool, typer.Option(help="run the Odoo sync loop when Odoo is configured")
    ] = True,
    remind: Annotated[
        bool, typer.Option(help="run the scheduler (reminders, escalations, notices)")
    ] = True,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="processes serving requests; with more than one, the scheduler and the Odoo"
            " sync run once, in this process beside them",
        ),
    ] = 1,
) -> None:
    """Apply pending migrations, then serve the API and the pages."""
    import threading

    import uvicorn

    from .app import serving_app
    from .db import get_engine, migrate
    from .http.logs import redact_root_handlers, uvicorn_log_config

    _settings()  # refused before anything starts
    logging.basicConfig(level=logging.INFO, format=SERVE_LOG_FORMAT)
    # No log line shows a phone-page link's token (access log included) or a result row.
    redact_root_handlers()
    migrate(get_engine())
    with_sync = sync and _settings().odoo_configured
    if workers == 1:
        application = serving_app()
        if with_sync:
            try:
                from .odoo.loop import attach_sync_loop
            except ModuleNotFoundError:
                console.print("[yellow]Odoo sync loop not available in this build[/]")
            else:
                attach_sync_loop(application)
        if remind:
            from .scheduler import attach_scheduler

            attach_scheduler(application, get_engine(), _settings())
        uvicorn.run(
            application, host=host, port=port, log_level="info", log_config=uvicorn_log_config()
        )
        return
    # Each worker makes its own app (a fresh process: the factory, by name) and logs through
    # the redacting handlers of the configuration below, its own records included; the
    # background loops run here, in the process that watches the workers.
    from .odoo.loop import SyncLoop
    from .scheduler import run_loop

    sync_loop = SyncLoop() if with_sync else None
    stop = threading.Event()
    scheduler = threading.Thread(
        target=run_loop, args=(get_engine(), _settings(), stop), name="scheduler", daemon=True
    )
    settle()
    if sync_loop is not None:
        sync_loop.start()
    if remind:
        scheduler.start()
    try:
        uvicorn.run(
            "service.app:serving_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            log_config=uvicorn_log_config(_workers_log_config()),
        )
    finally:
        stop.set()
        if sync_loop is not None:
            sync_loop.close()
        if remind:
            scheduler.join(10)


def _workers_log_config() -> dict[str, object]:
    """uvicorn's logging configuration plus the root logger's handler, so that the records
    of a worker process's own loggers go out as ``huifang serve`` writes them (and redacted:
    ``uvicorn_log_config`` puts its filter on every handler)."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["huifang"] = {"format": SERVE_LOG_FORMAT}
    config["handlers"]["huifang"] = {
        "class": "logging.StreamHandler",
        "formatter": "huifang",
        "stream": "ext://sys.stderr",
    }
    config["root"] = {"handlers": ["huifang"], "level": "INFO"}
    return config


@app.command()
def demo(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    database: Annotated[
        Path | None,
        typer.Option(
            help="SQLite file to use instead of the configured database (HUIFANG_DATABASE_URL,"
            " default huifang.db)",
            dir_okay=False,
        ),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="recreate the SQLite file even when it holds data the demo did not make",
        ),
    ] = False,
    jobs_per_estate: Annotated[
        int, typer.Option("--jobs-per-estate", min=1, max=5000, help="repair jobs per estate")
    ] = 100,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
) -> None:
    """Load demo estates, jobs and callbacks up to today into the database every huifang
    command uses (HUIFANG_DATABASE_URL, default sqlite:///huifang.db), then serve on
    http://HOST:PORT. A SQLite file is recreated only when it is absent, empty or made by the
    demo (--replace forces it); a PostgreSQL database must be empty."""
    import time

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from .catalogue import t
    from .demo import DEMO_PASSWORD, inspect_database, load_demo, remove_sqlite

    if database is not None:
        os.environ["HUIFANG_DATABASE_URL"] = f"sqlite:///{database}"
        _reset_cached_settings()
    url = _settings().database_url
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        state = inspect_database(url)
    except (ValueError, SQLAlchemyError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        typer.echo(f"demo: cannot use the database {shown}: {reason}", err=True)
        raise typer.Exit(2) from None
    default = url == type(_settings()).model_fields["database_url"].default
    where = (
        f"--database {database}"
        if database is not None
        else "the default database"
        if default
        else f"HUIFANG_DATABASE_URL={shown}"
    )
    if state.path is None and state.holds != "empty":
        typer.echo(
            f"demo: the database {shown} ({where}) already holds data ({state.found}). The demo"
            " loads into an empty PostgreSQL database only and never empties one (--replace"
            " recreates SQLite files only): point HUIFANG_DATABASE_URL at an empty database, or"
            " give the demo a SQLite file with --database PATH.",
            err=True,
        )
        raise typer.Exit(2)
    if state.path is not None and state.path.is_dir():
        typer.echo(f"demo: {state.path} ({where}) is a directory, not a database file", err=True)
        raise typer.Exit(2)
    if state.path is not None and not state.replaceable and not replace:
        what = state.found or "data"
        typer.echo(
            f"demo: {state.path} ({where}) holds data the demo did not make ({what}); it is left"
            " as it is. Give the demo another file with --database PATH (or"
            " HUIFANG_DATABASE_URL=sqlite:///PATH), or recreate this one with --replace, which"
            " deletes what it holds.",
            err=True,
        )
        raise typer.Exit(2)
    if serve_after:  # a key of its own unless one is set; `huifang serve` later uses the set one
        os.environ.setdefault("HUIFANG_ADMIN_API_KEY", "demo-" + secrets.token_urlsafe(12))
        os.environ.setdefault("HUIFANG_PUBLIC_BASE_URL", f"http://{host}:{port}")
        _reset_cached_settings()
    key = _settings().admin_api_key

    from sqlmodel import Session

    from .db import get_engine, migrate

    if state.path is not None:
        remove_sqlite(state.path)
    engine = get_engine()
    migrate(engine)
    started = time.monotonic()
    with console.status("Loading demo data..."), Session(engine) as session:
        summary = load_demo(session, jobs_per_estate=jobs_per_estate)
    engine.dispose()
    base = f"http://{host}:{port}"
    period = summary.period
    if database is not None:
        used = f"{database} (--database); other commands use it with HUIFANG_DATABASE_URL={shown}"
    elif default:
        used = f"{shown}, the default database every huifang command uses"
    else:
        used = f"{shown} (HUIFANG_DATABASE_URL), the database every huifang command uses"
    staff_page = f"{base}/jobs/{summary.open_job}/staff" if summary.open_job else None
    lines = [
        f"Huifang demo: {summary.estates} estates,"
        f" {summary.jobs} jobs, {summary.callbacks} callbacks, {summary.phone_attempts} phone"
        f" calls, {summary.rectifications} rectifications, up to now"
        f" ({time.monotonic() - started:.1f} s)",
        f"Database: {used}",
        f"  e.g. in another terminal: huifang report --estate YGHY --period {period} --format pdf",
        f"Home ({t('landing.title', 'zh_CN')}): {base}/",
        f"Sign in ({t('login.title', 'zh_CN')}): {base}/login as wang.yghy"
        f" ({t('role.manager', 'en').lower()}, {t('role.manager', 'zh_CN')}) or zhang.yghy"
        f" ({t('role.lead', 'en').lower()}, {t('role.lead', 'zh_CN')}), password {DEMO_PASSWORD}",
        f"{t('today.title', 'en')} ({t('today.title', 'zh_CN')}): {base}/today",
        f"Staff page ({t('phone.staff.title', 'zh_CN')}): {base}/jobs/<ref>/staff"
        + (f", e.g. {staff_page}" if staff_page else ""),
        f"{t('dash.title', 'en')} ({t('dash.title', 'zh_CN')}):"
        f" {base}/dashboard?estate=YGHY&period={period}",
        f"API docs: {base}/docs",
        f"Admin API key: {key}",
        f'Try: curl -H "Authorization: Bearer {key}"'
        f' "{base}/api/v1/compliance?estate=YGHY&period={period}"',
    ]
    # Plain lines, never wrapped to a console's width: they are copied into terminals.
    for line in lines:
        typer.echo(line)
    if serve_after:
        serve(host=host, port=port, sync=False)
    else:
        typer.echo("Serve it with: huifang serve")


def _import_help() -> str:
    from .importer.command import columns_help

    return columns_help()


@app.command("import", help=_import_help())
def import_jobs(
    file: Annotated[
        Path | None,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            show_default=False,
            help="CSV or XLSX file exported from a spreadsheet",
        ),
    ] = None,
    estate: Annotated[str | None, typer.Option(help="estate code for rows without one")] = None,
    atomic: Annotated[bool, typer.Option("--atomic", help="all rows or none")] = False,
    encoding: Annotated[
        str | None, typer.Option(help="force a CSV file's encoding (default: detect)")
    ] = None,
    sheet: Annotated[
        str | None, typer.Option(help="the XLSX sheet to read (default: the first)")
    ] = None,
    template: Annotated[
        Path | None,
        typer.Option(
            "--template",
            dir_okay=False,
            help="write an example file (.xlsx or .csv: the headings and two example rows,"
            " for --estate if given) and exit",
        ),
    ] = None,
    columns: Annotated[
        bool,
        typer.Option("--columns", help="print the accepted columns as a markdown table and exit"),
    ] = False,
) -> None:
    from .importer.command import columns_markdown, run_import, write_template

    if columns:
        typer.echo(columns_markdown(), nl=False)
        return
    if template is not None:
        raise typer.Exit(write_template(template, estate, console))
    if file is None:
        raise typer.BadParameter(
            "name the file to import (or use --template or --columns)", param_hint="FILE"
        )
    from .db import get_engine, migrate

    migrate(get_engine())
    code = run_import(
        file, default_estate=estate, atomic=atomic, encoding=encoding, sheet=sheet, console=console
    )
    raise typer.Exit(code)


@app.command()
def remind(
    once: Annotated[bool, typer.Option("--once", help="run one cycle and stop")] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="ISO 8601 time with offset; default now")
    ] = None,
) -> None:
    """Make the reminders, escalations and rectification notices that are due (each once,
    ever) and send them; prints what it made. Without --once: a cycle every
    HUIFANG_REMIND_INTERVAL_SECONDS."""
    import time
    from datetime import UTC, datetime

    from .db import get_engine, migrate
    from .scheduler import run_cycle
    from .web.options import time_option

    moment = None
    if as_of:
        moment = time_option(as_of, "--as-of")
    settings = _settings()
    engine = get_engine()
    migrate(engine)
    settle()  # what start-up loaded stays out of the collections of every cycle
    while True:
        report, sent = run_cycle(engine, settings, moment or datetime.now(UTC))
        for line in report.lines:
            console.print(line)
        console.print(
            f"remind: {len(report.made)} made, {sent.sent} sent, {sent.retried} to retry,"
            f" {sent.failed} failed"
        )
        if once:
            return
        time.sleep(settings.remind_interval_seconds)


@app.command()
def plan(
    estate: Annotated[str, typer.Option(help="estate code")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="ISO 8601 time with offset; default now")
    ] = None,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="redraw every logged draw of the estate from its log; exit 1 if one differs",
        ),
    ] = False,
) -> None:
    """The day's quota plan: per period and role, the callbacks still needed and the jobs
    planned to meet them (drawn once a day, weighted for managers and supervisors, logged)."""
    from datetime import UTC, datetime

    from rich.table import Table
    from sqlmodel import Session, select

    from . import domain as d
    from .db import get_engine, migrate
    from .models import QuotaDraw
    from .usecases.planner import plan_of, redraw_mismatches
    from .web.options import time_option

    moment = datetime.now(UTC)
    if as_of:
        moment = time_option(as_of, "--as-of")
    engine = get_engine()
    migrate(engine)
    with Session(engine, expire_on_commit=False) as session:
        try:
            day = plan_of(session=session, estate_code=estate, as_of=moment)
        except d.NotFound as exc:
            console.print(f"[red]{exc.detail}[/red]")
            raise typer.Exit(2) from None
        table = Table(title=f"{day.estate.code} {day.day}")
        for column in ("period", "role", "required", "done", "need", "qualify", "planned"):
            table.add_column(column, justify="left" if column in ("period", "role") else "right")
        for period in day.periods:
            for role, r in period.roles.items():
                refs = ", ".join(job.ref for job in r.jobs[:6]) + (
                    " ..." if len(r.jobs) > 6 else ""
                )
                table.add_row(
                    str(period.period),
                    role.value,
                    str(r.required),
                    str(r.done),
                    str(r.need),
                    str(r.qualifying),
                    f"{len(r.jobs)} {refs}".strip(),
                )
        console.print(table)
        if verify:
            draws = list(
                session.exec(select(QuotaDraw).where(QuotaDraw.estate_id == day.estate.id)).all()
            )
            wrong = redraw_mismatches(session, draws)
            for row in wrong:
                console.print(
                    f"[red]draw {row.id} ({row.day} {row.period} {row.role} round {row.round})"
                    " does not follow from its log[/red]"
                )
            console.print(f"plan: {len(draws) - len(wrong)} of {len(draws)} draws redrawn the same")
            if wrong:
                raise typer.Exit(1)


privacy_app = typer.Typer(help="residents' personal data: remove it after the retention period")
app.add_typer(privacy_app, name="privacy")


@privacy_app.command("purge")
def privacy_purge(
    before: Annotated[
        str | None,
        typer.Option(
            help="YYYY-MM-DD (UTC midnight) or an ISO time with offset; default: now less"
            " HUIFANG_RETENTION_YEARS"
        ),
    ] = None,
) -> None:
    """Remove residents' names, phone numbers and signature images (and strokes, and the
    signer's name) of the jobs completed before BEFORE; their hashes stay, so `huifang audit
    verify` still passes and counts them as purged. `huifang serve` does this daily."""
    from datetime import UTC, datetime

    from sqlmodel import Session

    from .db import get_engine, migrate
    from .usecases.privacy import purge, retention_cutoff
    from .web.options import time_option

    now = datetime.now(UTC)
    moment = retention_cutoff(now, _settings().retention_years)
    if before:
        moment = time_option(before, "--before", date_at_utc_midnight=True)
        if moment > now:
            raise typer.BadParameter("must not be in the future", param_hint="--before")
    engine = get_engine()
    migrate(engine)
    with Session(engine, expire_on_commit=False) as session:
        report = purge(session=session, before=moment, actor="cli", now=now)
    console.print(
        f"privacy: {report.jobs} jobs and {report.signatures} signatures completed before"
        f" {moment.isoformat()} purged",
        highlight=False,
    )


def _register_feature_commands() -> None:
    """Commands that live beside their feature: sync (Odoo link), report, forms, notices,
    doctor, tokens, audit."""
    from .doctor import doctor
    from .odoo.cli import odoo_app, sync
    from .web.audit_cli import audit_app
    from .web.forms_cli import forms, notices
    from .web.reporting import report
    from .web.tokens_cli import token_app

    app.command("sync")(sync)
    app.command("report")(report)
    app.command("forms")(forms)
    app.command("notices")(notices)
    app.command("doctor")(doctor)
    app.add_typer(odoo_app, name="odoo")
    app.add_typer(token_app, name="token")
    app.add_typer(audit_app, name="audit")


_register_feature_commands()


if __name__ == "__main__":
    app()
