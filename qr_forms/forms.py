"""Printable callback forms (维修回访单) as PDF bytes: the single source of the form's data
(:class:`FormJob`, :class:`FormItem`) and its validation, and of the A4 and A5-landscape form
layouts.

Everything here is a pure function of its arguments: data in, PDF bytes out, no files, no
database, no clock. Every label comes from the :class:`~qr_forms.labels.Labels` the caller
passes; the page is Chinese with English beside it, for offices that employ staff of either
language. The Chinese font is embedded when a TrueType CJK font is available (see
:mod:`qr_forms.fonts`).

The form follows the maintenance callback rules (回访工作制度): the five checklist items, the
three satisfaction levels, the problems found and their written rectification notice within
24 hours, the visited person's signature, and the callback staff member, role and date. Its two
QR codes lead to the staff page (record the callback) and the resident page (confirm and sign).

The job block, header and footer (:func:`job_rows`, :func:`job_header`, :func:`job_footer`)
serve every document printed for a job (form, receipt, rectification notice); each document
picks the job's cells it prints with a grid of ``form.job.*`` keys (:data:`JOB_GRID` is the
form's).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Final, get_args

from reportlab.lib.units import mm

from .data import (
    Category,
    Channel,
    FormDataError,
    Role,
    Satisfaction,
    check_aware,
    check_choice,
    local_time,
    mask_phone,
    money,
    zone,
)
from .labels import CHECKLIST, FORM_KEYS, VOCABULARY_KEYS, Labels
from .layout import (
    GREY,
    PAGE_SIZES,
    SIZES,
    PageSize,
    Pen,
    Sizes,
    details,
    footer,
    header,
    numbered_item,
    qr_block,
    render_pages,
    section,
)

__all__ = ["FormJob", "FormItem", "render_callback_form", "render_forms"]


@dataclass(frozen=True, slots=True)
class FormJob:
    """One repair job as printed on its callback form.

    Attributes:
        ref: the job reference, unique in the deployment.
        estate_name: the residential estate (小区) name.
        unit: building/unit/room, e.g. ``"3栋2单元1201"``.
        resident_name: the resident (or owner) to visit.
        resident_phone: full number; the form prints it masked (``138****5678``).
        title: what was repaired.
        category: ``safety``, ``leak`` or ``general``.
        worker: the repair worker's name.
        completed_at: when the repair was closed; timezone-aware.
        deadline: the callback deadline; timezone-aware.
        charge: the amount charged to the resident, >= 0.
        assigned_role: ``manager``, ``supervisor`` or ``lead``.
        timezone: the estate's IANA timezone; times are printed in it.

    Raises:
        FormDataError: on construction, if a field is out of range.
    """

    ref: str
    estate_name: str
    unit: str
    resident_name: str
    resident_phone: str
    title: str
    category: Category
    worker: str
    completed_at: datetime
    deadline: datetime
    charge: Decimal
    assigned_role: Role
    timezone: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        if not self.ref:
            raise FormDataError("ref must not be empty")
        check_choice("category", self.category, get_args(Category))
        check_choice("assigned_role", self.assigned_role, get_args(Role))
        check_aware("completed_at", self.completed_at)
        check_aware("deadline", self.deadline)
        if self.deadline < self.completed_at:
            raise FormDataError("deadline must not be before completed_at")
        try:
            valid_charge = self.charge.is_finite() and self.charge >= 0
        except (AttributeError, InvalidOperation):
            valid_charge = False
        if not valid_charge:
            raise FormDataError("charge must be a finite, non-negative Decimal")
        zone(self.timezone)


@dataclass(frozen=True, slots=True)
class FormItem:
    """One page of a batch: a job and the two URLs its QR codes carry."""

    job: FormJob
    staff_url: str
    resident_url: str


def render_callback_form(
    job: FormJob,
    *,
    staff_url: str,
    resident_url: str,
    labels: Labels,
    page_size: PageSize = "A4",
) -> bytes:
    """Render one job's printable callback form (维修回访单).

    Args:
        job: the job to call back.
        staff_url: URL of the staff page, from ``build_form_url(base, "staff", token)``.
        resident_url: URL of the resident page, from ``build_form_url(base, "resident", ...)``.
        labels: the texts to print, from the caller's catalogue.
        page_size: ``"A4"`` (portrait) or ``"A5-landscape"``.

    Returns:
        A one-page PDF.

    Raises:
        FormDataError: an unknown page size, or an empty URL.
        QRDataError: a URL too long for a QR code.
        PdfFontError: ``HUIFANG_PDF_FONT`` names an unusable font.
    """
    return render_forms(
        [FormItem(job, staff_url, resident_url)], labels=labels, page_size=page_size
    )


def render_forms(
    items: Iterable[FormItem],
    *,
    labels: Labels,
    page_size: PageSize = "A4",
    furniture: bool = True,
) -> bytes:
    """Render many callback forms into one PDF, one page per job, in the order given.

    The form's furniture (labels, boxes, rules) is drawn once per process and shared by the
    pages (see :mod:`qr_forms.furniture`); ``furniture=False`` draws every page whole, which
    looks the same and is slower.

    Raises:
        FormDataError: no items, an unknown page size, or an empty URL.
        QRDataError: a URL too long for a QR code.
        PdfFontError: ``HUIFANG_PDF_FONT`` names an unusable font.
    """
    if page_size not in PAGE_SIZES:
        raise FormDataError(f"page_size must be one of {', '.join(PAGE_SIZES)}")
    layout = _form_a4 if page_size == "A4" else _form_a5

    def draw(pen: Pen, item: FormItem) -> None:
        if not item.staff_url or not item.resident_url:
            raise FormDataError(f"job {item.job.ref}: both QR URLs are required")
        layout(pen, item, labels)

    pdf, pages = render_pages(
        items,
        draw,
        size=PAGE_SIZES[page_size],
        title=labels.both("form.pdf_title"),
        creator=labels.en("app.name"),
        pinned=form_characters(labels),
        furniture=furniture,
    )
    if not pages:
        raise FormDataError("no forms to render")
    return pdf


# Characters the form's layout prints around the job's values (money, times, footer).
_LAYOUT_CHARACTERS: Final = "¥…·（）"


@lru_cache(maxsize=8)
def form_characters(labels: Labels) -> str:
    """Every character a callback form prints whatever the job: its labels' and its layout's,
    sorted (the same string for the same labels, for :func:`fonts.pin_characters`)."""
    keys = FORM_KEYS | VOCABULARY_KEYS | frozenset(CHECKLIST)
    texts = [text for key in sorted(keys) for text in labels.pair(key)]
    return "".join(sorted(set("".join(texts) + _LAYOUT_CHARACTERS)))


# --------------------------------------------------------------------------- a job's page


def job_header(
    pen: Pen,
    x: float,
    top: float,
    width: float,
    s: Sizes,
    title_key: str,
    job: FormJob,
    labels: Labels,
) -> float:
    """The document's title with the job ref and estate at the right; returns the y below."""
    zh, en = labels.pair(title_key)
    return header(
        pen,
        x,
        top,
        width,
        s,
        zh,
        en,
        ref_label=f"{labels.both('form.ref')} ",
        ref=job.ref,
        note=job.estate_name,
    )


