"""The phone pages behind the QR codes of a callback form.

- ``/r/<token>``: the resident confirms the repair: satisfaction, a comment, a signature (or a
  refusal with a reason); then sees the receipt and may download it as a PDF.
- ``/s/<token>``: signed-in staff record the callback on site or by phone, optionally with the
  resident's signature taken on the staff phone; the page keeps a draft and resends it after a
  dropped connection.
- ``/jobs/<ref>/form.pdf`` and ``/jobs/<ref>/staff``: signed-in staff print a form with fresh
  links, or jump straight to the staff page of a job.

Refusals are friendly pages with a 4xx status (GET) or JSON ``{"detail"}`` (POST).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from qr_forms.pdf import mask_phone

from .. import domain as d
from ..api.deps import NowDep, SessionDep, SettingsDep
from ..config import Settings
from ..models import Callback, Estate, Job
from ..schemas import money
from . import phone_models  # noqa: F401  (registers the tables)
from .auth import SignedIn, UserDep
from .i18n import register
from .login import login_redirect
from .phone_flow import (
    FormContext,
    PhoneError,
    ResidentAnswer,
    StaffAnswer,
    load_form,
    parse_body,
    pending_resident_signatures,
    submit_resident,
    submit_staff,
)
from .phone_forms import form_pdf, form_url, parse_page_size, receipt_pdf
from .phone_models import FormTokenUse, Signature
from .templating import render

router = APIRouter(include_in_schema=False)

# Room for the largest allowed signature (base64) plus strokes and text.
BODY_OVERHEAD = 400_000

register(
    {
        "phone.resident.title": ("维修回访确认", "Confirm your repair"),
        "phone.resident.intro": (
            "请确认本次维修情况，并在下方签名。",
            "Please confirm this repair and sign below.",
        ),
        "phone.job.title": ("维修内容", "Repair"),
        "phone.job.unit": ("房号", "Unit"),
        "phone.job.completed": ("完成时间", "Completed"),
        "phone.job.worker": ("维修师傅", "Repaired by"),
        "phone.job.charge": ("收费", "Charge"),
        "phone.job.phone": ("联系电话", "Phone"),
        "phone.job.resident": ("住户", "Resident"),
        "phone.job.ref": ("工单号", "Job"),
        "phone.job.deadline": ("回访期限", "Call back by"),
        "phone.job.category": ("类别", "Category"),
        "phone.job.free": ("免费", "Free"),
        "phone.q.satisfaction": ("您对本次维修满意吗？", "Are you satisfied with the repair?"),
        "phone.q.comment": ("意见或建议（选填）", "Comments or suggestions (optional)"),
        "phone.q.name": ("签名人姓名（选填）", "Your name (optional)"),
        "phone.sign.label": ("请在框内签名", "Sign in the box"),
        "phone.sign.undo": ("撤销", "Undo"),
        "phone.sign.clear": ("清除", "Clear"),
        "phone.sign.refuse": ("不签名（请说明原因）", "I will not sign (say why)"),
        "phone.sign.reason": ("不签名的原因", "Reason for not signing"),
        "phone.sign.empty": (
            "请先签名，或选择不签名并说明原因",
            "Please sign, or refuse and say why",
        ),
        "phone.sign.choose": ("请选择满意程度", "Please choose a satisfaction level"),
        "phone.submit": ("提交", "Submit"),
        "phone.sending": ("正在提交…", "Sending…"),
        "phone.net_error": (
            "网络连接失败，请稍后重试（您填写的内容不会丢失）",
            "No connection: try again shortly (nothing you entered is lost)",
        ),
        "phone.receipt.title": ("感谢您的确认", "Thank you for confirming"),
        "phone.receipt.saved": ("您的确认已保存。", "Your confirmation has been saved."),
        "phone.receipt.signed_at": ("签名时间", "Signed at"),
        "phone.receipt.refused": ("未签名，原因", "Not signed, reason"),
        "phone.receipt.hash": ("签名指纹 (SHA-256)", "Signature fingerprint (SHA-256)"),
        "phone.receipt.pdf": ("下载回执 PDF", "Download the receipt (PDF)"),
        "phone.receipt.answer": ("满意度", "Satisfaction"),
        "phone.receipt.comment": ("意见", "Comment"),
        "phone.staff.title": ("维修回访记录", "Record the callback"),
        "phone.staff.signed_in": ("回访人", "Called back by"),
        "phone.staff.channel": ("回访方式", "Channel"),
        "phone.staff.checklist": ("回访内容", "Checklist"),
        "phone.staff.inspected": ("已现场查看维修项目", "Repair inspected on site"),
        "phone.staff.feedback": ("住户对维修人员服务的评价", "Resident's view of the service"),
        "phone.staff.suggestions": ("改进意见", "Suggestions for improvement"),
        "phone.staff.charge_verified": ("已核实收费", "Charge verified"),
        "phone.staff.charge_amount": ("核实金额（元）", "Verified amount (CNY)"),
        "phone.staff.satisfaction": ("住户满意度", "Resident's satisfaction"),
        "phone.staff.problems": (
            "发现的问题（填写后将通知维修人员 24 小时内整改）",
            "Problems found (the worker is notified to fix them within 24 h)",
        ),
        "phone.staff.signature": ("住户签名", "Resident's signature"),
        "phone.staff.signature_skip": (
            "住户稍后用自己的手机扫码签名",
            "The resident will sign later with their own phone",
        ),
        "phone.staff.signature_sign": ("住户在本机签名", "The resident signs on this phone"),
        "phone.staff.resident_done": (
            "住户已在手机上确认",
            "The resident confirmed on their phone",
        ),
        "phone.staff.previous": ("已有回访", "Earlier callbacks"),
        "phone.staff.draft_restored": ("已恢复未提交的草稿", "Unsent draft restored"),
        "phone.staff.offline": (
            "网络已断开：草稿已保存在本机，恢复网络后会自动重新提交。",
            "Offline: the draft stays on this phone and is sent when the connection is back.",
        ),
        "phone.staff.relogin": ("登录已过期，请重新登录", "Your sign-in expired: sign in again"),
        "phone.staff.done_title": ("回访已记录", "Callback recorded"),
        "phone.staff.done_on_time": ("按时回访", "On time"),
        "phone.staff.done_late": ("已超过回访期限", "After the deadline"),
        "phone.staff.rectification": ("已生成整改通知", "Rectification notice opened"),
        "phone.staff.new_link": ("为此工单再记一次回访", "Record another callback for this job"),
        "phone.staff.print": ("打印回访单", "Print the callback form"),
        "link.invalid": ("链接无效", "This link is not valid"),
        "link.invalid.help": (
            "链接可能被修改或不完整。请重新扫描回访单上的二维码。",
            "The link may have been altered or cut short. Scan the QR code on the form again.",
        ),
        "link.wrong_purpose": ("链接用错了", "Wrong link"),
        "link.wrong_purpose.help": (
            "这个二维码不是给您这一方使用的，请扫描回访单上对应的二维码。",
            "This QR code is for the other party: scan the other code on the form.",
        ),
        "link.expired": ("链接已过期", "This link has expired"),
        "link.expired.help": (
            "为了安全，回访链接有效期有限。请联系管理处获取新的回访单。",
            "Form links are valid for a limited time. Ask the management office for a new form.",
        ),
        "link.used": ("链接已使用", "This link was already used"),
        "link.used.help": (
            "每个链接只能提交一次，已提交的内容不会被更改。",
            "Each link can be submitted once; what was submitted is kept unchanged.",
        ),
        "link.no_job": ("找不到维修单", "Repair job not found"),
        "link.no_job.help": (
            "该维修单可能已被删除，请联系管理处。",
            "The job may have been removed; please contact the management office.",
        ),
        "link.not_signed": ("尚未签名", "Not signed yet"),
        "link.not_signed.help": (
            "这个链接还没有提交确认，因此没有回执。",
            "Nothing was submitted with this link yet, so there is no receipt.",
        ),
        "job.inactive": ("此维修单无需回访", "This job needs no callback"),
        "job.inactive.help": (
            "该维修单已取消或归档。",
            "The job was cancelled or archived.",
        ),
        "staff.other_estate": ("无权操作", "Not allowed"),
        "staff.other_estate.help": (
            "该维修单属于其他管理处。",
            "This job belongs to another estate.",
        ),
        "staff.no_role": ("无权操作", "Not allowed"),
        "staff.no_role.help": (
            "只有经理、主管和维修负责人可以记录回访。",
            "Only managers, supervisors and maintenance leads record callbacks.",
        ),
        "form.invalid": ("内容有误", "Please check the form"),
        "form.invalid.help": (
            "请按提示修改后重新提交，已填写的内容不会丢失。",
            "Correct what is shown and submit again: nothing you typed is lost.",
        ),
        "phone.back_receipt": ("查看回执", "See the receipt"),
    }
)


# ------------------------------------------------------------------ helpers


def error_page(request: Request, exc: PhoneError, **extra: Any) -> HTMLResponse:
    return render(
        request,
        "phone/error.html",
        status_code=exc.status,
        key=exc.key,
        detail=exc.detail,
        **extra,
    )


def error_json(exc: PhoneError) -> JSONResponse:
    return JSONResponse({"detail": exc.detail, "code": exc.key}, status_code=exc.status)


async def limited_body(request: Request) -> bytes:
    """The request body, refused with 413 as soon as it passes the limit (never buffered
    whole); a 413 ``PhoneError`` is raised as a value for the route to return."""
    from ..config import get_settings

    limit = get_settings().signature_max_bytes * 4 // 3 + BODY_OVERHEAD
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _TooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


class _TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        self.limit = limit


async def body_or_error(request: Request) -> bytes | PhoneError:
    try:
        body = await limited_body(request)
    except _TooLarge as exc:
        return PhoneError(
            413, "form.invalid", f"the submission is larger than {exc.limit} bytes: nothing saved"
        )
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return PhoneError(415, "form.invalid", "send the answer as application/json")
    return body


BodyDep = Annotated[bytes | PhoneError, Depends(body_or_error)]


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


def _signature_of(session: Session, use: FormTokenUse) -> Signature | None:
    return session.exec(select(Signature).where(Signature.token_use_id == use.id)).first()


def _user_or_redirect(request: Request, user: SignedIn | None) -> SignedIn | RedirectResponse:
    return user if user is not None else login_redirect(request)


# ------------------------------------------------------------------ resident


@router.get("/r/{token}", response_class=HTMLResponse)
def resident_page(
    request: Request, token: str, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    try:
        ctx = load_form(session, token, "resident", settings=settings, now=now)
        if ctx.use is not None:
            raise PhoneError(409, "link.used", "this link was already used", ctx.job.ref)
        if ctx.job.state != "active":
            raise PhoneError(409, "job.inactive", f"this repair is {ctx.job.state}")
    except PhoneError as exc:
        receipt = f"/r/{token}/receipt" if exc.key == "link.used" else None
        return error_page(request, exc, receipt_url=receipt)
    return render(
        request,
        "phone/resident.html",
        job=job_view(ctx.job, ctx.estate, full_phone=False),
        token=token,
    )


@router.post("/r/{token}")
def resident_submit(
    token: str, body: BodyDep, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    try:
        if isinstance(body, PhoneError):
            raise body
        ctx = load_form(session, token, "resident", settings=settings, now=now)
        answer = parse_body(ResidentAnswer, body)
        stored = submit_resident(session, ctx, answer, settings=settings, now=now)
    except PhoneError as exc:
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


def _used_resident_link(
    session: Session, token: str, settings: Any, now: Any
) -> tuple[FormContext, Signature]:
    # A used link keeps showing its receipt after the link's signing window has passed.
    ctx = load_form(session, token, "resident", settings=settings, now=now, allow_expired=True)
    signature = _signature_of(session, ctx.use) if ctx.use else None
    if signature is None:
        raise PhoneError(404, "link.not_signed", "nothing was submitted with this link yet")
    return ctx, signature


@router.get("/r/{token}/receipt", response_class=HTMLResponse)
def resident_receipt(
    request: Request, token: str, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    try:
        ctx, signature = _used_resident_link(session, token, settings, now)
    except PhoneError as exc:
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
        ctx, signature = _used_resident_link(session, token, settings, now)
    except PhoneError as exc:
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
    except PhoneError as exc:
        return error_page(request, exc)
    signed_in = _user_or_redirect(request, user)
    if isinstance(signed_in, RedirectResponse):
        return signed_in
    try:
        if ctx.use is not None:
            raise PhoneError(409, "link.used", "this callback was already recorded", ctx.job.ref)
        if signed_in.estate_id != ctx.job.estate_id:
            raise PhoneError(403, "staff.other_estate", "this repair belongs to another estate")
        if signed_in.role not in {r.value for r in d.Role}:
            raise PhoneError(403, "staff.no_role", "your role cannot record callbacks")
        if ctx.job.state != "active":
            raise PhoneError(409, "job.inactive", f"this repair is {ctx.job.state}")
    except PhoneError as exc:
        done = f"/s/{token}/done" if exc.key == "link.used" else None
        fresh = f"/jobs/{ctx.job.ref}/staff" if exc.key == "link.used" else None
        return error_page(request, exc, done_url=done, fresh_url=fresh)
    view = job_view(ctx.job, ctx.estate, full_phone=True)
    earlier = session.exec(
        select(Callback).where(Callback.job_id == ctx.job.id).order_by(col(Callback.done_at))
    ).all()
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
            for cb in earlier
        ],
        pending=pending_resident_signatures(session, ctx.job),
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
        if user is None:
            raise PhoneError(401, "login.required", "sign in again: your draft is kept")
        if isinstance(body, PhoneError):
            raise body
        ctx = load_form(session, token, "staff", settings=settings, now=now, staff_id=user.staff_id)
        answer = parse_body(StaffAnswer, body)
        stored = submit_staff(session, ctx, user, answer, settings=settings, now=now)
    except PhoneError as exc:
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


def _recorded_staff_link(
    session: Session, token: str, user: SignedIn, *, settings: Settings, now: datetime
) -> FormContext:
    """A staff link as its signed-in user used it (expired links still show what was done),
    refused for staff of another estate."""
    ctx = load_form(
        session,
        token,
        "staff",
        settings=settings,
        now=now,
        allow_expired=True,
        staff_id=user.staff_id,
    )
    if user.estate_id != ctx.job.estate_id:
        raise PhoneError(403, "staff.other_estate", "this repair belongs to another estate")
    return ctx


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
        ctx = _recorded_staff_link(session, token, signed_in, settings=settings, now=now)
        if ctx.use is None or ctx.use.callback_id is None:
            raise PhoneError(404, "link.not_signed", "no callback was recorded with this link")
    except PhoneError as exc:
        return error_page(request, exc)
    callback = session.get(Callback, ctx.use.callback_id)
    assert callback is not None
    signature = _signature_of(session, ctx.use)
    tz = d.zone(ctx.estate.timezone)
    from ..models import Rectification

    rect = session.exec(
        select(Rectification).where(Rectification.callback_id == callback.id)
    ).first()
    return render(
        request,
        "phone/staff_done.html",
        job=job_view(ctx.job, ctx.estate, full_phone=True),
        callback=callback,
        done_at=callback.done_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        on_time=d.is_on_time(callback.done_at, ctx.job.deadline),
        rectification=rect,
        signature=signature,
        pdf_url=f"/s/{token}/receipt.pdf" if signature else None,
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
        ctx = _recorded_staff_link(session, token, signed_in, settings=settings, now=now)
        signature = _signature_of(session, ctx.use) if ctx.use else None
        if signature is None:
            raise PhoneError(404, "link.not_signed", "no signature was taken with this link")
    except PhoneError as exc:
        return error_page(request, exc)
    return Response(
        receipt_pdf(session, signature),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="receipt-{ctx.job.id}.pdf"'},
    )


# ------------------------------------------------------------------ forms for signed-in staff


def _staff_job(
    request: Request, session: Session, ref: str, user: SignedIn | None
) -> tuple[Job, Estate] | Response:
    signed_in = _user_or_redirect(request, user)
    if isinstance(signed_in, RedirectResponse):
        return signed_in
    job = session.exec(select(Job).where(Job.ref == ref)).first()
    if job is None:
        return error_page(request, PhoneError(404, "link.no_job", f"job {ref!r} not found"))
    if job.estate_id != signed_in.estate_id:
        return error_page(
            request,
            PhoneError(403, "staff.other_estate", "this repair belongs to another estate"),
        )
    estate = session.get(Estate, job.estate_id)
    assert estate is not None
    return job, estate


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
    found = _staff_job(request, session, ref, user)
    if isinstance(found, Response):
        return found
    job, estate = found
    try:
        page_size = parse_page_size(size)
    except d.InvalidInput as exc:
        return error_page(request, PhoneError(422, "form.invalid", exc.detail))
    return Response(
        form_pdf(job, estate, settings, now, page_size),
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
    found = _staff_job(request, session, ref, user)
    if isinstance(found, Response):
        return found
    job, _estate = found
    url = form_url(settings, "staff", job.ref, now)
    # Same host as this request: the public base URL may differ behind a proxy.
    return RedirectResponse("/s/" + url.rsplit("/", 1)[1], status_code=303)
