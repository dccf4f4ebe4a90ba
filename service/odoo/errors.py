"""Errors the Odoo gateway raises, whatever the transport.

Callers tell three kinds apart: the configuration is wrong (``OdooConfigError``: bad URL,
database, user or API key; retrying will not help), Odoo is unreachable for now
(``OdooUnavailable``: retry later), and Odoo refused one call (``OdooCallError`` and its
subclasses, named after Odoo's own exceptions).
"""

from __future__ import annotations


class OdooError(Exception):
    """Base class of every error from the Odoo gateway."""


class OdooConfigError(OdooError):
    """The connection settings are wrong: unknown database, bad credentials, not an Odoo."""


class OdooAuthError(OdooConfigError):
    """Odoo refused the user name and API key (Odoo's ``AccessDenied``)."""


class OdooDatabaseError(OdooConfigError):
    """The configured database does not exist on that Odoo server."""


class OdooUnavailable(OdooError):
    """Odoo could not be reached or did not answer in time; the call may be retried."""


class OdooCallError(OdooError):
    """Odoo answered a call with an error.

    ``name`` is Odoo's exception class (``odoo.exceptions.AccessError``...), ``message`` its
    readable text, ``model`` and ``method`` the call that failed.
    """

    def __init__(self, message: str, *, name: str = "", model: str = "", method: str = ""):
        self.name = name
        self.message = message
        self.model = model
        self.method = method
        where = f" in {model}.{method}" if model else ""
        kind = name.rsplit(".", 1)[-1] if name else "Odoo error"
        super().__init__(f"{kind}{where}: {message}")


class OdooAccessError(OdooCallError):
    """The user may not do this (Odoo's ``AccessError``)."""


class OdooValidationError(OdooCallError):
    """Odoo rejected the values (``ValidationError``, ``UserError`` or a ``ValueError``)."""


class OdooMissingError(OdooCallError):
    """The record does not exist or was deleted (Odoo's ``MissingError``)."""


class OdooNotFound(OdooCallError):
    """Odoo has no such model or method (JSON-2's 404): a module is missing or older than
    this service expects; retrying will not help."""


class OdooArgumentsError(OdooCallError):
    """Odoo refused the call's argument names (JSON-2's 422 ``UnprocessableEntity``): this
    service and that Odoo disagree on the method's signature."""


#: What to install for the models the service reads and writes.
MODEL_PROVIDERS = {
    "maintenance.request": "the Maintenance app (module maintenance)",
    "maintenance.team": "the Maintenance app (module maintenance)",
    "mail.activity": "Discuss (module mail)",
}


def not_found(message: str, *, name: str, model: str, method: str) -> OdooNotFound:
    """The error for JSON-2's 404 about ``model.method``, saying what to install."""
    if "model" in message.casefold() and "method" not in message.casefold():
        provider = MODEL_PROVIDERS.get(
            model,
            "the maintenance_callback add-on"
            if model.startswith("maintenance.callback")
            else "the Odoo module that provides it",
        )
        text = f"Odoo has no model {model!r}: install {provider} in that database"
    else:
        text = (
            f"Odoo has no method {method!r} on {model!r}: install or upgrade the "
            "maintenance_callback add-on to this service's version"
        )
    return OdooNotFound(f"{text} (Odoo: {message})", name=name, model=model, method=method)


def call_error(message: str, *, name: str, model: str = "", method: str = "") -> OdooError:
    """Build the error that matches Odoo's exception class ``name`` (for ``raise``)."""
    short = name.rsplit(".", 1)[-1]
    kind: type[OdooCallError]
    if short == "AccessDenied":
        return OdooAuthError(message or "Access Denied")
    if short == "AccessError":
        kind = OdooAccessError
    elif short == "MissingError":
        kind = OdooMissingError
    elif short in {"ValidationError", "UserError", "ValueError", "RedirectWarning"}:
        kind = OdooValidationError
    else:
        kind = OdooCallError
    return kind(message, name=name, model=model, method=method)


def is_missing_database(name: str, message: str) -> bool:
    """Odoo reports an unknown database as a PostgreSQL or registry error, not a clean one."""
    text = message.casefold()
    return ("database" in text and "does not exist" in text) or (
        name.endswith("KeyError") and "database" in text
    )
