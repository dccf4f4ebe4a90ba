"""The drawing engine of every qr_forms document: the single source of the page sizes, the type
sizes, the colours and the drawing vocabulary (:class:`Pen`) over a reportlab canvas.

It knows no document and no text: a document module (callback form, receipt, ...) lays out its
page with these helpers and passes in the strings to draw. Coordinates are PDF points, y growing
upwards. QR codes are drawn as vector squares, so they stay sharp at any print resolution.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal, TypeVar

from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from .fonts import cjk_font, pin_characters
from .furniture import Call, Furniture
from .qr import qr_rows

__all__ = [
    "PageSize",
    "PAGE_SIZES",
    "SIZES",
    "GREY",
    "LIGHT",
    "RULE",
    "ACCENT",
    "Pen",
    "Sizes",
    "new_canvas",
    "render_pages",
    "header",
    "section",
    "details",
    "numbered_item",
    "qr_block",
    "footer",
]

PageSize = Literal["A4", "A5-landscape"]

PAGE_SIZES: Final[dict[PageSize, tuple[float, float]]] = {
    "A4": A4,
    "A5-landscape": landscape(A5),
}
"""Page sizes in PDF points (width, height)."""

GREY: Final = Color(0.38, 0.38, 0.38)
LIGHT: Final = Color(0.92, 0.92, 0.92)
RULE: Final = Color(0.55, 0.55, 0.55)
ACCENT: Final = Color(0.70, 0.05, 0.05)

_DARK_RUN: Final = re.compile(b"\x01+")


@lru_cache(maxsize=4096)
def _string_width(text: str, font: str, size: float) -> float:
    """A string's width in points; the labels are measured once per process, not per page."""
    return float(pdfmetrics.stringWidth(text, font, size))


def new_canvas(out: io.BytesIO, size: tuple[float, float], *, title: str, creator: str) -> Canvas:
    """A compressed canvas whose bytes depend only on what is drawn (no timestamp, no id)."""
    canvas = Canvas(out, pagesize=size, pageCompression=1, invariant=1)
    canvas.setTitle(title)
    canvas.setCreator(creator)
    return canvas


Item = TypeVar("Item")


def render_pages(
    items: Iterable[Item],
    draw: Callable[[Pen, Item], None],
    *,
    size: tuple[float, float],
    title: str,
    creator: str,
    pinned: str = "",
    furniture: bool = False,
) -> tuple[bytes, int]:
    """One PDF of one page per item, each drawn by ``draw``, in the order given: the PDF and
    how many pages it has (the caller refuses an empty batch).

    ``pinned``: the characters every document of this kind prints (its labels), which get
    fixed font codes so that their font subsets are made once per process (see
    :func:`qr_forms.fonts.pin_characters`).

    ``furniture``: ``draw`` marks what depends on the item with :meth:`Pen.values`; the rest
    of each page (labels, boxes, rules) is drawn once per process and shared by the pages
    that have the same (see :mod:`qr_forms.furniture`). Its text should use pinned
    characters only.
    """
    out = io.BytesIO()
    canvas = new_canvas(out, size, title=title, creator=creator)
    pin_characters(canvas._doc, pinned)
    shared = Furniture(canvas, cjk_font().name, pinned) if furniture else None
    pages = 0
    for item in items:
        pen = Pen(canvas, shared)
        draw(pen, item)
        pen.finish()
        canvas.showPage()
        if shared is not None:
            shared.attach()
        pages += 1
    canvas.save()
    return out.getvalue(), pages


