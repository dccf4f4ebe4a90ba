"""Printable callback forms (维修回访单) and signed receipts (回访确认回执) as PDF bytes.

Everything here is a pure function of its arguments: data in, PDF bytes out, no files, no
database, no clock. Labels are Chinese with English beside them, for offices that employ staff
of either language. The Chinese font is embedded when a TrueType CJK font is available (see
:mod:`qr_forms.fonts`).

The form follows the maintenance callback rules (回访工作制度): the five checklist items, the
three satisfaction levels, the problems found and their written rectification notice within
24 hours, the visited person's signature, and the callback staff member, role and date. Its two
QR codes lead to the staff page (record the callback) and the resident page (confirm and sign).
QR codes are drawn as vector squares, so they stay sharp at any print resolution.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Final, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from .fonts import cjk_font
from .qr import qr_matrix

__all__ = [
    "Category",
    "Role",
    "Satisfaction",
    "Channel",
    "PageSize",
    "PAGE_SIZES",
    "CHECKLIST",
    "FormDataError",
    "FormJob",
    "FormItem",
    "Receipt",
    "mask_phone",
    "signature_sha256",
    "render_callback_form",
    "render_forms",
    "render_receipt",
]

Category = Literal["safety", "leak", "general"]
Role = Literal["manager", "supervisor", "lead"]
Satisfaction = Literal["satisfied", "fairly_satisfied", "unsatisfied"]
Channel = Literal["on_site", "phone"]
PageSize = Literal["A4", "A5-landscape"]

PAGE_SIZES: Final[dict[PageSize, tuple[float, float]]] = {
    "A4": A4,
    "A5-landscape": landscape(A5),
}
"""Page sizes in PDF points (width, height)."""

CHECKLIST: Final[tuple[tuple[str, str], ...]] = (
    ("现场查看维修项目", "Inspect the repaired item on site"),
    ("询问维修人员服务情况", "Ask about the repair worker's service"),
    ("征询改进意见", "Ask for suggestions for improvement"),
    ("核实收费情况", "Verify the charges"),
    ("被回访人签名", "Signature of the person visited"),
)
"""The five items a callback covers (回访工作制度 rule 3), Chinese and English."""

_CATEGORY_LABEL: Final[dict[str, tuple[str, str]]] = {
    "safety": ("安全设施", "Safety facility"),
    "leak": ("漏水", "Water leak"),
    "general": ("一般维修", "General repair"),
}
_ROLE_LABEL: Final[dict[str, tuple[str, str]]] = {
    "manager": ("经理", "Manager"),
    "supervisor": ("主管", "Supervisor"),
    "lead": ("维修负责人", "Maintenance lead"),
}
_SATISFACTION_LABEL: Final[dict[str, tuple[str, str]]] = {
    "satisfied": ("满意", "Satisfied"),
    "fairly_satisfied": ("比较满意", "Fairly satisfied"),
    "unsatisfied": ("不满意", "Unsatisfied"),
}
_CHANNEL_LABEL: Final[dict[str, tuple[str, str]]] = {
    "on_site": ("上门回访", "On site"),
    "phone": ("电话回访", "By phone"),
}
_PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"
_DARK_RUN: Final = re.compile("1+")

_GREY: Final = Color(0.38, 0.38, 0.38)
_LIGHT: Final = Color(0.92, 0.92, 0.92)
_RULE: Final = Color(0.55, 0.55, 0.55)
_ACCENT: Final = Color(0.70, 0.05, 0.05)


class FormDataError(ValueError):
    """The data given for a form or receipt is invalid (naive time, unknown category, ...)."""


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
        _check_choice("category", self.category, get_args(Category))
        _check_choice("assigned_role", self.assigned_role, get_args(Role))
        _check_aware("completed_at", self.completed_at)
        _check_aware("deadline", self.deadline)
        if self.deadline < self.completed_at:
            raise FormDataError("deadline must not be before completed_at")
        try:
            valid_charge = self.charge.is_finite() and self.charge >= 0
        except (AttributeError, InvalidOperation):
            valid_charge = False
        if not valid_charge:
            raise FormDataError("charge must be a finite, non-negative Decimal")
        _zone(self.timezone)


@dataclass(frozen=True, slots=True)
class FormItem:
    """One page of a batch: a job and the two URLs its QR codes carry."""

    job: FormJob
    staff_url: str
    resident_url: str


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

    def __post_init__(self) -> None:
        _check_choice("channel", self.channel, get_args(Channel))
        _check_choice("staff_role", self.staff_role, get_args(Role))
        if self.satisfaction is not None:
            _check_choice("satisfaction", self.satisfaction, get_args(Satisfaction))
        _check_aware("signed_at", self.signed_at)
        if self.channel == "phone" and self.inspected:
            raise FormDataError("a phone callback cannot inspect the repair on site")
        if (self.signature_png is None) == (self.refusal_reason is None):
            raise FormDataError("give either signature_png or refusal_reason, not both or none")
        if self.signature_png is not None and not self.signature_png.startswith(_PNG_MAGIC):
            raise FormDataError("signature_png is not a PNG image")
        if self.refusal_reason is not None and not self.refusal_reason.strip():
            raise FormDataError("refusal_reason must not be blank")

    @property
    def signature_sha256(self) -> str | None:
        """SHA-256 (hex) of the signature PNG, or ``None`` for a refusal."""
        if self.signature_png is None:
            return None
        return signature_sha256(self.signature_png)


def mask_phone(phone: str) -> str:
    """Mask a phone number for print: ``13812345678`` -> ``138****5678``.

    Only digits are kept (spaces, dashes and a ``+86`` prefix are dropped). Eleven-digit mobile
    numbers keep the first 3 and last 4 digits; shorter numbers keep only the last 4 (or fewer);
    an empty string stays empty.
    """
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not digits:
        return ""
    if len(digits) >= 11:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    keep = min(4, len(digits) // 2)
    return "*" * (len(digits) - keep) + digits[len(digits) - keep :]


def signature_sha256(png_bytes: bytes) -> str:
    """Return the SHA-256 of the signature image bytes, as 64 lowercase hex digits."""
    return hashlib.sha256(png_bytes).hexdigest()


def render_callback_form(
    job: FormJob, *, staff_url: str, resident_url: str, page_size: PageSize = "A4"
) -> bytes:
    """Render one job's printable callback form (维修回访单).

    Args:
        job: the job to call back.
        staff_url: URL of the staff page, from ``build_form_url(base, "staff", token)``.
        resident_url: URL of the resident page, from ``build_form_url(base, "resident", ...)``.
        page_size: ``"A4"`` (portrait) or ``"A5-landscape"``.

    Returns:
        A one-page PDF.

    Raises:
        FormDataError: an unknown page size, or an empty URL.
        QRDataError: a URL too long for a QR code.
        PdfFontError: ``HUIFANG_PDF_FONT`` names an unusable font.
    """
    return render_forms([FormItem(job, staff_url, resident_url)], page_size=page_size)


def render_forms(items: Iterable[FormItem], *, page_size: PageSize = "A4") -> bytes:
    """Render many callback forms into one PDF, one page per job, in the order given.

    Raises:
        FormDataError: no items, an unknown page size, or an empty URL.
        QRDataError: a URL too long for a QR code.
        PdfFontError: ``HUIFANG_PDF_FONT`` names an unusable font.
    """
    if page_size not in PAGE_SIZES:
        raise FormDataError(f"page_size must be one of {', '.join(PAGE_SIZES)}")
    layout = _form_a4 if page_size == "A4" else _form_a5
    out = io.BytesIO()
    canvas = _new_canvas(out, PAGE_SIZES[page_size], "维修回访单 Maintenance callback form")
    pages = 0
    for item in items:
        if not item.staff_url or not item.resident_url:
            raise FormDataError(f"job {item.job.ref}: both QR URLs are required")
        pen = _Pen(canvas)
        layout(pen, item)
        pen.finish()
        canvas.showPage()
        pages += 1
    if not pages:
        raise FormDataError("no forms to render")
    canvas.save()
    return out.getvalue()


def render_receipt(receipt: Receipt) -> bytes:
    """Render the signed callback receipt (回访确认回执) as a one-page A4 PDF.

    The receipt shows the job, the callback's answers (satisfaction, checklist, charges,
    channel, staff), the resident's comment, the signature image and the time it was signed,
    and the SHA-256 of the signature PNG, so the printed receipt can be matched to the stored
    image. A refusal to sign is printed with its reason instead of the image.

    Raises:
        FormDataError: the signature PNG cannot be decoded.
        PdfFontError: ``HUIFANG_PDF_FONT`` names an unusable font.
    """
    out = io.BytesIO()
    canvas = _new_canvas(out, A4, "回访确认回执 Callback receipt")
    pen = _Pen(canvas)
    _receipt_a4(pen, receipt)
    pen.finish()
    canvas.showPage()
    canvas.save()
    return out.getvalue()


# --------------------------------------------------------------------------- drawing helpers


def _new_canvas(out: io.BytesIO, size: tuple[float, float], title: str) -> Canvas:
    canvas = Canvas(out, pagesize=size, pageCompression=1, invariant=1)
    canvas.setTitle(title)
    canvas.setCreator("Huifang")
    return canvas


class _Pen:
    """Small drawing vocabulary over a reportlab canvas, in points, y growing upwards."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.font = cjk_font().name
        # Plain text of the page goes into one text object, drawn by finish() on top of the
        # graphics: one font and colour setting per change instead of per string.
        self._text = canvas.beginText()
        self._text_size = 0.0
        self._text_color: Color | None = None

    def finish(self) -> None:
        """Draw the page's pending text; call once per page, before ``showPage``."""
        self.canvas.drawText(self._text)
        self._text = self.canvas.beginText()
        self._text_size = 0.0
        self._text_color = None

    def width(self, text: str, size: float) -> float:
        return float(pdfmetrics.stringWidth(text, self.font, size))

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        *,
        color: Color = black,
        bold: bool = False,
        align: Literal["left", "right", "center"] = "left",
    ) -> float:
        """Draw one line with its baseline at ``y``; return its width."""
        width = self.width(text, size)
        if align == "right":
            x -= width
        elif align == "center":
            x -= width / 2
        if bold:
            # The CJK fonts have no bold face: thicken the outline instead.
            canvas = self.canvas
            canvas.setFont(self.font, size)
            canvas.setFillColor(color)
            canvas.setStrokeColor(color)
            canvas.setLineWidth(size / 30)
            canvas.drawString(x, y, text, mode=2)
            return width
        pending = self._text
        if size != self._text_size:
            pending.setFont(self.font, size)
            self._text_size = size
        if color is not self._text_color:
            pending.setFillColor(color)
            self._text_color = color
        pending.setTextOrigin(x, y)
        pending.textOut(text)
        return width

    def label(self, x: float, y: float, zh: str, en: str, size: float, *, gap: float = 3) -> float:
        """Draw ``zh`` then ``en`` (smaller, grey) on one baseline; return the total width."""
        used = self.text(x, y, zh, size)
        if en:
            used += gap + self.text(x + used + gap, y, en, size * 0.78, color=_GREY)
        return used

    def stacked(self, x: float, top: float, zh: str, en: str, size: float) -> None:
        """Draw ``zh`` with ``en`` below it in small grey, starting at ``top``."""
        self.text(x, top - size, zh, size)
        self.text(x, top - size - size * 0.95, en, size * 0.72, color=_GREY)

    def box(self, x: float, y: float, w: float, h: float, *, fill: Color | None = None) -> None:
        canvas = self.canvas
        canvas.setLineWidth(0.6)
        canvas.setStrokeColor(black)
        if fill is not None:
            canvas.setFillColor(fill)
        canvas.rect(x, y, w, h, stroke=1, fill=0 if fill is None else 1)

    def checkbox(self, x: float, y: float, size: float, *, state: bool | None = None) -> None:
        """An empty box, or one with a tick (``True``) or a cross (``False``)."""
        canvas = self.canvas
        canvas.setLineWidth(0.6)
        canvas.setStrokeColor(black)
        canvas.rect(x, y, size, size, stroke=1, fill=0)
        if state is None:
            return
        canvas.setLineWidth(size / 7)
        path = canvas.beginPath()
        if state:
            path.moveTo(x + size * 0.18, y + size * 0.52)
            path.lineTo(x + size * 0.42, y + size * 0.22)
            path.lineTo(x + size * 0.85, y + size * 0.85)
        else:
            path.moveTo(x + size * 0.22, y + size * 0.22)
            path.lineTo(x + size * 0.78, y + size * 0.78)
            path.moveTo(x + size * 0.22, y + size * 0.78)
            path.lineTo(x + size * 0.78, y + size * 0.22)
        canvas.drawPath(path, stroke=1, fill=0)

    def hline(self, x1: float, x2: float, y: float, *, width: float = 0.5) -> None:
        canvas = self.canvas
        canvas.setLineWidth(width)
        canvas.setStrokeColor(_RULE)
        canvas.line(x1, y, x2, y)

    def blank(self, x: float, y: float, zh: str, en: str, size: float, end: float) -> None:
        """A label followed by a line to write on, up to ``end``."""
        used = self.label(x, y, zh, en, size)
        self.hline(x + used + 3, end, y - 2)

    def wrap(self, text: str, size: float, width: float, max_lines: int) -> list[str]:
        """Break ``text`` into lines no wider than ``width``; CJK breaks anywhere, Latin at
        spaces where it can; an overflowing last line ends with an ellipsis."""
        if "\n" not in text and self.width(text, size) <= width:
            return [text]
        lines: list[str] = []
        for paragraph in text.splitlines() or [""]:
            current = ""
            for char in paragraph:
                if self.width(current + char, size) <= width or not current:
                    current += char
                    continue
                cut = current.rfind(" ") if char.isascii() and char.isalnum() else -1
                if cut > 0 and current[cut + 1 :].isascii():
                    lines.append(current[:cut])
                    current = current[cut + 1 :] + char
                else:
                    lines.append(current)
                    current = "" if char == " " else char
            lines.append(current)
        if len(lines) > max_lines:
            last = lines[max_lines - 1]
            while last and self.width(last + "…", size) > width:
                last = last[:-1]
            lines = [*lines[: max_lines - 1], last + "…"]
        return lines

    def qr(self, x: float, y: float, size: float, data: str) -> None:
        """Draw the QR code for ``data`` as vector squares in a ``size`` square at (x, y),
        quiet zone included.

        The modules are written as one filled path of horizontal runs, in module units under
        a single scaling transform: small integers keep the page stream short and quick to
        write, and a vector code stays sharp at any printer resolution.
        """
        matrix = qr_matrix(data)
        modules = len(matrix) + 8
        step = size / modules
        canvas = self.canvas
        canvas.setFillColor(white)
        canvas.rect(x, y, size, size, stroke=0, fill=1)
        canvas.setFillColor(black)
        runs: list[str] = []
        for r, row in enumerate(matrix):
            line = "".join(["1" if module else "0" for module in row])
            for run in _DARK_RUN.finditer(line):
                runs.append(f"{run.start()} {r} {run.end() - run.start()} 1 re")
        canvas.saveState()
        # Module (0, 0) is the top-left of the code, inside the 4-module quiet zone.
        canvas.transform(step, 0, 0, -step, x + 4 * step, y + size - 4 * step)
        canvas.addLiteral("\n".join(runs) + "\nf")
        canvas.restoreState()


