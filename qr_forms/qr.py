"""QR codes for printed forms: data in, PNG or SVG bytes (or a module matrix) out.

Error correction is level M (15 % of the code can be lost): the right level for a sheet of paper
that gets folded, stained or photographed at an angle, while keeping a typical form URL of about
75 characters in a version-5 code (37 x 37 modules) that a phone reads from arm's length.

The codes are made with the ``qrcode`` library. Its choice of mask pattern (the step that scores
all eight masks, ISO/IEC 18004 section 7.8.3) is replaced by a faster, bit-parallel scorer that
computes the very same penalty figures, so the codes are identical to what ``qrcode`` draws on
its own, about three times faster. This matters when an office prints a day's forms in one batch.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from typing import Final

import qrcode
import qrcode.image.svg
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M
from qrcode.exceptions import DataOverflowError

__all__ = [
    "QRDataError",
    "ERROR_CORRECTION",
    "qr_matrix",
    "make_qr_png",
    "make_qr_svg",
    "make_form_qr",
]

ERROR_CORRECTION: Final = "M"
"""The error-correction level of every code made here."""

_DEFAULT_BOX_SIZE: Final = 10
_QUIET_ZONE: Final = 4


class QRDataError(ValueError):
    """The data cannot be put in a QR code: empty, or too long for the largest version."""


class _FastMaskQRCode(qrcode.QRCode):
    """``qrcode.QRCode`` with a faster mask choice that gives the same choice.

    ``qrcode`` lays the whole matrix out eight times and scores each with nested Python loops.
    Here the matrix is laid out once; every other mask is one XOR per row on the data modules,
    and the four penalty rules are scored with integer bit operations and regular expressions.
    """

    def make(self, fit: bool = True) -> None:
        if fit or self.version is None:
            self.best_fit(start=self.version)
        if self.mask_pattern is not None:
            self.makeImpl(False, self.mask_pattern)
            return
        pattern, rows = self._choose_mask()
        width = f"0{self.modules_count}b"
        self.modules = [[bit == "1" for bit in format(row, width)] for row in rows]
        # The chosen rows were scored in test mode (format and version areas light); write the
        # real format and version information as makeImpl(False, pattern) would.
        self.setup_type_info(False, pattern)
        if self.version >= 7:
            self.setup_type_number(False)

    def best_mask_pattern(self) -> int:
        return self._choose_mask()[0]

    def _choose_mask(self) -> tuple[int, list[int]]:
        """Return the best mask pattern and the rows (as integers) it gives in test mode."""
        self.makeImpl(True, 0)
        size = self.modules_count
        masks = _mask_rows(self.version)
        unmasked = [
            _row_to_int(row) ^ mask0 for row, mask0 in zip(self.modules, masks[0], strict=True)
        ]
        best: tuple[int, list[int]] = (0, unmasked)
        best_penalty = -1
        for pattern in range(8):
            rows = [value ^ mask for value, mask in zip(unmasked, masks[pattern], strict=True)]
            penalty = _penalty(rows, size)
            if best_penalty < 0 or penalty < best_penalty:
                best, best_penalty = (pattern, rows), penalty
        return best


def _row_to_int(row: Sequence[bool | None]) -> int:
    return int("".join(["1" if module else "0" for module in row]), 2)


@cache
def _mask_rows(version: int) -> tuple[tuple[int, ...], ...]:
    """For each mask pattern, per row, the bits the mask flips (data modules only)."""
    layout = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_M)
    size = version * 4 + 17
    layout.modules_count = size
    layout.modules = [[None] * size for _ in range(size)]
    layout.setup_position_probe_pattern(0, 0)
    layout.setup_position_probe_pattern(size - 7, 0)
    layout.setup_position_probe_pattern(0, size - 7)
    layout.setup_position_adjust_pattern()
    layout.setup_timing_pattern()
    layout.setup_type_info(True, 0)
    if version >= 7:
        layout.setup_type_number(True)
    masks = []
    for pattern in range(8):
        flips = qrcode.util.mask_func(pattern)
        masks.append(
            tuple(
                _row_to_int([layout.modules[r][c] is None and flips(r, c) for c in range(size)])
                for r in range(size)
            )
        )
    return tuple(masks)


def _penalty(rows: list[int], size: int) -> int:
    """The ISO/IEC 18004 mask penalty, exactly as ``qrcode.util.lost_point`` scores it.

    ``rows`` holds one integer per row, one bit per module (1 is dark).
    """
    width = f"0{size}b"
    row_text = [format(row, width) for row in rows]
    column_text = ["".join(column) for column in zip(*row_text, strict=True)]
    columns = [int(text, 2) for text in column_text]
    adjacent = (1 << (size - 1)) - 1
    score = 0
    # Rule 1: a run of L >= 5 same-coloured modules scores L - 2, which is the number of
    # five-module windows inside it (L - 4) plus 2 for the window that starts it.
    for line in (*rows, *columns):
        equal_next = ~(line ^ (line >> 1)) & adjacent
        window = equal_next & (equal_next >> 1) & (equal_next >> 2) & (equal_next >> 3)
        if window:
            score += window.bit_count() + 2 * (window & ~(equal_next << 1)).bit_count()
    # Rule 2: every 2 x 2 block of one colour scores 3.
    full = (1 << size) - 1
    blocks = 0
    for upper, lower in zip(rows, rows[1:], strict=False):
        same = ~(upper ^ lower) & full
        blocks += (same & (same >> 1) & ~(upper ^ (upper >> 1)) & adjacent).bit_count()
    score += 3 * blocks
    # Rule 3: 1:1:3:1:1 finder look-alikes with four light modules on one side score 40.
    # Neither pattern can overlap itself, so str.count finds every occurrence; the separator
    # keeps a pattern from spanning two lines.
    text = " ".join(row_text + column_text)
    score += 40 * (text.count("10111010000") + text.count("00001011101"))
    # Rule 4: 10 for every 5 % the dark share departs from half.
    dark = sum(row.bit_count() for row in rows)
    score += int(abs(float(dark) / (size**2) * 100 - 50) / 5) * 10
    return score


def _build(
    data: str, *, box_size: int = _DEFAULT_BOX_SIZE, border: int = _QUIET_ZONE
) -> _FastMaskQRCode:
    if not data:
        raise QRDataError("QR data must not be empty")
    if box_size < 1:
        raise ValueError("box_size must be at least 1")
    if border < 0:
        raise ValueError("border must not be negative")
    code = _FastMaskQRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(data)
    try:
        code.make(fit=True)
    except DataOverflowError as exc:
        raise QRDataError(f"{len(data)} characters do not fit in a QR code") from exc
    return code


def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    """Return the QR code for ``data`` as rows of modules (``True`` is dark), without border.

    This is the form a renderer uses to draw the code itself, e.g. as vector squares in a PDF.

    Raises:
        QRDataError: ``data`` is empty or too long.
    """
    code = _build(data)
    return tuple(tuple(bool(module) for module in row) for row in code.modules)


def make_qr_png(
    data: str, *, box_size: int = _DEFAULT_BOX_SIZE, border: int = _QUIET_ZONE
) -> bytes:
    """Return a black-on-white PNG of the QR code for ``data``.

    Args:
        data: the text to encode, usually a form URL from ``build_form_url``.
        box_size: pixels per module (>= 1).
        border: quiet zone in modules; the standard asks for 4, less may not scan.

    Returns:
        PNG bytes, a 1-bit image of ``(modules + 2 * border) * box_size`` pixels square.

    Raises:
        QRDataError: ``data`` is empty or too long.
        ValueError: ``box_size`` below 1 or a negative ``border``.
    """
    code = _build(data, box_size=box_size, border=border)
    matrix = code.get_matrix()
    side = len(matrix)
    # One byte per module, then a nearest-neighbour enlargement: far cheaper than drawing
    # every module as a rectangle.
    pixels = bytes(0 if module else 255 for row in matrix for module in row)
    image = Image.frombytes("L", (side, side), pixels).convert("1")
    if box_size != 1:
        image = image.resize((side * box_size, side * box_size), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def make_qr_svg(data: str, *, border: int = _QUIET_ZONE) -> bytes:
    """Return an SVG (one path, sized in millimetres) of the QR code for ``data``.

    Raises:
        QRDataError: ``data`` is empty or too long.
        ValueError: a negative ``border``.
    """
    code = _build(data, border=border)
    image = code.make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def make_form_qr(url: str) -> bytes:
    """Shortcut: the PNG for a form URL, 10 pixels per module with the standard quiet zone."""
    return make_qr_png(url)