class Pen:
    """Small drawing vocabulary over a reportlab canvas, in points, y growing upwards.

    With ``furniture`` (see :func:`render_pages`), what is drawn outside :meth:`values` is the
    page's furniture: recorded, and drawn once per process by :mod:`qr_forms.furniture`. QR
    codes are always drawn at once.
    """

    def __init__(self, canvas: Canvas, furniture: Furniture | None = None) -> None:
        self.canvas = canvas
        self.font = cjk_font().name
        # Plain text of the page goes into one text object, drawn by finish() on top of the
        # graphics: one font and colour setting per change instead of per string.
        self._text = canvas.beginText()
        self._text_size = 0.0
        self._text_color: Color | None = None
        # With furniture, drawing calls outside values() are recorded, not drawn: finish()
        # hands them to the furniture, which draws them once per process.
        self._furniture = furniture
        self._calls: list[Call] = []
        self._recording = furniture is not None

    @contextmanager
    def values(self) -> Iterator[None]:
        """Draw what depends on the page's data (a job's values, and what they move) now,
        not as furniture; without furniture this changes nothing."""
        recording = self._recording
        self._recording = False
        try:
            yield
        finally:
            self._recording = recording

    def finish(self) -> None:
        """Draw the page's pending text; call once per page, before ``showPage``."""
        if self._furniture is not None:
            self._furniture.close_page(self, tuple(self._calls), self._text.getCode())
            self._calls = []
        else:
            self.canvas.drawText(self._text)
        self.restart_text()

    def restart_text(self) -> None:
        """Start the page's pending text afresh (what finish() does after drawing it)."""
        self._text = self.canvas.beginText()
        self._text_size = 0.0
        self._text_color = None

    def width(self, text: str, size: float) -> float:
        return _string_width(text, self.font, size)

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
        if self._recording:
            self._calls.append((Pen._draw_text, (x, y, text, size, color, bold)))
        else:
            self._draw_text(x, y, text, size, color, bold)
        return width

    def _draw_text(
        self, x: float, y: float, text: str, size: float, color: Color, bold: bool
    ) -> None:
        if bold:
            # The CJK fonts have no bold face: thicken the outline instead.
            canvas = self.canvas
            canvas.setFont(self.font, size)
            canvas.setFillColor(color)
            canvas.setStrokeColor(color)
            canvas.setLineWidth(size / 30)
            canvas.drawString(x, y, text, mode=2)
            return
        pending = self._text
        if size != self._text_size:
            pending.setFont(self.font, size)
            self._text_size = size
        if color is not self._text_color:
            pending.setFillColor(color)
            self._text_color = color
        pending.setTextOrigin(x, y)
        # Each string is placed by its own origin, so the text cursor need not advance (textOut
        # would measure the string a second time to advance it).
        pending._textOut(text)

    def label(self, x: float, y: float, zh: str, en: str, size: float, *, gap: float = 3) -> float:
        """Draw ``zh`` then ``en`` (smaller, grey) on one baseline; return the total width."""
        used = self.text(x, y, zh, size)
        if en:
            used += gap + self.text(x + used + gap, y, en, size * 0.78, color=GREY)
        return used

    def stacked(self, x: float, top: float, zh: str, en: str, size: float) -> None:
        """Draw ``zh`` with ``en`` below it in small grey, starting at ``top``."""
        self.text(x, top - size, zh, size)
        self.text(x, top - size - size * 0.95, en, size * 0.72, color=GREY)

    def box(self, x: float, y: float, w: float, h: float, *, fill: Color | None = None) -> None:
        if self._recording:
            self._calls.append((Pen._draw_box, (x, y, w, h, fill)))
        else:
            self._draw_box(x, y, w, h, fill)

    def _draw_box(self, x: float, y: float, w: float, h: float, fill: Color | None) -> None:
        canvas = self.canvas
        canvas.setLineWidth(0.6)
        canvas.setStrokeColor(black)
        if fill is not None:
            canvas.setFillColor(fill)
        canvas.rect(x, y, w, h, stroke=1, fill=0 if fill is None else 1)

    def shade(self, x: float, y: float, w: float, h: float, color: Color = LIGHT) -> None:
        """A filled rectangle without outline (a section bar, a label cell's background)."""
        if self._recording:
            self._calls.append((Pen._draw_shade, (x, y, w, h, color)))
        else:
            self._draw_shade(x, y, w, h, color)

    def _draw_shade(self, x: float, y: float, w: float, h: float, color: Color) -> None:
        self.canvas.setFillColor(color)
        self.canvas.rect(x, y, w, h, stroke=0, fill=1)

    def checkbox(self, x: float, y: float, size: float, *, state: bool | None = None) -> None:
        """An empty box, or one with a tick (``True``) or a cross (``False``)."""
        if self._recording:
            self._calls.append((Pen._draw_checkbox, (x, y, size, state)))
        else:
            self._draw_checkbox(x, y, size, state)

    def _draw_checkbox(self, x: float, y: float, size: float, state: bool | None) -> None:
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

    def hline(
        self, x1: float, x2: float, y: float, *, width: float = 0.5, color: Color = RULE
    ) -> None:
        if self._recording:
            self._calls.append((Pen._draw_hline, (x1, x2, y, width, color)))
        else:
            self._draw_hline(x1, x2, y, width, color)

    def _draw_hline(self, x1: float, x2: float, y: float, width: float, color: Color) -> None:
        canvas = self.canvas
        canvas.setLineWidth(width)
        canvas.setStrokeColor(color)
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
        # Always drawn at once: a code is never furniture.
        rows = qr_rows(data)
        modules = len(rows) + 8
        step = size / modules
        canvas = self.canvas
        canvas.setFillColor(white)
        canvas.rect(x, y, size, size, stroke=0, fill=1)
        canvas.setFillColor(black)
        runs = [
            f"{start} {r} {end - start} 1 re"
            for r, row in enumerate(rows)
            for start, end in (run.span() for run in _DARK_RUN.finditer(row))
        ]
        canvas.saveState()
        # Module (0, 0) is the top-left of the code, inside the 4-module quiet zone.
        canvas.transform(step, 0, 0, -step, x + 4 * step, y + size - 4 * step)
        canvas.addLiteral("\n".join(runs) + "\nf")
        canvas.restoreState()


