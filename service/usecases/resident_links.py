"""The resident's confirmation link sent by text, WeChat or e-mail (住户确认链接).

A staff member (the staff page's button) or an office tool (``POST /api/v1/jobs/{ref}/
resident-link``) asks for it; the resident gets the same kind of ``/r/<token>`` link the printed
form's resident QR code carries and confirms and signs on their own phone, so a phone callback
can still end with the resident's own answer and signature.

- Checked before anything is recorded: the job exists (404); the channel is set up in this
  deployment (409, naming the missing setting); the address is there (text and WeChat go to the
  job's resident phone, e-mail to the ``to`` given, 422); the job still takes answers (409); and
  the per-job limit (``MIN_INTERVAL`` between sends, ``DAILY_MAX`` in 24 hours; 429 with when
  to try again). Sends that failed for good do not count: the office may fix an address and
  send again at once.
- Recorded first (committed, with an audit entry), then sent at once. A transient failure
  leaves the row queued for the scheduler (``retry_due``, back-off as for notifications); a
  refusal marks it failed.
- A send is claimed by a lease: whoever sends a row moves its ``next_attempt_at`` on by
  ``LEASE`` and commits before the network call (on PostgreSQL the claim reads with ``FOR UPDATE
  SKIP LOCKED``). No database lock is held while a gateway answers, two processes never send the
  same row, and a process that dies mid-send leaves the row to be retried once the lease ends.
- The link of one send is the same on every attempt (its nonce and issue time come from the
  row), so a retried message is the same message under the same Idempotency-Key.
- Only the masked address is shown: in the API, on the pages, in the audit log and in stored
  errors. The full one stays in the row, for sending.

A job the resident already confirmed may still be sent a link: offices ask again after an
accepted fix (the rectification page hands out a fresh link for that) or when a resident wants
to change an answer, and the newest confirmation is the job's answer. A cancelled or archived
job is refused: its link would only say that the job needs no callback.

Senders are adapters (``service.channels.residents``); this module only knows their interface.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlmodel import Session, col, func, select

from qr_forms import build_form_url, make_token, mask_phone

from .. import domain as d
from ..catalogue import t
from ..config import Settings
from ..db import begin_write
from ..models import Job, ResidentLinkSend
from ..schemas import ResidentLinkIn
from .audit import audit
from .form_links import FormContext, check_job_open, check_same_estate
from .notifications import ChannelError
from .queries import get_job
from .signin import SignedIn

log = logging.getLogger("huifang.resident_links")

CHANNELS = ("sms", "wechat", "email")
PHONE_CHANNELS = ("sms", "wechat")
#: At most one send per job in this time, and ``DAILY_MAX`` in any 24 hours.
MIN_INTERVAL = timedelta(minutes=2)
DAILY_MAX = 5
DAY = timedelta(hours=24)
MAX_ATTEMPTS = 8
BACKOFF = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
#: How long a send being tried is left alone by everyone else.
LEASE = timedelta(minutes=5)
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 20


@dataclass(frozen=True, slots=True)
class ResidentMessage:
    """One message to a resident, ready for a sender: ``address`` is the full address."""

    id: int
    channel: str  # sms | wechat | email
    address: str
    language: str
    subject: str
    text: str  # the short message, the link included
    link: str
    footer: str  # what an e-mail adds below the text


class ResidentSender(Protocol):
    """Sends a resident's message by its channel, or raises ``ChannelError``."""

    def missing_setting(self, channel: str) -> str | None:
        """The setting this deployment lacks to send by ``channel`` (``None``: set up)."""
        ...

    def send(self, message: ResidentMessage) -> None: ...


class RateLimited(d.DomainError):
    """Too many sends for one job (429); ``retry_after`` seconds until the next is allowed."""

    code = "phone.link.limited"

    def __init__(self, detail: str, *, retry_at: datetime, now: datetime) -> None:
        super().__init__(detail)
        self.retry_at = retry_at
        self.retry_after = max(1, math.ceil((retry_at - now).total_seconds()))

    @property
    def status(self) -> int:
        return 429


# ---------------------------------------------------------------- addresses


