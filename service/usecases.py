"""Use cases: what the API, the CLI and the sync do to the database, rules taken from domain."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from . import domain as d
from .db import begin_write
from .models import AuditLog, Callback, Estate, Job, Rectification, Staff, UTCDateTime, utcnow
from .schemas import (
    ESTATE_CODE_PATTERN,
    REF_PATTERN,
    CallbackIn,
    EstateIn,
    JobIn,
    StaffIn,
    money,
)

# ------------------------------------------------------------------ helpers


def audit(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: Any,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditLog(actor=actor, action=action, entity=entity, entity_id=str(entity_id), detail=detail)
    )


def insert_many(session: Session, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys) in one ``executemany``.

    Each column's conversion for the database (``UTCDateTime``, JSON, ...) is looked up once
    and applied here, so the driver gets ready values: SQLAlchemy's executemany would build
    and convert every row's parameters one by one, which costs more than the insert itself
    on a sync of thousands of rows."""
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    names = list(rows[0])
    columns = []
    for name in names:
        column_type = table.c[name].type
        convert = column_type.dialect_impl(dialect).bind_processor(dialect)
        values = [row[name] for row in rows]
        if convert is None:
            columns.append(values)
        elif isinstance(column_type, UTCDateTime):  # few distinct times (now, a batch's)
            seen: dict[datetime, Any] = {}
            columns.append(
                [seen[v] if v in seen else seen.setdefault(v, convert(v)) for v in values]
            )
        else:
            columns.append([convert(v) for v in values])
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join([mark] * len(names))})"
    )
    conn.exec_driver_sql(sql, list(zip(*columns, strict=True)))


def estate_rules(estate: Estate) -> d.EstateRules:
    return d.EstateRules(
        timezone=estate.timezone,
        windows_hours={
            d.Category.SAFETY: estate.window_safety_h,
            d.Category.LEAK: estate.window_leak_h,
            d.Category.GENERAL: estate.window_general_h,
        },
        targets_pct={
            d.Role.MANAGER: estate.target_manager_pct,
            d.Role.SUPERVISOR: estate.target_supervisor_pct,
            d.Role.LEAD: estate.target_lead_pct,
        },
    )


def get_estate(session: Session, code: str) -> Estate:
    if not re.match(ESTATE_CODE_PATTERN, code):  # cannot exist; never sent to the database
        raise d.NotFound(f"estate {code!r} not found")
    estate = session.exec(select(Estate).where(Estate.code == code)).first()
    if estate is None:
        raise d.NotFound(f"estate {code!r} not found")
    return estate


def get_job(session: Session, ref: str) -> Job:
    if not re.match(REF_PATTERN, ref) or len(ref) > 100:  # cannot exist
        raise d.NotFound(f"job {ref!r} not found")
    job = session.exec(select(Job).where(Job.ref == ref)).first()
    if job is None:
        raise d.NotFound(f"job {ref!r} not found")
    return job


# ------------------------------------------------------------------ estates


def put_estate(
    *, session: Session, code: str, estate_in: EstateIn, actor: str
) -> tuple[Estate, bool]:
    begin_write(session)
    if not re.match(ESTATE_CODE_PATTERN, code):
        raise d.InvalidInput(
            f"estate code {code!r} must be 1-64 letters, digits, '.', '_' or '-' "
            "(it appears in links, file names and spreadsheet tabs), e.g. YGHY or SH-01"
        )
    estate = session.exec(select(Estate).where(Estate.code == code)).first()
    created = estate is None
    if estate is None:
        estate = Estate(code=code, name=estate_in.name or code)
    values = {
        "name": estate_in.name or estate.name or code,
        "timezone": estate_in.timezone,
        "window_safety_h": estate_in.windows_hours.safety,
        "window_leak_h": estate_in.windows_hours.leak,
        "window_general_h": estate_in.windows_hours.general,
        "target_manager_pct": estate_in.targets_pct.manager,
        "target_supervisor_pct": estate_in.targets_pct.supervisor,
        "target_lead_pct": estate_in.targets_pct.lead,
    }
    for key, value in values.items():
        setattr(estate, key, value)
    estate.updated_at = utcnow()
    session.add(estate)
    try:
        session.flush()
    except IntegrityError:  # a concurrent PUT created it first: replace theirs
        session.rollback()
        return put_estate(session=session, code=code, estate_in=estate_in, actor=actor)
    audit(
        session,
        actor=actor,
        action="estate.created" if created else "estate.replaced",
        entity="estate",
        entity_id=code,
        detail=estate_in.model_dump(mode="json"),
    )
    session.commit()
    return estate, created


