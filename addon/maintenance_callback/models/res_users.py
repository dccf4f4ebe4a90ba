# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    callback_estate_ids = fields.Many2many(
        "maintenance.callback.estate",
        "maintenance_callback_estate_res_users_rel",
        "user_id",
        "estate_id",
        string="Callback Estates",
        help="Maintenance leads and supervisors see the requests of these estates.",
    )
