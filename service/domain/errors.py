"""Domain errors: each one maps to one HTTP status in ``service.api.errors``."""


class DomainError(Exception):
    """Base of every rule violation the service reports to a client."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(DomainError):
    """The request is well-formed but breaks a rule (422)."""


class NotFound(DomainError):
    """A job, estate or record named in the path or a filter does not exist (404)."""


class Conflict(DomainError):
    """The request clashes with the record's current state (409)."""
