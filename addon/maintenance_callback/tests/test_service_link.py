# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..series import GROUP_USERS_FIELD, PARTNER_PHONE_FIELDS
from .common import CallbackCase


@tagged("post_install", "-at_install")
class TestServiceLink(CallbackCase):
    """What the Huifang service's integration user relies on, with that user's rights."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.request = cls._request("5栋厨房漏水", estate=cls.estate_a)

    def test_role_groups_are_readable_without_model_data(self):
        Groups = self.env["res.groups"].with_user(self.integration)
        with self.assertRaises(AccessError):
            self.env["ir.model.data"].with_user(self.integration).search_read(
                [("model", "=", "res.groups")], ["name"]
            )
        rows = Groups.search_read(
            [("callback_role", "!=", False)], ["callback_role", GROUP_USERS_FIELD]
        )
        roles = {row["callback_role"]: set(row[GROUP_USERS_FIELD]) for row in rows}
        self.assertEqual(set(roles), {"manager", "supervisor", "lead"})
        self.assertIn(self.lead_a.id, roles["lead"])
        self.assertIn(self.supervisor_b.id, roles["supervisor"])
        self.assertIn(self.manager.id, roles["manager"])
        self.assertNotIn(self.integration.id, set().union(*roles.values()))
        # Plain Odoo's way (no add-on field): external ids of readable groups.
        maintenance = self.env.ref("maintenance.group_equipment_manager")
        self.assertEqual(
            Groups.browse(maintenance.id).get_external_id(),
            {maintenance.id: "maintenance.group_equipment_manager"},
        )

    def test_note_marker_is_stored_apart_from_the_body(self):
        request = self.request.with_user(self.integration)
        marker = "huifang:message:callback:1"
        first = request.callback_post_message("<p><b>回访记录</b></p>", marker)
        message = self.env["mail.message"].browse(first)
        self.assertEqual(message.callback_marker, marker)
        self.assertNotIn("huifang:", str(message.body))
        self.assertIn("回访记录", str(message.body))
        # A retry after a lost reply finds the first note instead of posting again.
        self.assertEqual(request.callback_post_message("<p>again</p>", marker), first)
        found = (
            self.env["mail.message"]
            .with_user(self.integration)
            .search(
                [
                    ("model", "=", "maintenance.request"),
                    ("res_id", "=", self.request.id),
                    ("callback_marker", "=", marker),
                ]
            )
        )
        self.assertEqual(found.ids, [first])
        # Without a marker it posts as before.
        self.assertNotEqual(request.callback_post_message("<p>x</p>"), first)

    def test_activity_marker_is_a_field(self):
        Activity = self.env["mail.activity"].with_user(self.integration)
        activity = Activity.create(
            {
                "res_model_id": self.env["ir.model"]._get_id("maintenance.request"),
                "res_id": self.request.id,
                "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                "user_id": self.lead_a.id,
                "summary": "维修回访（维修负责人）",
                "note": "<p>请按时回访</p>",
                "callback_marker": "huifang:activity:assigned:1",
            }
        )
        self.assertEqual(
            Activity.search([("callback_marker", "=", "huifang:activity:assigned:1")]), activity
        )
        self.assertNotIn("huifang:", str(activity.note))

    def test_callback_staff_can_create_a_resident_from_the_request(self):
        Partner = self.env["res.partner"].with_user(self.lead_a)
        partner_id, _name = Partner.name_create("陈先生")
        resident = Partner.create({"name": "李女士", "phone": "13800000000"})
        resident.write({PARTNER_PHONE_FIELDS[0]: "13900000000"})
        self.request.with_user(self.lead_a).write({"callback_resident_id": partner_id})
        self.assertEqual(self.request.callback_resident_id.id, partner_id)
        with self.assertRaises(AccessError):
            resident.unlink()
        # The request form offers "create" on the resident field to callback staff.
        arch = self.Request.with_user(self.lead_a).get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        node = etree.fromstring(arch).xpath("//field[@name='callback_resident_id']")[0]
        self.assertEqual(node.get("can_create"), "True")

    def test_integration_user_and_plain_users_create_no_contacts(self):
        for user in (self.integration, self.plain_user):
            with self.assertRaises(AccessError):
                self.env["res.partner"].with_user(user).create({"name": "x"})