def mask_address(channel: str, address: str) -> str:
    """``138****5678`` for a phone, ``z***@example.com`` for an e-mail address."""
    if channel == "email":
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    return mask_phone(address)


def _phone_of(job: Job) -> str:
    raw = (job.resident_phone or "").strip()
    digits = "".join(ch for ch in raw if ch.isdigit())
    if not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
        raise d.InvalidInput(
            f"job {job.ref!r} has no resident phone number to send a text or WeChat message to: "
            'send the link by e-mail instead (channel "email" with "to")',
            code="resident_link.no_phone",
        )
    return ("+" if raw.startswith("+") else "") + digits


def _address(job: Job, link_in: ResidentLinkIn) -> str:
    if link_in.channel in PHONE_CHANNELS:
        if link_in.to is not None:
            raise d.InvalidInput(
                f'"to" is for e-mail only: a {link_in.channel} message goes to the job\'s '
                "resident phone",
                code="resident_link.phone_only",
            )
        return _phone_of(job)
    if not link_in.to:
        raise d.InvalidInput(
            'e-mail needs the resident\'s address in "to" (it is not kept on the job)',
            code="resident_link.no_email",
        )
    return link_in.to


def _set_up(sender: ResidentSender | None, channel: str) -> ResidentSender:
    """The sender, when it can send by ``channel`` (409 naming the missing setting else)."""
    missing = "a resident link sender" if sender is None else sender.missing_setting(channel)
    if missing or sender is None:
        raise d.Conflict(
            f"sending the link by {channel} is not set up in this service: set {missing}",
            code="resident_link.not_set_up",
        )
    return sender


def available_channels(sender: ResidentSender | None) -> dict[str, bool]:
    """Which channels this deployment can send by."""
    return {ch: sender is not None and not sender.missing_setting(ch) for ch in CHANNELS}


# ---------------------------------------------------------------- the limit


