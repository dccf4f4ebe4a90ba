# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import html_sanitize

from ..category_rules import categorize
from ..series import PARTNER_PHONE_FIELDS, check_access, translator

CALLBACK_CATEGORIES = [
    ("safety", "Safety facility"),
    ("leak", "Water leak"),
    ("general", "General"),
]
CALLBACK_STATES = [
    ("pending", "Pending"),
    ("done", "Done"),
    ("overdue", "Overdue"),
    ("not_required", "Not required"),
    ("cancelled", "Cancelled"),
]
# A callback in one of these states can no longer be late.
CLOSED_CALLBACK_STATES = ("done", "not_required", "cancelled")


class MaintenanceRequest(models.Model):
    _inherit = "maintenance.request"

    callback_estate_id = fields.Many2one(
        "maintenance.callback.estate",
        string="Estate",
        compute="_compute_callback_estate_id",
        store=True,
        readonly=False,
        index=True,
        tracking=True,
    )
    callback_unit = fields.Char(string="Unit", help='For example "3栋2单元1201".')
    callback_resident_id = fields.Many2one("res.partner", string="Resident")
    callback_resident_phone = fields.Char(
        string="Resident Phone", compute="_compute_callback_resident_phone"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    callback_charge = fields.Monetary(
        string="Charge", currency_field="currency_id", help="Amount charged to the resident."
    )
    callback_category = fields.Selection(
        CALLBACK_CATEGORIES,
        compute="_compute_callback_category",
        store=True,
        readonly=False,
        tracking=True,
        help="Decides the callback window: safety facility 2 days, water leak 3 days, "
        "otherwise 7 days. Proposed from the equipment category and the subject; "
        "always editable.",
    )
    callback_completed_at = fields.Datetime(
        string="Completed At",
        readonly=True,
        copy=False,
        help="When the request entered a done stage.",
    )
    # Written back by the Huifang service.
    callback_deadline = fields.Datetime(copy=False, tracking=True)
    callback_state = fields.Selection(CALLBACK_STATES, copy=False, tracking=True, index=True)
    callback_role = fields.Selection(
        [("manager", "Manager"), ("supervisor", "Supervisor"), ("lead", "Maintenance Lead")],
        copy=False,
    )
    callback_user_id = fields.Many2one("res.users", string="Callback By", copy=False)
    callback_last_at = fields.Datetime(string="Last Callback At", copy=False)
    callback_last_by = fields.Char(string="Last Callback By", copy=False)
    callback_satisfaction = fields.Selection(
        [
            ("satisfied", "Satisfied"),
            ("fairly_satisfied", "Fairly satisfied"),
            ("unsatisfied", "Unsatisfied"),
        ],
        string="Satisfaction",
        copy=False,
    )
    callback_rectification_state = fields.Selection(
        [("none", "None"), ("open", "Open"), ("done", "Done"), ("late", "Late")],
        string="Rectification",
        copy=False,
    )
    callback_receipt_attachment_id = fields.Many2one(
        "ir.attachment", string="Signed Receipt", copy=False
    )
    is_callback_overdue = fields.Boolean(
        string="Callback Overdue",
        compute="_compute_is_callback_overdue",
        search="_search_is_callback_overdue",
    )

    @api.depends("maintenance_team_id")
    def _compute_callback_estate_id(self):
        Estate = self.env["maintenance.callback.estate"]
        for rec in self:
            estate = rec.callback_estate_id
            if not estate and rec.maintenance_team_id:
                # Propose only when exactly one estate covers the team.
                candidates = Estate.search(
                    [("team_ids", "in", rec.maintenance_team_id.ids)], limit=2
                )
                estate = candidates if len(candidates) == 1 else Estate
            rec.callback_estate_id = estate

    @api.depends(*(f"callback_resident_id.{name}" for name in PARTNER_PHONE_FIELDS))
    def _compute_callback_resident_phone(self):
        for rec in self:
            partner = rec.callback_resident_id
            rec.callback_resident_phone = next(
                (partner[name] for name in PARTNER_PHONE_FIELDS if partner[name]), False
            )

    @api.depends("name", "equipment_id", "category_id")
    def _compute_callback_category(self):
        for rec in self:
            rec.callback_category = rec._propose_callback_category()

    def _propose_callback_category(self):
        """The equipment category's explicit map wins; otherwise the default rule table
        reads the equipment category, the equipment and the subject together."""
        self.ensure_one()
        category = self.equipment_id.category_id or self.category_id
        if category.callback_category:
            return category.callback_category
        return categorize(category.name, self.equipment_id.name, self.name)

    @api.depends("callback_deadline", "callback_state")
    def _compute_is_callback_overdue(self):
        now = fields.Datetime.now()
        for rec in self:
            rec.is_callback_overdue = bool(
                rec.callback_deadline
                and rec.callback_deadline < now
                and rec.callback_state not in CLOSED_CALLBACK_STATES
            )

    def _search_is_callback_overdue(self, operator, value):
        _ = translator(self.env)
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(
                _("Operation not supported: %(op)s %(value)s", op=operator, value=value)
            )
        overdue = [
            ("callback_deadline", "<", fields.Datetime.now()),
            "|",
            ("callback_state", "=", False),
            ("callback_state", "not in", CLOSED_CALLBACK_STATES),
        ]
        if (operator == "=") == value:
            return overdue
        return [
            "|",
            "|",
            ("callback_deadline", "=", False),
            ("callback_deadline", ">=", fields.Datetime.now()),
            ("callback_state", "in", CLOSED_CALLBACK_STATES),
        ]

    @api.model_create_multi
    def create(self, vals_list):
        _ = translator(self.env)
        if self._is_callback_integration_user():
            raise AccessError(_("The callback integration user may not create requests."))
        requests = super().create(vals_list)
        done = requests.filtered(lambda r: r.stage_id.done)
        if done:
            done.write({"callback_completed_at": fields.Datetime.now()})
            done._callback_queue_notification()
        return requests

    def write(self, vals):
        self._check_callback_integration_write(vals)
        if "stage_id" not in vals:
            return super().write(vals)
        was_done = {rec.id: rec.stage_id.done for rec in self}
        res = super().write(vals)
        entered = self.filtered(lambda r: r.stage_id.done and not was_done[r.id])
        left = self.filtered(lambda r: not r.stage_id.done and r.callback_completed_at)
        if entered:
            entered.write({"callback_completed_at": fields.Datetime.now()})
            entered._callback_queue_notification()
        if left:
            left.write({"callback_completed_at": False})
            left._callback_queue_notification()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_callback_integration_user(self):
        _ = translator(self.env)
        if self._is_callback_integration_user():
            raise AccessError(_("The callback integration user may not delete requests."))

    def _is_callback_integration_user(self):
        """True for the service's technical user (not for staff who also hold the group)."""
        user = self.env.user
        return (
            not self.env.su
            and user.has_group("maintenance_callback.group_callback_integration")
            and not user.has_group("maintenance_callback.group_callback_lead")
            and not user.has_group("maintenance.group_equipment_manager")
        )

    def _check_callback_integration_write(self, vals):
        """The service's integration user may only write the callback fields."""
        _ = translator(self.env)
        if not self._is_callback_integration_user():
            return
        forbidden = sorted(
            name
            for name in vals
            if not name.startswith("callback_") and name != "is_callback_overdue"
        )
        if forbidden:
            raise AccessError(
                _(
                    "The callback integration user may only write callback fields, not: %(fields)s",
                    fields=", ".join(forbidden),
                )
            )

    def _callback_queue_notification(self):
        self.env["maintenance.callback.notification"].sudo()._enqueue(self)

    def callback_post_message(self, body_html, marker=False):
        """Post a formatted internal note on the request and return the message id.

        For the Huifang service: ``message_post`` over RPC escapes HTML, this method
        sanitizes it and posts it as markup. ``marker`` is the service's idempotency key:
        stored in ``mail.message.callback_marker``, not in the body, and a note already
        posted on this request with the same marker is returned instead of posted again.
        """
        self.ensure_one()
        _ = translator(self.env)
        check_access(self, "write")
        body = Markup(html_sanitize(body_html or ""))
        if not body.strip():
            raise UserError(_("The message is empty."))
        if marker:
            marker = str(marker)[:200]
            existing = (
                self.env["mail.message"]
                .sudo()
                .search(
                    [
                        ("model", "=", self._name),
                        ("res_id", "=", self.id),
                        ("callback_marker", "=", marker),
                    ],
                    limit=1,
                )
            )
            if existing:
                return existing.id
        message = self.sudo().message_post(
            body=body,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            author_id=self.env.user.partner_id.id,
        )
        if marker:
            message.callback_marker = marker
        return message.id

    def _callback_service_url(self):
        _ = translator(self.env)
        url = self.env["ir.config_parameter"].sudo().get_param("maintenance_callback.service_url")
        if not url:
            raise UserError(
                _(
                    "The Huifang service URL is not set. Ask an administrator to set it in "
                    "Settings > Maintenance > Callbacks."
                )
            )
        return url.rstrip("/")

    def _callback_url_action(self, path):
        return {
            "type": "ir.actions.act_url",
            "url": f"{self._callback_service_url()}{path}",
            "target": "new",
        }

    def action_callback_print_form(self):
        self.ensure_one()
        return self._callback_url_action(f"/odoo/requests/{self.id}/form.pdf")

    def action_callback_open_staff(self):
        self.ensure_one()
        return self._callback_url_action(f"/odoo/requests/{self.id}/staff")

    @api.model
    def action_callback_dashboard(self):
        return self._callback_url_action("/dashboard")
