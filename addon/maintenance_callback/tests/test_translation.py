# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import CallbackCase


@tagged("post_install", "-at_install")
class TestTranslation(CallbackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["maintenance_callback"], ["zh_CN"], overwrite=True
        )

    def test_field_labels_in_chinese(self):
        fields = self.Request.with_context(lang="zh_CN").fields_get(
            ["callback_deadline", "callback_state", "is_callback_overdue"], ["string", "selection"]
        )
        self.assertEqual(fields["callback_deadline"]["string"], "回访截止时间")
        self.assertEqual(fields["is_callback_overdue"]["string"], "回访逾期")
        self.assertIn(
            ("overdue", "已逾期"), [tuple(s) for s in fields["callback_state"]["selection"]]
        )

    def test_menu_in_chinese(self):
        menu = self.env.ref("maintenance_callback.menu_callback_requests")
        self.assertEqual(menu.with_context(lang="zh_CN").name, "回访")
        self.assertEqual(menu.with_context(lang="en_US").name, "Callbacks")

    def test_group_in_chinese(self):
        group = self.env.ref("maintenance_callback.group_callback_lead")
        self.assertEqual(group.with_context(lang="zh_CN").name, "维修负责人")
