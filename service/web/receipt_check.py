"""``/v/<code>``: the public check behind a signed receipt's QR code.

Anyone holding a receipt (the resident, an auditor, a court) scans its QR code and sees, without
signing in, whether the signature on file still matches what the receipt printed: the check is
a use case (``usecases.receipt_check``); this page only shows its answer, with the resident's
name and unit masked and never the phone. The answer is never cached, by the browser or on the
way: it is true when it is asked.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from .. import domain as d
from ..http.deps import SessionDep, SettingsDep
from ..usecases.receipt_check import check_receipt
from .phone import error_page
from .templating import render

router = APIRouter(include_in_schema=False)

#: The code is the page's only credential: keep it out of other sites' logs and of search engines.
PRIVATE = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}


@router.get("/v/{code}", response_class=HTMLResponse)
def receipt_check_page(
    request: Request, code: str, session: SessionDep, settings: SettingsDep
) -> Response:
    try:
        check = check_receipt(session, settings, code)
    except d.DomainError as exc:
        response = error_page(request, exc)
    else:
        signed_at = check.signed_at.astimezone(d.zone(check.timezone))
        response = render(
            request,
            "phone/receipt_check.html",
            check=check,
            signed_at=signed_at.strftime("%Y-%m-%d %H:%M"),
        )
    response.headers.update(PRIVATE)
    return response
