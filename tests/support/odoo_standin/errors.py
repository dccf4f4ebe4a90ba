"""Odoo's exceptions as the stand-in raises them: each knows its dotted class name (the
JSON-RPC and JSON-2 error ``name``) and its XML-RPC fault code."""

from __future__ import annotations


class OdooException(Exception):
    """An exception as Odoo would raise it; ``name`` is its dotted class name."""

    name = "odoo.exceptions.UserError"
    xmlrpc_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AccessDenied(OdooException):
    name = "odoo.exceptions.AccessDenied"
    xmlrpc_code = 3

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class AccessError(OdooException):
    name = "odoo.exceptions.AccessError"
    xmlrpc_code = 4


class MissingError(OdooException):
    name = "odoo.exceptions.MissingError"
    xmlrpc_code = 2


class ValidationError(OdooException):
    name = "odoo.exceptions.ValidationError"
    xmlrpc_code = 2


class OdooValueError(OdooException):
    name = "builtins.ValueError"
    xmlrpc_code = 1


class DatabaseMissing(OdooException):
    name = "psycopg2.OperationalError"
    xmlrpc_code = 1
