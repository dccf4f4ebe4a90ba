"""Signed callback receipts (回访确认回执) as PDF bytes: the single source of the receipt's data
(:class:`Receipt`), its validation and its A4 layout.

Like the form, a pure function of its arguments, every label from the caller's
:class:`~qr_forms.labels.Labels`. The receipt prints the job, the callback's answers, the
signature image (or the reason for refusing to sign) and the image's SHA-256, so a printed
receipt can be matched to the stored image; and the QR code of the caller's check page, where
anyone holding the receipt can see whether the stored signature still matches it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Final, get_args

from reportlab.lib.colors import black
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader

from .data import (
    PNG_MAGIC,
    Channel,
    FormDataError,
    Role,
    Satisfaction,
    check_aware,
    check_choice,
    local_time,
    money,
    signature_sha256,
)
from .forms import FormJob, cell, job_footer, job_header, job_rows
from .labels import CHECKLIST, Labels
from .layout import (
    ACCENT,
    PAGE_SIZES,
    SIZES,
    Pen,
    Sizes,
    details,
    numbered_item,
    render_pages,
    section,
)

__all__ = ["Receipt", "render_receipt"]

SIGNATURE_BOX: Final = 38 * mm
MIN_SIGNATURE_BOX: Final = 24 * mm
VERIFY_QR: Final = 28 * mm
MONO_ADVANCE: Final = 0.6  # Courier: every character 0.6 em wide


@dataclass(frozen=True, slots=True)
class Receipt:
    """A completed callback, confirmed by the resident's signature or by a refusal to sign.

    Attributes:
        job: the job called back.
        channel: ``on_site`` or ``phone``.
        staff: the callback staff member's name.
        staff_role: ``manager``, ``supervisor`` or ``lead``.
        signed_at: when the resident signed (or refused); timezone-aware.
        satisfaction: ``satisfied``, ``fairly_satisfied``, ``unsatisfied`` or ``None``.
        inspected: checklist 1, the repair was inspected on site (never for a phone callback).
        service_feedback: checklist 2, what the resident said of the worker's service.
        suggestions: checklist 3, suggestions for improvement.
        charge_verified: checklist 4, the resident confirmed the amount charged.
        comment: the resident's own comment.
        problems: problems found; non-empty means a rectification notice is due.
        signature_png: the signature drawn by the resident, as PNG bytes; or ``None``.
        refusal_reason: why the resident refused to sign; or ``None``.
        verify_url: the page that checks the stored signature against this receipt, printed
            as a QR code with the address beside it; or ``None`` (no check page).

    Exactly one of ``signature_png`` and ``refusal_reason`` is given.

    Raises:
        FormDataError: on construction, if a field is out of range.
    """

    job: FormJob
    channel: Channel
    staff: str
    staff_role: Role
    signed_at: datetime
    satisfaction: Satisfaction | None = None
    inspected: bool = False
    service_feedback: str = ""
    suggestions: str = ""
    charge_verified: bool = False
    comment: str = ""
    problems: str = ""
    signature_png: bytes | None = None
    refusal_reason: str | None = None
    verify_url: str | None = None

    def __post_init__(self) -> None:
        check_choice("channel", self.channel, get_args(Channel))
        check_choice("staff_role", self.staff_role, get_args(Role))
        if self.satisfaction is not None:
            check_choice("satisfaction", self.satisfaction, get_args(Satisfaction))
        check_aware("signed_at", self.signed_at)
        if self.channel == "phone" and self.inspected:
            raise FormDataError("a phone callback cannot inspect the repair on site")
        if (self.signature_png is None) == (self.refusal_reason is None):
            raise FormDataError("give either signature_png or refusal_reason, not both or none")
        if self.signature_png is not None and not self.signature_png.startswith(PNG_MAGIC):
            raise FormDataError("signature_png is not a PNG image")
        if self.refusal_reason is not None and not self.refusal_reason.strip():
            raise FormDataError("refusal_reason must not be blank")
        if self.verify_url is not None and (
            not self.verify_url.strip() or not self.verify_url.isprintable()
        ):
            raise FormDataError("verify_url must be a printable, non-blank address")

    @property
    def signature_sha256(self) -> str | None:
        """SHA-256 (hex) of the signature PNG, or ``None`` for a refusal."""
        if self.signature_png is None:
            return None
        return signature_sha256(self.signature_png)


def render_receipt(receipt: Receipt, *, labels: Labels) -> bytes:
    """Render the signed callback receipt (回访确认回执) as a one-page A4 PDF.

    The receipt shows the job, the callback's answers (satisfaction, checklist, charges,
    channel, staff), the resident's comment, the signature image and the time it was signed,
    and the SHA-256 of the signature PNG, so the printed receipt can be matched to the stored
    image. A refusal to sign is printed with its reason instead of the image. The
    ``verify_url`` is printed as a QR code captioned "scan to verify", with the address
    itself in small type.

    Raises:
        FormDataError: the signature PNG cannot be decoded.
        QRDataError: ``verify_url`` too long for a QR code.
        PdfFontError: ``HUIFANG_PDF_FONT`` names an unusable font.
    """
    pdf, _pages = render_pages(
        [receipt],
        lambda pen, item: _receipt_a4(pen, item, labels),
        size=PAGE_SIZES["A4"],
        title=labels.both("receipt.pdf_title"),
        creator=labels.en("app.name"),
    )
    return pdf


def _answers(receipt: Receipt, labels: Labels) -> list[list[tuple[str, str, str]]]:
    """The callback's answers as (zh label, en label, value) cells."""
    if receipt.satisfaction is not None:
        satisfaction = labels.both(f"satisfaction.{receipt.satisfaction}")
    else:
        satisfaction = labels.both("receipt.satisfaction.none")
    problems = receipt.problems or labels.both("receipt.problems.none")
    return [
        [
            cell(labels, "form.satisfaction", satisfaction),
            cell(labels, "receipt.channel", labels.both(f"channel.{receipt.channel}")),
        ],
        [
            cell(labels, "form.staff", receipt.staff),
            cell(labels, "form.role", labels.both(f"role.{receipt.staff_role}")),
        ],
        [cell(labels, "receipt.comment", receipt.comment or "—")],
        [cell(labels, "receipt.problems", problems)],
    ]


