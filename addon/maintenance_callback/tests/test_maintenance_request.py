# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from markupsafe import Markup
from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..series import PARTNER_PHONE_FIELDS
from .common import CallbackCase


@tagged("post_install", "-at_install")
class TestMaintenanceRequest(CallbackCase):
    def test_entering_done_stage_sets_completion_time(self):
        request = self._request("漏水")
        self.assertFalse(request.callback_completed_at)
        before = fields.Datetime.now()
        request.stage_id = self.stage_repaired
        self.assertTrue(request.callback_completed_at)
        self.assertGreaterEqual(request.callback_completed_at, before.replace(microsecond=0))
        self.assertEqual(request.close_date, fields.Date.today())

    def test_leaving_done_stage_clears_completion_time(self):
        request = self._request("漏水", stage_id=self.stage_repaired.id)
        self.assertTrue(request.callback_completed_at)
        request.stage_id = self.stage_progress
        self.assertFalse(request.callback_completed_at)

    def test_moving_between_done_stages_keeps_completion_time(self):
        request = self._request("漏水", stage_id=self.stage_repaired.id)
        completed = fields.Datetime.now() - timedelta(days=2)
        request.callback_completed_at = completed
        request.stage_id = self.env.ref("maintenance.stage_4")
        self.assertEqual(request.callback_completed_at, completed)

    def test_overdue_is_computed_and_searchable(self):
        past = fields.Datetime.now() - timedelta(hours=1)
        future = fields.Datetime.now() + timedelta(hours=1)
        late = self._request("late", callback_deadline=past, callback_state="pending")
        early = self._request("early", callback_deadline=future, callback_state="pending")
        done = self._request("done", callback_deadline=past, callback_state="done")
        marked = self._request("marked", callback_deadline=past, callback_state="overdue")
        none = self._request("no deadline")
        self.assertTrue(late.is_callback_overdue)
        self.assertTrue(marked.is_callback_overdue)
        self.assertFalse(early.is_callback_overdue)
        self.assertFalse(done.is_callback_overdue)
        mine = late | early | done | marked | none
        overdue = self.Request.search([("id", "in", mine.ids), ("is_callback_overdue", "=", True)])
        self.assertEqual(overdue, late | marked)
        not_overdue = self.Request.search(
            [("id", "in", mine.ids), ("is_callback_overdue", "=", False)]
        )
        self.assertEqual(not_overdue, early | done | none)
        self.assertEqual(
            self.Request.search([("id", "in", mine.ids), ("is_callback_overdue", "!=", True)]),
            early | done | none,
        )

    def test_resident_phone_comes_from_partner(self):
        resident = self.env["res.partner"].create({"name": "王女士", "phone": "021-5555"})
        request = self._request("漏水", callback_resident_id=resident.id, callback_unit="3栋1201")
        self.assertEqual(request.callback_resident_phone, "021-5555")
        resident.phone = "021-6666"
        self.assertEqual(request.callback_resident_phone, "021-6666")

    def test_resident_mobile_wins_over_phone_where_partners_have_one(self):
        if "mobile" not in PARTNER_PHONE_FIELDS:
            self.skipTest("res.partner has no mobile on this series (19 on)")
        resident = self.env["res.partner"].create(
            {"name": "王女士", "phone": "021-5555", "mobile": "13800000000"}
        )
        request = self._request("漏水", callback_resident_id=resident.id, callback_unit="3栋1201")
        self.assertEqual(request.callback_resident_phone, "13800000000")
        resident.mobile = False
        self.assertEqual(request.callback_resident_phone, "021-5555")

    def test_charge_uses_company_currency(self):
        request = self._request("漏水", callback_charge=35.5)
        self.assertEqual(request.currency_id, request.company_id.currency_id)
        self.assertEqual(request.callback_charge, 35.5)

    def test_post_message_keeps_safe_html_and_drops_scripts(self):
        request = self._request("漏水")
        message_id = request.callback_post_message(
            "<p>回访 <b>完成</b></p><script>alert(1)</script>"
        )
        message = self.env["mail.message"].browse(message_id)
        self.assertEqual(message.model, "maintenance.request")
        self.assertEqual(message.res_id, request.id)
        self.assertIn(Markup("<b>完成</b>"), message.body)
        self.assertNotIn("script", message.body)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_note"))

    def test_estate_code_must_be_unique_and_without_spaces(self):
        with self.assertRaises(ValidationError):
            self.env["maintenance.callback.estate"].create({"name": "X", "code": "A B"})
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.env["maintenance.callback.estate"].create({"name": "X", "code": "CUIHU"})
                self.env.flush_all()

    def test_links_go_to_the_service_pages(self):
        self.env["ir.config_parameter"].set_param(
            "maintenance_callback.service_url", "https://hf.example.com/"
        )
        request = self._request("漏水")
        pdf = request.action_callback_print_form()
        self.assertEqual(pdf["url"], f"https://hf.example.com/odoo/requests/{request.id}/form.pdf")
        self.assertEqual(pdf["target"], "new")
        staff = request.action_callback_open_staff()
        self.assertEqual(staff["url"], f"https://hf.example.com/odoo/requests/{request.id}/staff")
        dashboard = self.Request.action_callback_dashboard()
        self.assertEqual(dashboard["url"], "https://hf.example.com/dashboard")
