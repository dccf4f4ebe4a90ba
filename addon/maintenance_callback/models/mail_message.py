# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class MailMessage(models.Model):
    _inherit = "mail.message"

    # The Huifang service's idempotency key for a note it posted: kept out of the body so
    # office staff do not see it; searched to avoid posting twice after a lost reply.
    callback_marker = fields.Char(index="btree_not_null", copy=False, readonly=True)
