"""Who calls the REST API and what they may do: the admin key, or a scoped token with a role
and perhaps an estate (``usecases.tokens``).

The bearer middleware (``api.auth``) puts a ``Caller`` on every ``/api/v1`` request before
anything else is looked at; each route names the right it needs (``needs``), and routes that
reach an estate's data check the caller may reach that estate (``Caller.own``,
``Caller.estate_filter``, ``JobRef``, ``RectificationId``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.params import Depends as DependsParam

from .. import domain as d
from ..usecases.queries import get_job, job_estate_code, rectification_estate_code
from .deps import SessionDep

ADMIN = "admin"

#: Each role's rights. ``admin`` (the key in HUIFANG_ADMIN_API_KEY) has every right.
RIGHTS: dict[str, frozenset[str]] = {
    # jobs and what hangs on them: callbacks, calls, confirmations, links, rectifications
    "readonly": frozenset({"jobs.read", "reports.read", "staff.read"}),
    "lead": frozenset({"jobs.read", "records.write", "rectifications.move"}),
    "supervisor": frozenset(
        {
            "jobs.read",
            "records.write",
            "rectifications.move",
            "rectifications.verify",
            "reports.read",
            "staff.read",
        }
    ),
    "integration": frozenset({"jobs.write", "odoo.push"}),
}
RIGHTS["manager"] = RIGHTS["supervisor"] | {"staff.write"}
#: Rights no token has: estates and tokens need the admin key.
ADMIN_ONLY = frozenset({"estates", "tokens"})
ALL_RIGHTS = frozenset().union(*RIGHTS.values()) | ADMIN_ONLY


@dataclass(frozen=True, slots=True)
class Caller:
    """The admin, or a token: its role and, when it has one, its estate."""

    role: str
    name: str
    token_id: int | None = None
    estate_id: int | None = None
    estate_code: str | None = None

    @property
    def actor(self) -> str:
        """As recorded in the audit log and on records: ``admin`` or ``token:<id>:<name>``."""
        return ADMIN if self.role == ADMIN else f"token:{self.token_id}:{self.name}"[:100]

    @property
    def scoped(self) -> bool:
        return self.estate_code is not None

    def may(self, right: str) -> bool:
        if right not in ALL_RIGHTS:
            raise ValueError(f"unknown right {right!r}")
        return self.role == ADMIN or right in RIGHTS.get(self.role, frozenset())

    def own(self, estate_code: str | None) -> None:
        """403 when the caller is kept to another estate than ``estate_code``."""
        if self.scoped and estate_code != self.estate_code:
            raise d.Forbidden(f"this token acts on estate {self.estate_code!r} only")

    def estate_filter(self, estate: str | None) -> str | None:
        """The estate a list is kept to: the one asked for (403 when it is not the caller's
        own), else the caller's own estate, else none (every estate)."""
        if estate:
            self.own(estate)
            return estate
        return self.estate_code


ADMIN_CALLER = Caller(role=ADMIN, name=ADMIN)


async def get_caller(request: Request) -> Caller:
    """The caller the middleware found (``async``: no I/O, so no trip through the thread
    pool that FastAPI runs plain functions in)."""
    caller = getattr(request.state, "caller", None)
    if not isinstance(caller, Caller):  # the middleware always sets one on /api/v1
        raise d.NotSignedIn("missing or wrong API key: send Authorization: Bearer <key>")
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def needs(right: str) -> DependsParam:
    """A route dependency: 403 unless the caller has ``right``."""
    if right not in ALL_RIGHTS:
        raise ValueError(f"unknown right {right!r}")

    async def check(caller: CallerDep) -> None:
        if not caller.may(right):
            raise d.Forbidden(f"a {caller.role} token may not do this (needs {right})")

    return Depends(check)


def job_estate(session: SessionDep, ref: str) -> str:
    """The estate code of the job ``ref`` (404 when there is none)."""
    return job_estate_code(session, ref)


def _job_in_scope(
    caller: CallerDep,
    session: SessionDep,
    ref: Annotated[str, Path(description="the job's ref")],
) -> str:
    if caller.scoped:
        caller.own(get_job(session, ref).estate.code)  # the route reads the same job again
    return ref


def _rectification_in_scope(
    caller: CallerDep,
    session: SessionDep,
    rectification_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> int:
    if caller.scoped:
        caller.own(rectification_estate_code(session, rectification_id))
    return rectification_id


#: A job ref in the path, of a job the caller may reach (404 unknown, 403 another estate's).
JobRef = Annotated[str, Depends(_job_in_scope)]
#: A rectification id in the path, likewise.
RectificationId = Annotated[int, Depends(_rectification_in_scope)]
