"""QR payloads, printable callback forms, signed receipts and rectification notices: data in,
bytes out.

The package knows nothing of the database or the web: the service hands it plain values and
gets back strings (tokens, URLs) and bytes (PNG, SVG, PDF). It holds no text of its own either:
every label a document prints comes from the :class:`Labels` the caller builds from its
catalogue (``key -> (zh_CN, en)``, the keys in ``REQUIRED_KEYS``).

The rooms: :mod:`.payload` (signed tokens), :mod:`.qr` (QR codes), :mod:`.fonts` (the CJK font),
:mod:`.data` (choice types, validation, value formats), :mod:`.labels` (the labels needed),
:mod:`.layout` (the drawing engine), :mod:`.furniture` (what every copy of a form prints, drawn
once per process and shared), and one module per document: :mod:`.forms` (callback
forms), :mod:`.receipts` (signed receipts) and :mod:`.notices` (written rectification notices to
the repair worker, 整改通知单).

Typical use, printing a job's form::

    from qr_forms import FormJob, Labels, build_form_url, make_token, render_callback_form

    labels = Labels(catalogue)  # built once, e.g. service.catalogue.forms.form_labels()
    staff = build_form_url(base, "staff", make_token(secret, purpose="staff", job_ref=job.ref))
    resident = build_form_url(
        base, "resident", make_token(secret, purpose="resident", job_ref=job.ref)
    )
    pdf = render_callback_form(job, staff_url=staff, resident_url=resident, labels=labels)

and on the page behind the link::

    data = read_token(secret, token, purpose="resident", max_age_seconds=14 * 24 * 3600)
"""

from .data import (
    Category,
    Channel,
    FormDataError,
    NoticeSource,
    Role,
    Satisfaction,
    mask_phone,
    signature_sha256,
)
from .fonts import FONT_ENV_VAR, PdfFont, PdfFontError, cjk_font, load_font_file
from .forms import FormItem, FormJob, render_callback_form, render_forms
from .labels import CHECKLIST, REQUIRED_KEYS, Labels, LabelsError
from .layout import PAGE_SIZES, PageSize
from .notices import Notice, render_notice, render_notices
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
from .receipts import Receipt, render_receipt

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
    # labels
    "CHECKLIST",
    "REQUIRED_KEYS",
    "Labels",
    "LabelsError",
    # forms, receipts and notices
    "PAGE_SIZES",
    "Category",
    "Channel",
    "FormDataError",
    "FormItem",
    "FormJob",
    "Notice",
    "NoticeSource",
    "PageSize",
    "Receipt",
    "Role",
    "Satisfaction",
    "mask_phone",
    "render_callback_form",
    "render_forms",
    "render_notice",
    "render_notices",
    "render_receipt",
    "signature_sha256",
    # fonts
    "FONT_ENV_VAR",
    "PdfFont",
    "PdfFontError",
    "cjk_font",
    "load_font_file",
]
