"""A stand-in Odoo for tests and benchmarks: a real HTTP server on loopback.

It speaks the parts of Odoo's external API the gateway uses, with Odoo's data shapes and
error shapes, so the gateway is tested over the wire exactly as against a real server:

- ``GET /web/version`` (Odoo 19 and later; a 404 page before), ``POST /web/webclient/version_info``
- ``POST /jsonrpc`` (services ``common``, ``object``, ``db``)
- ``POST /xmlrpc/2/common`` and ``/xmlrpc/2/object`` (XML-RPC, Odoo's fault codes)
- ``POST /json/2/<model>/<method>`` (Odoo 19 and later; a 303 to ``/web/login`` on 18, 404 on 17)
  with Odoo 19's database choice and refusals (404 page, 401, 403, 404, 415, 400, 422): see
  ``json2``

Data shapes: many2one as ``[id, "name"]``, ``False`` for empty values, datetimes in UTC as
``"YYYY-MM-DD HH:MM:SS"``. Like PostgreSQL under Odoo, ``write_date`` is *stored* with
microseconds but *returned* cut to whole seconds, and domains compare against the stored
value, so the cursor trap of the real server is reproduced. One ``write`` gives all its
records the same ``write_date``. Errors: ``AccessDenied``, ``AccessError``, ``MissingError``,
``ValidationError`` and ``ValueError`` with Odoo's JSON-RPC error body and XML-RPC fault codes.

Faults for tests: ``server.faults.fail(...)`` answers matching calls with an HTTP error, an
Odoo error or a dropped connection; ``server.faults.slow(...)`` delays them; ``down()`` drops
every connection until ``up()``. ``server.calls`` records every call.

Limits (on purpose): one database holds the data (``other_databases`` are names only, for
``db.list``, ``list_db`` and ``dbfilter``); the models below only, with the fields listed; no record
rules, no multi-company, no translations, no computed fields beyond ``done``,
``display_name``, ``close_date`` and the add-on's ``callback_completed_at``; domains support
``& | !`` and the operators ``= != < <= > >= in not in like ilike not ilike =like`` on plain and
dotted (many2one) paths; ``order`` takes fields with ``asc``/``desc``; access control is a
per-user read-only flag, and, as in Odoo, ``ir.model`` and ``ir.model.data`` are refused to
users without *Settings* (``get_external_id`` works for everyone); no sessions or cookies
(``/web/session/*`` is absent). Like Odoo 17/18, ``create`` over JSON-RPC/XML-RPC needs its
values as the first positional argument (named ``vals_list`` only fails with ``IndexError``),
while JSON-2 takes them by name.
"""

from tests.support.odoo_standin.errors import (
    AccessDenied,
    AccessError,
    MissingError,
    OdooException,
    ValidationError,
)
from tests.support.odoo_standin.models import utc
from tests.support.odoo_standin.server import Call, Faults, OdooStandIn
from tests.support.odoo_standin.store import Store

__all__ = [
    "AccessDenied",
    "AccessError",
    "Call",
    "Faults",
    "MissingError",
    "OdooException",
    "OdooStandIn",
    "Store",
    "ValidationError",
    "utc",
]
