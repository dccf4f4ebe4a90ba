"""Every database table (SQLModel): the core, the phone pages' token uses and signatures, the
kept counts, and (``models.odoo``) the Odoo link's cursor, request links and outbox. Times are
stored as UTC and always come back timezone-aware (``models.base``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from .. import domain as d
from .base import UTCDateTime, _time, utcnow


class Estate(SQLModel, table=True):
    __tablename__ = "estates"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    timezone: str = Field(max_length=64, default=d.DEFAULT_TIMEZONE)
    window_safety_h: int = d.DEFAULT_WINDOWS_HOURS[d.Category.SAFETY]
    window_leak_h: int = d.DEFAULT_WINDOWS_HOURS[d.Category.LEAK]
    window_general_h: int = d.DEFAULT_WINDOWS_HOURS[d.Category.GENERAL]
    target_manager_pct: int = d.DEFAULT_TARGETS_PCT[d.Role.MANAGER]
    target_supervisor_pct: int = d.DEFAULT_TARGETS_PCT[d.Role.SUPERVISOR]
    target_lead_pct: int = d.DEFAULT_TARGETS_PCT[d.Role.LEAD]
    # Follow-up settings (domain.FollowUp): reminders, escalation, calls, fixes, late entries.
    reminder_hours_before: int = d.DEFAULT_FOLLOW_UP.reminder_hours_before
    escalation_step_hours: int = d.DEFAULT_FOLLOW_UP.escalation_step_hours
    phone_attempts_before_visit: int = d.DEFAULT_FOLLOW_UP.phone_attempts_before_visit
    rectification_fix_hours: int = d.DEFAULT_FOLLOW_UP.rectification_fix_hours
    late_entry_hours: int = d.DEFAULT_FOLLOW_UP.late_entry_hours
    repeat_window_days: int = d.DEFAULT_FOLLOW_UP.repeat_window_days
    # Changed (a new random value) by every write that adds jobs to the estate or moves one
    # between its months: role counts read at one value still hold while it is unchanged
    # (``usecases.jobs.create_jobs``).
    jobs_token: str | None = Field(default=None, max_length=32)
    created_at: datetime = _time(default=utcnow)
    updated_at: datetime = _time(default=utcnow)


class Staff(SQLModel, table=True):
    __tablename__ = "staff"
    __table_args__ = (sa.UniqueConstraint("estate_id", "name", name="uq_staff_estate_name"),)

    id: int | None = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estates.id", index=True)
    name: str = Field(max_length=100)
    role: str = Field(max_length=16)
    odoo_user_id: int | None = None
    login: str | None = Field(default=None, max_length=100, unique=True)
    password_hash: str | None = Field(default=None, max_length=200)
    active: bool = True
    # Where their notifications go: odoo | email | webhook | log, in their language.
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    notify_by: str = Field(default="log", max_length=12)
    language: str = Field(default="zh_CN", max_length=8)

    estate: Estate = Relationship(sa_relationship_kwargs={"viewonly": True})


#: The rows of the partial index of open jobs.
OPEN_JOBS = "first_callback_at IS NULL AND state = 'active'"


class Job(SQLModel, table=True):
    __tablename__ = "jobs"
    __table_args__ = (
        # Covers the compliance query and the role counts of new jobs: one estate-month is
        # read from the index alone.
        sa.Index(
            "ix_jobs_estate_completed_cover",
            "estate_id",
            "completed_at",
            "state",
            "deadline",
            "first_callback_at",
            "cb_manager",
            "cb_supervisor",
            "cb_lead",
            "answer",
            "calls",
            "calls_reached",
            "assigned_role",
            # the dashboard's jobs per worker, answer and repeat, from the index alone
            "worker",
            "repeat_of_id",
            "id",
        ),
        # The estate's open jobs (active, no callback yet) by deadline: the dashboard's due,
        # overdue and visit lists and counts read only these.
        sa.Index(
            "ix_jobs_open",
            "estate_id",
            "deadline",
            "completed_at",
            "calls",
            "failed_calls",
            "last_call_outcome",
            sqlite_where=sa.text(OPEN_JOBS),
            postgresql_where=sa.text(OPEN_JOBS),
        ),
        # Repeat links (``relink_repeats``): only jobs with a unit are ever looked up by it.
        sa.Index(
            "ix_jobs_unit_repeat",
            "estate_id",
            "unit",
            "category",
            "completed_at",
            sqlite_where=sa.text("unit IS NOT NULL"),
            postgresql_where=sa.text("unit IS NOT NULL"),
        ),
        # The retention purge's look: jobs not purged yet, oldest first.
        sa.Index("ix_jobs_purge", "purged_at", "completed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=100, unique=True, index=True)
    estate_id: int = Field(foreign_key="estates.id")
    unit: str | None = Field(default=None, max_length=100)
    resident_name: str | None = Field(default=None, max_length=100)
    resident_phone: str | None = Field(default=None, max_length=40)
    title: str | None = Field(default=None, max_length=300)
    category: str = Field(max_length=16)
    erp_category: str | None = Field(default=None, max_length=200)
    worker: str | None = Field(default=None, max_length=100)
    completed_at: datetime = _time()
    charge: Decimal | None = Field(default=None, sa_column=sa.Column(sa.Numeric(12, 2)))
    deadline: datetime = _time()
    assigned_role: str = Field(max_length=16)
    # active | cancelled (left the done stage) | archived | not_required (e.g. scrapped)
    state: str = Field(default="active", max_length=16)
    source: str = Field(default="api", max_length=16)
    # Kept up to date with the callbacks so compliance is one pass over jobs.
    first_callback_at: datetime | None = _time(nullable=True)
    cb_manager: bool = False
    cb_supervisor: bool = False
    cb_lead: bool = False
    # The job's answer (domain.job_answer): the resident's latest, else the staff's latest.
    answer: str | None = Field(default=None, max_length=20)
    answer_source: str | None = Field(default=None, max_length=16)
    # Phone attempts: all of them, those that reached the resident, those that failed, and
    # the latest by its time (it decides whether the next step is a visit).
    calls: int = 0
    calls_reached: int = 0
    failed_calls: int = 0
    last_call_at: datetime | None = _time(nullable=True)
    last_call_outcome: str | None = Field(default=None, max_length=16)
    # A repair of the same unit and category soon after an earlier one (estate's window).
    repeat_of_id: int | None = Field(default=None, foreign_key="jobs.id")
    followed_by_repeat: bool = False
    # When the resident's name and phone were removed (retention ended; PIPL).
    purged_at: datetime | None = _time(nullable=True)
    created_at: datetime = _time(default=utcnow)
    updated_at: datetime = _time(default=utcnow)

    # Many-to-one: an estate already in the session is taken from it, without a query.
    estate: Estate = Relationship(sa_relationship_kwargs={"viewonly": True})
    # ``None`` when the job repeats nothing (SQLModel wants the bare class name here).
    repeat_of: Job = Relationship(
        sa_relationship_kwargs={"viewonly": True, "remote_side": "Job.id"}
    )


class Callback(SQLModel, table=True):
    __tablename__ = "callbacks"

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="jobs.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    role: str = Field(max_length=16)
    staff: str = Field(max_length=100)
    channel: str = Field(max_length=16)
    done_at: datetime = _time()
    inspected: bool = False
    service_feedback: str | None = None
    suggestions: str | None = None
    charge_verified: bool = False
    charge_amount: Decimal | None = Field(default=None, sa_column=sa.Column(sa.Numeric(12, 2)))
    satisfaction: str | None = Field(default=None, max_length=20)
    problems: str | None = None
    # The reached phone call this phone callback followed, when it says so.
    attempt_id: int | None = Field(default=None, foreign_key="phone_attempts.id")
    # When the service received it (its own clock) and from whom: a callback entered long
    # after ``done_at`` is a late entry, shown for review.
    recorded_at: datetime = _time(default=utcnow)
    recorded_by: str | None = Field(default=None, max_length=100)
    created_at: datetime = _time(default=utcnow)

    job: Job = Relationship(sa_relationship_kwargs={"viewonly": True})


class Rectification(SQLModel, table=True):
    """A problem found, to be notified in writing to the worker and fixed (domain.followup)."""

    __tablename__ = "rectifications"

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="jobs.id", index=True)
    # What opened it: a callback (problems or an unsatisfied answer), or the resident's own
    # confirmation (unsatisfied, or the charge disputed).
    callback_id: int | None = Field(default=None, foreign_key="callbacks.id", index=True)
    confirmation_id: int | None = Field(default=None, foreign_key="signatures.id", index=True)
    source: str = Field(max_length=16)  # problems | unsatisfied | resident
    problem: str
    found_by: str = Field(max_length=100)
    worker: str | None = Field(default=None, max_length=100)
    state: str = Field(default="open", max_length=12, index=True)
    opened_at: datetime = _time()
    notice_due_at: datetime = _time()
    notified_at: datetime | None = _time(nullable=True)
    notified_via: str | None = Field(default=None, max_length=12)
    # The worker's own answer to the written notice, through its QR code.
    ack_nonce: str = Field(max_length=16, unique=True)
    acknowledged_at: datetime | None = _time(nullable=True)
    dispute: str | None = None
    fix_due_at: datetime = _time()
    fixed_at: datetime | None = _time(nullable=True)
    fix_note: str | None = None
    verified_at: datetime | None = _time(nullable=True)
    verified_by: str | None = Field(default=None, max_length=100)
    verify_note: str | None = None
    created_at: datetime = _time(default=utcnow)

    job: Job = Relationship(sa_relationship_kwargs={"viewonly": True})


class Notification(SQLModel, table=True):
    """One message the scheduler made for one person: made once per key and recipient, ever
    (the unique pair), then delivered on the recipient's channel with retries."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.UniqueConstraint("key", "staff_id", name="uq_notifications_key_staff"),
        sa.Index("ix_notifications_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # reminder | escalation | notice | notice_late | fix_late
    step: int | None = None
    key: str = Field(max_length=120)
    job_id: int = Field(foreign_key="jobs.id", index=True)
    rectification_id: int | None = Field(default=None, foreign_key="rectifications.id")
    staff_id: int = Field(foreign_key="staff.id")
    recipient: str = Field(max_length=100)
    channel: str = Field(max_length=12)
    language: str = Field(default="zh_CN", max_length=8)
    subject: str = Field(max_length=300)
    body: str
    link: str | None = Field(default=None, max_length=1000)
    status: str = Field(default="queued", max_length=8)  # queued | sent | failed
    attempts: int = 0
    next_attempt_at: datetime = _time(default=utcnow)
    error: str | None = Field(default=None, max_length=2000)
    created_at: datetime = _time(default=utcnow)
    sent_at: datetime | None = _time(nullable=True)

    job: Job = Relationship(sa_relationship_kwargs={"viewonly": True})


class ResidentLinkSend(SQLModel, table=True):
    """The resident's confirmation link sent to them by text, WeChat or e-mail, at a staff
    member's request: recorded before it goes out, retried like a notification, and shown to
    others only with the address masked."""

    __tablename__ = "resident_link_sends"
    __table_args__ = (sa.Index("ix_resident_link_sends_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="jobs.id", index=True)
    channel: str = Field(max_length=8)  # sms | wechat | email
    address: str = Field(max_length=200)  # where it goes (never shown; see address_masked)
    address_masked: str = Field(max_length=200)
    requested_by: str = Field(max_length=100)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    language: str = Field(default="zh_CN", max_length=8)
    status: str = Field(default="queued", max_length=8)  # queued | sent | failed
    attempts: int = 0
    next_attempt_at: datetime = _time(default=utcnow)
    error: str | None = Field(default=None, max_length=2000)
    created_at: datetime = _time(default=utcnow)
    sent_at: datetime | None = _time(nullable=True)

    job: Job = Relationship(sa_relationship_kwargs={"viewonly": True})


class QuotaDraw(SQLModel, table=True):
    """One day's pick of the jobs a role should call back to meet its month's quota: the
    candidates with their weights, the seed and what was drawn, so anyone can redraw it."""

    __tablename__ = "quota_draws"
    __table_args__ = (
        sa.UniqueConstraint(
            "estate_id", "day", "period", "role", "round", name="uq_quota_draws_day"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estates.id", index=True)
    day: str = Field(max_length=10)  # YYYY-MM-DD in the estate's timezone
    period: str = Field(max_length=7)  # YYYY-MM
    role: str = Field(max_length=16)
    round: int = 1  # a later draw of the same day, when new jobs raised the need
    method: str = Field(max_length=16)  # weighted (seeded sample) | deadline (earliest first)
    seed: str | None = Field(default=None, max_length=32)
    needed: int  # callbacks still needed this month when drawn
    candidates: Any = Field(sa_column=sa.Column(sa.JSON(), nullable=False))  # [[job_id, weight]]
    picked: Any = Field(sa_column=sa.Column(sa.JSON(), nullable=False))  # [job_id] in order
    created_at: datetime = _time(default=utcnow)


class PhoneAttempt(SQLModel, table=True):
    """One phone call to the resident (电话回访), answered or not."""

    __tablename__ = "phone_attempts"

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="jobs.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    staff: str = Field(max_length=100)
    role: str = Field(max_length=16)
    at: datetime = _time()
    outcome: str = Field(max_length=16)
    next_at: datetime | None = _time(nullable=True)
    note: str | None = None
    created_at: datetime = _time(default=utcnow)


class AuditLog(SQLModel, table=True):
    """Append-only (the migrations add triggers that refuse UPDATE and DELETE) and chained:
    each entry carries the hash of the one before it in its estate's chain (``domain.evidence``).
    """

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_chain_seq", "chain", "seq", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _time(default=utcnow)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=50)
    entity: str = Field(max_length=50)
    entity_id: str = Field(max_length=100)
    detail: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON))
    # The chain: the estate's id (0: an entry of no estate), the place in it, the hashes.
    chain: int = 0
    seq: int = 0
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64)


class AuditChainHead(SQLModel, table=True):
    """The last entry of each chain: appending locks this row, so one estate's writers wait
    for each other and never for another estate's."""

    __tablename__ = "audit_chain_heads"

    chain: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int = 0
    hash: str = Field(max_length=64)
    updated_at: datetime = _time(default=utcnow)


# ------------------------------------------------------------------ access


class ApiToken(SQLModel, table=True):
    """A scoped API key: a role, an estate (none: every estate), an expiry. Only the SHA-256
    of the key is stored; the key itself is shown once, when it is made."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    role: str = Field(max_length=16)
    estate_id: int | None = Field(default=None, foreign_key="estates.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)  # the key's first characters, to tell keys apart
    created_by: str = Field(max_length=100)
    created_at: datetime = _time(default=utcnow)
    expires_at: datetime | None = _time(nullable=True)
    revoked_at: datetime | None = _time(nullable=True)
    revoked_by: str | None = Field(default=None, max_length=100)
    last_used_at: datetime | None = _time(nullable=True)


class WebSession(SQLModel, table=True):
    """A signed-in browser. The cookie carries a random key whose SHA-256 is ``key_hash``;
    signing out or changing the password ends the row, so an older cookie no longer works."""

    __tablename__ = "web_sessions"

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(max_length=64, unique=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    created_at: datetime = _time(default=utcnow)
    expires_at: datetime = _time()
    ended_at: datetime | None = _time(nullable=True)


class SignInFailure(SQLModel, table=True):
    """One wrong password: counted per login (and per address) over a sliding window, in the
    database so every instance sees the same count."""

    __tablename__ = "signin_failures"
    __table_args__ = (
        sa.Index("ix_signin_failures_login_at", "login", "at"),
        sa.Index("ix_signin_failures_address_at", "address", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=100)
    address: str = Field(max_length=64)
    at: datetime = _time(default=utcnow)


class PushNonce(SQLModel, table=True):
    """A nonce of an accepted Odoo push: a second push with it is a replay."""

    __tablename__ = "push_nonces"

    nonce: str = Field(primary_key=True, max_length=64)
    seen_at: datetime = _time(default=utcnow, index=True)


# ------------------------------------------------------------------ phone pages


class FormTokenUse(SQLModel, table=True):
    """One accepted submission of a form link. The unique nonce makes a link single-use even
    when two submissions race: the second insert fails and its whole transaction rolls back."""

    __tablename__ = "form_token_uses"

    id: int | None = Field(default=None, primary_key=True)
    nonce: str = Field(max_length=40, unique=True)
    purpose: str = Field(max_length=16)  # staff | resident
    job_id: int = Field(foreign_key="jobs.id", index=True)
    callback_id: int | None = Field(default=None, foreign_key="callbacks.id")
    # Chosen by the page for one submission: a resend after a lost reply gets the same answer.
    submission_key: str = Field(max_length=64)
    actor: str = Field(max_length=100)
    used_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False, default=utcnow))


class Signature(SQLModel, table=True):
    """The visited person's answer and signature (or refusal to sign), as submitted."""

    __tablename__ = "signatures"

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="jobs.id", index=True)
    # The callback it confirms; empty while the resident signed before any callback was recorded.
    callback_id: int | None = Field(default=None, foreign_key="callbacks.id", index=True)
    token_use_id: int = Field(foreign_key="form_token_uses.id", unique=True)
    taken_on: str = Field(max_length=16)  # resident (own phone) | staff (staff phone)
    signer_name: str | None = Field(default=None, max_length=100)
    signed_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    refused: bool = False
    refuse_reason: str | None = None
    satisfaction: str | None = Field(default=None, max_length=20)
    comment: str | None = None
    png: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary(), nullable=True))
    width: int | None = None
    height: int | None = None
    strokes: Any | None = Field(default=None, sa_column=sa.Column(sa.JSON(), nullable=True))
    sha256: str | None = Field(default=None, max_length=64)
    # SHA-256 of the image's hash, the strokes and the answers (``domain.evidence``); it enters
    # the audit chain with the signature's entry.
    evidence_sha256: str | None = Field(default=None, max_length=64)
    # When the image, strokes and signer's name were removed (their hashes stay).
    purged_at: datetime | None = _time(nullable=True)
    # The resident disputes the charge the office recorded (one tap, with a note).
    charge_disputed: bool = False
    charge_note: str | None = None

    job: Job = Relationship(sa_relationship_kwargs={"viewonly": True})