def _check_rate(session: Session, job: Job, now: datetime) -> None:
    times = list(
        session.exec(
            select(ResidentLinkSend.created_at)
            .where(
                ResidentLinkSend.job_id == job.id,
                ResidentLinkSend.status != "failed",
                col(ResidentLinkSend.created_at) > now - DAY,
            )
            .order_by(col(ResidentLinkSend.created_at))
        ).all()
    )
    waits: list[tuple[datetime, str]] = []
    if times and now - times[-1] < MIN_INTERVAL:
        minutes = int(MIN_INTERVAL.total_seconds() // 60)
        waits.append((times[-1] + MIN_INTERVAL, f"one link per job every {minutes} minutes"))
    if len(times) >= DAILY_MAX:
        waits.append((times[len(times) - DAILY_MAX] + DAY, f"{DAILY_MAX} links per job a day"))
    if waits:
        retry_at, rule = max(waits)
        local = retry_at.astimezone(d.zone(job.estate.timezone)).isoformat(timespec="seconds")
        seconds = max(1, math.ceil((retry_at - now).total_seconds()))
        raise RateLimited(
            f"job {job.ref!r} was sent its link too often ({rule}): nothing was sent; try "
            f"again after {local} (in {seconds} s)",
            retry_at=retry_at,
            now=now,
        )


# ---------------------------------------------------------------- the message


def resident_link_url(settings: Settings, row: ResidentLinkSend, job: Job) -> str:
    """The resident's link of one send: the same on every attempt (nonce and issue time come
    from the row), in the message's language."""
    digest = hmac.new(
        settings.secret_key.encode(), f"resident-link:{row.id}:{job.ref}".encode(), hashlib.sha256
    ).digest()
    nonce = base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")
    token = make_token(
        settings.secret_key, purpose="resident", job_ref=job.ref, nonce=nonce, now=row.created_at
    )
    url = build_form_url(settings.public_base_url, "resident", token)
    return url + ("?lang=en" if row.language == "en" else "")


def message_of(row: ResidentLinkSend, job: Job, settings: Settings) -> ResidentMessage:
    """The short message (a text first of all): the estate, the unit, the link."""
    link = resident_link_url(settings, row, job)
    values = {"estate": job.estate.name, "unit": job.unit or job.title or job.ref, "link": link}
    return ResidentMessage(
        id=row.id,  # type: ignore[arg-type]
        channel=row.channel,
        address=row.address,
        language=row.language,
        subject=t("resident_link.subject", row.language, **values),
        text=t("resident_link.text", row.language, **values),
        link=link,
        footer=t("resident_link.email_footer", row.language, days=settings.token_max_age_days),
    )


# ---------------------------------------------------------------- sending


def request_link(
    *,
    session: Session,
    ref: str,
    link_in: ResidentLinkIn,
    sender: ResidentSender | None,
    settings: Settings,
    now: datetime,
    requested_by: str,
    actor: str,
    staff_id: int | None = None,
) -> ResidentLinkSend:
    """Check, record (committed), then send at once; see the module's docstring."""
    begin_write(session)
    job = get_job(session, ref, for_update=True)  # one send at a time per job: the limit holds
    ready = _set_up(sender, link_in.channel)
    address = _address(job, link_in)
    check_job_open(job)
    _check_rate(session, job, now)
    row = ResidentLinkSend(
        job_id=job.id,  # type: ignore[arg-type]
        channel=link_in.channel,
        address=address,
        address_masked=mask_address(link_in.channel, address),
        requested_by=requested_by[:100],
        staff_id=staff_id,
        language=link_in.language,
        status="queued",
        attempts=1,  # claimed by this request: see LEASE
        next_attempt_at=now + LEASE,
        created_at=now,
    )
    session.add(row)
    session.flush()
    audit(
        session,
        actor=actor,
        action="resident_link.requested",
        entity="job",
        entity_id=job.ref,
        estate_id=job.estate_id,
        detail={
            "send_id": row.id,
            "channel": row.channel,
            "to": row.address_masked,
            "language": row.language,
            "requested_by": row.requested_by,
        },
    )
    message = message_of(row, job, settings)
    session.commit()
    _send_and_settle(session, row, message, ready, now, job_ref=job.ref, actor=actor)
    return row


def _send_and_settle(
    session: Session,
    row: ResidentLinkSend,
    message: ResidentMessage | ChannelError,
    sender: ResidentSender,
    now: datetime,
    *,
    job_ref: str,
    actor: str,
) -> None:
    """Send a claimed row (outside any transaction), then record how it went."""
    error = message if isinstance(message, ChannelError) else None
    if isinstance(message, ResidentMessage):
        missing = sender.missing_setting(message.channel)
        try:
            if missing:
                raise ChannelError(f"{message.channel} is not set up: set {missing}")
            sender.send(message)
        except ChannelError as exc:
            error = exc
        except Exception as exc:  # a sender's bug must not leave the row claimed for ever
            # the type only: a sender's error text can quote the resident's address
            log.error("resident link %s: the sender failed (%s)", row.id, type(exc).__name__)
            error = ChannelError(f"the sender failed: {type(exc).__name__}")
    begin_write(session)
    if error is None:
        row.status, row.sent_at, row.error = "sent", now, None
    else:
        row.error = _masked(str(error), row)[:2000]
        if error.permanent or row.attempts >= MAX_ATTEMPTS:
            row.status = "failed"
        else:
            row.next_attempt_at = now + min(BACKOFF * 2 ** (row.attempts - 1), BACKOFF_MAX)
    session.add(row)
    if row.status != "queued":
        audit(
            session,
            actor=actor,
            action=f"resident_link.{row.status}",
            entity="job",
            entity_id=job_ref,
            estate_id=session.get_one(Job, row.job_id).estate_id,
            detail={"send_id": row.id, "attempts": row.attempts, "error": row.error},
        )
    session.commit()


def _masked(text: str, row: ResidentLinkSend) -> str:
    """An error as shown: a mail server's or gateway's words may repeat the address."""
    for shown in {row.address, row.address.lstrip("+")}:
        text = text.replace(shown, row.address_masked)
    return text


@dataclass(slots=True)
class ResendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _claim_next(
    session: Session, settings: Settings, now: datetime
) -> tuple[ResidentLinkSend, str, ResidentMessage | ChannelError] | None:
    """The next queued send that is due, claimed (leased) and committed, with its message."""
    begin_write(session)
    query = (
        select(ResidentLinkSend)
        .where(ResidentLinkSend.status == "queued", col(ResidentLinkSend.next_attempt_at) <= now)
        .order_by(col(ResidentLinkSend.id))
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = session.exec(query).first()
    if row is None:
        session.commit()
        return None
    row.attempts += 1
    row.next_attempt_at = now + LEASE
    session.add(row)
    job = session.get_one(Job, row.job_id)
    message: ResidentMessage | ChannelError
    if job.state != "active":
        message = ChannelError(f"the job is {job.state}: the link was not sent", permanent=True)
    else:
        message = message_of(row, job, settings)
    session.commit()
    return row, job.ref, message


def retry_due(
    *,
    session: Session,
    sender: ResidentSender,
    settings: Settings,
    now: datetime,
    batch: int = 100,
) -> ResendReport:
    """The scheduler's part: send the queued resident links that are due, each claimed so
    that two processes never send the same one."""
    report = ResendReport()
    for _ in range(batch):
        claimed = _claim_next(session, settings, now)
        if claimed is None:
            break
        row, job_ref, message = claimed
        _send_and_settle(session, row, message, sender, now, job_ref=job_ref, actor="scheduler")
        if row.status == "sent":
            report.sent += 1
        elif row.status == "failed":
            report.failed += 1
        else:
            report.retried += 1
    return report


# ---------------------------------------------------------------- the staff page


def send_from_page(
    *,
    session: Session,
    ctx: FormContext,
    user: SignedIn,
    link_in: ResidentLinkIn,
    sender: ResidentSender | None,
    settings: Settings,
    now: datetime,
) -> ResidentLinkSend:
    """The staff page's button: the signed-in staff member asks for it."""
    check_same_estate(user, ctx.job)
    if not user.records_callbacks:
        raise d.Forbidden("your role cannot record callbacks", code="staff.no_role")
    return request_link(
        session=session,
        ref=ctx.job.ref,
        link_in=link_in,
        sender=sender,
        settings=settings,
        now=now,
        requested_by=user.name,
        staff_id=user.staff_id,
        actor=f"staff:{user.staff_id}",
    )


# ---------------------------------------------------------------- reading them


def list_links(
    *, session: Session, ref: str, limit: int = 100, offset: int = 0
) -> tuple[list[ResidentLinkSend], Job, int]:
    """One page of a job's sends, oldest first, the job, and how many there are."""
    job = get_job(session, ref)
    where = ResidentLinkSend.job_id == job.id
    total = session.exec(select(func.count()).select_from(ResidentLinkSend).where(where)).one()
    rows = session.exec(
        select(ResidentLinkSend)
        .where(where)
        .order_by(col(ResidentLinkSend.id))
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), job, total


def link_out(row: ResidentLinkSend, job: Job) -> dict[str, Any]:
    """A send as shown: the address masked, times in the estate's offset."""
    tz = d.zone(job.estate.timezone)
    return {
        "id": row.id,
        "job": job.ref,
        "channel": row.channel,
        "to": row.address_masked,
        "language": row.language,
        "requested_by": row.requested_by,
        "status": row.status,
        "created_at": row.created_at.astimezone(tz),
        "sent_at": row.sent_at.astimezone(tz) if row.sent_at else None,
        "attempts": row.attempts,
        "error": row.error,
    }


def page_card(
    session: Session, job: Job, sender: ResidentSender | None, *, limit: int = 20
) -> dict[str, Any]:
    """What the staff page's control shows: the masked phone (when it can take a text), the
    channels set up, and the latest sends, newest first."""
    try:
        phone: str | None = mask_phone(_phone_of(job))
    except d.InvalidInput:
        phone = None
    rows = session.exec(
        select(ResidentLinkSend)
        .where(ResidentLinkSend.job_id == job.id)
        .order_by(col(ResidentLinkSend.id).desc())
        .limit(limit)
    ).all()
    return {
        "phone": phone,
        "available": available_channels(sender),
        "sends": [link_out(row, job) for row in rows],
    }