@dataclass(frozen=True, slots=True)
class _Sizes:
    """Type sizes and spacing for one page format, in points."""

    margin: float
    title: float
    text: float
    small: float
    row: float
    section: float
    check_row: float
    checkbox: float


_A4_SIZES: Final = _Sizes(
    margin=15 * mm,
    title=20,
    text=10,
    small=7.5,
    row=8.2 * mm,
    section=7 * mm,
    check_row=9.5 * mm,
    checkbox=3.6 * mm,
)
_A5_SIZES: Final = _Sizes(
    margin=8 * mm,
    title=14,
    text=7.6,
    small=5.8,
    row=6.4 * mm,
    section=5.2 * mm,
    check_row=6.6 * mm,
    checkbox=2.8 * mm,
)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise FormDataError(f"unknown timezone {name!r}") from exc


def _local(moment: datetime, zone_name: str) -> str:
    local = moment.astimezone(_zone(zone_name))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"


def _money(amount: Decimal) -> str:
    return f"¥{amount.quantize(Decimal('0.01')):,}"


def _window_hours(job: FormJob) -> int:
    return round((job.deadline - job.completed_at).total_seconds() / 3600)


def _check_choice(field: str, value: object, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise FormDataError(f"{field} must be one of {', '.join(allowed)}, not {value!r}")


def _check_aware(field: str, value: datetime) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise FormDataError(f"{field} must be a timezone-aware datetime")


def _header(
    pen: _Pen, x: float, top: float, width: float, s: _Sizes, zh: str, en: str, job: FormJob
) -> float:
    """Title block with the job ref at the right; returns the y below it."""
    base = top - s.title
    used = pen.text(x, base, zh, s.title, bold=True)
    pen.text(x + used + 8, base, en, s.text * 1.1, color=_GREY)
    ref_label = "单号 No. "
    ref_width = pen.width(job.ref, s.text * 1.2)
    pen.text(x + width, base, job.ref, s.text * 1.2, bold=True, align="right")
    pen.text(x + width - ref_width - 2, base, ref_label, s.small, color=_GREY, align="right")
    pen.text(x + width, base - s.small * 1.9, job.estate_name, s.small, align="right")
    line_y = base - s.small * 2.8
    pen.canvas.setLineWidth(1.4)
    pen.canvas.setStrokeColor(black)
    pen.canvas.line(x, line_y, x + width, line_y)
    return line_y - s.small


def _section(pen: _Pen, x: float, top: float, width: float, s: _Sizes, zh: str, en: str) -> float:
    """A shaded section bar; returns the y below it."""
    height = s.section
    pen.canvas.setFillColor(_LIGHT)
    pen.canvas.rect(x, top - height, width, height, stroke=0, fill=1)
    pen.label(x + 4, top - height + (height - s.text) / 2 + 1.5, zh, en, s.text)
    return top - height - 2


def _details(
    pen: _Pen,
    x: float,
    top: float,
    width: float,
    s: _Sizes,
    rows: Sequence[Sequence[tuple[str, str, str]]],
    *,
    label_width: float,
) -> float:
    """A ruled grid of (zh label, en label, value) cells, one or two per row."""
    y = top
    for row in rows:
        cell_width = width / len(row)
        value_width = cell_width - label_width - 6
        lines_per_cell = [pen.wrap(value, s.text, value_width, 2) for _, _, value in row]
        height = s.row if max(map(len, lines_per_cell)) == 1 else s.row + s.text * 1.2
        for index, ((zh, en, _), lines) in enumerate(zip(row, lines_per_cell, strict=True)):
            cx = x + index * cell_width
            pen.canvas.setFillColor(_LIGHT)
            pen.canvas.rect(cx, y - height, label_width, height, stroke=0, fill=1)
            pen.box(cx, y - height, cell_width, height)
            label_top = y - (height - s.text - s.small * 0.95) / 2 + 1
            pen.stacked(cx + 3, label_top, zh, en, s.text * 0.92)
            text_top = y - (height - len(lines) * s.text * 1.2) / 2 - s.text
            for number, line in enumerate(lines):
                pen.text(cx + label_width + 4, text_top - number * s.text * 1.2, line, s.text)
        y -= height
    return y - 3


def _job_rows(job: FormJob) -> list[list[tuple[str, str, str]]]:
    category_zh, category_en = _CATEGORY_LABEL[job.category]
    role_zh, role_en = _ROLE_LABEL[job.assigned_role]
    return [
        [("工单号", "Job ref", job.ref), ("小区", "Estate", job.estate_name)],
        [("房号", "Unit", job.unit), ("住户", "Resident", job.resident_name)],
        [("联系电话", "Phone", mask_phone(job.resident_phone)), ("维修人员", "Worker", job.worker)],
        [("维修项目", "Repair item", job.title)],
        [
            ("类别", "Category", f"{category_zh} {category_en}"),
            ("收费", "Charge", _money(job.charge)),
        ],
        [
            ("完成时间", "Completed", _local(job.completed_at, job.timezone)),
            ("回访期限", "Call back by", _local(job.deadline, job.timezone)),
        ],
        [
            ("指定回访人", "Assigned to", f"{role_zh} {role_en}"),
            ("回访时限", "Window", f"{_window_hours(job)} 小时 hours"),
        ],
    ]


def _checklist(pen: _Pen, x: float, top: float, width: float, s: _Sizes, charge: Decimal) -> float:
    """The five items, each with a box to tick and a place for the answer."""
    y = top
    extra_x = x + width * 0.47
    for number, (zh, en) in enumerate(CHECKLIST, start=1):
        row_bottom = y - s.check_row
        pen.checkbox(x + 2, row_bottom + (s.check_row - s.checkbox) / 2, s.checkbox)
        pen.stacked(
            x + s.checkbox + 6,
            y - (s.check_row - s.text * 1.75) / 2 + 1,
            f"{number}. {zh}",
            en,
            s.text,
        )
        base = row_bottom + (s.check_row - s.text) / 2 + 1
        end = x + width
        if number == 1:
            pen.checkbox(extra_x, base - 1, s.checkbox * 0.8)
            note_zh, note_en = "电话回访，无法现场查看", "phone callback: not inspected"
            pen.label(extra_x + s.checkbox + 2, base, note_zh, note_en, s.small)
        elif number == 2:
            pen.blank(extra_x, base, "评价", "Remarks", s.small, end)
        elif number == 3:
            pen.blank(extra_x, base, "意见", "Suggestions", s.small, end)
        elif number == 4:
            used = pen.label(extra_x, base, f"应收 {_money(charge)}", "due", s.small)
            pen.blank(extra_x + used + 8, base, "实收 ¥", "paid", s.small, end)
        else:
            pen.label(extra_x, base, "见下方签名栏", "see the signature box below", s.small)
        pen.hline(x, x + width, row_bottom, width=0.3)
        y = row_bottom
    return y - 3


def _satisfaction(pen: _Pen, x: float, top: float, width: float, s: _Sizes) -> float:
    base = top - s.text - 3
    used = pen.label(x, base, "满意度", "Satisfaction", s.text)
    slot = (width - used - 10) / 3
    for index, key in enumerate(("satisfied", "fairly_satisfied", "unsatisfied")):
        zh, en = _SATISFACTION_LABEL[key]
        bx = x + used + 10 + index * slot
        pen.checkbox(bx, base - 1, s.checkbox)
        pen.label(bx + s.checkbox + 4, base, zh, en, s.text)
    return base - s.text


def _problems(pen: _Pen, x: float, top: float, width: float, s: _Sizes, lines: int) -> float:
    gap = s.text * 2.1
    base = top - s.text - 2
    pen.blank(x, base, "发现问题", "Problems found", s.text, x + width)
    for _ in range(lines - 1):
        base -= gap
        pen.hline(x, x + width, base - 2)
    base -= gap
    used = pen.label(x, base, "整改通知", "Rectification notice", s.text)
    note_zh, note_en = "24小时内书面通知维修人员", "to the worker in writing within 24 h"
    used += 6 + pen.label(x + used + 6, base, note_zh, note_en, s.small)
    pen.blank(x + used + 8, base, "完成", "done", s.small, x + width)
    return base - s.text


def _signature_box(
    pen: _Pen, x: float, top: float, width: float, height: float, s: _Sizes
) -> float:
    pen.box(x, top - height, width, height)
    pen.label(x + 4, top - s.text - 3, "被回访人签名", "Signature of the person visited", s.text)
    pen.text(
        x + 4, top - s.text * 2.3 - 3, "（住户本人或家属 resident or family）", s.small, color=_GREY
    )
    pen.blank(x + 4, top - height + 5, "日期", "Date", s.small, x + width - 4)
    return top - height - 4


def _staff_block(pen: _Pen, x: float, top: float, width: float, s: _Sizes) -> float:
    gap = s.text * 2.3
    base = top - s.text - 3
    pen.blank(x, base, "回访人", "Callback staff", s.text, x + width)
    base -= gap
    for (zh, en), choices in (
        (("职务", "Role"), _ROLE_LABEL),
        (("方式", "Channel"), _CHANNEL_LABEL),
    ):
        used = pen.label(x, base, zh, en, s.text) + 6
        slot = (width - used) / len(choices)
        for index, (choice_zh, choice_en) in enumerate(choices.values()):
            cx = x + used + index * slot
            pen.checkbox(cx, base - 1, s.checkbox * 0.9)
            pen.stacked(
                cx + s.checkbox + 2, base + s.text * 0.9, choice_zh, choice_en, s.text * 0.9
            )
        base -= gap
    pen.blank(x, base, "回访日期", "Callback date", s.text, x + width)
    return base - s.text


def _qr_block(
    pen: _Pen,
    x: float,
    top: float,
    size: float,
    url: str,
    zh: str,
    en: str,
    s: _Sizes,
    *,
    text_width: float,
    beside: bool,
) -> None:
    """A QR code with its label beside it (``beside``) or below it."""
    pen.qr(x, top - size, size, url)
    if beside:
        tx, ty = x + size + 4, top - size * 0.3
    else:
        tx, ty = x, top - size - s.text - 1
    pen.text(tx, ty, zh, s.text, bold=True)
    lines = pen.wrap(en, s.small, text_width, 2)
    for number, line in enumerate(lines):
        pen.text(tx, ty - s.small * 1.35 * (number + 1), line, s.small, color=_GREY)


def _footer(pen: _Pen, x: float, width: float, s: _Sizes, job: FormJob) -> None:
    y = s.margin * 0.55
    pen.hline(x, x + width, y + s.small + 1, width=0.3)
    pen.text(
        x,
        y,
        "回访制度：回访在维修完成后按期限进行；发现问题须24小时内书面通知维修人员整改。",
        s.small * 0.9,
        color=_GREY,
    )
    pen.text(x + width, y, f"Huifang 回访 · {job.ref}", s.small * 0.9, color=_GREY, align="right")


def _form_a4(pen: _Pen, item: FormItem) -> None:
    s = _A4_SIZES
    page_width, page_height = A4
    x, width = s.margin, page_width - 2 * s.margin
    job = item.job
    y = _header(
        pen, x, page_height - s.margin, width, s, "维修回访单", "Maintenance Callback Form", job
    )
    y = _section(pen, x, y, width, s, "一、工单信息", "Job details")
    y = _details(pen, x, y, width, s, _job_rows(job), label_width=24 * mm)
    y = _section(pen, x, y, width, s, "二、回访内容", "Callback checklist")
    y = _checklist(pen, x, y, width, s, job.charge)
    y = _section(pen, x, y, width, s, "三、回访结果", "Result")
    y = _satisfaction(pen, x, y, width, s) - 2
    y = _problems(pen, x, y, width, s, lines=3) - 4
    y = _section(pen, x, y, width, s, "四、签名确认", "Signatures")
    half = (width - 8 * mm) / 2
    _signature_box(pen, x, y, half, 34 * mm, s)
    _staff_block(pen, x + half + 8 * mm, y, half, s)
    y -= 34 * mm + 5 * mm
    qr_size = 34 * mm
    text_width = half - qr_size - 6
    _qr_block(
        pen,
        x,
        y,
        qr_size,
        item.staff_url,
        "工作人员扫码登记",
        "Staff: scan to record this callback",
        s,
        text_width=text_width,
        beside=True,
    )
    _qr_block(
        pen,
        x + half + 8 * mm,
        y,
        qr_size,
        item.resident_url,
        "住户扫码确认签名",
        "Resident: scan to confirm and sign on your phone",
        s,
        text_width=text_width,
        beside=True,
    )
    _footer(pen, x, width, s, job)


def _form_a5(pen: _Pen, item: FormItem) -> None:
    s = _A5_SIZES
    page_width, page_height = landscape(A5)
    x, width = s.margin, page_width - 2 * s.margin
    job = item.job
    y = _header(
        pen, x, page_height - s.margin, width, s, "维修回访单", "Maintenance Callback Form", job
    )
    left_width = width * 0.63
    right_x = x + left_width + 5 * mm
    right_width = width - left_width - 5 * mm
    top = y
    y = _section(pen, x, y, left_width, s, "一、工单信息", "Job details")
    y = _details(pen, x, y, left_width, s, _job_rows(job), label_width=17 * mm)
    y = _section(pen, x, y, left_width, s, "二、回访内容", "Callback checklist")
    y = _checklist(pen, x, y, left_width, s, job.charge)
    y = _satisfaction(pen, x, y, left_width, s) - 1
    _problems(pen, x, y, left_width, s, lines=1)
    qr_size = (right_width - 5 * mm) / 2
    _qr_block(
        pen,
        right_x,
        top,
        qr_size,
        item.staff_url,
        "工作人员扫码登记",
        "Staff: scan to record",
        s,
        text_width=qr_size,
        beside=False,
    )
    _qr_block(
        pen,
        right_x + qr_size + 5 * mm,
        top,
        qr_size,
        item.resident_url,
        "住户扫码确认签名",
        "Resident: scan to sign",
        s,
        text_width=qr_size,
        beside=False,
    )
    y = top - qr_size - s.text * 4.2
    y = _signature_box(pen, right_x, y, right_width, 24 * mm, s)
    _staff_block(pen, right_x, y, right_width, s)
    _footer(pen, x, width, s, job)


def _receipt_a4(pen: _Pen, receipt: Receipt) -> None:
    s = _A4_SIZES
    page_width, page_height = A4
    x, width = s.margin, page_width - 2 * s.margin
    job = receipt.job
    y = _header(pen, x, page_height - s.margin, width, s, "回访确认回执", "Callback Receipt", job)
    y = _section(pen, x, y, width, s, "一、工单", "Job")
    rows = _job_rows(job)[:6]
    y = _details(pen, x, y, width, s, rows, label_width=24 * mm)
    y = _section(pen, x, y, width, s, "二、回访结果", "Callback answers")
    satisfaction = (
        " ".join(_SATISFACTION_LABEL[receipt.satisfaction])
        if receipt.satisfaction is not None
        else "未评价 not given"
    )
    role_zh, role_en = _ROLE_LABEL[receipt.staff_role]
    answers = [
        [
            ("满意度", "Satisfaction", satisfaction),
            ("回访方式", "Channel", " ".join(_CHANNEL_LABEL[receipt.channel])),
        ],
        [("回访人", "Callback staff", receipt.staff), ("职务", "Role", f"{role_zh} {role_en}")],
        [("住户意见", "Comment", receipt.comment or "—")],
        [("发现问题", "Problems", receipt.problems or "无 none")],
    ]
    y = _details(pen, x, y, width, s, answers, label_width=24 * mm)
    y = _section(pen, x, y, width, s, "三、回访内容", "Checklist")
    if receipt.channel == "phone":
        inspected = "电话回访，未现场查看 Phone callback: not inspected on site"
    else:
        inspected = "已现场查看 Inspected on site" if receipt.inspected else "未查看 Not inspected"
    charge = f"应收 due {_money(job.charge)} · " + (
        "住户确认无误 confirmed by the resident"
        if receipt.charge_verified
        else "未确认 not confirmed"
    )
    signed = receipt.signature_png is not None
    states: list[tuple[bool, str]] = [
        (receipt.inspected, inspected),
        (bool(receipt.service_feedback), receipt.service_feedback or "未记录 not recorded"),
        (bool(receipt.suggestions), receipt.suggestions or "未记录 not recorded"),
        (receipt.charge_verified, charge),
        (signed, "已签名 Signed" if signed else "拒绝签名 Refused to sign"),
    ]
    for number, ((zh, en), (state, answer)) in enumerate(zip(CHECKLIST, states, strict=True), 1):
        row_bottom = y - s.check_row
        pen.checkbox(x + 2, row_bottom + (s.check_row - s.checkbox) / 2, s.checkbox, state=state)
        pen.stacked(
            x + s.checkbox + 6,
            y - (s.check_row - s.text * 1.75) / 2 + 1,
            f"{number}. {zh}",
            en,
            s.text,
        )
        answer_x = x + width * 0.42
        lines = pen.wrap(answer, s.text * 0.95, x + width - answer_x, 2)
        first = row_bottom + (s.check_row + (len(lines) - 1) * s.text * 1.15 - s.text) / 2 + 1
        for index, line in enumerate(lines):
            pen.text(answer_x, first - index * s.text * 1.15, line, s.text * 0.95)
        pen.hline(x, x + width, row_bottom, width=0.3)
        y = row_bottom
    y = _section(pen, x, y - 3, width, s, "四、签名", "Signature")
    box_height = 38 * mm
    pen.box(x, y - box_height, width, box_height)
    if receipt.signature_png is not None:
        try:
            image = ImageReader(io.BytesIO(receipt.signature_png))
        except OSError as exc:
            raise FormDataError("signature_png cannot be decoded") from exc
        pen.canvas.drawImage(
            image,
            x + 4,
            y - box_height + 4,
            width - 8,
            box_height - 8,
            mask="auto",
            preserveAspectRatio=True,
            anchor="c",
        )
    else:
        reason = receipt.refusal_reason or ""
        pen.text(
            x + 8,
            y - 12 * mm,
            "住户拒绝签名 The resident refused to sign",
            s.text * 1.2,
            bold=True,
            color=_ACCENT,
        )
        lines = pen.wrap(f"原因 Reason: {reason}", s.text, width - 16, 3)
        for index, line in enumerate(lines):
            pen.text(x + 8, y - 19 * mm - index * s.text * 1.3, line, s.text)
    y -= box_height + s.text + 4
    if receipt.signature_png is not None:
        pen.label(x, y, "签署时间", "Signed at", s.text)
    else:
        pen.label(x, y, "拒签时间", "Refused at", s.text)
    pen.text(x + 36 * mm, y, _local(receipt.signed_at, job.timezone), s.text)
    y -= s.text * 1.8
    pen.label(x, y, "签名图像 SHA-256", "SHA-256 of the signature image", s.text)
    y -= s.text * 1.5
    digest = receipt.signature_sha256
    if digest is None:
        pen.text(x, y, "—（无签名图像 no image）", s.text)
    else:
        pen.canvas.setFillColor(black)
        pen.canvas.setFont("Courier", s.text)
        pen.canvas.drawString(x, y, digest)
    _footer(pen, x, width, s, job)
