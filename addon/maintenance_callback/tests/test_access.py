# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..series import GROUP_USERS_FIELD
from .common import CallbackCase


@tagged("post_install", "-at_install")
class TestCallbackAccess(CallbackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Created by the superuser: no test user owns or follows them.
        cls.request_a = cls._request("A 栋漏水", estate=cls.estate_a)
        cls.request_b = cls._request("B 栋电梯", estate=cls.estate_b)
        cls.request_none = cls.Request.create(
            {
                "name": "No estate",
                "maintenance_team_id": cls.env["maintenance.team"]
                .create({"name": "Team without estate"})
                .id,
            }
        )
        cls.mine = cls.request_a | cls.request_b | cls.request_none

    def _visible(self, user):
        return self.Request.with_user(user).search([("id", "in", self.mine.ids)])

    def test_roles_imply_each_other(self):
        self.assertTrue(self.manager.has_group("maintenance_callback.group_callback_supervisor"))
        self.assertTrue(self.manager.has_group("maintenance_callback.group_callback_lead"))
        self.assertTrue(self.supervisor_b.has_group("maintenance_callback.group_callback_lead"))
        self.assertFalse(self.supervisor_b.has_group("maintenance_callback.group_callback_manager"))
        self.assertFalse(self.lead_a.has_group("maintenance_callback.group_callback_supervisor"))

    def test_lead_sees_only_requests_of_their_estates(self):
        self.assertEqual(self._visible(self.lead_a), self.request_a | self.request_none)

    def test_supervisor_sees_only_requests_of_their_estates(self):
        self.assertEqual(self._visible(self.supervisor_b), self.request_b | self.request_none)

    def test_manager_sees_all_estates(self):
        self.assertEqual(self._visible(self.manager), self.mine)

    def test_plain_user_sees_only_own_requests(self):
        self.assertFalse(self._visible(self.plain_user))

    def test_lead_cannot_read_another_estates_request(self):
        with self.assertRaises(AccessError):
            self.request_b.with_user(self.lead_a).read(["name"])

    def test_only_managers_edit_estates(self):
        with self.assertRaises(AccessError):
            self.estate_a.with_user(self.supervisor_b).write({"name": "x"})
        self.estate_a.with_user(self.manager).write({"timezone": "Asia/Hong_Kong"})
        self.assertEqual(self.estate_a.timezone, "Asia/Hong_Kong")

    def test_integration_user_reads_all_and_writes_callback_fields(self):
        request = self.request_b.with_user(self.integration)
        self.assertEqual(self._visible(self.integration), self.mine)
        request.read(["name", "stage_id", "category_id", "equipment_id", "callback_category"])
        equipment = self.env["maintenance.equipment"].create({"name": "Lift 1"})
        self.assertEqual(
            self.env["maintenance.equipment"]
            .with_user(self.integration)
            .search([("id", "=", equipment.id)]),
            equipment,
        )
        self.env["maintenance.team"].with_user(self.integration).search([])
        self.env["res.groups"].with_user(self.integration).search([(GROUP_USERS_FIELD, "in", [2])])
        request.write(
            {
                "callback_deadline": "2030-01-01 00:00:00",
                "callback_state": "pending",
                "callback_role": "lead",
                "callback_user_id": self.lead_a.id,
            }
        )
        self.assertEqual(self.request_b.callback_role, "lead")

    def test_integration_user_cannot_write_other_fields_nor_create(self):
        request = self.request_b.with_user(self.integration)
        with self.assertRaises(AccessError):
            request.write({"name": "renamed"})
        with self.assertRaises(AccessError):
            request.write({"callback_state": "done", "stage_id": self.stage_new.id})
        with self.assertRaises(AccessError):
            self.Request.with_user(self.integration).create(
                {"name": "x", "maintenance_team_id": self.team_a.id}
            )
        with self.assertRaises(AccessError):
            request.unlink()
        with self.assertRaises(AccessError):
            self.estate_a.with_user(self.integration).write({"name": "x"})

    def test_integration_user_posts_notes_activities_and_receipts(self):
        request = self.request_a.with_user(self.integration)
        message_id = request.callback_post_message("<p>回访完成 <b>满意</b></p>")
        self.assertEqual(self.env["mail.message"].browse(message_id).res_id, self.request_a.id)
        activity = (
            self.env["mail.activity"]
            .with_user(self.integration)
            .create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("maintenance.request"),
                    "res_id": self.request_a.id,
                    "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                    "user_id": self.lead_a.id,
                    "summary": "回访",
                }
            )
        )
        self.assertEqual(activity.res_id, self.request_a.id)
        attachment = (
            self.env["ir.attachment"]
            .with_user(self.integration)
            .create(
                {
                    "name": "receipt.pdf",
                    "res_model": "maintenance.request",
                    "res_id": self.request_a.id,
                    "datas": base64.b64encode(b"%PDF-1.4 receipt"),
                }
            )
        )
        request.write({"callback_receipt_attachment_id": attachment.id})
        self.assertEqual(self.request_a.callback_receipt_attachment_id, attachment)

    def test_plain_user_cannot_post_on_a_request_they_cannot_see(self):
        with self.assertRaises(AccessError):
            self.request_a.with_user(self.plain_user).callback_post_message("<p>x</p>")
