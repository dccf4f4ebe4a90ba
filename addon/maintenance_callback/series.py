# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What differs between the Odoo series this add-on runs on (17.0, 18.0 and 19.0) in Python.

Decided from the running Odoo's ``version_info``, so the Python source is the same on every
series. What Odoo reads before any Python could decide (the manifest version, view types, the
groups' fields in security XML) is written per series by ``make addons``; addon/README.md lists
every difference and the series that needs it.
"""

from odoo.release import version_info

#: The running Odoo's major version: 17, 18 or 19 (an online "saas~18" counts as 18).
SERIES = int(str(version_info[0]).rpartition("~")[2])

#: The partner fields a resident's phone number is read from, the first one set wins. Odoo 19
#: has no ``res.partner.mobile`` any more.
PARTNER_PHONE_FIELDS = ("mobile", "phone") if SERIES < 19 else ("phone",)

#: The users of a group: ``res.groups.users`` up to 18, ``user_ids`` from 19.
GROUP_USERS_FIELD = "users" if SERIES < 19 else "user_ids"


def translator(env):
    """The translation function for ``env``'s language: ``env._`` from 18 on.

    Odoo 17 has no ``env._``; its ``odoo._`` finds the language and the module from the frame
    that calls it (``self.env`` there, and that frame's file), so call the function returned
    here directly in a method of a record: ``_ = translator(self.env)``, then ``_("...")``.
    """
    if SERIES >= 18:
        return env._
    from odoo import _

    return _


def check_access(records, operation):
    """Raise ``AccessError`` unless the current user may ``operation`` these records.

    ``check_access`` from 18; before, ``check_access_rights`` and ``check_access_rule``
    (18 still has them but logs them as deprecated).
    """
    if SERIES >= 18:
        records.check_access(operation)
    else:
        records.check_access_rights(operation)
        records.check_access_rule(operation)
