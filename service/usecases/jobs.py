"""Repair jobs: created (one or thousands at once), updated, listed; deadline and role by rule."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, func, select
from typing_extensions import TypedDict

from .. import domain as d
from ..db import begin_write
from ..models import Callback, Estate, Job, utcnow
from ..schemas import JobIn
from .audit import BulkEntries, audit, sealed
from .bulk import write_rows
from .estates import estate_rules
from .job_view import job_fields, next_step
from .queries import completed_within, get_estate, period_clause, status_clause
from .tallies import COUNTED_BY  # noqa: F401  (a flush that moves a job recounts it)

_JOB_FIELDS = (
    "unit",
    "resident_name",
    "resident_phone",
    "title",
    "erp_category",
    "worker",
    "charge",
)


#: ``created_detail``'s writer: ``JobIn``'s fields as a typed dict, in sorted order.
_DETAIL_KEYS = tuple(sorted(JobIn.model_fields))
_DETAIL: TypeAdapter[dict[str, Any]] = TypeAdapter(
    TypedDict(  # type: ignore[operator]
        "JobCreatedDetail", {key: JobIn.model_fields[key].annotation for key in _DETAIL_KEYS}
    )
)


def created_detail(job_in: JobIn) -> bytes:
    """A ``job.created`` entry's detail: the job as given, its personal values sealed, as
    ``domain.evidence.canonical`` bytes. The same bytes as
    ``canonical(sealed(job_in.model_dump(mode="json")))`` (a property test checks it), written
    in one step by pydantic's serializer from the fields in sorted order, in a third of the
    time: a first sync makes one per job."""
    given = job_in.__dict__
    return _DETAIL.dump_json(sealed({key: given[key] for key in _DETAIL_KEYS}))


Month = tuple[int, datetime, datetime]  # estate id, the month's bounds (UTC)
#: Role counts of estate-months as read or made by this process, with the estate's
#: ``jobs_token`` they hold at (a few hundred months at most: cleared beyond that).
_ROLE_COUNTS: dict[Month, tuple[str, dict[d.Role, int]]] = {}
_ROLE_COUNTS_KEPT = 512


def _assigned_counts(session: Session, month: Month, token: str | None) -> dict[d.Role, int]:
    """Roles assigned so far to the estate's jobs completed in the month: as kept at the
    estate's current ``token`` when they were (nothing changed them since), else counted."""
    kept = _ROLE_COUNTS.get(month)
    if token is not None and kept is not None and kept[0] == token:
        return dict(kept[1])
    estate_id, start, end = month
    rows = session.exec(
        select(Job.assigned_role, func.count())
        .where(completed_within(estate_id, start, end))
        .group_by(Job.assigned_role)
    ).all()
    return {d.Role(role): count for role, count in rows}


def _keep_counts(
    tokens: dict[int, tuple[str | None, str]], counts: dict[Month, dict[d.Role, int]]
) -> None:
    """After a creation (its estates' tokens moved from old to new): the months it counted as
    they are now, and the other months kept at the old token, unchanged by it."""
    if len(_ROLE_COUNTS) > _ROLE_COUNTS_KEPT:
        _ROLE_COUNTS.clear()
    for month, (token, kept) in list(_ROLE_COUNTS.items()):
        old_new = tokens.get(month[0])
        if old_new is not None and old_new[0] is not None and token == old_new[0]:
            _ROLE_COUNTS[month] = (old_new[1], kept)
    for month, assigned in counts.items():
        _ROLE_COUNTS[month] = (tokens[month[0]][1], dict(assigned))


def new_jobs_tokens(session: Session, estate_ids: Iterable[int]) -> dict[int, str]:
    """Give these estates a new ``jobs_token`` (in id order: writers lock them in one order):
    their jobs changed, so role counts kept at the old one no longer hold."""
    estates: sa.Table = Estate.__table__  # type: ignore[attr-defined]
    tokens = {}
    for estate_id in sorted(set(estate_ids)):
        tokens[estate_id] = token = secrets.token_hex(16)
        # a Core statement: no object of the session holds the token (it is read by column)
        session.execute(
            sa.update(estates).where(estates.c.id == estate_id).values(jobs_token=token)
        )
    return tokens