def _checklist_states(receipt: Receipt, labels: Labels) -> list[tuple[bool, str]]:
    """For each checklist item: whether it was done, and the answer to print beside it."""
    if receipt.channel == "phone":
        inspected = labels.both("receipt.inspected.phone")
    elif receipt.inspected:
        inspected = labels.both("receipt.inspected.yes")
    else:
        inspected = labels.both("receipt.inspected.no")
    confirmed = labels.both(
        "receipt.charge.confirmed" if receipt.charge_verified else "receipt.charge.unconfirmed"
    )
    charge = f"{labels.both('form.charge.due')} {money(receipt.job.charge)} · {confirmed}"
    not_recorded = labels.both("receipt.not_recorded")
    signed = receipt.signature_png is not None
    return [
        (receipt.inspected, inspected),
        (bool(receipt.service_feedback), receipt.service_feedback or not_recorded),
        (bool(receipt.suggestions), receipt.suggestions or not_recorded),
        (receipt.charge_verified, charge),
        (signed, labels.both("receipt.signed" if signed else "receipt.refused_to_sign")),
    ]


def _receipt_a4(pen: Pen, receipt: Receipt, labels: Labels) -> None:
    s = SIZES["A4"]
    page_width, page_height = PAGE_SIZES["A4"]
    x, width = s.margin, page_width - 2 * s.margin
    job = receipt.job
    y = job_header(pen, x, page_height - s.margin, width, s, "receipt.title", job, labels)
    y = section(pen, x, y, width, s, *labels.pair("receipt.section.job"))
    rows = job_rows(job, labels)[:6]
    y = details(pen, x, y, width, s, rows, label_width=24 * mm)
    y = section(pen, x, y, width, s, *labels.pair("receipt.section.answers"))
    y = details(pen, x, y, width, s, _answers(receipt, labels), label_width=24 * mm)
    y = section(pen, x, y, width, s, *labels.pair("receipt.section.checklist"))
    states = _checklist_states(receipt, labels)
    for number, (key, (state, answer)) in enumerate(zip(CHECKLIST, states, strict=True), 1):
        zh, en = labels.pair(key)
        row_bottom = numbered_item(pen, x, y, s, number, zh, en, state=state)
        answer_x = x + width * 0.42
        lines = pen.wrap(answer, s.text * 0.95, x + width - answer_x, 2)
        first = row_bottom + (s.check_row + (len(lines) - 1) * s.text * 1.15 - s.text) / 2 + 1
        for index, line in enumerate(lines):
            pen.text(answer_x, first - index * s.text * 1.15, line, s.text * 0.95)
        pen.hline(x, x + width, row_bottom, width=0.3)
        y = row_bottom
    y = section(pen, x, y - 3, width, s, *labels.pair("receipt.section.signature"))
    # Long answers push the signature down: its box gives up height before anything below it
    # reaches the footer.
    room = y - _footer_top(s) - (VERIFY_QR + 4)
    box_height = max(MIN_SIGNATURE_BOX, min(SIGNATURE_BOX, room))
    _signature_box(pen, x, y, width, box_height, receipt, labels)
    _evidence(pen, x, y - box_height - s.text - 4, width, receipt, labels)
    job_footer(pen, x, width, s, job, labels)


