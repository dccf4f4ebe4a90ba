"""Who calls the REST API and what they may do: the admin key, or a scoped token with a role
and perhaps an estate (``usecases.tokens``).

The bearer middleware (``api.auth``) puts a ``Caller`` on every ``/api/v1`` request before
anything else is looked at; each route names the right it needs (``needs``), and routes that
reach an estate's data check the caller may reach that estate (``Caller.own``,
``Caller.estate_filter``, ``JobRef``, ``RectificationId``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from cachetools import TTLCache
from fastapi import Depends, Path, Request
from fastapi.params import Depends as DependsParam

from .. import domain as d
from ..config import get_settings
from ..usecases.queries import get_job, job_estate_code, rectification_estate_code
from ..usecases.tokens import token_hash
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


class KnownCallers:
    """The callers found by their token, remembered for ``seconds`` (``token_cache_seconds``)
    in this process, by the key's hash: a caller's next requests need no lookup. A cached
    holder still ends at its token's expiry; ``forget`` drops them all (a revocation here).
    Other processes learn of a revocation when their entry runs out."""

    def __init__(self, seconds: float, size: int = 4096) -> None:
        self._seconds = timedelta(seconds=seconds)
        self._kept: TTLCache[str, tuple[Caller, datetime | None, datetime]] | None = (
            TTLCache(maxsize=size, ttl=seconds) if seconds > 0 else None
        )
        self._lock = threading.Lock()

    def get(self, key: str, now: datetime) -> Caller | None:
        if self._kept is None:
            return None
        with self._lock:
            kept = self._kept.get(token_hash(key))
        if kept is None:
            return None
        caller, expires_at, seen_at = kept
        # by the request's clock too, which need not be the process's (a test's, a jump)
        if not timedelta(0) <= now - seen_at < self._seconds:
            return None
        if expires_at is not None and expires_at <= now:
            return None
        return caller

    def keep(self, key: str, caller: Caller, expires_at: datetime | None, now: datetime) -> None:
        if self._kept is not None:
            with self._lock:
                self._kept[token_hash(key)] = (caller, expires_at, now)

    def forget(self) -> None:
        if self._kept is not None:
            with self._lock:
                self._kept.clear()


def known_callers(app: Any) -> KnownCallers:
    """The app's remembered callers (made on first use, from the settings)."""
    state = app.state
    callers = getattr(state, "known_callers", None)
    if callers is None:
        callers = state.known_callers = KnownCallers(get_settings().token_cache_seconds)
    return callers


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