def estate_out(estate: Estate) -> dict[str, Any]:
    return {
        "code": estate.code,
        "name": estate.name,
        "timezone": estate.timezone,
        "windows_hours": {
            "safety": estate.window_safety_h,
            "leak": estate.window_leak_h,
            "general": estate.window_general_h,
        },
        "targets_pct": {
            "manager": estate.target_manager_pct,
            "supervisor": estate.target_supervisor_pct,
            "lead": estate.target_lead_pct,
        },
    }


# ------------------------------------------------------------------ jobs

_JOB_FIELDS = (
    "unit",
    "resident_name",
    "resident_phone",
    "title",
    "erp_category",
    "worker",
    "charge",
)


def _assigned_counts(session: Session, estate: Estate, period: d.Period) -> dict[d.Role, int]:
    """Roles assigned so far to the estate's jobs completed in ``period``."""
    start, end = period.bounds(estate.timezone)
    rows = session.exec(
        select(Job.assigned_role, func.count())
        .where(Job.estate_id == estate.id, Job.completed_at >= start, Job.completed_at < end)
        .group_by(Job.assigned_role)
    ).all()
    return {d.Role(role): count for role, count in rows}


def _lock_estates(session: Session, estates: Sequence[Estate]) -> None:
    """Serialise role assignment per estate on PostgreSQL (SQLite serialises writers anyway).

    Several estates are locked in id order, so two bulk creations cannot deadlock."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for estate_id in sorted({e.id for e in estates if e.id is not None}):
        session.exec(select(Estate.id).where(Estate.id == estate_id).with_for_update()).one()


def create_jobs(
    *, session: Session, jobs: Sequence[JobIn], actor: str, source: str = "api"
) -> dict[str, int]:
    """Create new jobs (none of their refs may exist yet); return the new ids by ref.

    The one place where a job is created, for a single API call as for a first sync of
    thousands: category (given, or derived), deadline from the estate's windows, role by
    smooth weighted round-robin over the roles already assigned in the estate's completion
    month (read once per estate-month, then counted here, in the order given: the same
    roles as creating the jobs one by one), one ``job.created`` audit row per job.

    Rows go in with bulk inserts inside a savepoint: an ``IntegrityError`` (a ref created
    concurrently) leaves the caller's transaction as it was. Estates are locked on
    PostgreSQL first. Nothing is committed. Unknown estates or a ref given twice raise
    ``InvalidInput`` before anything is written.
    """
    if not jobs:
        return {}
    begin_write(session)
    codes = {job_in.estate for job_in in jobs}
    estates = {e.code: e for e in session.exec(select(Estate).where(col(Estate.code).in_(codes)))}
    missing = sorted(codes - estates.keys())
    if missing:
        raise d.InvalidInput(
            f"unknown estate {missing[0]!r}: create it with PUT /api/v1/estates/{{code}}"
        )
    refs = [job_in.ref for job_in in jobs]
    if len(set(refs)) != len(refs):
        twice = sorted(ref for ref, n in Counter(refs).items() if n > 1)
        raise d.InvalidInput(f"job {twice[0]!r} given more than once")
    _lock_estates(session, list(estates.values()))
    rules = {code: estate_rules(estate) for code, estate in estates.items()}
    counts: dict[tuple[str, d.Period], dict[d.Role, int]] = {}
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for job_in in jobs:
        estate, estate_rule = estates[job_in.estate], rules[job_in.estate]
        period = d.Period.containing(job_in.completed_at, estate.timezone)
        assigned = counts.get((estate.code, period))
        if assigned is None:
            assigned = counts[(estate.code, period)] = _assigned_counts(session, estate, period)
        role = d.assign_role(assigned, estate_rule.targets_pct)
        assigned[role] = assigned.get(role, 0) + 1
        category = job_in.category or d.categorize(job_in.erp_category, job_in.title)
        rows.append(
            {
                "ref": job_in.ref,
                "estate_id": estate.id,
                "category": str(category),
                "completed_at": job_in.completed_at,
                "deadline": d.deadline(job_in.completed_at, d.Category(category), estate_rule),
                "assigned_role": str(role),
                "state": "active",
                "source": source,
                "first_callback_at": None,
                "cb_manager": False,
                "cb_supervisor": False,
                "cb_lead": False,
                "sat_satisfied": 0,
                "sat_fairly_satisfied": 0,
                "sat_unsatisfied": 0,
                "created_at": now,
                "updated_at": now,
                **{f: getattr(job_in, f) for f in _JOB_FIELDS},
            }
        )
    jobs_table: sa.Table = Job.__table__  # type: ignore[attr-defined]
    with session.begin_nested():
        insert_many(session, jobs_table, rows)
        ids: dict[str, int] = {}
        for start in range(0, len(refs), 500):
            part = refs[start : start + 500]
            found = session.execute(
                sa.select(jobs_table.c.ref, jobs_table.c.id).where(jobs_table.c.ref.in_(part))
            )
            ids.update((ref, job_id) for ref, job_id in found)
        insert_many(
            session,
            AuditLog.__table__,  # type: ignore[attr-defined]
            [
                {
                    "at": now,
                    "actor": actor,
                    "action": "job.created",
                    "entity": "job",
                    "entity_id": job_in.ref,
                    "detail": job_in.model_dump(mode="json"),
                }
                for job_in in jobs
            ],
        )
    return ids


@dataclass(frozen=True, slots=True)
class UpsertResult:
    job: Job
    created: bool
    changed: bool


def upsert_job(
    *, session: Session, job_in: JobIn, actor: str, source: str = "api", commit: bool = True
) -> UpsertResult:
    """Create the job named by ``job_in.ref`` or update it; never two rows for one ref.

    A refused update (``InvalidInput``) changes nothing and leaves the session's
    transaction to the caller (the API's session ends without committing)."""
    begin_write(session)
    estate = session.exec(select(Estate).where(Estate.code == job_in.estate)).first()
    if estate is None:
        raise d.InvalidInput(
            f"unknown estate {job_in.estate!r}: create it with PUT /api/v1/estates/{{code}}"
        )
    existing = session.exec(select(Job).where(Job.ref == job_in.ref)).first()
    if existing is None:
        try:
            ids = create_jobs(session=session, jobs=[job_in], actor=actor, source=source)
        except IntegrityError:  # the same ref was created concurrently: update that one
            return upsert_job(
                session=session, job_in=job_in, actor=actor, source=source, commit=commit
            )
        job = session.get_one(Job, ids[job_in.ref])
        if commit:
            session.commit()
        return UpsertResult(job, True, True)

    job = existing
    if job.completed_at != job_in.completed_at:
        # Checked before anything changes, so a refusal leaves the job as it was.
        earliest = session.exec(
            select(func.min(Callback.done_at)).where(Callback.job_id == job.id)
        ).one()
        if earliest is not None and _aware(earliest) < job_in.completed_at:
            raise d.InvalidInput(
                f"completed_at {job_in.completed_at.isoformat()} is after this job's first "
                "callback "
                f"({_aware(earliest).isoformat()}): a callback cannot come before the repair"
            )
    rules = estate_rules(estate)
    category = job_in.category or d.categorize(job_in.erp_category, job_in.title)
    changes: dict[str, Any] = {}
    if job.estate_id != estate.id:
        changes["estate"] = estate.code
        job.estate_id = estate.id  # type: ignore[assignment]
    for field in _JOB_FIELDS:
        new = getattr(job_in, field)
        if getattr(job, field) != new:
            changes[field] = str(new) if new is not None else None
            setattr(job, field, new)
    if job.completed_at != job_in.completed_at:
        changes["completed_at"] = job_in.completed_at.isoformat()
        job.completed_at = job_in.completed_at
    if job.category != category:
        changes["category"] = str(category)
        job.category = category
    if "completed_at" in changes or "category" in changes:
        job.deadline = d.deadline(job.completed_at, d.Category(job.category), rules)
    if changes:
        job.updated_at = utcnow()
        session.add(job)
        audit(
            session,
            actor=actor,
            action="job.updated",
            entity="job",
            entity_id=job.ref,
            detail=changes,
        )
    if commit:
        session.commit()
    return UpsertResult(job, False, bool(changes))


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def job_out(job: Job, estate: Estate, now: datetime) -> dict[str, Any]:
    tz = d.zone(estate.timezone)
    local = lambda t: None if t is None else t.astimezone(tz)  # noqa: E731
    return {
        "ref": job.ref,
        "estate": estate.code,
        "unit": job.unit,
        "resident_name": job.resident_name,
        "resident_phone": job.resident_phone,
        "title": job.title,
        "category": job.category,
        "erp_category": job.erp_category,
        "worker": job.worker,
        "completed_at": local(job.completed_at),
        "charge": money(job.charge),
        "deadline": local(job.deadline),
        "assigned_role": job.assigned_role,
        "status": d.job_status(job.first_callback_at, job.deadline, now).value,
        "state": job.state,
        "source": job.source,
        "first_callback_at": local(job.first_callback_at),
    }


def _status_clause(status: str, now: datetime) -> Any:
    if status == d.JobStatus.DONE:
        return col(Job.first_callback_at).is_not(None)
    if status == d.JobStatus.OVERDUE:
        return sa.and_(col(Job.first_callback_at).is_(None), col(Job.deadline) < now)
    if status == d.JobStatus.DUE:
        return sa.and_(col(Job.first_callback_at).is_(None), col(Job.deadline) >= now)
    raise d.InvalidInput(f"status {status!r} must be due, overdue or done")


def _period_clause(session: Session, period: d.Period, estates: Sequence[Estate]) -> Any:
    parts = []
    for estate in estates:
        start, end = period.bounds(estate.timezone)
        parts.append(
            sa.and_(Job.estate_id == estate.id, Job.completed_at >= start, Job.completed_at < end)
        )
    return sa.or_(*parts) if parts else sa.false()


def list_jobs(
    *,
    session: Session,
    now: datetime,
    estate: str | None = None,
    status: str | None = None,
    period: str | None = None,
    state: str | None = "active",
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[tuple[Job, Estate]], int]:
    clauses: list[Any] = []
    estates: list[Estate]
    if estate is not None:
        estates = [get_estate(session, estate)]
        clauses.append(Job.estate_id == estates[0].id)
    else:
        estates = list(session.exec(select(Estate)).all())
    if status:
        clauses.append(_status_clause(status, now))
    if period:
        clauses.append(_period_clause(session, d.Period.parse(period), estates))
    if state:
        clauses.append(Job.state == state)
    where = sa.and_(sa.true(), *clauses)
    total = session.exec(select(func.count()).select_from(Job).where(where)).one()
    rows = session.exec(
        select(Job, Estate)
        .join(Estate, col(Estate.id) == Job.estate_id)
        .where(where)
        .order_by(col(Job.completed_at), col(Job.ref))
        .offset(offset)
        .limit(limit)
    ).all()
    return [(job, est) for job, est in rows], total


# ------------------------------------------------------------------ callbacks

_ROLE_FLAG = {
    d.Role.MANAGER: "cb_manager",
    d.Role.SUPERVISOR: "cb_supervisor",
    d.Role.LEAD: "cb_lead",
}


def _staff_for(session: Session, estate_id: int, name: str, role: str) -> Staff:
    staff = session.exec(
        select(Staff).where(Staff.estate_id == estate_id, Staff.name == name)
    ).first()
    if staff is None:
        staff = Staff(estate_id=estate_id, name=name, role=role)
        try:
            with session.begin_nested():
                session.add(staff)
        except IntegrityError:
            staff = session.exec(
                select(Staff).where(Staff.estate_id == estate_id, Staff.name == name)
            ).one()
    return staff


def validate_callback(job: Job, cb_in: CallbackIn, now: datetime) -> None:
    if job.state != "active":
        raise d.Conflict(f"job {job.ref!r} is {job.state}: it needs no callback")
    if cb_in.done_at < job.completed_at:
        raise d.InvalidInput(
            f"done_at {cb_in.done_at.isoformat()} is before the repair was completed "
            f"({job.completed_at.isoformat()})"
        )
    if cb_in.done_at > now + d.rules.CALLBACK_FUTURE_TOLERANCE:
        raise d.InvalidInput("done_at is in the future: record a callback once it has happened")
    if cb_in.channel == d.Channel.PHONE and cb_in.inspected:
        raise d.InvalidInput(
            "a phone callback cannot inspect the repair on site: inspected must be false"
        )


def record_callback(
    *, session: Session, ref: str, cb_in: CallbackIn, now: datetime, actor: str, commit: bool = True
) -> tuple[Callback, Rectification | None]:
    """Store a callback, keep the job's summary columns right, open a rectification if needed.

    Everything happens in one transaction: either all of it is stored or none of it.
    """
    begin_write(session)
    job = get_job(session, ref)
    validate_callback(job, cb_in, now)
    staff = _staff_for(session, job.estate_id, cb_in.staff, cb_in.role)
    callback = Callback(
        job_id=job.id,  # type: ignore[arg-type]
        staff_id=staff.id,
        **cb_in.model_dump(exclude_none=False),
    )
    session.add(callback)
    if job.first_callback_at is None or cb_in.done_at < job.first_callback_at:
        job.first_callback_at = cb_in.done_at
    setattr(job, _ROLE_FLAG[cb_in.role], True)
    if cb_in.satisfaction is not None:
        answer = f"sat_{cb_in.satisfaction.value}"
        setattr(job, answer, getattr(job, answer) + 1)
    job.updated_at = utcnow()
    session.add(job)
    session.flush()
    rectification = None
    if cb_in.problems:
        rectification = Rectification(
            job_id=job.id,  # type: ignore[arg-type]
            callback_id=callback.id,  # type: ignore[arg-type]
            worker=job.worker,
            problems=cb_in.problems,
            due_at=d.rectification_due(cb_in.done_at),
        )
        session.add(rectification)
        session.flush()
    audit(
        session,
        actor=actor,
        action="callback.recorded",
        entity="job",
        entity_id=job.ref,
        detail={
            "callback_id": callback.id,
            **cb_in.model_dump(mode="json"),
            "rectification_id": rectification.id if rectification else None,
        },
    )
    if commit:
        session.commit()
    return callback, rectification


def callback_out(
    callback: Callback, job: Job, estate: Estate, rectification_id: int | None = None
) -> dict[str, Any]:
    tz = d.zone(estate.timezone)
    return {
        "id": callback.id,
        "job": job.ref,
        "role": callback.role,
        "staff": callback.staff,
        "channel": callback.channel,
        "done_at": callback.done_at.astimezone(tz),
        "inspected": callback.inspected,
        "service_feedback": callback.service_feedback,
        "suggestions": callback.suggestions,
        "charge_verified": callback.charge_verified,
        "charge_amount": money(callback.charge_amount),
        "satisfaction": callback.satisfaction,
        "problems": callback.problems,
        "on_time": d.is_on_time(callback.done_at, job.deadline),
        "rectification_id": rectification_id,
    }


def list_callbacks(*, session: Session, ref: str) -> list[tuple[Callback, int | None]]:
    job = get_job(session, ref)
    rows = session.exec(
        select(Callback, Rectification.id)
        .join(Rectification, col(Rectification.callback_id) == Callback.id, isouter=True)
        .where(Callback.job_id == job.id)
        .order_by(col(Callback.done_at), col(Callback.id))
    ).all()
    return [(cb, rid) for cb, rid in rows]


# ------------------------------------------------------------------ rectifications


def close_rectification(
    *,
    session: Session,
    rectification_id: int,
    done_at: datetime,
    resolution: str | None,
    now: datetime,
    actor: str,
) -> Rectification:
    begin_write(session)
    rect = session.get(Rectification, rectification_id)
    if rect is None:
        raise d.NotFound(f"rectification {rectification_id} not found")
    if rect.done_at is not None:
        raise d.Conflict(f"rectification {rectification_id} was already closed")
    found_at = rect.due_at - timedelta(hours=d.rules.RECTIFICATION_HOURS)
    if done_at < found_at:
        raise d.InvalidInput("done_at is before the callback that found the problem")
    if done_at > now + d.rules.CALLBACK_FUTURE_TOLERANCE:
        raise d.InvalidInput("done_at is in the future")
    rect.done_at = done_at
    rect.resolution = resolution
    session.add(rect)
    audit(
        session,
        actor=actor,
        action="rectification.closed",
        entity="rectification",
        entity_id=rect.id,
        detail={"done_at": done_at.isoformat(), "resolution": resolution},
    )
    session.commit()
    return rect


# ------------------------------------------------------------------ compliance


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(sa.case((condition, 1), else_=0)), 0)