def _lock_estates(session: Session, estates: Sequence[Estate]) -> dict[int, str | None]:
    """Serialise role assignment per estate on PostgreSQL (SQLite serialises writers anyway),
    and read each estate's ``jobs_token`` as it is now.

    Several estates are locked in id order, so two bulk creations cannot deadlock."""
    lock = session.get_bind().dialect.name == "postgresql"
    tokens = {}
    for estate_id in sorted({e.id for e in estates if e.id is not None}):
        query = select(Estate.jobs_token).where(Estate.id == estate_id)
        tokens[estate_id] = session.exec(query.with_for_update() if lock else query).one()
    return tokens


def create_jobs(
    *, session: Session, jobs: Sequence[JobIn], actor: str, source: str = "api"
) -> dict[str, int]:
    """Create new jobs (none of their refs may exist yet); return the new ids by ref.

    The one place where a job is created, for a single API call as for a first sync of
    thousands: category (given, or derived), deadline from the estate's windows, role by
    smooth weighted round-robin over the roles already assigned in the estate's completion
    month (read once per estate-month, then counted here, in the order given: the same
    roles as creating the jobs one by one), one ``job.created`` audit row per job. The counts
    are kept in this process after the creation, at the estates' new ``jobs_token``: the next
    creation uses them while the token is still that one (nothing else added or moved a job
    of the estate meanwhile, here or in another process), and counts again otherwise.

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
    tokens = _lock_estates(session, list(estates.values()))
    rules = {code: estate_rules(estate) for code, estate in estates.items()}
    counts: dict[Month, dict[d.Role, int]] = {}
    now = utcnow()
    # Every new job starts with these (the callbacks, calls and repeat links come later). The
    # columns a new job leaves empty (its first callback and answer, its last call, what it
    # repeats) are not written at all: they have no default but NULL.
    fresh = {
        "state": "active",
        "source": source,
        "cb_manager": False,
        "cb_supervisor": False,
        "cb_lead": False,
        "calls": 0,
        "calls_reached": 0,
        "failed_calls": 0,
        "followed_by_repeat": False,
        "created_at": now,
        "updated_at": now,
    }
    plain = {
        code: (cast(int, e.id), e.timezone, rules[code], d.deadlines(rules[code]))
        for code, e in estates.items()
    }
    # Each job's estate-month, the roles assigned in it so far read once per estate-month
    # before anything is written (per estate: the month of the last job, as jobs come in
    # order of time), so the rows are made while the database stores the first of them.
    months: dict[str, tuple[datetime, datetime, dict[d.Role, int]]] = {}
    assigned_in: list[dict[d.Role, int]] = []
    for job_in in jobs:
        code, completed_at = job_in.estate, job_in.completed_at
        month = months.get(code)
        if month is None or not month[0] <= completed_at < month[1]:
            estate_id, timezone = plain[code][:2]
            start, end = d.Period.containing(completed_at, timezone).bounds(timezone)
            key = (estate_id, start, end)
            assigned = counts.get(key)
            if assigned is None:
                assigned = counts[key] = _assigned_counts(session, key, tokens[estate_id])
            month = months[code] = (start, end, assigned)
        assigned_in.append(month[2])
    jobs_table: sa.Table = Job.__table__  # type: ignore[attr-defined]
    groups: set[RepairGroup] = set()

    def made(new_ids: Sequence[int]) -> Iterator[dict[str, Any]]:
        """The jobs' rows, their roles assigned in the order given."""
        for job_in, assigned, job_id in zip(jobs, assigned_in, new_ids, strict=True):
            estate_id, _, estate_rule, deadline = plain[job_in.estate]
            completed_at = job_in.completed_at
            role = d.assign_role(assigned, estate_rule.targets_pct)
            assigned[role] = assigned.get(role, 0) + 1
            category = job_in.category or d.categorize(job_in.erp_category, job_in.title)
            given = job_in.__dict__
            if given["unit"]:
                groups.add((estate_id, given["unit"], str(category)))
            yield {
                "id": job_id,
                "ref": job_in.ref,
                "estate_id": estate_id,
                "category": str(category),
                "completed_at": completed_at,
                "deadline": deadline(completed_at, category),
                "assigned_role": str(role),
                **{f: given[f] for f in _JOB_FIELDS},
            }

    with session.begin_nested():
        moved = new_jobs_tokens(session, tokens)
        new_ids = _new_ids(session, len(jobs))
        ids = dict(zip(refs, new_ids, strict=True))
        chains = {  # their heads locked in one order: no two writers deadlock
            estate_id: BulkEntries(
                session, estate_id, at=now, actor=actor, action="job.created", entity="job"
            )
            for estate_id in sorted({plain[code][0] for code in codes})
        }

        def entries() -> None:
            """Each job's audit entry: its detail's canonical text, and its hash."""
            by_estate: dict[int, list[tuple[str, bytes]]] = {}
            for job_in in jobs:
                by_estate.setdefault(plain[job_in.estate][0], []).append(
                    (job_in.ref, created_detail(job_in))
                )
            for estate_id, part in by_estate.items():
                chains[estate_id].add(part)

        # the rows go as they are made, and the audit entries are made while the database
        # stores the last of them (``meanwhile``)
        write_rows(session, jobs_table, made(new_ids), same=fresh, meanwhile=entries)
        # the new jobs' repeat groups, from the rows just written
        relink_repeats(session, groups)
        for estate_id in sorted(chains):
            chains[estate_id].write()
    _keep_counts({e: (tokens[e], moved[e]) for e in moved}, counts)
    return ids


