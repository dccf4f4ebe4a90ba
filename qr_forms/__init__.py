"""QR payloads, printable callback forms and signed receipts: data in, bytes out.

The package knows nothing of the database or the web: the service hands it plain values and
gets back strings (tokens, URLs) and bytes (PNG, SVG, PDF).

Typical use, printing a job's form::

    from qr_forms import FormJob, build_form_url, make_token, render_callback_form

    staff = build_form_url(base, "staff", make_token(secret, purpose="staff", job_ref=job.ref))
    resident = build_form_url(
        base, "resident", make_token(secret, purpose="resident", job_ref=job.ref)
    )
    pdf = render_callback_form(job, staff_url=staff, resident_url=resident)

and on the page behind the link::

    data = read_token(secret, token, purpose="resident", max_age_seconds=14 * 24 * 3600)
"""

from .fonts import FONT_ENV_VAR, PdfFont, PdfFontError, cjk_font, load_font_file
from .forms import (
    CHECKLIST,
    PAGE_SIZES,
    Category,
    Channel,
    FormDataError,
    FormItem,
    FormJob,
    PageSize,
    Receipt,
    Role,
    Satisfaction,
    mask_phone,
    render_callback_form,
    render_forms,
    render_receipt,
    signature_sha256,
)
from .payload import (
    PURPOSES,
    Purpose,
    TokenData,
    TokenError,
    TokenExpired,
    TokenInvalid,
    TokenWrongPurpose,
    build_form_url,
    make_token,
    new_nonce,
    read_token,
)
from .qr import ERROR_CORRECTION, QRDataError, make_form_qr, make_qr_png, make_qr_svg, qr_matrix

__all__ = [
    # payload
    "PURPOSES",
    "Purpose",
    "TokenData",
    "TokenError",
    "TokenExpired",
    "TokenInvalid",
    "TokenWrongPurpose",
    "build_form_url",
    "make_token",
    "new_nonce",
    "read_token",
    # qr
    "ERROR_CORRECTION",
    "QRDataError",
    "make_form_qr",
    "make_qr_png",
    "make_qr_svg",
    "qr_matrix",
    # pdf
    "CHECKLIST",
    "PAGE_SIZES",
    "Category",
    "Channel",
    "FormDataError",
    "FormItem",
    "FormJob",
    "PageSize",
    "Receipt",
    "Role",
    "Satisfaction",
    "mask_phone",
    "render_callback_form",
    "render_forms",
    "render_receipt",
    "signature_sha256",
    # fonts
    "FONT_ENV_VAR",
    "PdfFont",
    "PdfFontError",
    "cjk_font",
    "load_font_file",
]
