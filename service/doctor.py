"""``huifang doctor``: whether this installation is ready, one line per check with the fix.

It reads the settings (and reports their refusal instead of failing on it), then checks the
public address and the secrets for the environment, the database (reachable, migrations at
head; never created or migrated here), the PDF font, the Odoo link when it is configured
(``service.odoo.doctor``), the notification channels (``service.channels.doctor``) and the
staff whose channel is not set up. Exit 1 when anything is a problem, 0 otherwise (warnings
and skipped checks included). ``--json`` prints the same findings for scripts.

An entry point beside ``service.cli``: it gathers the checks of the use cases and of two
adapters (the Odoo link and the channels) that do not know each other.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Annotated

import typer

#: Where the language of the output comes from when ``--lang`` is not given (POSIX order).
LANG_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")
#: The checks that need settings, skipped when even the local reading of them fails.
NEED_SETTINGS = (
    "public_url",
    "secrets",
    "database",
    "database.migrations",
    "pdf_font",
    "odoo",
    "smtp",
    "webhook",
    "staff_channels",
)


def default_language(environ: Mapping[str, str] | None = None) -> str:
    """English when the locale is English (``LANG=en_US.UTF-8``), else Chinese."""
    env = os.environ if environ is None else environ
    for name in LANG_VARIABLES:
        value = env.get(name, "").strip()
        if value:
            return "en" if value.lower().startswith("en") else "zh_CN"
    return "zh_CN"


def _language(value: str | None) -> str:
    if value is None:
        return default_language()
    lowered = value.strip().lower().replace("-", "_")
    if lowered.startswith("zh"):
        return "zh_CN"
    if lowered.startswith("en"):
        return "en"
    raise typer.BadParameter("zh_CN or en", param_hint="--lang")


def run_checks(lang: str):  # noqa: ANN201 - the Findings type is imported late, like every command
    """Every check, in the order they are printed."""
    from .channels import channels_for
    from .channels.doctor import check_smtp, check_webhook
    from .odoo.doctor import check_odoo
    from .usecases import doctor as checks

    findings = checks.Findings(lang)
    loaded = checks.load_settings()
    checks.check_settings(findings, loaded)
    settings = loaded.settings
    if settings is None:
        for check_id in NEED_SETTINGS:
            findings.skipped(check_id, findings.say("settings.skipped"))
        return findings
    production = loaded.production
    checks.check_public_url(findings, settings, production=production)
    checks.check_secrets(findings, settings, production=production)
    engine = checks.check_database(findings, settings.database_url)
    try:
        checks.check_connections(findings, engine, settings)
        checks.check_pdf_font(findings)
        check_odoo(findings, settings)
        check_smtp(findings, settings)
        check_webhook(findings, settings, production=production)
        checks.check_staff_channels(
            findings, engine, set(channels_for(settings)), production=production
        )
    finally:
        if engine is not None:
            engine.dispose()
    return findings


def doctor(
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="zh_CN or en (default: from LC_ALL/LANG, else zh_CN)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the findings as JSON, for scripts")] = (
        False
    ),
) -> None:
    """Check this installation: settings and secrets, the database and its migrations, the PDF
    font, the Odoo link, the notification channels. Exit 1 when anything is a problem."""
    findings = run_checks(_language(lang))
    if as_json:
        typer.echo(json.dumps(findings.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print(findings)
    if findings.failed:
        raise typer.Exit(1)


STYLES = {"ok": "green", "warning": "yellow", "problem": "bold red", "skipped": "dim"}


def _print(findings) -> None:  # noqa: ANN001 - see run_checks
    from rich.cells import cell_len
    from rich.console import Console
    from rich.text import Text

    console = Console(soft_wrap=True, highlight=False)
    labels = {s: findings.say(f"status.{s}") for s in STYLES}
    status_width = max(cell_len(label) for label in labels.values())
    title_width = max((cell_len(c.title) for c in findings.checks), default=0)

    def pad(text: str, width: int) -> str:
        return text + " " * (width - cell_len(text))

    console.print(Text(findings.say("title"), style="bold"))
    for check in findings.checks:
        status = check.status.value
        console.print(
            Text.assemble(
                (pad(labels[status], status_width), STYLES[status]),
                "  ",
                pad(check.title, title_width),
                "  ",
                check.detail,
            )
        )
        if check.fix:
            console.print(
                Text.assemble(
                    " " * (status_width + 2),
                    (findings.say("fix.label"), "bold"),
                    check.fix,
                )
            )
    counts = findings.counts()
    summary = findings.say("summary", **counts)
    console.print(Text(summary, style="bold red" if findings.failed else "bold green"))
