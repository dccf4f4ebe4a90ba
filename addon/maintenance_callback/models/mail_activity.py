# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    # The Huifang service's idempotency key for an activity it scheduled (see
    # mail.message.callback_marker): not shown in the activity's note.
    callback_marker = fields.Char(index="btree_not_null", copy=False)
