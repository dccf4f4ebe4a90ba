# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import TransactionCase, new_test_user


class CallbackCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.Request = cls.env["maintenance.request"]
        cls.stage_new = cls.env.ref("maintenance.stage_0")
        cls.stage_progress = cls.env.ref("maintenance.stage_1")
        cls.stage_repaired = cls.env.ref("maintenance.stage_3")
        cls.team_a = cls.env["maintenance.team"].create({"name": "Team A"})
        cls.team_b = cls.env["maintenance.team"].create({"name": "Team B"})
        Estate = cls.env["maintenance.callback.estate"]
        cls.estate_a = Estate.create(
            {"name": "翠湖花园", "code": "CUIHU", "team_ids": [(6, 0, cls.team_a.ids)]}
        )
        cls.estate_b = Estate.create(
            {"name": "Riverside", "code": "RIVER", "team_ids": [(6, 0, cls.team_b.ids)]}
        )
        cls.lead_a = new_test_user(
            cls.env,
            login="callback_lead_a",
            groups="maintenance_callback.group_callback_lead",
            callback_estate_ids=[(6, 0, cls.estate_a.ids)],
        )
        cls.supervisor_b = new_test_user(
            cls.env,
            login="callback_supervisor_b",
            groups="maintenance_callback.group_callback_supervisor",
            callback_estate_ids=[(6, 0, cls.estate_b.ids)],
        )
        cls.manager = new_test_user(
            cls.env, login="callback_manager", groups="maintenance_callback.group_callback_manager"
        )
        cls.integration = new_test_user(
            cls.env,
            login="callback_integration",
            groups="maintenance_callback.group_callback_integration",
        )
        cls.plain_user = new_test_user(cls.env, login="callback_plain", groups="base.group_user")

    @classmethod
    def _request(cls, name="Repair", estate=None, **vals):
        estate = estate or cls.estate_a
        team = cls.team_a if estate == cls.estate_a else cls.team_b
        return cls.Request.create(
            {
                "name": name,
                "maintenance_team_id": team.id,
                "callback_estate_id": estate.id,
                **vals,
            }
        )
