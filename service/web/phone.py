"""The phone pages behind the QR codes of a callback form.

- ``/r/<token>``: the resident confirms the repair: satisfaction, a comment, a signature (or a
  refusal with a reason); then sees the receipt and may download it as a PDF.
- ``/s/<token>``: signed-in staff record the callback on site or by phone, optionally with the
  resident's signature taken on the staff phone; the page keeps a draft and resends it after a
  dropped connection.
- ``/jobs/<ref>/form.pdf`` and ``/jobs/<ref>/staff``: signed-in staff print a form with fresh
  links, or jump straight to the staff page of a job.

What a submission stores is a use case (``usecases.confirmations``,
``usecases.staff_submissions``); refusals are domain errors, shown as friendly pages with their
4xx status (GET) or JSON ``{"detail", "code"}`` (POST).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from qr_forms import mask_phone

from .. import domain as d
from ..http.deps import NowDep, SessionDep, SettingsDep
from ..models import Estate, Job
from ..schemas import PageCallIn, ResidentAnswer, StaffAnswer, money
from ..usecases.callbacks import callbacks_of
from ..usecases.confirmations import (
    check_resident_link_open,
    list_confirmations,
    pending_resident_signatures,
    submit_resident,
)
from ..usecases.documents import form_pdf, form_url, parse_page_size, receipt_pdf
from ..usecases.form_links import (
    load_form,
    recorded_callback,
    recorded_staff_link,
    signature_of,
    staff_job,
    used_resident_link,
)
from ..usecases.jobs import job_next_step
from ..usecases.page_stamps import served_stamp
from ..usecases.phone import call_from_page, list_attempts
from ..usecases.queries import get_job
from ..usecases.rectifications import rectification_of
from ..usecases.signin import SignedIn
from ..usecases.staff_submissions import check_may_record, submit_staff
from .auth import UserDep
from .login import login_redirect
from .page_posts import BodyDep, error_json, parse_body, staff_post
from .resident_links import ResidentSenderDep, link_card
from .templating import render

router = APIRouter(include_in_schema=False)

# ------------------------------------------------------------------ helpers


def error_page(request: Request, exc: d.DomainError, **extra: Any) -> HTMLResponse:
    return render(
        request,
        "phone/error.html",
        status_code=exc.status,
        key=exc.code,
        detail=exc.detail,
        **extra,
    )


def job_view(job: Job, estate: Estate, *, full_phone: bool) -> dict[str, Any]:
    tz = d.zone(estate.timezone)
    return {
        "ref": job.ref,
        "estate": estate.name,
        "unit": job.unit,
        "resident_name": job.resident_name,
        "phone": job.resident_phone if full_phone else mask_phone(job.resident_phone or ""),
        "title": job.title,
        "category": job.category,
        "worker": job.worker,
        "completed_at": job.completed_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "deadline": job.deadline.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "charge": money(job.charge),
        "tz": tz,
    }


def _user_or_redirect(request: Request, user: SignedIn | None) -> SignedIn | RedirectResponse:
    return user if user is not None else login_redirect(request)


# ------------------------------------------------------------------ resident


@router.get("/r/{token}", response_class=HTMLResponse)
def resident_page(
    request: Request, token: str, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    try:
        ctx = load_form(session, token, "resident", settings=settings, now=now)
        check_resident_link_open(ctx)
    except d.DomainError as exc:
        receipt = f"/r/{token}/receipt" if exc.code == "link.used" else None
        return error_page(request, exc, receipt_url=receipt)
    return render(
        request,
        "phone/resident.html",
        job=job_view(ctx.job, ctx.estate, full_phone=False),
        token=token,
        retention_years=settings.retention_years,
    )


@router.post("/r/{token}")
def resident_submit(
    token: str, body: BodyDep, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    try:
        if isinstance(body, d.DomainError):
            raise body
        ctx = load_form(session, token, "resident", settings=settings, now=now)
        answer = parse_body(ResidentAnswer, body)
        stored = submit_resident(session, ctx, answer, settings=settings, now=now)
    except d.DomainError as exc:
        return error_json(exc)
    sig = stored.signature
    return JSONResponse(
        {
            "saved": True,
            "replay": stored.replay,
            "receipt_url": f"/r/{token}/receipt",
            "pdf_url": f"/r/{token}/receipt.pdf",
            "sha256": sig.sha256 if sig else None,
        },
        status_code=200 if stored.replay else 201,
    )


@router.get("/r/{token}/receipt", response_class=HTMLResponse)
def resident_receipt(
    request: Request, token: str, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    try:
        ctx, signature = used_resident_link(session, token, settings=settings, now=now)
    except d.DomainError as exc:
        return error_page(request, exc)
    tz = d.zone(ctx.estate.timezone)
    return render(
        request,
        "phone/receipt.html",
        job=job_view(ctx.job, ctx.estate, full_phone=False),
        signature=signature,
        signed_at=signature.signed_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        pdf_url=f"/r/{token}/receipt.pdf",
    )


@router.get("/r/{token}/receipt.pdf")
def resident_receipt_pdf(
    request: Request, token: str, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    try:
        ctx, signature = used_resident_link(session, token, settings=settings, now=now)
    except d.DomainError as exc:
        return error_page(request, exc)
    return Response(
        receipt_pdf(session, signature),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="receipt-{ctx.job.id}.pdf"'},
    )


# ------------------------------------------------------------------ staff


@router.get("/s/{token}", response_class=HTMLResponse)
def staff_page(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    user: UserDep,
    sender: ResidentSenderDep,
) -> Response:
    try:
        ctx = load_form(
            session,
            token,
            "staff",
            settings=settings,
            now=now,
            staff_id=user.staff_id if user else None,
        )
    except d.DomainError as exc:
        return error_page(request, exc)
    signed_in = _user_or_redirect(request, user)
    if isinstance(signed_in, RedirectResponse):
        return signed_in
    try:
        check_may_record(ctx, signed_in)
    except d.DomainError as exc:
        done = f"/s/{token}/done" if exc.code == "link.used" else None
        fresh = f"/jobs/{ctx.job.ref}/staff" if exc.code == "link.used" else None
        return error_page(request, exc, done_url=done, fresh_url=fresh)
    view = job_view(ctx.job, ctx.estate, full_phone=True)
    return render(
        request,
        "phone/staff.html",
        job=view,
        token=token,
        user=signed_in,
        earlier=[
            {
                "staff": cb.staff,
                "role": cb.role,
                "channel": cb.channel,
                "satisfaction": cb.satisfaction,
                "done_at": cb.done_at.astimezone(view["tz"]).strftime("%m-%d %H:%M"),
            }
            for cb in callbacks_of(session, ctx.job)
        ],
        pending=pending_resident_signatures(session, ctx.job),
        confirmed=[sig for sig, _rid in list_confirmations(session=session, job=ctx.job)[0]],
        calls=[
            {
                "at": a.at.astimezone(view["tz"]).strftime("%m-%d %H:%M"),
                "staff": a.staff,
                "outcome": a.outcome,
            }
            for a in list_attempts(session=session, ref=ctx.job.ref)[0]
        ],
        next_step=job_next_step(ctx.job).value,
        link=link_card(request, session, ctx.job, sender, token=token),
        served=served_stamp(settings, staff_id=signed_in.staff_id, job_ref=ctx.job.ref, now=now),
    )


@router.post("/s/{token}")
def staff_submit(
    request: Request,
    token: str,
    body: BodyDep,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    user: UserDep,
) -> Response:
    try:
        user, ctx, answer = staff_post(session, token, body, settings, now, user, StaffAnswer)
        stored = submit_staff(session, ctx, user, answer, settings=settings, now=now)
    except d.DomainError as exc:
        return error_json(exc)
    return JSONResponse(
        {
            "saved": True,
            "replay": stored.replay,
            "callback_id": stored.callback.id if stored.callback else None,
            "done_url": f"/s/{token}/done",
            "sha256": stored.signature.sha256 if stored.signature else None,
        },
        status_code=200 if stored.replay else 201,
    )


@router.post("/s/{token}/call")
def staff_call(
    token: str,
    body: BodyDep,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    user: UserDep,
) -> Response:
    """One tap after a call: its outcome (reached leads into the phone callback form)."""
    try:
        user, ctx, call_in = staff_post(session, token, body, settings, now, user, PageCallIn)
        attempt, replay = call_from_page(
            session=session, ctx=ctx, user=user, call_in=call_in, now=now
        )
    except d.DomainError as exc:
        return error_json(exc)
    job = get_job(session, ctx.job.ref)
    return JSONResponse(
        {
            "attempt_id": attempt.id,
            "outcome": attempt.outcome,
            "failed_calls": job.failed_calls,
            "next_step": job_next_step(job).value,
            "replay": replay,
        },
        status_code=200 if replay else 201,
    )


@router.get("/s/{token}/done", response_class=HTMLResponse)
def staff_done(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    user: UserDep,
) -> Response:
    signed_in = _user_or_redirect(request, user)
    if isinstance(signed_in, RedirectResponse):
        return signed_in
    try:
        ctx = recorded_staff_link(session, token, signed_in, settings=settings, now=now)
        if ctx.use is None or ctx.use.callback_id is None:
            raise d.NotFound("no callback was recorded with this link", code="link.not_signed")
    except d.DomainError as exc:
        return error_page(request, exc)
    stored = signature_of(session, ctx.use)
    callback = recorded_callback(session, ctx.use)
    assert callback is not None  # the use names it
    tz = d.zone(ctx.estate.timezone)
    return render(
        request,
        "phone/staff_done.html",
        job=job_view(ctx.job, ctx.estate, full_phone=True),
        callback=callback,
        done_at=callback.done_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        on_time=d.is_on_time(callback.done_at, ctx.job.deadline),
        rectification=rectification_of(session, callback),
        signature=stored,
        pdf_url=f"/s/{token}/receipt.pdf" if stored else None,
        user=signed_in,
    )


@router.get("/s/{token}/receipt.pdf")
def staff_receipt_pdf(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    user: UserDep,
) -> Response:
    signed_in = _user_or_redirect(request, user)
    if isinstance(signed_in, RedirectResponse):
        return signed_in
    try:
        ctx = recorded_staff_link(session, token, signed_in, settings=settings, now=now)
        signature = signature_of(session, ctx.use) if ctx.use else None
        if signature is None:
            raise d.NotFound("no signature was taken with this link", code="link.not_signed")
    except d.DomainError as exc:
        return error_page(request, exc)
    return Response(
        receipt_pdf(session, signature),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="receipt-{ctx.job.id}.pdf"'},
    )


# ------------------------------------------------------------------ forms for signed-in staff


@router.get("/jobs/{ref}/form.pdf")
def job_form_pdf(
    request: Request,
    ref: str,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    user: UserDep,
    size: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    signed_in = _user_or_redirect(request, user)
    if isinstance(signed_in, RedirectResponse):
        return signed_in
    try:
        job = staff_job(session, ref, signed_in)
        page_size = parse_page_size(size)
    except d.DomainError as exc:
        return error_page(request, exc)
    return Response(
        form_pdf(job, job.estate, settings, now, page_size),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="callback-form-{job.id}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/jobs/{ref}/staff")
def job_staff_link(
    request: Request,
    ref: str,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    user: UserDep,
) -> Response:
    signed_in = _user_or_redirect(request, user)
    if isinstance(signed_in, RedirectResponse):
        return signed_in
    try:
        job = staff_job(session, ref, signed_in)
    except d.DomainError as exc:
        return error_page(request, exc)
    url = form_url(settings, "staff", job.ref, now)
    # Same host as this request: the public base URL may differ behind a proxy.
    return RedirectResponse("/s/" + url.rsplit("/", 1)[1], status_code=303)