def _compliance_statements() -> tuple[Any, Any]:
    """The two aggregate queries, built once: building SQLAlchemy expressions per call
    costs more than running the queries on a typical estate-month."""
    as_of = sa.bindparam("as_of", type_=UTCDateTime())
    in_period = sa.and_(
        Job.estate_id == sa.bindparam("estate_id"),
        Job.state == "active",
        col(Job.completed_at) >= sa.bindparam("start", type_=UTCDateTime()),
        col(Job.completed_at) < sa.bindparam("end", type_=UTCDateTime()),
    )
    first = col(Job.first_callback_at)
    jobs = select(
        func.count(),
        _count_if(col(Job.cb_manager)),
        _count_if(col(Job.cb_supervisor)),
        _count_if(col(Job.cb_lead)),
        func.count(first),
        _count_if(first <= col(Job.deadline)),
        _count_if(sa.and_(first.is_(None), col(Job.deadline) < as_of)),
        func.coalesce(func.sum(Job.sat_satisfied), 0),
        func.coalesce(func.sum(Job.sat_fairly_satisfied), 0),
        func.coalesce(func.sum(Job.sat_unsatisfied), 0),
    ).where(in_period)
    due, done = col(Rectification.due_at), col(Rectification.done_at)
    rectifications = (
        select(
            _count_if(done.is_(None)),
            _count_if(sa.or_(done > due, sa.and_(done.is_(None), due < as_of))),
        )
        .select_from(Rectification)
        .join(Job, col(Job.id) == Rectification.job_id)
        .where(in_period)
    )
    return jobs, rectifications