def _new_ids(session: Session, count: int) -> list[int]:
    """Ids for ``count`` new jobs, taken before they are written (so what refers to them is
    made while they are): on PostgreSQL from the table's sequence; on SQLite, which has one
    writer at a time (this one: ``begin_write``), the ones after the highest, as it would
    give them itself."""
    if session.get_bind().dialect.name == "postgresql":
        # the sequence looked up once (in the select list, it would be for every id), and the
        # ids as one array: a sixth of the time of a row each
        taken = session.execute(
            sa.text(
                "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence('jobs', 'id')::regclass"
                " AS seq) SELECT array_agg(nextval(s.seq)) FROM s, generate_series(1, :n)"
            ),
            {"n": count},
        )
        return list(taken.scalar_one() or ())
    highest = session.execute(sa.select(sa.func.max(Job.__table__.c.id))).scalar()  # type: ignore[attr-defined]
    start = (highest or 0) + 1
    return list(range(start, start + count))


RepairGroup = tuple[int, str, str]  # estate id, unit, category


def _groups_of(session: Session, job_ids: Sequence[int]) -> set[RepairGroup]:
    table = Job.__table__  # type: ignore[attr-defined]
    groups: set[RepairGroup] = set()
    for start in range(0, len(job_ids), 500):
        part = job_ids[start : start + 500]
        groups.update(
            (row.estate_id, row.unit, row.category)
            for row in session.execute(
                sa.select(table.c.estate_id, table.c.unit, table.c.category).where(
                    table.c.id.in_(part), table.c.unit.is_not(None)
                )
            )
        )
    return groups


