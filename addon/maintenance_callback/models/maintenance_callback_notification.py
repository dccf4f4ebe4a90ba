# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import hmac
import json
import logging
import secrets
import time

import requests

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

NOTIFY_PATH = "/api/v1/odoo/notify"
SIGNATURE_HEADER = "X-Huifang-Signature"
TIMESTAMP_HEADER = "X-Huifang-Timestamp"
NONCE_HEADER = "X-Huifang-Nonce"
MAX_ATTEMPTS = 5
TIMEOUT_SECONDS = 10


def sign_push(secret, timestamp, nonce, body):
    """``sha256=<hex HMAC-SHA256 of "<timestamp>.<nonce>." + the raw body>``, the service's
    signature format: the service refuses a timestamp more than 5 minutes from its clock and
    a nonce it has seen, so a captured push cannot be sent again."""
    signed = f"{timestamp}.{nonce}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def push_headers(secret, token, body):
    """The headers of one push: a fresh timestamp and nonce, the signature over them and the
    body, and the service's integration token."""
    timestamp = str(int(time.time()))
    nonce = secrets.token_urlsafe(24)
    return {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {token}",
        TIMESTAMP_HEADER: timestamp,
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: sign_push(secret, timestamp, nonce, body),
    }


class MaintenanceCallbackNotification(models.Model):
    """Outbox of pushes to the Huifang service.

    A request entering or leaving a done stage queues a row in the user's transaction; a
    cron sends the rows after that transaction has committed, so a slow or absent service
    never blocks or breaks the save. The service's regular sync remains the safety net.
    """

    _name = "maintenance.callback.notification"
    _description = "Callback service notification"
    _order = "id"

    request_ids = fields.Many2many("maintenance.request", string="Requests")
    request_ref_ids = fields.Char(
        string="Request IDs",
        required=True,
        help="Comma-separated ids, kept even if a request is deleted.",
    )
    state = fields.Selection(
        [("pending", "Pending"), ("sent", "Sent"), ("failed", "Failed")],
        default="pending",
        required=True,
        index=True,
    )
    attempts = fields.Integer(default=0)
    last_error = fields.Char()
    sent_at = fields.Datetime()

    @api.model
    def _enqueue(self, requests_to_notify):
        if not requests_to_notify or not self._service_config()[0]:
            return self.browse()
        row = self.create(
            {
                "request_ids": [fields.Command.set(requests_to_notify.ids)],
                "request_ref_ids": ",".join(str(i) for i in requests_to_notify.ids),
            }
        )
        # Cron triggers are rows of this transaction: the cron only runs after commit.
        self.env.ref("maintenance_callback.ir_cron_callback_notify")._trigger()
        return row

    @api.model
    def _service_config(self):
        params = self.env["ir.config_parameter"].sudo()
        url = (params.get_param("maintenance_callback.service_url") or "").rstrip("/")
        secret = params.get_param("maintenance_callback.shared_secret") or ""
        token = params.get_param("maintenance_callback.api_token") or ""
        return url, secret, token

    def _prepare_payload(self):
        ids = sorted({int(i) for row in self for i in row.request_ref_ids.split(",") if i})
        return {"db": self.env.cr.dbname, "model": "maintenance.request", "ids": ids}

    @api.model
    def _cron_send_notifications(self, limit=100):
        url, secret, token = self._service_config()
        pending = self.search([("state", "=", "pending")], limit=limit)
        if not pending or not url:
            return
        if not secret:
            _logger.warning("Huifang notification not sent: no shared secret configured")
            return
        if not token:
            _logger.warning("Huifang notification not sent: no integration token configured")
            return
        pending._send(url, secret, token)

    def _send(self, url, secret, token):
        body = json.dumps(self._prepare_payload(), separators=(",", ":")).encode()
        # Signed afresh on every attempt: a retry is a new push with its own nonce.
        headers = push_headers(secret, token, body)
        try:
            response = requests.post(
                url + NOTIFY_PATH, data=body, headers=headers, timeout=TIMEOUT_SECONDS
            )
            response.raise_for_status()
        except requests.RequestException as exc:
            _logger.warning("Huifang notification failed: %s", exc)
            for row in self:
                attempts = row.attempts + 1
                row.write(
                    {
                        "attempts": attempts,
                        "last_error": str(exc)[:500],
                        "state": "failed" if attempts >= MAX_ATTEMPTS else "pending",
                    }
                )
            return False
        self.write({"state": "sent", "sent_at": fields.Datetime.now(), "last_error": False})
        return True

    @api.autovacuum
    def _gc_sent_notifications(self):
        week_ago = fields.Datetime.subtract(fields.Datetime.now(), days=7)
        self.search([("state", "=", "sent"), ("sent_at", "<", week_ago)]).unlink()