def cell(labels: Labels, key: str, value: str) -> tuple[str, str, str]:
    """A (zh label, en label, value) cell for :func:`layout.details`."""
    zh, en = labels.pair(key)
    return zh, en, value


JOB_GRID: Final[tuple[tuple[str, ...], ...]] = (
    ("form.job.ref", "form.job.estate"),
    ("form.job.unit", "form.job.resident"),
    ("form.job.phone", "form.job.worker"),
    ("form.job.title",),
    ("form.job.category", "form.job.charge"),
    ("form.job.completed", "form.job.deadline"),
    ("form.job.assigned", "form.job.window"),
)
"""The callback form's job block: rows of ``form.job.*`` keys, one or two cells a row."""


def job_values(job: FormJob, labels: Labels) -> dict[str, str]:
    """The printed value of each ``form.job.*`` cell of the job block."""
    window = f"{_window_hours(job)} {labels.both('form.job.hours')}"
    return {
        "form.job.ref": job.ref,
        "form.job.estate": job.estate_name,
        "form.job.unit": job.unit,
        "form.job.resident": job.resident_name,
        "form.job.phone": mask_phone(job.resident_phone),
        "form.job.worker": job.worker,
        "form.job.title": job.title,
        "form.job.category": labels.both(f"category.{job.category}"),
        "form.job.charge": money(job.charge),
        "form.job.completed": local_time(job.completed_at, job.timezone),
        "form.job.deadline": local_time(job.deadline, job.timezone),
        "form.job.assigned": labels.both(f"role.{job.assigned_role}"),
        "form.job.window": window,
    }