_JOBS_SQL, _RECTIFICATIONS_SQL = _compliance_statements()


def period_counts(
    *, session: Session, estate: Estate, period: d.Period, as_of: datetime
) -> d.PeriodCounts:
    """Count one estate-period in two aggregate queries; the rules do the rest."""
    start, end = period.bounds(estate.timezone)
    params = {"estate_id": estate.id, "start": start, "end": end, "as_of": as_of}
    row = session.execute(_JOBS_SQL, params).one()
    rect = session.execute(_RECTIFICATIONS_SQL, params).one()
    return d.PeriodCounts(
        jobs=row[0],
        done_by_role={
            d.Role.MANAGER: int(row[1]),
            d.Role.SUPERVISOR: int(row[2]),
            d.Role.LEAD: int(row[3]),
        },
        callbacks_done=row[4],
        on_time=int(row[5]),
        overdue_open=int(row[6]),
        satisfaction={
            d.Satisfaction.SATISFIED: int(row[7]),
            d.Satisfaction.FAIRLY_SATISFIED: int(row[8]),
            d.Satisfaction.UNSATISFIED: int(row[9]),
        },
        rectifications_open=int(rect[0]),
        rectifications_late=int(rect[1]),
    )


def compliance(
    *,
    session: Session,
    estate_code: str,
    period: str | None,
    as_of: datetime,
    now: datetime | None = None,
) -> tuple[Estate, d.Compliance]:
    """The figures of one estate-period; without a period, the current month (the month of
    ``now``, default ``as_of``) in the estate's timezone."""
    estate = get_estate(session, estate_code)
    parsed = (
        d.Period.parse(period) if period else d.Period.containing(now or as_of, estate.timezone)
    )
    counts = period_counts(session=session, estate=estate, period=parsed, as_of=as_of)
    return estate, d.compliance(parsed, counts, estate_rules(estate))