def relink_repeats(session: Session, groups: set[RepairGroup]) -> None:
    """Work out the repeat links of every job of these units and categories again: each job
    repeats the latest earlier active repair of its unit and category within the estate's
    ``repeat_window_days`` (``domain.followup.repeat_of``), whatever order the jobs arrived in;
    a job is ``followed_by_repeat`` when a later one repeats it. One query per estate and 200
    units, then only the rows whose link changed are written."""
    table = Job.__table__  # type: ignore[attr-defined]
    by_estate: dict[int, set[tuple[str, str]]] = {}
    for estate_id, unit, category in groups:
        if unit and unit.strip():
            by_estate.setdefault(estate_id, set()).add((unit, category))
    for estate_id, pairs in by_estate.items():
        window = session.get_one(Estate, estate_id).repeat_window_days
        units = sorted({unit for unit, _ in pairs})
        for start in range(0, len(units), 200):
            part = units[start : start + 200]
            rows = session.execute(
                sa.select(
                    table.c.id,
                    table.c.unit,
                    table.c.category,
                    table.c.completed_at,
                    table.c.state,
                    table.c.repeat_of_id,
                    table.c.followed_by_repeat,
                ).where(table.c.estate_id == estate_id, table.c.unit.in_(part))
            ).all()
            rows = [r for r in rows if (r.unit, r.category) in pairs]
            keys = [d.RepairKey(r.id, r.unit, r.category, r.completed_at) for r in rows]
            active = [k for k, r in zip(keys, rows, strict=True) if r.state == "active"]
            links = {key.id: d.repeat_of(key, active, window) for key in keys}
            repeated = {earlier for earlier in links.values() if earlier is not None}
            for row in rows:
                link, followed = links[row.id], row.id in repeated
                if (link, followed) != (row.repeat_of_id, row.followed_by_repeat):
                    session.execute(
                        sa.update(table)
                        .where(table.c.id == row.id)
                        .values(repeat_of_id=link, followed_by_repeat=followed)
                    )


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
            existing = session.exec(select(Job).where(Job.ref == job_in.ref)).first()
            if existing is None:
                raise d.Conflict(f"job {job_in.ref!r} changed concurrently; try again") from None
        else:
            job = session.get_one(Job, ids[job_in.ref])
            set_committed_value(job, "estate", estate)  # its answer reads no more after the commit
            if commit:
                session.commit()
            return UpsertResult(job, True, True)

    job = existing
    before: set[RepairGroup] = set()  # the repeat group it leaves, if it changes unit or kind
    if job.unit is not None:
        before.add((job.estate_id, job.unit, job.category))
    moved_from = job.estate_id
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
    if changes.keys() & {"completed_at", "estate"}:  # it moved between months or estates
        new_jobs_tokens(session, {moved_from, job.estate_id})
    if changes.keys() & {"unit", "category", "completed_at", "estate"}:
        session.add(job)
        session.flush()
        relink_repeats(session, before | _groups_of(session, [job.id]))  # type: ignore[list-item]
        session.refresh(job)
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
            estate_id=job.estate_id,
        )
    set_committed_value(job, "estate", estate)
    if commit:
        session.commit()
    return UpsertResult(job, False, bool(changes))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def job_next_step(job: Job) -> d.NextStep:
    """What the job needs next: nothing once called back, else a call or an on-site visit."""
    return next_step(job, job.estate)


def job_out(job: Job, now: datetime) -> dict[str, Any]:
    repeat_of = job.repeat_of.ref if job.repeat_of is not None else None
    return job_fields(job, job.estate, repeat_of, now)


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
) -> tuple[list[Job], int]:
    """One page of jobs by completion time, then ref, and the total; their estates are read
    in the same query (``job.estate`` costs nothing more)."""
    clauses: list[Any] = []
    estates: list[Estate]
    if estate is not None:
        estates = [get_estate(session, estate)]
        clauses.append(Job.estate_id == estates[0].id)
    else:
        estates = list(session.exec(select(Estate)).all())
    if status:
        clauses.append(status_clause(status, now))
    if period:
        clauses.append(period_clause(d.Period.parse(period), estates))
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
    for job, estate_row in rows:  # the rows hold the estates: ``job.estate`` costs nothing
        set_committed_value(job, "estate", estate_row)
    earlier = sorted({job.repeat_of_id for job, _ in rows if job.repeat_of_id is not None})
    if earlier:  # the repairs these repeat, in one query, handed to ``job.repeat_of``
        found = {j.id: j for j in session.exec(select(Job).where(col(Job.id).in_(earlier)))}
        for job, _estate in rows:
            if job.repeat_of_id is not None:
                set_committed_value(job, "repeat_of", found.get(job.repeat_of_id))
    return [job for job, _estate in rows], total
