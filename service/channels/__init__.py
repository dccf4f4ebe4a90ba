"""The ways a notification reaches a person (adapters of ``usecases.notifications.Channel``).

``log`` records the message in the service's log and counts as sent: the default where nothing
else is set up. The e-mail, webhook (SMS / WeChat gateways) and Odoo channels plug in here.
"""

from __future__ import annotations

import logging

from ..config import Settings
from ..models import Notification, Staff
from ..usecases.notifications import Channel

log = logging.getLogger("huifang.notifications")


class LogChannel:
    """Writes the message to the log: nothing to set up, nothing to fail."""

    name = "log"

    def send(self, notification: Notification, staff: Staff) -> None:
        log.info(
            "notification %s to %s: %s | %s | %s",
            notification.id,
            staff.name,
            notification.subject,
            notification.body,
            notification.link or "",
        )


def channels_for(settings: Settings) -> dict[str, Channel]:
    """The channels this deployment has set up, by name (``log`` always)."""
    return {"log": LogChannel()}
