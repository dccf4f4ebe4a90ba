"""The phone pages' JSON posts: the body read within a limit and parsed strictly, the signed-in
staff member of a staff link's post, and refusals answered as JSON ``{"detail", "code"}``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlmodel import Session

from .. import domain as d
from ..config import Settings, get_settings
from ..schemas import Strict, validation_detail
from ..usecases.form_links import FormContext, load_form
from ..usecases.signin import SignedIn

# Room for the largest allowed signature (base64) plus strokes and text.
BODY_OVERHEAD = 400_000


def error_json(exc: d.DomainError, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": exc.detail, "code": exc.code, **extra}, status_code=exc.status)


def parse_body(model: type[Strict], body: bytes) -> Any:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise d.InvalidInput(validation_detail(exc.errors())) from None  # type: ignore[arg-type]


async def limited_body(request: Request) -> bytes:
    """The request body, refused with 413 as soon as it passes the limit (never buffered
    whole)."""
    limit = get_settings().signature_max_bytes * 4 // 3 + BODY_OVERHEAD
    too_large = d.TooLarge(f"the submission is larger than {limit} bytes: nothing saved")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def body_or_error(request: Request) -> bytes | d.DomainError:
    """The body, or the refusal as a value for the route to answer with (after sign-in)."""
    try:
        body = await limited_body(request)
    except d.TooLarge as exc:
        return exc
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return d.UnsupportedMedia("send the answer as application/json")
    return body


BodyDep = Annotated[bytes | d.DomainError, Depends(body_or_error)]


def staff_post(
    session: Session,
    token: str,
    body: bytes | d.DomainError,
    settings: Settings,
    now: datetime,
    user: SignedIn | None,
    model: type[Strict],
) -> tuple[SignedIn, FormContext, Any]:
    """What a JSON post to a staff link carries: the signed-in person, the link and the body."""
    if user is None:
        raise d.NotSignedIn("sign in again: your draft is kept", code="login.required")
    if isinstance(body, d.DomainError):
        raise body
    ctx = load_form(session, token, "staff", settings=settings, now=now, staff_id=user.staff_id)
    return user, ctx, parse_body(model, body)
