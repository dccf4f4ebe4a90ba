"""The ways a notification reaches a person (adapters of ``usecases.notifications.Channel``).

- ``odoo`` queues it as an Odoo activity for the person's Odoo user on the job's Odoo
  request (``service.channels.odoo``), when the Odoo link is configured;
- ``log`` records the message in the service's log and counts as sent: the default where
  nothing else is set up, and where a person's own channel is not configured;
- ``email`` sends it over SMTP (``HUIFANG_SMTP_*``) to the person's e-mail address;
- ``webhook`` posts it as JSON to an SMS or WeChat gateway (``HUIFANG_WEBHOOK_URL``), signed
  with HMAC-SHA256 over the body (``HUIFANG_WEBHOOK_SECRET``) in ``X-Huifang-Signature``.

A failure raises ``ChannelError``; the delivery loop retries it with back-off, or marks it
failed when retrying cannot help (no address, a refused recipient, a 4xx answer).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import ssl
from email.message import EmailMessage

import httpx

from ..config import Settings
from ..models import Notification, Staff
from ..usecases.notifications import Channel, ChannelError
from .odoo import OdooChannel

log = logging.getLogger("huifang.notifications")
SIGNATURE_HEADER = "X-Huifang-Signature"


class LogChannel:
    """Records the notification as sent, with a log line that names it and its recipient by id
    only: the message itself (units, problems, the staff page's link) stays in the database,
    where ``GET /api/v1/notifications`` and the dashboard show it to those who may see it."""

    name = "log"

    def send(self, notification: Notification, staff: Staff) -> None:
        log.info(
            "notification %s (%s) to staff %s: recorded, no channel set up",
            notification.id,
            notification.kind,
            staff.id,
        )


def smtp_send(settings: Settings, message: EmailMessage) -> None:
    """Send one message through the configured SMTP server (STARTTLS when offered and asked
    for, a login when configured); smtplib's errors are the caller's to map."""
    s = settings
    with smtplib.SMTP(s.smtp_host or "", s.smtp_port, timeout=s.smtp_timeout) as smtp:
        if s.smtp_starttls and smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
        if s.smtp_user:
            smtp.login(s.smtp_user, s.smtp_password or "")
        smtp.send_message(message)


class EmailChannel:
    """Plain-text e-mail over SMTP (STARTTLS when the server offers it and it is asked for)."""

    name = "email"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, notification: Notification, staff: Staff) -> None:
        s = self.settings
        if not staff.email:
            raise ChannelError(f"{staff.name} has no e-mail address", permanent=True)
        message = EmailMessage()
        message["From"] = s.smtp_from
        message["To"] = staff.email
        message["Subject"] = notification.subject
        message["Message-ID"] = f"<huifang-notification-{notification.id}@{s.smtp_host}>"
        lines = [notification.body, "", notification.link or ""]
        message.set_content("\n".join(lines).rstrip() + "\n")
        try:
            smtp_send(s, message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise ChannelError(f"the mail server refused {staff.email}", permanent=True) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(f"e-mail not sent: {exc}") from exc


def webhook_signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the exact body with the shared secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookChannel:
    """A signed JSON POST to a gateway that texts or messages the person."""

    name = "webhook"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, notification: Notification, staff: Staff) -> None:
        s = self.settings
        body = json.dumps(
            {
                "id": notification.id,
                "kind": notification.kind,
                "to": {"name": staff.name, "phone": staff.phone, "email": staff.email},
                "language": notification.language,
                "subject": notification.subject,
                "text": notification.body,
                "link": notification.link,
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: webhook_signature(s.webhook_secret or "", body),
            "Idempotency-Key": f"huifang-notification-{notification.id}",
        }
        try:
            answer = httpx.post(
                s.webhook_url or "", content=body, headers=headers, timeout=s.webhook_timeout
            )
        except httpx.HTTPError as exc:
            raise ChannelError(f"webhook not reached: {exc}") from exc
        if answer.status_code >= 500 or answer.status_code == 429:
            raise ChannelError(f"webhook answered {answer.status_code}")
        if answer.status_code >= 400:
            raise ChannelError(f"webhook refused it: {answer.status_code}", permanent=True)


def channels_for(settings: Settings) -> dict[str, Channel]:
    """The channels this deployment has set up, by name (``log`` always)."""
    channels: dict[str, Channel] = {"log": LogChannel()}
    if settings.smtp_host:
        channels["email"] = EmailChannel(settings)
    if settings.webhook_url and settings.webhook_secret:
        channels["webhook"] = WebhookChannel(settings)
    if settings.odoo_configured:
        channels["odoo"] = OdooChannel()
    return channels
