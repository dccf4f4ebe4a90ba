# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import Form, tagged

from .common import CallbackCase


@tagged("post_install", "-at_install")
class TestCallbackCategory(CallbackCase):
    def test_title_proposes_category_by_default_rule_table(self):
        cases = {
            "卫生间水管漏水": "leak",
            "Kitchen faucet drips": "leak",
            "3号楼电梯困人": "safety",
            "Fire hydrant pipe leak": "safety",
            "Replace light bulb in lobby": "general",
            "Sticky tape on the door": "general",
            "An uplifting paint job": "general",
        }
        for title, expected in cases.items():
            with self.subTest(title=title):
                self.assertEqual(self._request(title).callback_category, expected)

    def test_equipment_category_words_propose_category(self):
        category = self.env["maintenance.equipment.category"].create({"name": "消防设施"})
        equipment = self.env["maintenance.equipment"].create(
            {"name": "Pump 2", "category_id": category.id}
        )
        request = self._request("Noise", equipment_id=equipment.id)
        self.assertEqual(request.callback_category, "safety")

    def test_equipment_category_map_wins_over_words(self):
        category = self.env["maintenance.equipment.category"].create(
            {"name": "Pumps", "callback_category": "leak"}
        )
        equipment = self.env["maintenance.equipment"].create(
            {"name": "Pump 1", "category_id": category.id}
        )
        request = self._request("Electrical safety check", equipment_id=equipment.id)
        self.assertEqual(request.callback_category, "leak")

    def test_proposed_category_stays_editable_in_the_form(self):
        with Form(self.Request) as form:
            form.name = "客厅漏水"
            form.maintenance_team_id = self.team_a
            self.assertEqual(form.callback_category, "leak")
            form.callback_category = "general"
        self.assertEqual(form.record.callback_category, "general")

    def test_estate_is_proposed_from_the_team(self):
        request = self.Request.create({"name": "Door", "maintenance_team_id": self.team_b.id})
        self.assertEqual(request.callback_estate_id, self.estate_b)
