"""QR codes for printed forms: data in, PNG or SVG bytes (or a module matrix) out.

Error correction is level M (15 % of the code can be lost): the right level for a sheet of paper
that gets folded, stained or photographed at an angle, while keeping a typical form URL of about
75 characters in a version-5 code (37 x 37 modules) that a phone reads from arm's length.

The codes are made with the ``qrcode`` library. Its choice of mask pattern (the step that scores
all eight masks, ISO/IEC 18004 section 7.8.3) is replaced by a faster, bit-parallel scorer that
computes the very same penalty figures, so the codes are identical to what ``qrcode`` draws on
its own, about ten times faster. This matters when an office prints a day's forms in one batch.
"""

from __future__ import annotations

import io
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

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
    """``qrcode.QRCode`` that computes the same matrix faster.

    ``qrcode`` writes bits one at a time into lists, lays the whole matrix out nine times (once
    per mask, then the winner) and scores each with nested loops. Here the codewords are packed
    into integers, the data modules are placed once along a per-version path cached on first
    use, each mask is one XOR per row, and the four penalty rules are scored with integer bit
    operations. Equality with ``qrcode``'s own output is checked by the test suite.
    """

    def best_fit(self, start: int | None = None) -> int:
        if start is None:
            start = 1
        qrcode.util.check_version(start)
        mode_sizes = qrcode.util.mode_sizes_for_version(start)
        bits = _BitWriter()
        for chunk in self.data_list:
            bits.put(chunk.mode, 4)
            bits.put(len(chunk), mode_sizes[chunk.mode])
            chunk.write(bits)
        limits = qrcode.util.BIT_LIMIT_TABLE[self.error_correction]
        version = bisect_left(limits, len(bits), start)
        if version == 41:
            raise DataOverflowError()
        self.version = version
        if mode_sizes is not qrcode.util.mode_sizes_for_version(self.version):
            self.best_fit(start=self.version)
        return int(self.version)

    def make(self, fit: bool = True) -> None:
        if fit or self.version is None:
            self.best_fit(start=self.version)
        if self.mask_pattern is not None:
            self.data_cache = _codewords(self.version, self.error_correction, self.data_list)
            self.makeImpl(False, self.mask_pattern)
            return
        self.modules_count = size = self.version * 4 + 17
        width = f"0{size}b"
        self.modules = [[bit == "1" for bit in format(row, width)] for row in self.final_rows()]

    def final_rows(self) -> list[int]:
        """The finished code, one integer per row of modules (the leftmost module is the most
        significant bit, 1 is dark): what ``make`` lays out, with no list per row."""
        self.data_cache = _codewords(self.version, self.error_correction, self.data_list)
        pattern, rows = self._choose_mask()
        # The rows were scored in test mode (format and version areas light); add the real
        # format and version information, as makeImpl(False, pattern) writes it.
        info = _info_rows(self.version, self.error_correction, pattern)
        return [row | extra for row, extra in zip(rows, info, strict=True)]

    def best_mask_pattern(self) -> int:
        return self._choose_mask()[0]

    def _choose_mask(self) -> tuple[int, list[int]]:
        """Return the best mask pattern and the rows (as integers) it gives in test mode."""
        layout = _layout(self.version)
        codewords = self.data_cache
        rows = list(layout.function_rows)
        stream = format(int.from_bytes(bytes(codewords), "big"), f"0{len(codewords) * 8}b")
        for placed, bit in zip(layout.data_path, stream, strict=False):
            if bit == "1":
                row, column_bit = placed
                rows[row] |= column_bit
        size = layout.size
        width = f"0{size}b"
        row_text = [format(row, width) for row in rows]
        by_rows = int("".join(row_text), 2)
        by_columns = int("".join(["".join(column) for column in zip(*row_text, strict=True)]), 2)
        best_pattern, best_penalty = 0, -1
        for pattern in range(8):
            penalty = _penalty(
                by_rows ^ layout.row_masks[pattern],
                by_columns ^ layout.column_masks[pattern],
                layout,
            )
            if best_penalty < 0 or penalty < best_penalty:
                best_pattern, best_penalty = pattern, penalty
        masked = format(by_rows ^ layout.row_masks[best_pattern], f"0{size * size}b")
        return best_pattern, [int(masked[i : i + size], 2) for i in range(0, size * size, size)]


