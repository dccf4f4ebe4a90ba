"""Checks on a submitted signature: a real, reasonably sized, non-blank PNG and its strokes.

Nothing here touches the database; every failure is a domain error (``TooLarge`` for too
large, ``InvalidInput`` for anything else) with a message a person can act on.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import math
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, UnidentifiedImageError

from .. import domain as d

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATA_URL_PREFIX = "data:image/png;base64,"
MIN_WIDTH, MIN_HEIGHT = 100, 50
MAX_SIDE = 4000
# Ink pixels a deliberate mark leaves even at 1x: a single dot is not a signature.
MIN_INK_PIXELS = 60
MAX_STROKES = 400
MAX_POINTS = 40_000
MAX_COORDINATE = 100_000.0


@dataclass(frozen=True, slots=True)
class CheckedSignature:
    png: bytes
    width: int
    height: int
    ink_pixels: int
    strokes: list[list[list[float]]]
    sha256: str


def decode_data_url(data_url: str, *, max_bytes: int) -> bytes:
    """The PNG bytes of a ``data:image/png;base64,...`` URL (as a canvas ``toDataURL`` gives)."""
    if not data_url.startswith(DATA_URL_PREFIX):
        raise d.InvalidInput("signature must be a PNG data URL (data:image/png;base64,…)")
    encoded = data_url[len(DATA_URL_PREFIX) :]
    # Refuse before decoding: base64 is 4 characters per 3 bytes.
    if len(encoded) > (max_bytes + 2) // 3 * 4 + 4:
        raise d.TooLarge(f"signature image is larger than the limit of {max_bytes} bytes")
    try:
        png = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise d.InvalidInput("signature is not valid base64") from None
    return png


def ink_pixels(image: Image.Image) -> int:
    """Pixels that are both opaque and dark: the pen's marks on a white or clear background."""
    rgba = image.convert("RGBA")
    alpha = rgba.getchannel("A")
    grey = rgba.convert("L")
    dark = grey.point(lambda v: 255 if v < 128 else 0)
    opaque = alpha.point(lambda v: 255 if v >= 128 else 0)
    both = Image.new("L", rgba.size, 0)
    both.paste(dark, mask=opaque)
    histogram = both.histogram()
    return histogram[255]


def check_png(png: bytes, *, max_bytes: int) -> tuple[int, int, int]:
    """Return (width, height, ink pixels) of a PNG that may be stored as a signature."""
    if len(png) > max_bytes:
        raise d.TooLarge(
            f"signature image is {len(png)} bytes, larger than the limit of {max_bytes} bytes"
        )
    if not png.startswith(PNG_MAGIC):
        raise d.InvalidInput("signature is not a PNG image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(png)) as probe:
                if probe.format != "PNG":
                    raise d.InvalidInput("signature is not a PNG image")
                width, height = probe.size
                if not (MIN_WIDTH <= width <= MAX_SIDE and MIN_HEIGHT <= height <= MAX_SIDE):
                    raise d.InvalidInput(
                        f"signature image is {width}x{height} pixels; expected between "
                        f"{MIN_WIDTH}x{MIN_HEIGHT} and {MAX_SIDE}x{MAX_SIDE}",
                    )
                probe.verify()
            with Image.open(io.BytesIO(png)) as image:
                image.load()
                ink = ink_pixels(image)
    except d.DomainError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Warning) as exc:
        raise d.InvalidInput(f"signature PNG is damaged: {exc}") from None
    if ink < MIN_INK_PIXELS:
        raise d.InvalidInput("the signature is blank: please sign in the box")
    return width, height, ink


def check_strokes(raw: Any) -> list[list[list[float]]]:
    """Strokes as drawn: a list of strokes, each a list of ``[x, y]`` or ``[x, y, ms]`` points."""
    if not isinstance(raw, list) or not raw:
        raise d.InvalidInput("strokes must be a non-empty list of strokes")
    if len(raw) > MAX_STROKES:
        raise d.InvalidInput(f"too many strokes (more than {MAX_STROKES})")
    total = 0
    strokes: list[list[list[float]]] = []
    for stroke in raw:
        if not isinstance(stroke, list) or not stroke:
            raise d.InvalidInput("each stroke must be a non-empty list of points")
        total += len(stroke)
        if total > MAX_POINTS:
            raise d.InvalidInput(f"too many points (more than {MAX_POINTS})")
        points: list[list[float]] = []
        for point in stroke:
            if (
                not isinstance(point, list)
                or len(point) not in (2, 3)
                or not all(
                    isinstance(v, int | float)
                    and not isinstance(v, bool)
                    and abs(v) <= MAX_COORDINATE  # before isfinite: a huge int overflows
                    and math.isfinite(v)
                    for v in point
                )
            ):
                raise d.InvalidInput(
                    "each point must be [x, y] or [x, y, milliseconds] with finite numbers"
                )
            points.append([float(v) for v in point])
        strokes.append(points)
    return strokes


def check_signature(data_url: str, strokes: Any, *, max_bytes: int) -> CheckedSignature:
    png = decode_data_url(data_url, max_bytes=max_bytes)
    width, height, ink = check_png(png, max_bytes=max_bytes)
    checked_strokes = check_strokes(strokes)
    return CheckedSignature(
        png=png,
        width=width,
        height=height,
        ink_pixels=ink,
        strokes=checked_strokes,
        sha256=hashlib.sha256(png).hexdigest(),
    )