def job_rows(
    job: FormJob, labels: Labels, grid: Sequence[Sequence[str]] = JOB_GRID
) -> list[list[tuple[str, str, str]]]:
    """The job's details laid out as ``grid`` (a document picks its cells; the form's by
    default), as rows of cells for :func:`layout.details`."""
    values = job_values(job, labels)
    return [[cell(labels, key, values[key]) for key in row] for row in grid]


def job_footer(pen: Pen, x: float, width: float, s: Sizes, job: FormJob, labels: Labels) -> None:
    """The callback rule at the left, the product and the job ref at the right."""
    name_zh, name_en = labels.pair("app.name")
    footer(pen, x, width, s, labels.zh("form.footer.rule"), f"{name_en} {name_zh} · {job.ref}")


def _window_hours(job: FormJob) -> int:
    return round((job.deadline - job.completed_at).total_seconds() / 3600)


# --------------------------------------------------------------------------- the form's blocks


def _checklist(
    pen: Pen, x: float, top: float, width: float, s: Sizes, charge: Decimal, labels: Labels
) -> float:
    """The five items, each with a box to tick and a place for the answer."""
    y = top
    extra_x = x + width * 0.47
    for number, key in enumerate(CHECKLIST, start=1):
        zh, en = labels.pair(key)
        row_bottom = numbered_item(pen, x, y, s, number, zh, en)
        base = row_bottom + (s.check_row - s.text) / 2 + 1
        end = x + width
        if number == 1:
            pen.checkbox(extra_x, base - 1, s.checkbox * 0.8)
            note_zh, note_en = labels.pair("form.answer.not_inspected")
            pen.label(extra_x + s.checkbox + 2, base, note_zh, note_en, s.small)
        elif number == 2:
            pen.blank(extra_x, base, *labels.pair("form.answer.remarks"), s.small, end)
        elif number == 3:
            pen.blank(extra_x, base, *labels.pair("form.answer.suggestions"), s.small, end)
        elif number == 4:
            due_zh, due_en = labels.pair("form.charge.due")
            with pen.values():
                used = pen.label(extra_x, base, f"{due_zh} {money(charge)}", due_en, s.small)
                pen.blank(extra_x + used + 8, base, *labels.pair("form.charge.paid"), s.small, end)
        else:
            pen.label(extra_x, base, *labels.pair("form.answer.see_signature"), s.small)
        pen.hline(x, x + width, row_bottom, width=0.3)
        y = row_bottom
    return y - 3


def _satisfaction(pen: Pen, x: float, top: float, width: float, s: Sizes, labels: Labels) -> float:
    base = top - s.text - 3
    used = pen.label(x, base, *labels.pair("form.satisfaction"), s.text)
    choices = get_args(Satisfaction)
    slot = (width - used - 10) / len(choices)
    for index, key in enumerate(choices):
        zh, en = labels.pair(f"satisfaction.{key}")
        bx = x + used + 10 + index * slot
        pen.checkbox(bx, base - 1, s.checkbox)
        pen.label(bx + s.checkbox + 4, base, zh, en, s.text)
    return base - s.text


def _problems(
    pen: Pen, x: float, top: float, width: float, s: Sizes, lines: int, labels: Labels
) -> float:
    gap = s.text * 2.1
    base = top - s.text - 2
    pen.blank(x, base, *labels.pair("form.problems"), s.text, x + width)
    for _ in range(lines - 1):
        base -= gap
        pen.hline(x, x + width, base - 2)
    base -= gap
    used = pen.label(x, base, *labels.pair("form.rectification"), s.text)
    note_zh, note_en = labels.pair("form.rectification.note")
    used += 6 + pen.label(x + used + 6, base, note_zh, note_en, s.small)
    pen.blank(x + used + 8, base, *labels.pair("form.rectification.done"), s.small, x + width)
    return base - s.text


def _signature_box(
    pen: Pen, x: float, top: float, width: float, height: float, s: Sizes, labels: Labels
) -> float:
    pen.box(x, top - height, width, height)
    pen.label(x + 4, top - s.text - 3, *labels.pair("form.checklist.signature"), s.text)
    who = f"（{labels.both('form.signature.who')}）"
    pen.text(x + 4, top - s.text * 2.3 - 3, who, s.small, color=GREY)
    pen.blank(x + 4, top - height + 5, *labels.pair("form.signature.date"), s.small, x + width - 4)
    return top - height - 4


