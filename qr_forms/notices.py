"""Written rectification notices (整改通知单) as PDF bytes: the single source of the notice's data
(:class:`Notice`), its validation and its A4 and A5-landscape layouts.

The callback rules (回访工作制度) say a problem found at a callback is notified in writing to the
repair worker within 24 hours, and the worker fixes it by a due time. The notice prints the job,
the problem, where it came from, who found it and when, the two due times with the rule, a QR
code the worker scans to acknowledge the notice (or dispute it), and signature lines for the
paper copy. Like the form, a pure function of its arguments, every label from the caller's
:class:`~qr_forms.labels.Labels`; an office prints a day's notices as one PDF.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, get_args

from reportlab.lib.colors import black
from reportlab.lib.units import mm

from .data import FormDataError, NoticeSource, check_aware, check_choice, local_time
from .forms import FormJob, cell, job_footer, job_rows
from .labels import Labels
from .layout import (
    GREY,
    LIGHT,
    PAGE_SIZES,
    SIZES,
    PageSize,
    Pen,
    Sizes,
    details,
    header,
    qr_block,
    render_pages,
    section,
)

__all__ = ["Notice", "render_notice", "render_notices"]

NOTICE_WITHIN: Final = timedelta(hours=24)
"""The rule: a problem is notified to the worker in writing within 24 hours of being found."""

NOTICE_JOB_GRID: Final[tuple[tuple[str, ...], ...]] = (
    ("form.job.ref", "form.job.estate"),
    ("form.job.unit", "form.job.worker"),
    ("form.job.title",),
    ("form.job.completed", "form.job.category"),
)
"""The job cells a notice prints: what the worker needs to find the repair again."""


@dataclass(frozen=True, slots=True)
class Notice:
    """A written rectification notice to the repair worker.

    Attributes:
        job: the repair the problem was found in.
        rectification_id: the rectification's number, printed as the notice's number; > 0.
        source: ``problems`` (problems found at the callback), ``unsatisfied`` (an unsatisfied
            answer) or ``resident`` (the resident's own answer on their phone).
        problem: what was found; any length, wrapped on the page.
        found_by: who found it: the callback staff member's name, or the resident.
        found_at: when it was found; timezone-aware.
        notice_due_at: when the worker must have the notice by, within 24 hours of
            ``found_at``; timezone-aware.
        fix_due_at: when the fix is due, not before ``found_at``; timezone-aware.
        ack_url: the link the worker's QR code carries, to acknowledge the notice or dispute it.

    Times are printed in the job's timezone.

    Raises:
        FormDataError: on construction, if a field is out of range.
    """

    job: FormJob
    rectification_id: int
    source: NoticeSource
    problem: str
    found_by: str
    found_at: datetime
    notice_due_at: datetime
    fix_due_at: datetime
    ack_url: str

    def __post_init__(self) -> None:
        number = self.rectification_id
        if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
            raise FormDataError("rectification_id must be a positive integer")
        check_choice("source", self.source, get_args(NoticeSource))
        if not self.problem.strip():
            raise FormDataError("problem must not be empty")
        check_aware("found_at", self.found_at)
        check_aware("notice_due_at", self.notice_due_at)
        check_aware("fix_due_at", self.fix_due_at)
        if not self.found_at <= self.notice_due_at <= self.found_at + NOTICE_WITHIN:
            raise FormDataError("notice_due_at must be within 24 hours after found_at")
        if self.fix_due_at < self.found_at:
            raise FormDataError("fix_due_at must not be before found_at")
        if not self.ack_url.strip():
            raise FormDataError("ack_url must not be empty")


def render_notice(notice: Notice, *, labels: Labels, page_size: PageSize = "A4") -> bytes:
    """Render one written rectification notice (整改通知单) as a one-page PDF.

    Raises:
        FormDataError: an unknown page size.
        QRDataError: ``ack_url`` too long for a QR code.
        PdfFontError: ``HUIFANG_PDF_FONT`` names an unusable font.
    """
    return render_notices([notice], labels=labels, page_size=page_size)


def render_notices(
    notices: Iterable[Notice], *, labels: Labels, page_size: PageSize = "A4"
) -> bytes:
    """Render many rectification notices into one PDF, one page each, in the order given.

    Args:
        notices: the notices to print, e.g. a day's batch.
        labels: the texts to print, from the caller's catalogue.
        page_size: ``"A4"`` (portrait) or ``"A5-landscape"``.

    Raises:
        FormDataError: no notices, or an unknown page size.
        QRDataError: an ``ack_url`` too long for a QR code.
        PdfFontError: ``HUIFANG_PDF_FONT`` names an unusable font.
    """
    if page_size not in PAGE_SIZES:
        raise FormDataError(f"page_size must be one of {', '.join(PAGE_SIZES)}")
    layout = _notice_a4 if page_size == "A4" else _notice_a5
    pdf, pages = render_pages(
        notices,
        lambda pen, notice: layout(pen, notice, labels),
        size=PAGE_SIZES[page_size],
        title=labels.both("notice.pdf_title"),
        creator=labels.en("app.name"),
    )
    if not pages:
        raise FormDataError("no notices to render")
    return pdf


# --------------------------------------------------------------------------- the notice's blocks


def _header(
    pen: Pen, x: float, top: float, width: float, s: Sizes, notice: Notice, labels: Labels
) -> float:
    """The title with the notice's number and the estate at the right."""
    zh, en = labels.pair("notice.title")
    return header(
        pen,
        x,
        top,
        width,
        s,
        zh,
        en,
        ref_label=f"{labels.both('notice.number')} ",
        ref=str(notice.rectification_id),
        note=notice.job.estate_name,
    )


def _finding_rows(notice: Notice, labels: Labels) -> list[list[tuple[str, str, str]]]:
    """Where the problem came from, who found it and when, as cells for :func:`details`."""
    found_at = local_time(notice.found_at, notice.job.timezone)
    return [
        [cell(labels, "notice.source", labels.both(f"notice.source.{notice.source}"))],
        [
            cell(labels, "notice.found_by", notice.found_by.strip() or "—"),
            cell(labels, "notice.found_at", found_at),
        ],
    ]


def _label_cell(
    pen: Pen,
    x: float,
    top: float,
    width: float,
    height: float,
    s: Sizes,
    label: tuple[str, str],
    *,
    label_width: float,
    label_height: float,
) -> None:
    """A ruled cell with its label in a shaded column at the left, as :func:`details` draws
    them; the label is centred in the top ``label_height`` of the cell."""
    pen.canvas.setFillColor(LIGHT)
    pen.canvas.rect(x, top - height, label_width, height, stroke=0, fill=1)
    pen.box(x, top - height, width, height)
    label_top = top - (label_height - s.text - s.small * 0.95) / 2 + 1
    pen.stacked(x + 3, label_top, *label, s.text * 0.92)


def _problem_box(
    pen: Pen,
    x: float,
    top: float,
    width: float,
    s: Sizes,
    notice: Notice,
    labels: Labels,
    *,
    label_width: float,
    bottom: float,
) -> float:
    """The problem found, as a cell joined to the grid above it (``top`` is that grid's
    :func:`details` return), wrapped to the width and to the room above ``bottom``; at least
    three lines high. A problem too long for the room is printed smaller, and only if even the
    small type is too little does its last line end with an ellipsis."""
    top += 3
    text_x = x + label_width + 4
    text_width = x + width - 4 - text_x
    problem = notice.problem.strip()
    for size in (s.text, s.text * 0.85, s.small):
        leading = size * 1.45
        max_lines = max(1, int((top - bottom - s.row) // leading) + 1)
        lines = pen.wrap(problem, size, text_width, len(problem) + 1)
        if len(lines) <= max_lines:
            break
    else:
        lines = pen.wrap(problem, size, text_width, max_lines)
    height = s.row + (max(3, len(lines)) - 1) * leading
    label = labels.pair("notice.problem")
    _label_cell(pen, x, top, width, height, s, label, label_width=label_width, label_height=s.row)
    # The first line sits where a one-line value of the grid sits.
    first = (s.row - size * 1.2) / 2 + size
    for number, line in enumerate(lines):
        pen.text(text_x, top - first - number * leading, line, size)
    return top - height - 3


def _due_rows(
    pen: Pen,
    x: float,
    top: float,
    width: float,
    s: Sizes,
    notice: Notice,
    labels: Labels,
    *,
    label_width: float,
) -> float:
    """The two due times, each with its rule beside it."""
    height = _due_row_height(s)
    size = s.text * 1.1
    y = top
    for key, when, rule_key in (
        ("notice.notice_due", notice.notice_due_at, "notice.notice_due.rule"),
        ("notice.fix_due", notice.fix_due_at, "notice.fix_due.rule"),
    ):
        label = labels.pair(key)
        _label_cell(
            pen, x, y, width, height, s, label, label_width=label_width, label_height=height
        )
        time_x = x + label_width + 4
        used = pen.text(
            time_x,
            y - height / 2 - size * 0.35,
            local_time(when, notice.job.timezone),
            size,
            bold=True,
        )
        rule_x = time_x + used + 10
        rule_width = x + width - 4 - rule_x
        rule_zh, rule_en = labels.pair(rule_key)
        lines = [(line, s.small, False) for line in pen.wrap(rule_zh, s.small, rule_width, 2)]
        lines += [
            (line, s.small * 0.9, True) for line in pen.wrap(rule_en, s.small * 0.9, rule_width, 2)
        ]
        leading = s.small * 1.3
        base = y - (height - len(lines) * leading) / 2 - s.small
        for number, (line, line_size, grey) in enumerate(lines):
            color = GREY if grey else black
            pen.text(rule_x, base - number * leading, line, line_size, color=color)
        y -= height
    return y - 3


def _due_row_height(s: Sizes) -> float:
    return s.row * 1.3


def _section_height(s: Sizes) -> float:
    """The height :func:`section` takes."""
    return s.section + 2


def _due_block_height(s: Sizes) -> float:
    """The height of the deadlines' section and its two rows."""
    return _section_height(s) + 2 * _due_row_height(s) + 3


def _signature_box(
    pen: Pen,
    x: float,
    top: float,
    width: float,
    height: float,
    s: Sizes,
    key: str,
    labels: Labels,
) -> float:
    """A box to sign in on the paper copy, with its label at the top and a date line."""
    pen.box(x, top - height, width, height)
    pen.label(x + 4, top - s.text - 3, *labels.pair(key), s.text)
    pen.blank(x + 4, top - height + 5, *labels.pair("form.signature.date"), s.small, x + width - 4)
    return top - height - 4


# --------------------------------------------------------------------------- the two layouts


def _notice_a4(pen: Pen, notice: Notice, labels: Labels) -> None:
    s = SIZES["A4"]
    page_width, page_height = PAGE_SIZES["A4"]
    x, width = s.margin, page_width - 2 * s.margin
    label_width = 24 * mm
    qr_size, signature_height = 32 * mm, 26 * mm
    job = notice.job
    y = _header(pen, x, page_height - s.margin, width, s, notice, labels)
    y = section(pen, x, y, width, s, *labels.pair("notice.section.job"))
    rows = job_rows(job, labels, NOTICE_JOB_GRID)
    y = details(pen, x, y, width, s, rows, label_width=label_width)
    y = section(pen, x, y, width, s, *labels.pair("notice.section.problem"))
    y = details(pen, x, y, width, s, _finding_rows(notice, labels), label_width=label_width)
    # The problem takes what the blocks below it leave of the page.
    ack_block = _section_height(s) + 4 + qr_size + 6
    signature_block = _section_height(s) + signature_height + 4
    below = _due_block_height(s) + ack_block + signature_block
    y = _problem_box(
        pen, x, y, width, s, notice, labels, label_width=label_width, bottom=s.margin + below
    )
    y = section(pen, x, y, width, s, *labels.pair("notice.section.due"))
    y = _due_rows(pen, x, y, width, s, notice, labels, label_width=label_width)
    y = section(pen, x, y, width, s, *labels.pair("notice.section.ack"))
    zh, en = labels.pair("notice.qr")
    text_width = width - qr_size - 8
    qr_block(pen, x, y - 4, qr_size, notice.ack_url, zh, en, s, text_width=text_width, beside=True)
    y -= 4 + qr_size + 6
    y = section(pen, x, y, width, s, *labels.pair("notice.section.signatures"))
    half = (width - 8 * mm) / 2
    _signature_box(pen, x, y, half, signature_height, s, "notice.signature.worker", labels)
    issuer_x = x + half + 8 * mm
    _signature_box(pen, issuer_x, y, half, signature_height, s, "notice.signature.issuer", labels)
    job_footer(pen, x, width, s, job, labels)


def _notice_a5(pen: Pen, notice: Notice, labels: Labels) -> None:
    s = SIZES["A5-landscape"]
    page_width, page_height = PAGE_SIZES["A5-landscape"]
    x, width = s.margin, page_width - 2 * s.margin
    label_width = 17 * mm
    job = notice.job
    top = _header(pen, x, page_height - s.margin, width, s, notice, labels)
    left_width = width * 0.63
    right_x = x + left_width + 5 * mm
    right_width = width - left_width - 5 * mm
    # The left column: the job, the problem, the due times.
    y = section(pen, x, top, left_width, s, *labels.pair("notice.section.job"))
    rows = job_rows(job, labels, NOTICE_JOB_GRID)
    y = details(pen, x, y, left_width, s, rows, label_width=label_width)
    y = section(pen, x, y, left_width, s, *labels.pair("notice.section.problem"))
    y = details(pen, x, y, left_width, s, _finding_rows(notice, labels), label_width=label_width)
    below = _due_block_height(s)
    y = _problem_box(
        pen, x, y, left_width, s, notice, labels, label_width=label_width, bottom=s.margin + below
    )
    y = section(pen, x, y, left_width, s, *labels.pair("notice.section.due"))
    _due_rows(pen, x, y, left_width, s, notice, labels, label_width=label_width)
    # The right column: the QR code, the signatures.
    y = section(pen, right_x, top, right_width, s, *labels.pair("notice.section.ack"))
    qr_size = 36 * mm
    zh, en = labels.pair("notice.qr")
    qr_block(
        pen,
        right_x,
        y - 3,
        qr_size,
        notice.ack_url,
        zh,
        en,
        s,
        text_width=right_width,
        beside=False,
    )
    y -= 3 + qr_size + s.text + 1 + 2 * s.small * 1.35 + 6
    y = section(pen, right_x, y, right_width, s, *labels.pair("notice.section.signatures"))
    height = min(26 * mm, (y - s.margin - 4) / 2)
    y = _signature_box(pen, right_x, y, right_width, height, s, "notice.signature.worker", labels)
    _signature_box(pen, right_x, y, right_width, height, s, "notice.signature.issuer", labels)
    job_footer(pen, x, width, s, job, labels)