def compliance_out(estate: Estate, result: d.Compliance, as_of: datetime) -> dict[str, Any]:
    return {
        "estate": estate.code,
        "period": str(result.period),
        "as_of": as_of.astimezone(d.zone(estate.timezone)),
        "jobs": result.jobs,
        "compliant": result.compliant,
        "roles": {
            role.value: {
                "target_pct": q.target_pct,
                "done": q.done,
                "rate": q.rate,
                "required": q.required,
                "shortfall": q.shortfall,
                "compliant": q.compliant,
            }
            for role, q in result.roles.items()
        },
        "on_time": {
            "done": result.on_time_done,
            "on_time": result.on_time,
            "rate": result.on_time_rate,
        },
        "overdue_open": result.overdue_open,
        "satisfaction": {s.value: n for s, n in result.satisfaction.items()},
        "complaint_rate": result.complaint_rate,
        "rectifications": {"open": result.rectifications_open, "late": result.rectifications_late},
    }


# ------------------------------------------------------------------ staff


def upsert_staff(*, session: Session, staff_in: StaffIn, actor: str) -> tuple[Staff, bool]:
    """Create or update a staff member (by estate and name); a password makes a sign-in."""
    begin_write(session)
    from .web.auth import hash_password

    estate = session.exec(select(Estate).where(Estate.code == staff_in.estate)).first()
    if estate is None:
        raise d.InvalidInput(f"unknown estate {staff_in.estate!r}")
    if staff_in.password and not staff_in.login:
        raise d.InvalidInput("a password needs a login")
    staff = session.exec(
        select(Staff).where(Staff.estate_id == estate.id, Staff.name == staff_in.name)
    ).first()
    created = staff is None
    if staff is None:
        staff = Staff(estate_id=estate.id, name=staff_in.name, role=staff_in.role)  # type: ignore[arg-type]
    if staff_in.login:
        taken = session.exec(
            select(Staff).where(Staff.login == staff_in.login, Staff.id != staff.id)
        ).first()
        if taken is not None:
            raise d.Conflict(f"login {staff_in.login!r} is already used by someone else")
    staff.role = staff_in.role
    staff.login = staff_in.login or staff.login
    staff.odoo_user_id = staff_in.odoo_user_id or staff.odoo_user_id
    staff.active = staff_in.active
    if staff_in.password:
        staff.password_hash = hash_password(staff_in.password)
    session.add(staff)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise d.Conflict("a concurrent change to this staff member won; try again") from None
    audit(
        session,
        actor=actor,
        action="staff.created" if created else "staff.updated",
        entity="staff",
        entity_id=staff.id,
        detail=staff_in.model_dump(mode="json", exclude={"password"}),
    )
    session.commit()
    return staff, created


def staff_out(staff: Staff, estate_code: str) -> dict[str, Any]:
    return {
        "id": staff.id,
        "estate": estate_code,
        "name": staff.name,
        "role": staff.role,
        "login": staff.login,
        "odoo_user_id": staff.odoo_user_id,
        "active": staff.active,
    }
