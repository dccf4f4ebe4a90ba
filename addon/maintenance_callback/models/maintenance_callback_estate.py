# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.base.models.res_partner import _tz_get

from ..series import SERIES, translator


class MaintenanceCallbackEstate(models.Model):
    _name = "maintenance.callback.estate"
    _description = "Estate (property-management office)"
    _order = "name, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="The estate's code in the Huifang service; requests of this estate are "
        "synchronised to it.",
    )
    timezone = fields.Selection(
        _tz_get,
        required=True,
        default="Asia/Shanghai",
        help="Decides the day and month a completion time falls in.",
    )
    team_ids = fields.Many2many(
        "maintenance.team",
        string="Maintenance Teams",
        help="New requests of these teams are proposed this estate when no other estate "
        "covers the team.",
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    active = fields.Boolean(default=True)
    request_count = fields.Integer(compute="_compute_request_count")

    # Odoo 19 makes no index from _sql_constraints (it logs that it is no longer supported);
    # 17 and 18 have no models.Constraint. Both name it maintenance_callback_estate_code_unique.
    if SERIES >= 19:
        _code_unique = models.Constraint("unique(code)", "The estate code must be unique.")
    else:
        _sql_constraints = [
            ("code_unique", "unique(code)", "The estate code must be unique."),
        ]

    @api.constrains("code")
    def _check_code(self):
        _ = translator(self.env)
        for rec in self:
            if not rec.code or rec.code != rec.code.strip() or " " in rec.code:
                raise ValidationError(
                    _(
                        "The estate code %(code)r must not be empty or contain spaces.",
                        code=rec.code,
                    )
                )

    def _compute_request_count(self):
        counts = dict(
            self.env["maintenance.request"]._read_group(
                [("callback_estate_id", "in", self.ids)], ["callback_estate_id"], ["__count"]
            )
        )
        for rec in self:
            rec.request_count = counts.get(rec, 0)
