# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

from lxml import etree

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CallbackCase

SECRET = "s3cret-for-tests"
TOKEN = "hf_integration-token-for-tests"


class _Recorder(BaseHTTPRequestHandler):
    """A stand-in for the service's notify endpoint: records each POST, answers 202."""

    received = []
    status = 202

    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, dict(self.headers), body))
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install")
class TestServiceNotification(CallbackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _Recorder.received = []
        cls.server = HTTPServer(("127.0.0.1", 0), _Recorder)
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        cls.addClassCleanup(cls.server.server_close)
        cls.addClassCleanup(cls.server.shutdown)
        cls.url = f"http://127.0.0.1:{cls.server.server_address[1]}"
        params = cls.env["ir.config_parameter"]
        params.set_param("maintenance_callback.service_url", cls.url)
        params.set_param("maintenance_callback.shared_secret", SECRET)
        params.set_param("maintenance_callback.api_token", TOKEN)
        cls.Notification = cls.env["maintenance.callback.notification"]
        cls.cron = cls.env.ref("maintenance_callback.ir_cron_callback_notify")

    def setUp(self):
        super().setUp()
        _Recorder.received = []
        _Recorder.status = 202
        self.Notification.search([]).unlink()

    def _complete(self, title="卫生间漏水"):
        request = self._request(title)
        triggers_before = self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])
        request.stage_id = self.env.ref("maintenance.stage_3")
        triggers_after = self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])
        return request, triggers_after - triggers_before

    def test_completing_queues_a_notification_and_triggers_the_cron_without_calling(self):
        request, new_triggers = self._complete()
        row = self.Notification.search([])
        self.assertEqual(len(row), 1)
        self.assertEqual(row.state, "pending")
        self.assertEqual(row.request_ref_ids, str(request.id))
        self.assertEqual(new_triggers, 1)
        # Nothing was sent during the user's save: the cron sends after commit.
        self.assertEqual(_Recorder.received, [])

    def test_cron_posts_signed_body_and_marks_sent(self):
        first, _triggers = self._complete()
        second, _triggers = self._complete("电梯故障")
        self.Notification._cron_send_notifications()
        self.assertEqual(len(_Recorder.received), 1)
        path, headers, body = _Recorder.received[0]
        self.assertEqual(path, "/api/v1/odoo/notify")
        self.assertEqual(
            json.loads(body),
            {
                "db": self.env.cr.dbname,
                "model": "maintenance.request",
                "ids": sorted([first.id, second.id]),
            },
        )
        timestamp = headers["X-Huifang-Timestamp"]
        nonce = headers["X-Huifang-Nonce"]
        self.assertLessEqual(abs(int(timestamp) - time.time()), 60)
        self.assertRegex(nonce, r"^[A-Za-z0-9_-]{16,64}$")
        signed = f"{timestamp}.{nonce}.".encode() + body
        expected = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
        self.assertEqual(headers["X-Huifang-Signature"], f"sha256={expected}")
        self.assertEqual(headers["Authorization"], f"Bearer {TOKEN}")
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(set(self.Notification.search([]).mapped("state")), {"sent"})

    def test_each_attempt_is_signed_with_a_new_nonce(self):
        _Recorder.status = 500
        self._complete()
        with mute_logger(
            "odoo.addons.maintenance_callback.models.maintenance_callback_notification"
        ):
            self.Notification._cron_send_notifications()
        _Recorder.status = 202
        self.Notification._cron_send_notifications()
        nonces = [headers["X-Huifang-Nonce"] for _path, headers, _body in _Recorder.received]
        self.assertEqual(len(nonces), 2)
        self.assertNotEqual(nonces[0], nonces[1])
        self.assertEqual(self.Notification.search([]).state, "sent")

    def test_without_an_integration_token_nothing_is_sent(self):
        self.env["ir.config_parameter"].set_param("maintenance_callback.api_token", "")
        self._complete()
        with mute_logger(
            "odoo.addons.maintenance_callback.models.maintenance_callback_notification"
        ):
            self.Notification._cron_send_notifications()
        self.assertEqual(_Recorder.received, [])
        row = self.Notification.search([])
        self.assertEqual((row.state, row.attempts), ("pending", 0))

    def test_service_error_keeps_row_pending_and_counts_attempts(self):
        _Recorder.status = 500
        self._complete()
        with mute_logger(
            "odoo.addons.maintenance_callback.models.maintenance_callback_notification"
        ):
            self.Notification._cron_send_notifications()
        row = self.Notification.search([])
        self.assertEqual((row.state, row.attempts), ("pending", 1))
        self.assertIn("500", row.last_error)

    def test_absent_service_never_breaks_the_save_and_gives_up_after_attempts(self):
        with socket.socket() as sock:  # a port nobody listens on
            sock.bind(("127.0.0.1", 0))
            closed_port = sock.getsockname()[1]
        self.env["ir.config_parameter"].set_param(
            "maintenance_callback.service_url", f"http://127.0.0.1:{closed_port}"
        )
        request, _triggers = self._complete()
        self.assertTrue(request.callback_completed_at)
        logger = "odoo.addons.maintenance_callback.models.maintenance_callback_notification"
        with mute_logger(logger):
            for _attempt in range(5):
                self.Notification._cron_send_notifications()
        row = self.Notification.search([])
        self.assertEqual((row.state, row.attempts), ("failed", 5))

    def test_no_service_configured_queues_nothing(self):
        self.env["ir.config_parameter"].set_param("maintenance_callback.service_url", "")
        self._complete()
        self.assertFalse(self.Notification.search([]))

    def test_the_integration_token_is_a_password_setting_kept_as_a_parameter(self):
        settings = self.env["res.config.settings"].create({"callback_api_token": "hf_other"})
        settings.set_values()
        params = self.env["ir.config_parameter"]
        self.assertEqual(params.get_param("maintenance_callback.api_token"), "hf_other")
        arch = etree.fromstring(self.env["res.config.settings"].get_view(view_type="form")["arch"])
        (field,) = arch.xpath("//field[@name='callback_api_token']")
        self.assertEqual(field.get("password"), "True")
