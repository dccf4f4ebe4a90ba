# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .maintenance_request import CALLBACK_CATEGORIES


class MaintenanceEquipmentCategory(models.Model):
    _inherit = "maintenance.equipment.category"

    callback_category = fields.Selection(
        CALLBACK_CATEGORIES,
        help="Callback category of repairs on equipment of this category. Leave empty to "
        "propose one from the words of the category and of the request.",
    )
