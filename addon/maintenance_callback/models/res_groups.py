# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

CALLBACK_ROLES = [
    ("manager", "Manager"),
    ("supervisor", "Supervisor"),
    ("lead", "Maintenance Lead"),
]


class ResGroups(models.Model):
    _inherit = "res.groups"

    # Set on the add-on's role groups in security XML. The Huifang service reads it to
    # learn which groups are the callback roles: its integration user may read groups
    # but not ir.model.data (external ids).
    callback_role = fields.Selection(
        CALLBACK_ROLES,
        readonly=True,
        help="The callback role this group stands for (technical, for the Huifang service).",
    )