# ------------------------------------------------------------------ kept counts
class CallbackTally(SQLModel, table=True):
    """The callbacks of one estate-month's active jobs per staff member, role and channel,
    kept up to date as callbacks are recorded and jobs change (``usecases.tallies``): the
    dashboard's staff table without a pass over the month's callbacks. ``timezone``: the
    estate's, which decided the month; rows of another one are stale and not read."""

    __tablename__ = "callback_tallies"

    estate_id: int = Field(foreign_key="estates.id", primary_key=True)
    period: str = Field(max_length=7, primary_key=True)  # YYYY-MM
    staff: str = Field(max_length=100, primary_key=True)
    role: str = Field(max_length=16, primary_key=True)
    channel: str = Field(max_length=16, primary_key=True)
    timezone: str = Field(max_length=64)
    callbacks: int = 0
    on_time: int = 0  # done at or before the job's deadline


class EntryDelay(SQLModel, table=True):
    """A callback of an active job entered more than half an hour after it was done, with its
    estate-month: every late entry is one of these whatever the estate's ``late_entry_hours``
    (whole hours, at least 1), so the dashboard lists and counts them from here."""

    __tablename__ = "entry_delays"
    __table_args__ = (sa.Index("ix_entry_delays_period", "estate_id", "period", "recorded_at"),)

    callback_id: int = Field(
        foreign_key="callbacks.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    job_id: int = Field(foreign_key="jobs.id", index=True)
    estate_id: int = Field(foreign_key="estates.id")
    period: str = Field(max_length=7)
    timezone: str = Field(max_length=64)
    done_at: datetime = _time()
    recorded_at: datetime = _time()


class RequestKey(SQLModel, table=True):
    """A client's ``Idempotency-Key`` on a write (a callback, a phone attempt): the same key
    from the same caller again gets what the first request made, instead of it being made
    twice. Kept 30 days (``usecases.request_keys.KEEP_FOR``)."""

    __tablename__ = "request_keys"
    __table_args__ = (sa.UniqueConstraint("actor", "key", name="uq_request_keys_actor_key"),)

    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(max_length=100)
    key: str = Field(max_length=200)
    kind: str = Field(max_length=16)  # callback | phone_attempt
    body_hash: str = Field(max_length=64)  # what was asked: the same key cannot ask otherwise
    record_id: int  # the callback (or phone attempt) made
    created_at: datetime = _time(default=utcnow, index=True)


from .odoo import OdooCursor, OdooOutbox, OdooRequestLink  # noqa: E402  (they use the above)

__all__ = ["OdooCursor", "OdooOutbox", "OdooRequestLink", "UTCDateTime", "utcnow"]
