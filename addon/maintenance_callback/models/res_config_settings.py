# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..series import translator


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    callback_service_url = fields.Char(
        string="Huifang Service URL",
        config_parameter="maintenance_callback.service_url",
        help="Base URL of the Huifang service, e.g. https://huifang.example.com",
    )
    callback_shared_secret = fields.Char(
        string="Shared Secret",
        config_parameter="maintenance_callback.shared_secret",
        help="Signs the notifications sent to the service (HMAC-SHA256).",
    )
    callback_api_token = fields.Char(
        string="Integration Token",
        config_parameter="maintenance_callback.api_token",
        help="A token of the service made with POST /api/v1/tokens with role integration "
        "(never the admin key); sent as Authorization: Bearer with every notification.",
    )

    @api.constrains("callback_service_url")
    def _check_callback_service_url(self):
        _ = translator(self.env)
        for rec in self:
            url = rec.callback_service_url
            if url and not url.startswith(("http://", "https://")):
                raise ValidationError(
                    _("The service URL must start with http:// or https://, not %(url)s", url=url)
                )

    def action_callback_category_map(self):
        _ = translator(self.env)
        return {
            "type": "ir.actions.act_window",
            "name": _("Equipment category map"),
            "res_model": "maintenance.equipment.category",
            "view_mode": "list",
            "views": [
                (
                    self.env.ref(
                        "maintenance_callback.maintenance_equipment_category_view_list_callback"
                    ).id,
                    "list",
                )
            ],
            "target": "current",
        }
