"""QR codes: they decode back to the URL, at level M, identical to the qrcode library's own."""

from __future__ import annotations

import io
import random
import string

import pytest
import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

from qr_forms import QRDataError, make_form_qr, make_qr_png, make_qr_svg, qr_matrix

from .conftest import decoded_qr_texts, form_urls


def test_png_decodes_back_to_the_url() -> None:
    staff_url, _ = form_urls()
    image = Image.open(io.BytesIO(make_qr_png(staff_url)))
    assert image.format == "PNG"
    assert decoded_qr_texts(image) == [staff_url]


def test_png_size_follows_box_size_and_border() -> None:
    staff_url, _ = form_urls()
    modules = len(qr_matrix(staff_url))
    image = Image.open(io.BytesIO(make_qr_png(staff_url, box_size=3, border=2)))
    assert image.size == ((modules + 4) * 3, (modules + 4) * 3)
    assert decoded_qr_texts(image.convert("L").resize((image.width * 3, image.height * 3))) == [
        staff_url
    ]


def test_svg_decodes_back_to_the_url() -> None:
    """The SVG's path is drawn back onto a bitmap, module by module, and decoded."""
    _, resident_url = form_urls()
    svg = make_qr_svg(resident_url).decode("utf-8")
    assert svg.startswith("<?xml") and "<svg" in svg
    image = _rasterise_svg_path(svg, scale=8)
    assert decoded_qr_texts(image) == [resident_url]


def test_typical_form_url_fits_a_version_5_code() -> None:
    staff_url, _ = form_urls()
    assert len(qr_matrix(staff_url)) == 37  # version 5: 4 * 5 + 17 modules


def test_matrix_is_identical_to_qrcode_library_output() -> None:
    """The faster encoder must pick the same mask and lay out the same modules as qrcode."""
    rng = random.Random(20240503)
    alphabet = string.ascii_letters + string.digits + "-_.~/:?=&"
    samples = [form_urls()[0], "0123456789" * 30, "HUIFANG 1234 ABC$%*+-./:"]
    samples += ["".join(rng.choices(alphabet, k=rng.randint(1, 400))) for _ in range(60)]
    for data in samples:
        reference = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
        reference.add_data(data)
        reference.make(fit=True)
        expected = tuple(tuple(bool(m) for m in row) for row in reference.get_matrix())
        assert qr_matrix(data) == expected, data


def test_the_png_draws_the_same_modules_as_the_matrix() -> None:
    rng = random.Random(7)
    samples = [form_urls()[0], "".join(rng.choices(string.ascii_letters, k=300))]
    for data in samples:
        image = Image.open(io.BytesIO(make_qr_png(data, box_size=1, border=0))).convert("L")
        side = image.size[0]
        pixels = image.tobytes()
        drawn = tuple(
            tuple(pixels[row * side + column] < 128 for column in range(side))
            for row in range(side)
        )
        assert drawn == qr_matrix(data), data


def test_shortcut_is_the_default_png() -> None:
    staff_url, _ = form_urls()
    assert make_form_qr(staff_url) == make_qr_png(staff_url)


@pytest.mark.parametrize("data", ["", "x" * 3000])
def test_empty_or_oversized_data_is_refused(data: str) -> None:
    with pytest.raises(QRDataError):
        make_qr_png(data)


@pytest.mark.parametrize(("box_size", "border"), [(0, 4), (10, -1)])
def test_bad_png_geometry_is_refused(box_size: int, border: int) -> None:
    with pytest.raises(ValueError, match="box_size|border"):
        make_qr_png("https://wy.example.com", box_size=box_size, border=border)


def _rasterise_svg_path(svg: str, *, scale: int) -> Image.Image:
    """Fill the squares of qrcode's SVG path (``M x,y H .. V .. H .. z`` per module)."""
    import re

    view = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    assert view is not None
    width, height = int(view.group(1)), int(view.group(2))
    image = Image.new("L", (width * scale, height * scale), 255)
    path = re.search(r'<path d="([^"]+)"', svg)
    assert path is not None
    squares = re.findall(r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)H([\d.]+)z", path.group(1))
    assert squares
    pixels = image.load()
    assert pixels is not None
    for x0, y0, x1, y1, _ in squares:
        for x in range(int(float(x0) * scale), int(float(x1) * scale)):
            for y in range(int(float(y0) * scale), int(float(y1) * scale)):
                pixels[x, y] = 0
    return image