def _footer_top(s: Sizes) -> float:
    """The top of the footer :func:`layout.footer` draws, with a little air above it."""
    return s.margin * 0.55 + s.small + 1 + 4


def _signature_box(
    pen: Pen,
    x: float,
    top: float,
    width: float,
    height: float,
    receipt: Receipt,
    labels: Labels,
) -> None:
    """The signature image in a box, or the refusal and its reason."""
    s = SIZES["A4"]
    pen.box(x, top - height, width, height)
    if receipt.signature_png is not None:
        try:
            image = ImageReader(io.BytesIO(receipt.signature_png))
        except OSError as exc:
            raise FormDataError("signature_png cannot be decoded") from exc
        pen.canvas.drawImage(
            image,
            x + 4,
            top - height + 4,
            width - 8,
            height - 8,
            mask="auto",
            preserveAspectRatio=True,
            anchor="c",
        )
        return
    reason = receipt.refusal_reason or ""
    refused = labels.both("receipt.refused")
    pen.text(x + 8, top - 12 * mm, refused, s.text * 1.2, bold=True, color=ACCENT)
    lines = pen.wrap(f"{labels.both('receipt.reason')}: {reason}", s.text, width - 16, 3)
    for index, line in enumerate(lines):
        pen.text(x + 8, top - 19 * mm - index * s.text * 1.3, line, s.text)


def _evidence(pen: Pen, x: float, y: float, width: float, receipt: Receipt, labels: Labels) -> None:
    """Under the signature, from the baseline ``y`` down: when it was signed, the image's
    SHA-256 and the check page's address, with the page's QR code at the right."""
    s = SIZES["A4"]
    job = receipt.job
    when = "receipt.signed_at" if receipt.signature_png is not None else "receipt.refused_at"
    pen.label(x, y, *labels.pair(when), s.text)
    pen.text(x + 36 * mm, y, local_time(receipt.signed_at, job.timezone), s.text)
    if receipt.verify_url is not None:
        pen.qr(x + width - VERIFY_QR, y + s.text - VERIFY_QR, VERIFY_QR, receipt.verify_url)
    y -= s.text * 1.8
    pen.label(x, y, *labels.pair("receipt.sha256"), s.text)
    y -= s.text * 1.5
    digest = receipt.signature_sha256
    if digest is None:
        pen.text(x, y, f"—（{labels.both('receipt.no_image')}）", s.text)
    else:
        _mono(pen, x, y, digest, s.text)
    y -= s.text * 1.8
    used = pen.label(x, y, *labels.pair("receipt.verify"), s.text)
    if receipt.verify_url is None:
        pen.text(x + used + 6, y, "—", s.text)
        return
    url_x = x + used + 6
    room = x + width - VERIFY_QR - 4 * mm - url_x
    per_line = max(1, int(room / (MONO_ADVANCE * s.small)))
    url = receipt.verify_url
    for index, start in enumerate(range(0, len(url), per_line)):
        _mono(pen, url_x, y - index * s.small * 1.3, url[start : start + per_line], s.small)


def _mono(pen: Pen, x: float, y: float, text: str, size: float) -> None:
    """Hashes and addresses in Courier: every character told apart, for typing it in."""
    pen.canvas.setFillColor(black)
    pen.canvas.setFont("Courier", size)
    pen.canvas.drawString(x, y, text)