class _BitWriter:
    """The part of ``qrcode.util.BitBuffer`` that ``QRData.write`` uses, kept in one int."""

    def __init__(self) -> None:
        self.value = 0
        self.length = 0

    def put(self, num: int, length: int) -> None:
        self.value = (self.value << length) | (num & ((1 << length) - 1))
        self.length += length

    def put_bit(self, bit: bool) -> None:
        self.put(1 if bit else 0, 1)

    def __len__(self) -> int:
        return self.length


def _codewords(version: int, error_correction: int, data_list: Sequence[Any]) -> list[int]:
    """Data and error-correction codewords, interleaved: ``qrcode.util.create_data`` with
    integer bit packing and table-driven Reed-Solomon instead of per-bit lists."""
    bits = _BitWriter()
    for chunk in data_list:
        bits.put(chunk.mode, 4)
        bits.put(len(chunk), qrcode.util.length_in_bits(chunk.mode, version))
        chunk.write(bits)
    blocks = qrcode.base.rs_blocks(version, error_correction)
    bit_limit = sum(block.data_count * 8 for block in blocks)
    if len(bits) > bit_limit:
        raise DataOverflowError(f"{len(bits)} bits do not fit in {bit_limit}")
    bits.put(0, min(bit_limit - len(bits), 4))  # terminator
    bits.put(0, -len(bits) % 8)
    data = list(bits.value.to_bytes(len(bits) // 8, "big"))
    data += [0xEC, 0x11] * ((bit_limit // 8 - len(data)) // 2 + 1)
    del data[bit_limit // 8 :]
    data_blocks: list[list[int]] = []
    ec_blocks: list[list[int]] = []
    offset = 0
    for block in blocks:
        block_data = data[offset : offset + block.data_count]
        offset += block.data_count
        data_blocks.append(block_data)
        ec_blocks.append(_rs_remainder(block_data, block.total_count - block.data_count))
    interleaved = [
        codeword
        for i in range(max(map(len, data_blocks)))
        for codeword in (b[i] for b in data_blocks if i < len(b))
    ]
    interleaved += [
        codeword
        for i in range(max(map(len, ec_blocks)))
        for codeword in (b[i] for b in ec_blocks if i < len(b))
    ]
    return interleaved


def _gf_tables() -> tuple[list[int], list[int]]:
    exp = [0] * 512
    log = [0] * 256
    value = 1
    for power in range(255):
        exp[power] = value
        log[value] = power
        value <<= 1
        if value & 0x100:
            value ^= 0x11D  # x^8 + x^4 + x^3 + x^2 + 1, the QR code field
    for power in range(255, 512):
        exp[power] = exp[power - 255]
    return exp, log


_GF_EXP, _GF_LOG = _gf_tables()


@cache
def _rs_products(ec_count: int) -> tuple[tuple[int, ...], ...]:
    """For every byte value f, f times the generator polynomial's coefficients (after x^n)."""
    generator = [1]
    for i in range(ec_count):
        # multiply by (x - a^i); in GF(2^8) minus is plus
        nxt = [*generator, 0]
        for j, coefficient in enumerate(generator):
            if coefficient:
                nxt[j + 1] ^= _GF_EXP[_GF_LOG[coefficient] + i]
        generator = nxt
    tail = generator[1:]
    return tuple(
        tuple(_GF_EXP[_GF_LOG[f] + _GF_LOG[g]] if f and g else 0 for g in tail) for f in range(256)
    )


@cache
def _rs_products_packed(ec_count: int) -> tuple[int, ...]:
    """:func:`_rs_products` with each row packed into one integer, first coefficient highest."""
    return tuple(int.from_bytes(bytes(row), "big") for row in _rs_products(ec_count))


def _rs_remainder(data: list[int], ec_count: int) -> list[int]:
    """The error-correction codewords of one block: the remainder of the polynomial division,
    the remainder's ``ec_count`` bytes kept in one integer (a shift and an XOR per byte)."""
    products = _rs_products_packed(ec_count)
    shift = 8 * (ec_count - 1)
    keep = (1 << shift) - 1
    remainder = 0
    for byte in data:
        factor = byte ^ (remainder >> shift)
        remainder = ((remainder & keep) << 8) ^ products[factor]
    return list(remainder.to_bytes(ec_count, "big"))


@cache
def _info_rows(version: int, error_correction: int, pattern: int) -> tuple[int, ...]:
    """The dark modules of the format (and, from version 7, version) information of a code
    with this mask pattern, one integer per row."""
    size = version * 4 + 17
    template = qrcode.QRCode(version=version, error_correction=error_correction)
    template.modules_count = size
    template.modules = [[None] * size for _ in range(size)]
    template.setup_type_info(False, pattern)
    if version >= 7:
        template.setup_type_number(False)
    return tuple(_row_to_int(line) for line in template.modules)


def _row_to_int(row: Sequence[bool | None]) -> int:
    return int("".join(["1" if module else "0" for module in row]), 2)


@dataclass(frozen=True, slots=True)
class _Layout:
    """What does not depend on the data, for one version.

    A whole matrix is held as one integer, row after row (``row_masks``) or column after
    column (``column_masks``), so that a mask is one XOR and each penalty rule a handful of
    integer operations on all modules at once.

    Attributes:
        size: modules per side.
        function_rows: finder, timing and alignment patterns per row, format areas light.
        data_path: (row, column bit) of each data module, in placement order.
        row_masks: for each of the 8 mask patterns, the data modules it flips, row-major.
        column_masks: the same, column-major.
        in_row: bits whose next bit is in the same line (row or column).
        has_below: bits whose line has a next line.
        pattern_fits: bits where an 11-module pattern fits within the line.
    """

    size: int
    function_rows: tuple[int, ...]
    data_path: tuple[tuple[int, int], ...]
    row_masks: tuple[int, ...]
    column_masks: tuple[int, ...]
    in_row: int
    has_below: int
    pattern_fits: int


@cache
def _layout(version: int) -> _Layout:
    size = version * 4 + 17
    template = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_M)
    template.modules_count = size
    template.modules = [[None] * size for _ in range(size)]
    template.setup_position_probe_pattern(0, 0)
    template.setup_position_probe_pattern(size - 7, 0)
    template.setup_position_probe_pattern(0, size - 7)
    template.setup_position_adjust_pattern()
    template.setup_timing_pattern()
    template.setup_type_info(True, 0)
    if version >= 7:
        template.setup_type_number(True)
    cells = template.modules
    # The same zig-zag as qrcode's map_data: column pairs from the right, skipping the
    # vertical timing pattern, alternately upwards and downwards.
    path: list[tuple[int, int]] = []
    row, step = size - 1, -1
    for column in range(size - 1, 0, -2):
        if column <= 6:
            column -= 1
        while True:
            for c in (column, column - 1):
                if cells[row][c] is None:
                    path.append((row, 1 << (size - 1 - c)))
            row += step
            if row < 0 or row >= size:
                row -= step
                step = -step
                break
    row_masks = []
    column_masks = []
    for pattern in range(8):
        flips = qrcode.util.mask_func(pattern)
        flipped = [[cells[r][c] is None and flips(r, c) for c in range(size)] for r in range(size)]
        row_masks.append(_row_to_int([m for line in flipped for m in line]))
        column_masks.append(_row_to_int([flipped[r][c] for c in range(size) for r in range(size)]))
    # Bit p holds line p // size, position p % size (counted from the line's far end).
    positions = range(size * size)
    return _Layout(
        size=size,
        function_rows=tuple(_row_to_int(line) for line in cells),
        data_path=tuple(path),
        row_masks=tuple(row_masks),
        column_masks=tuple(column_masks),
        in_row=sum(1 << p for p in positions if p % size != size - 1),
        has_below=sum(1 << p for p in positions if p < size * (size - 1)),
        pattern_fits=sum(1 << p for p in positions if p % size <= size - 11),
    )


# 1:1:3:1:1 finder look-alikes with four light modules on one side, and the mirror image.
_FINDER_LIKE: Final = ("10111010000", "00001011101")


def _penalty(by_rows: int, by_columns: int, layout: _Layout) -> int:
    """The ISO/IEC 18004 mask penalty, exactly as ``qrcode.util.lost_point`` scores it.

    ``by_rows`` and ``by_columns`` are the same masked matrix, row-major and column-major.
    """
    size, in_row = layout.size, layout.in_row
    score = 0
    for lines in (by_rows, by_columns):
        # Rule 1: a run of L >= 5 same-coloured modules scores L - 2, which is the number of
        # five-module windows inside it (L - 4) plus 2 for the window that starts it.
        equal_next = ~(lines ^ (lines >> 1)) & in_row
        window = equal_next & (equal_next >> 1) & (equal_next >> 2) & (equal_next >> 3)
        score += window.bit_count() + 2 * (window & ~(equal_next << 1)).bit_count()
        # Rule 3: 40 for each finder look-alike in a line.
        for pattern in _FINDER_LIKE:
            found = layout.pattern_fits
            for offset, colour in enumerate(pattern):
                shifted = lines >> offset
                found &= shifted if colour == "1" else ~shifted
            score += 40 * found.bit_count()
    # Rule 2: every 2 x 2 block of one colour scores 3.
    same_right = ~(by_rows ^ (by_rows >> 1)) & in_row
    same_below = ~(by_rows ^ (by_rows >> size)) & layout.has_below
    score += 3 * (same_right & same_below & (same_below >> 1)).bit_count()
    # Rule 4: 10 for every 5 % the dark share departs from half.
    dark = by_rows.bit_count()
    score += int(abs(float(dark) / (size**2) * 100 - 50) / 5) * 10
    return score


def _build(
    data: str, *, box_size: int = _DEFAULT_BOX_SIZE, border: int = _QUIET_ZONE
) -> _FastMaskQRCode:
    if box_size < 1:
        raise ValueError("box_size must be at least 1")
    if border < 0:
        raise ValueError("border must not be negative")
    code = _fitted(data, box_size=box_size, border=border)
    code.make(fit=False)
    return code


def _fitted(data: str, *, box_size: int = _DEFAULT_BOX_SIZE, border: int = _QUIET_ZONE) -> Any:
    """A code for ``data`` with its version chosen, not yet laid out."""
    if not data:
        raise QRDataError("QR data must not be empty")
    code = _FastMaskQRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(data)
    try:
        code.best_fit()
    except DataOverflowError as exc:
        raise QRDataError(f"{len(data)} characters do not fit in a QR code") from exc
    return code


def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    """Return the QR code for ``data`` as rows of modules (``True`` is dark), without border.

    This is the form a renderer uses to draw the code itself, e.g. as vector squares in a PDF.

    Raises:
        QRDataError: ``data`` is empty or too long.
    """
    return tuple(tuple(module == 1 for module in row) for row in qr_rows(data))


def qr_rows(data: str) -> list[bytes]:
    """The QR code for ``data`` as one ``bytes`` per row of modules (1 dark, 0 light), without
    border: :func:`qr_matrix` in the form that is quickest to scan for runs of dark modules.

    Raises:
        QRDataError: ``data`` is empty or too long.
    """
    code = _fitted(data)
    width = f"0{code.version * 4 + 17}b"
    return [format(row, width).encode().translate(_MODULE_BYTES) for row in code.final_rows()]


_MODULE_BYTES: Final = bytes.maketrans(b"01", b"\x00\x01")


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
