from __future__ import annotations

from contextlib import suppress
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Response

from .. import domain as d
from ..http.access import CallerDep, JobRef, job_estate, needs
from ..http.deps import ActorDep, EngineDep, Limit, LoopReadsDep, NowDep, Offset, SessionDep
from ..schemas import (
    CallbackIn,
    CallbackOut,
    ConfirmationOut,
    FilterText,
    JobIn,
    JobOut,
    Page,
    PeriodQuery,
    PhoneAttemptIn,
    PhoneAttemptOut,
)
from ..usecases.callbacks import callback_out, list_callbacks
from ..usecases.confirmations import confirmation_out, list_confirmations
from ..usecases.job_view import read_job
from ..usecases.jobs import job_out, list_jobs, upsert_job
from ..usecases.phone import attempt_out, list_attempts, record_attempt_once
from ..usecases.queries import get_job
from ..usecases.request_keys import checked_key, record_callback_once

router = APIRouter(prefix="/jobs", tags=["jobs"])
#: A write's ``Idempotency-Key`` header (``usecases.request_keys``).
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="any unique text (a UUID): sent again with the same body, it answers what"
        " the first request made instead of recording it a second time (answered with"
        " Idempotent-Replayed: true); with another body, 422",
    ),
]


@router.post(
    "",
    response_model=JobOut,
    status_code=200,
    responses={
        201: {"model": JobOut, "description": "created"},
        409: {"description": "the same job was changed concurrently; try again"},
    },
    dependencies=[needs("jobs.write")],
)
def upsert(
    job_in: JobIn,
    session: SessionDep,
    now: NowDep,
    actor: ActorDep,
    caller: CallerDep,
    response: Response,
):
    """Create a repair job (201) or update the one with the same ``ref`` (200)."""
    if caller.scoped:
        caller.own(job_in.estate)
        with suppress(d.NotFound):  # a new ref; an existing one must be the caller's too
            caller.own(job_estate(session, job_in.ref))
    result = upsert_job(session=session, job_in=job_in, actor=actor)
    response.status_code = 201 if result.created else 200
    return job_out(result.job, now)


@router.get("/{ref}", response_model=JobOut, dependencies=[needs("jobs.read")])
async def get(
    ref: Annotated[str, Path(description="the job's ref")],
    engine: EngineDep,
    now: NowDep,
    caller: CallerDep,
    reads: LoopReadsDep,
):
    """The job (404 when unknown; 403 when it is another estate's than the token's)."""
    estate, job = await read_job(reads, engine, ref, now)
    caller.own(estate)
    return job


@router.get("", response_model=Page[JobOut], dependencies=[needs("jobs.read")])
def list_(
    session: SessionDep,
    now: NowDep,
    caller: CallerDep,
    estate: FilterText | None = Query(None, description="estate code (empty: all estates)"),
    status: Literal["due", "overdue", "done", ""] | None = Query(
        None, description="due, overdue or done (empty: any)"
    ),
    period: PeriodQuery | None = Query(None, description="YYYY-MM, in each estate's timezone"),
    state: Literal["active", "cancelled", "archived", "not_required", "deleted", "all", ""] = "",
    limit: Limit = 100,
    offset: Offset = 0,
):
    """Jobs sorted by completion time, then ref; an empty filter is no filter."""
    rows, total = list_jobs(
        session=session,
        now=now,
        estate=caller.estate_filter(estate or None),
        status=status or None,
        period=period or None,
        state=None if state == "all" else (state or "active"),
        limit=limit,
        offset=offset,
    )
    return {"data": [job_out(job, now) for job in rows], "count": total}


@router.post(
    "/{ref}/callbacks",
    response_model=CallbackOut,
    status_code=201,
    tags=["callbacks"],
    responses={409: {"description": "the job needs no callback (cancelled, archived...)"}},
    dependencies=[needs("records.write")],
)
def add_callback(
    ref: JobRef,
    cb_in: CallbackIn,
    session: SessionDep,
    now: NowDep,
    actor: ActorDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
):
    """Record a callback; non-empty ``problems`` or an unsatisfied answer open a
    rectification (its written notice is due within 24 hours)."""
    callback, rect_id, replayed = record_callback_once(
        session=session,
        ref=ref,
        cb_in=cb_in,
        now=now,
        actor=actor,
        key=checked_key(idempotency_key),
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return callback_out(callback, rect_id)


@router.get(
    "/{ref}/callbacks",
    response_model=Page[CallbackOut],
    tags=["callbacks"],
    dependencies=[needs("jobs.read")],
)
def get_callbacks(ref: JobRef, session: SessionDep, limit: Limit = 100, offset: Offset = 0):
    rows, total = list_callbacks(session=session, ref=ref, limit=limit, offset=offset)
    return {"data": [callback_out(cb, rid) for cb, rid in rows], "count": total}


@router.post(
    "/{ref}/phone-attempts",
    response_model=PhoneAttemptOut,
    status_code=201,
    tags=["phone"],
    responses={409: {"description": "the job needs no callback (cancelled, archived...)"}},
    dependencies=[needs("records.write")],
)
def add_phone_attempt(
    ref: JobRef,
    attempt_in: PhoneAttemptIn,
    session: SessionDep,
    now: NowDep,
    actor: ActorDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
):
    """Record one call to the resident and its outcome; failed calls lead to an on-site visit
    after the estate's ``phone_attempts_before_visit`` (or at once when refused or a wrong
    number)."""
    attempt, replayed = record_attempt_once(
        session=session,
        ref=ref,
        attempt_in=attempt_in,
        now=now,
        actor=actor,
        key=checked_key(idempotency_key),
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return attempt_out(attempt, get_job(session, ref))


@router.get(
    "/{ref}/phone-attempts",
    response_model=Page[PhoneAttemptOut],
    tags=["phone"],
    dependencies=[needs("jobs.read")],
)
def get_phone_attempts(ref: JobRef, session: SessionDep, limit: Limit = 100, offset: Offset = 0):
    rows, job, total = list_attempts(session=session, ref=ref, limit=limit, offset=offset)
    return {"data": [attempt_out(a, job) for a in rows], "count": total}


@router.get(
    "/{ref}/confirmations",
    response_model=Page[ConfirmationOut],
    tags=["confirmations"],
    dependencies=[needs("jobs.read")],
)
def get_confirmations(ref: JobRef, session: SessionDep, limit: Limit = 100, offset: Offset = 0):
    """What the resident answered and signed on their own phone (``/r/`` links)."""
    rows, total = list_confirmations(
        session=session, job=get_job(session, ref), limit=limit, offset=offset
    )
    return {"data": [confirmation_out(sig, rid) for sig, rid in rows], "count": total}