def _staff_block(pen: Pen, x: float, top: float, width: float, s: Sizes, labels: Labels) -> float:
    gap = s.text * 2.3
    base = top - s.text - 3
    pen.blank(x, base, *labels.pair("form.staff"), s.text, x + width)
    base -= gap
    for key, prefix, choices in (
        ("form.role", "role", get_args(Role)),
        ("form.channel", "channel", get_args(Channel)),
    ):
        used = pen.label(x, base, *labels.pair(key), s.text) + 6
        slot = (width - used) / len(choices)
        for index, choice in enumerate(choices):
            choice_zh, choice_en = labels.pair(f"{prefix}.{choice}")
            cx = x + used + index * slot
            pen.checkbox(cx, base - 1, s.checkbox * 0.9)
            pen.stacked(
                cx + s.checkbox + 2, base + s.text * 0.9, choice_zh, choice_en, s.text * 0.9
            )
        base -= gap
    pen.blank(x, base, *labels.pair("form.callback_date"), s.text, x + width)
    return base - s.text


# --------------------------------------------------------------------------- the two layouts


def _form_a4(pen: Pen, item: FormItem, labels: Labels) -> None:
    s = SIZES["A4"]
    page_width, page_height = PAGE_SIZES["A4"]
    x, width = s.margin, page_width - 2 * s.margin
    job = item.job
    y = job_header(pen, x, page_height - s.margin, width, s, "form.title", job, labels)
    y = section(pen, x, y, width, s, *labels.pair("form.section.job"))
    y = details(pen, x, y, width, s, job_rows(job, labels), label_width=24 * mm)
    y = section(pen, x, y, width, s, *labels.pair("form.section.checklist"))
    y = _checklist(pen, x, y, width, s, job.charge, labels)
    y = section(pen, x, y, width, s, *labels.pair("form.section.result"))
    y = _satisfaction(pen, x, y, width, s, labels) - 2
    y = _problems(pen, x, y, width, s, 3, labels) - 4
    y = section(pen, x, y, width, s, *labels.pair("form.section.signatures"))
    half = (width - 8 * mm) / 2
    _signature_box(pen, x, y, half, 34 * mm, s, labels)
    _staff_block(pen, x + half + 8 * mm, y, half, s, labels)
    y -= 34 * mm + 5 * mm
    qr_size = 34 * mm
    text_width = half - qr_size - 6
    for qx, url, key in (
        (x, item.staff_url, "form.qr.staff"),
        (x + half + 8 * mm, item.resident_url, "form.qr.resident"),
    ):
        zh, en = labels.pair(key)
        qr_block(pen, qx, y, qr_size, url, zh, en, s, text_width=text_width, beside=True)
    job_footer(pen, x, width, s, job, labels)


def _form_a5(pen: Pen, item: FormItem, labels: Labels) -> None:
    s = SIZES["A5-landscape"]
    page_width, page_height = PAGE_SIZES["A5-landscape"]
    x, width = s.margin, page_width - 2 * s.margin
    job = item.job
    y = job_header(pen, x, page_height - s.margin, width, s, "form.title", job, labels)
    left_width = width * 0.63
    right_x = x + left_width + 5 * mm
    right_width = width - left_width - 5 * mm
    top = y
    y = section(pen, x, y, left_width, s, *labels.pair("form.section.job"))
    y = details(pen, x, y, left_width, s, job_rows(job, labels), label_width=17 * mm)
    y = section(pen, x, y, left_width, s, *labels.pair("form.section.checklist"))
    y = _checklist(pen, x, y, left_width, s, job.charge, labels)
    y = _satisfaction(pen, x, y, left_width, s, labels) - 1
    _problems(pen, x, y, left_width, s, 1, labels)
    qr_size = (right_width - 5 * mm) / 2
    for qx, url, key in (
        (right_x, item.staff_url, "form.qr.staff.short"),
        (right_x + qr_size + 5 * mm, item.resident_url, "form.qr.resident.short"),
    ):
        zh, en = labels.pair(key)
        qr_block(pen, qx, top, qr_size, url, zh, en, s, text_width=qr_size, beside=False)
    y = top - qr_size - s.text * 4.2
    y = _signature_box(pen, right_x, y, right_width, 24 * mm, s, labels)
    _staff_block(pen, right_x, y, right_width, s, labels)
    job_footer(pen, x, width, s, job, labels)
