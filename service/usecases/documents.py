"""Documents from database rows, through qr_forms: callback forms with fresh links, and signed
receipts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal, cast

from sqlmodel import Session, col, select

from qr_forms import (
    FormItem,
    FormJob,
    Notice,
    PageSize,
    Receipt,
    build_form_url,
    make_token,
    render_forms,
    render_notices,
    render_receipt,
)

from .. import domain as d
from ..catalogue.forms import form_labels
from ..config import Settings, get_settings
from ..models import Callback, Estate, Job, Rectification, Signature
from .queries import in_period
from .receipt_check import receipt_check_url
from .rectifications import rectifications_of_day

NOT_YET = "—"


def form_job(job: Job, estate: Estate) -> FormJob:
    return FormJob(
        ref=job.ref,
        estate_name=estate.name,
        unit=job.unit or "",
        resident_name=job.resident_name or "",
        resident_phone=job.resident_phone or "",
        title=job.title or "",
        category=cast(Literal["safety", "leak", "general"], job.category),
        worker=job.worker or "",
        completed_at=job.completed_at,
        deadline=job.deadline,
        charge=job.charge if job.charge is not None else Decimal("0"),
        assigned_role=cast(Literal["manager", "supervisor", "lead"], job.assigned_role),
        timezone=estate.timezone,
    )


def form_url(
    settings: Settings, purpose: Literal["staff", "resident"], ref: str, now: datetime
) -> str:
    token = make_token(settings.secret_key, purpose=purpose, job_ref=ref, now=now)
    return build_form_url(settings.public_base_url, purpose, token)


def form_item(job: Job, estate: Estate, settings: Settings, now: datetime) -> FormItem:
    """The job's form with fresh staff and resident links (each usable once)."""
    return FormItem(
        job=form_job(job, estate),
        staff_url=form_url(settings, "staff", job.ref, now),
        resident_url=form_url(settings, "resident", job.ref, now),
    )


def parse_page_size(size: str | None) -> PageSize:
    wanted = (size or "A4").strip().lower()
    if wanted == "a4":
        return "A4"
    if wanted in ("a5", "a5-landscape"):
        return "A5-landscape"
    raise d.InvalidInput("size must be A4 or A5-landscape")


def form_pdf(
    job: Job, estate: Estate, settings: Settings, now: datetime, size: PageSize = "A4"
) -> bytes:
    return render_forms(
        [form_item(job, estate, settings, now)], labels=form_labels(), page_size=size
    )


def day_jobs(session: Session, estate: Estate, day: date) -> list[Job]:
    """The estate's active jobs completed on ``day`` in the estate's timezone."""
    tz = d.zone(estate.timezone)
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return list(
        session.exec(
            select(Job)
            .where(in_period(estate.id, start, end))
            .order_by(col(Job.completed_at), col(Job.ref))
        ).all()
    )


def day_forms_pdf(
    session: Session,
    estate: Estate,
    day: date,
    settings: Settings,
    now: datetime,
    size: PageSize = "A4",
) -> tuple[bytes | None, int]:
    jobs = day_jobs(session, estate, day)
    if not jobs:
        return None, 0
    items = [form_item(job, estate, settings, now) for job in jobs]
    return render_forms(items, labels=form_labels(), page_size=size), len(jobs)


def receipt_pdf(session: Session, signature: Signature, settings: Settings | None = None) -> bytes:
    """The signed receipt: the job, the answers, the signature (or refusal) and its SHA-256,
    and the QR code of its public check page (``/v/<code>``; settings: the deployment's, when
    not given).

    A resident who signed before any callback was recorded gets a receipt naming no staff
    member yet (the job's assigned role, staff shown as a dash)."""
    if signature.id is None:
        raise ValueError("a receipt is printed for a stored signature")
    job = signature.job
    estate = job.estate
    callback = session.get(Callback, signature.callback_id) if signature.callback_id else None
    role = callback.role if callback else job.assigned_role
    receipt = Receipt(
        job=form_job(job, estate),
        channel=cast(Literal["on_site", "phone"], callback.channel if callback else "on_site"),
        staff=callback.staff if callback else NOT_YET,
        staff_role=cast(Literal["manager", "supervisor", "lead"], role),
        signed_at=signature.signed_at,
        satisfaction=cast(
            Literal["satisfied", "fairly_satisfied", "unsatisfied"] | None,
            signature.satisfaction or (callback.satisfaction if callback else None),
        ),
        inspected=bool(callback and callback.inspected),
        service_feedback=(callback.service_feedback or "") if callback else "",
        suggestions=(callback.suggestions or "") if callback else "",
        charge_verified=bool(callback and callback.charge_verified),
        comment=signature.comment or "",
        problems=(callback.problems or "") if callback else "",
        signature_png=None if signature.refused else signature.png,
        refusal_reason=signature.refuse_reason if signature.refused else None,
        verify_url=receipt_check_url(settings or get_settings(), signature.id),
    )
    return render_receipt(receipt, labels=form_labels())


def worker_url(settings: Settings, rect: Rectification, now: datetime) -> str:
    """The link on a written notice: the worker acknowledges (or disputes) it there. The
    token names the job and carries the rectification's own nonce."""
    token = make_token(
        settings.secret_key, purpose="worker", job_ref=rect.job.ref, nonce=rect.ack_nonce, now=now
    )
    return build_form_url(settings.public_base_url, "worker", token)


def notice_of(rect: Rectification, settings: Settings, now: datetime) -> Notice:
    job = rect.job
    return Notice(
        job=form_job(job, job.estate),
        rectification_id=rect.id,  # type: ignore[arg-type]
        source=cast(Literal["problems", "unsatisfied", "resident"], rect.source),
        problem=rect.problem,
        found_by=rect.found_by,
        found_at=rect.opened_at,
        notice_due_at=rect.notice_due_at,
        fix_due_at=rect.fix_due_at,
        ack_url=worker_url(settings, rect, now),
    )


def notice_pdf(
    rects: Sequence[Rectification], settings: Settings, now: datetime, size: PageSize = "A4"
) -> bytes:
    """The written rectification notices (整改通知单), one page each, in the order given."""
    return render_notices(
        [notice_of(rect, settings, now) for rect in rects], labels=form_labels(), page_size=size
    )


def day_notices_pdf(
    session: Session,
    estate: Estate,
    day: date,
    settings: Settings,
    now: datetime,
    size: PageSize = "A4",
) -> tuple[bytes | None, int]:
    """The notices of the rectifications the estate opened on ``day`` (its timezone)."""
    tz = d.zone(estate.timezone)
    start = datetime.combine(day, time(0), tzinfo=tz)
    rects = rectifications_of_day(session, estate, (start, start + timedelta(days=1)))
    if not rects:
        return None, 0
    return notice_pdf(rects, settings, now, size), len(rects)
