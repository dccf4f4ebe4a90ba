"""How a resident's confirmation link reaches them (the adapter of
``usecases.resident_links.ResidentSender``).

- ``sms`` and ``wechat`` post it as JSON to the deployment's SMS or WeChat gateway
  (``HUIFANG_WEBHOOK_URL``), signed like the staff notifications: HMAC-SHA256 over the body with
  ``HUIFANG_WEBHOOK_SECRET`` in ``X-Huifang-Signature``, and an ``Idempotency-Key`` of
  ``huifang-resident-link-<id>`` that stays the same on every retry. The body names the kind
  (``resident_link``), the channel, ``to.phone``, the language, the text and the link.
- ``email`` sends it over SMTP (``HUIFANG_SMTP_*``).

A gateway's 5xx or 429, a mail server's 4xx, an unreachable gateway or mail server raise a
transient ``ChannelError`` (retried); any other gateway answer that is not 2xx, a mail server's
5xx or a refused recipient, a permanent one.
"""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage

import httpx

from ..config import Settings
from ..usecases.notifications import ChannelError
from ..usecases.resident_links import PHONE_CHANNELS, ResidentMessage
from . import SIGNATURE_HEADER, smtp_send, webhook_signature

KIND = "resident_link"


def idempotency_key(message: ResidentMessage) -> str:
    return f"huifang-resident-link-{message.id}"


def webhook_body(message: ResidentMessage) -> bytes:
    """The gateway's JSON: what to send whom, in which language."""
    return json.dumps(
        {
            "id": message.id,
            "kind": KIND,
            "channel": message.channel,
            "to": {"phone": message.address},
            "language": message.language,
            "subject": message.subject,
            "text": message.text,
            "link": message.link,
        },
        ensure_ascii=False,
        sort_keys=True,
    ).encode()


class ResidentLinkSender:
    """Sends resident links by the channels this deployment has set up."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def missing_setting(self, channel: str) -> str | None:
        s = self.settings
        if channel == "email":
            return None if s.smtp_host else "HUIFANG_SMTP_HOST"
        if channel in PHONE_CHANNELS:
            missing = [
                name
                for name, value in (
                    ("HUIFANG_WEBHOOK_URL", s.webhook_url),
                    ("HUIFANG_WEBHOOK_SECRET", s.webhook_secret),
                )
                if not value
            ]
            return " and ".join(missing) or None
        return f"a channel named {channel!r}"

    def send(self, message: ResidentMessage) -> None:
        if message.channel == "email":
            self._email(message)
        else:
            self._webhook(message)

    def _webhook(self, message: ResidentMessage) -> None:
        s = self.settings
        body = webhook_body(message)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: webhook_signature(s.webhook_secret or "", body),
            "Idempotency-Key": idempotency_key(message),
        }
        try:
            answer = httpx.post(
                s.webhook_url or "", content=body, headers=headers, timeout=s.webhook_timeout
            )
        except httpx.HTTPError as exc:
            raise ChannelError(f"gateway not reached: {type(exc).__name__}") from exc
        if answer.status_code >= 500 or answer.status_code == 429:
            raise ChannelError(f"gateway answered {answer.status_code}")
        if not 200 <= answer.status_code < 300:
            raise ChannelError(f"gateway refused it: {answer.status_code}", permanent=True)

    def _email(self, message: ResidentMessage) -> None:
        s = self.settings
        mail = EmailMessage()
        mail["From"] = s.smtp_from
        mail["To"] = message.address
        mail["Subject"] = message.subject
        mail["Message-ID"] = f"<{idempotency_key(message)}@{s.smtp_host}>"
        mail.set_content(f"{message.text}\n\n{message.footer}\n")
        try:
            smtp_send(s, mail)
        except smtplib.SMTPRecipientsRefused as exc:
            raise ChannelError("the mail server refused the address", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            words = exc.smtp_error.decode(errors="replace")
            raise ChannelError(
                f"the mail server answered {exc.smtp_code} {words}", permanent=exc.smtp_code >= 500
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(f"e-mail not sent: {type(exc).__name__}: {exc}") from exc
