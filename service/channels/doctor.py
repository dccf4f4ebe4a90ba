"""``huifang doctor``'s checks of the notification channels that are configured: the mail
server (connect, EHLO, STARTTLS when asked for, a login when a user is set; no mail is sent)
and the SMS/WeChat gateway (its address, and that it answers a HEAD request; nothing is
posted)."""

from __future__ import annotations

import smtplib
import ssl
from urllib.parse import urlsplit

import httpx

from ..config import Settings
from ..usecases.doctor import Findings

#: Seconds to wait for the mail server or the gateway while checking.
TIMEOUT = 10.0


def check_smtp(findings: Findings, settings: Settings) -> None:
    s = settings
    if not s.smtp_host:
        findings.skipped("smtp", findings.say("smtp.not_configured"))
        return
    where = f"{s.smtp_host}:{s.smtp_port}"
    steps = ["EHLO"]
    step = "connect"
    unencrypted = False
    try:
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=min(s.smtp_timeout, TIMEOUT)) as smtp:
            step = "ehlo"
            smtp.ehlo()
            if s.smtp_starttls:
                if smtp.has_extn("starttls"):
                    step = "starttls"
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                    steps.append("STARTTLS")
                else:
                    unencrypted = True
            if s.smtp_user:
                step = "login"
                smtp.login(s.smtp_user, s.smtp_password or "")
                steps.append(findings.say("smtp.signed_in", user=s.smtp_user))
    except (OSError, smtplib.SMTPException) as exc:
        error = _smtp_error(exc)
        fix = {"starttls": "fix.smtp_starttls", "login": "fix.smtp_login"}.get(step, "fix.smtp")
        findings.problem(
            "smtp", findings.say(f"smtp.failed.{step}", where=where, error=error), findings.say(fix)
        )
        return
    detail = findings.say("smtp.ok", where=where, steps=", ".join(steps))
    if unencrypted:
        findings.warning(
            "smtp", findings.say("smtp.no_starttls", where=where), findings.say("fix.smtp_no_tls")
        )
    else:
        findings.ok("smtp", detail)


def _smtp_error(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else exc.smtp_error
        )
        return f"{exc.smtp_code} {text}".strip()
    return str(exc) or type(exc).__name__


def check_webhook(findings: Findings, settings: Settings, *, production: bool) -> None:
    url = settings.webhook_url
    if not url:
        findings.skipped("webhook", findings.say("webhook.not_configured"))
        return
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        findings.problem(
            "webhook", findings.say("webhook.bad", url=url), findings.say("fix.webhook_url")
        )
        return
    if production and parts.scheme != "https":
        findings.problem(
            "webhook", findings.say("webhook.http", url=url), findings.say("fix.webhook_https")
        )
        return
    if not settings.webhook_secret:
        findings.problem(
            "webhook",
            findings.say("webhook.no_secret", url=url),
            findings.say("fix.webhook_secret"),
        )
        return
    try:
        answer = httpx.head(url, timeout=min(settings.webhook_timeout, TIMEOUT))
    except httpx.HTTPError as exc:
        findings.problem(
            "webhook",
            findings.say("webhook.unreachable", url=url, error=str(exc) or type(exc).__name__),
            findings.say("fix.webhook_url"),
        )
        return
    # Any answer shows the gateway is there (a HEAD may well be 405 or 501), but a proxy's
    # 502-504: the gateway behind it is not.
    if answer.status_code in {502, 503, 504}:
        findings.warning(
            "webhook",
            findings.say("webhook.failing", url=url, status=answer.status_code),
            findings.say("fix.webhook_url"),
        )
    else:
        findings.ok("webhook", findings.say("webhook.ok", url=url, status=answer.status_code))