@dataclass(frozen=True, slots=True)
class Sizes:
    """Type sizes and spacing for one page format, in points."""

    margin: float
    title: float
    text: float
    small: float
    row: float
    section: float
    check_row: float
    checkbox: float


SIZES: Final[dict[PageSize, Sizes]] = {
    "A4": Sizes(
        margin=15 * mm,
        title=20,
        text=10,
        small=7.5,
        row=8.2 * mm,
        section=7 * mm,
        check_row=9.5 * mm,
        checkbox=3.6 * mm,
    ),
    "A5-landscape": Sizes(
        margin=8 * mm,
        title=14,
        text=7.6,
        small=5.8,
        row=6.4 * mm,
        section=5.2 * mm,
        check_row=6.6 * mm,
        checkbox=2.8 * mm,
    ),
}
"""Type sizes and spacing for each page size."""


def header(
    pen: Pen,
    x: float,
    top: float,
    width: float,
    s: Sizes,
    zh: str,
    en: str,
    *,
    ref_label: str,
    ref: str,
    note: str,
) -> float:
    """Title block (``zh`` large, ``en`` beside it) with ``ref`` and ``note`` at the right;
    returns the y below it."""
    base = top - s.title
    used = pen.text(x, base, zh, s.title, bold=True)
    pen.text(x + used + 8, base, en, s.text * 1.1, color=GREY)
    ref_width = pen.width(ref, s.text * 1.2)
    with pen.values():
        pen.text(x + width, base, ref, s.text * 1.2, bold=True, align="right")
        pen.text(x + width - ref_width - 2, base, ref_label, s.small, color=GREY, align="right")
        pen.text(x + width, base - s.small * 1.9, note, s.small, align="right")
    line_y = base - s.small * 2.8
    pen.hline(x, x + width, line_y, width=1.4, color=black)
    return line_y - s.small


def section(pen: Pen, x: float, top: float, width: float, s: Sizes, zh: str, en: str) -> float:
    """A shaded section bar; returns the y below it."""
    height = s.section
    pen.shade(x, top - height, width, height)
    pen.label(x + 4, top - height + (height - s.text) / 2 + 1.5, zh, en, s.text)
    return top - height - 2


def details(
    pen: Pen,
    x: float,
    top: float,
    width: float,
    s: Sizes,
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
            pen.shade(cx, y - height, label_width, height)
            pen.box(cx, y - height, cell_width, height)
            label_top = y - (height - s.text - s.small * 0.95) / 2 + 1
            pen.stacked(cx + 3, label_top, zh, en, s.text * 0.92)
            text_top = y - (height - len(lines) * s.text * 1.2) / 2 - s.text
            with pen.values():
                for number, line in enumerate(lines):
                    pen.text(cx + label_width + 4, text_top - number * s.text * 1.2, line, s.text)
        y -= height
    return y - 3


def numbered_item(
    pen: Pen,
    x: float,
    top: float,
    s: Sizes,
    number: int,
    zh: str,
    en: str,
    *,
    state: bool | None = None,
) -> float:
    """A checklist row's box (empty, ticked or crossed) and its numbered label; returns the
    row's bottom, for the caller to draw the answer beside it and rule the row."""
    row_bottom = top - s.check_row
    pen.checkbox(x + 2, row_bottom + (s.check_row - s.checkbox) / 2, s.checkbox, state=state)
    pen.stacked(
        x + s.checkbox + 6,
        top - (s.check_row - s.text * 1.75) / 2 + 1,
        f"{number}. {zh}",
        en,
        s.text,
    )
    return row_bottom


def qr_block(
    pen: Pen,
    x: float,
    top: float,
    size: float,
    url: str,
    zh: str,
    en: str,
    s: Sizes,
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
        pen.text(tx, ty - s.small * 1.35 * (number + 1), line, s.small, color=GREY)


def footer(pen: Pen, x: float, width: float, s: Sizes, left: str, right: str) -> None:
    """A rule near the bottom of the page, ``left`` under it and ``right`` at its end."""
    y = s.margin * 0.55
    pen.hline(x, x + width, y + s.small + 1, width=0.3)
    pen.text(x, y, left, s.small * 0.9, color=GREY)
    with pen.values():
        pen.text(x + width, y, right, s.small * 0.9, color=GREY, align="right")
