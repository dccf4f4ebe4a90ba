"""Domain errors: every refusal the service reports to a client, pages and API alike.

Each kind stands for one HTTP status (``STATUS``, the one table both the REST API and the pages
use) and carries a ``code``, the catalogue key of the friendly page the phone pages show
(``link.expired``, ``staff.other_estate``...), beside the readable ``detail``. The code is
given where the refusal is raised; a refusal raised without one shows the general ``error``
page (bad input: ``form.invalid``, "please check the form").
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule violation the service reports to a client."""

    code = "error"

    def __init__(self, detail: str, *, code: str | None = None, job_ref: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        #: The job the refusal is about, when the page can offer a way on (its receipt...).
        self.job_ref = job_ref

    @property
    def status(self) -> int:
        return next((s for kind, s in STATUS.items() if isinstance(self, kind)), 400)


class BadRequest(DomainError):
    """The request cannot be read at all: an altered link, a wrong kind of link (400)."""

    code = "error"


class NotSignedIn(DomainError):
    """The page needs a signed-in staff member (401)."""

    code = "login.required"


class Forbidden(DomainError):
    """The signed-in person may not do this: another estate, a role without the right (403)."""

    code = "error"


class NotFound(DomainError):
    """A job, estate or record named in the path or a filter does not exist (404)."""

    code = "error"


class Conflict(DomainError):
    """The request clashes with the record's current state (409)."""

    code = "error"


class Gone(DomainError):
    """It existed but is no longer valid: an expired link (410)."""

    code = "error"


class TooLarge(DomainError):
    """The submission is larger than allowed (413)."""

    code = "form.invalid"


class UnsupportedMedia(DomainError):
    """The body is not in the form asked for (415)."""

    code = "form.invalid"


class InvalidInput(DomainError):
    """The request is well-formed but breaks a rule (422)."""

    code = "form.invalid"


#: The one table from refusals to HTTP statuses.
STATUS: dict[type[DomainError], int] = {
    BadRequest: 400,
    NotSignedIn: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Gone: 410,
    TooLarge: 413,
    UnsupportedMedia: 415,
    InvalidInput: 422,
}
