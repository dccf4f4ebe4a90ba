"""The form's QR codes are vector squares, not images: at the size they print they decode to the
form's URLs, and the squares are exactly the modules of the code for that URL."""

from __future__ import annotations

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
import zxingcpp
from PIL import Image

from qr_forms import Labels, PageSize, qr_matrix, render_callback_form

from .conftest import form_urls, page_image, sample_job

# A print read back by a phone camera or an office scanner.
PRINT_DPI = (150, 300)


def _form(page_size: PageSize, labels: Labels) -> tuple[bytes, str, str]:
    staff_url, resident_url = form_urls()
    pdf = render_callback_form(
        sample_job(),
        staff_url=staff_url,
        resident_url=resident_url,
        labels=labels,
        page_size=page_size,
    )
    return pdf, staff_url, resident_url


@pytest.mark.parametrize("page_size", ["A4", "A5-landscape"])
def test_the_form_page_has_no_images_the_codes_are_vector(
    page_size: PageSize, labels: Labels
) -> None:
    pdf, _, _ = _form(page_size, labels)
    page = pdfium.PdfDocument(pdf)[0]
    assert not list(page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_IMAGE]))
    assert list(page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_PATH]))


@pytest.mark.parametrize("dpi", PRINT_DPI)
@pytest.mark.parametrize("page_size", ["A4", "A5-landscape"])
def test_vector_codes_decode_to_the_urls_at_the_printed_size(
    page_size: PageSize, dpi: int, labels: Labels
) -> None:
    pdf, staff_url, resident_url = _form(page_size, labels)
    image = page_image(pdf, scale=dpi / 72)
    texts = sorted(
        result.text
        for result in zxingcpp.read_barcodes(image)
        if result.format == zxingcpp.BarcodeFormat.QRCode
    )
    assert texts == sorted([staff_url, resident_url])


@pytest.mark.parametrize("page_size", ["A4", "A5-landscape"])
def test_the_drawn_squares_are_the_modules_of_the_code(page_size: PageSize, labels: Labels) -> None:
    """Sample the printed code at each module's centre and compare with the code's matrix."""
    pdf, staff_url, resident_url = _form(page_size, labels)
    image = page_image(pdf, scale=300 / 72).convert("L")
    found = {
        result.text: result
        for result in zxingcpp.read_barcodes(image)
        if result.format == zxingcpp.BarcodeFormat.QRCode
    }
    for url in (staff_url, resident_url):
        assert _sampled_modules(image, found[url].position, len(qr_matrix(url))) == qr_matrix(url)


def _sampled_modules(
    image: Image.Image, position: object, modules: int
) -> tuple[tuple[bool, ...], ...]:
    """Module centres of an upright code, from the outer corners zxing-cpp reports."""
    left = float(position.top_left.x)  # type: ignore[attr-defined]
    top = float(position.top_left.y)  # type: ignore[attr-defined]
    right = float(position.bottom_right.x)  # type: ignore[attr-defined]
    bottom = float(position.bottom_right.y)  # type: ignore[attr-defined]
    step_x = (right - left + 1) / modules
    step_y = (bottom - top + 1) / modules
    origin_x = left + step_x / 2
    origin_y = top + step_y / 2
    return tuple(
        tuple(
            image.getpixel((round(origin_x + column * step_x), round(origin_y + row * step_y)))
            < 128  # type: ignore[operator]
            for column in range(modules)
        )
        for row in range(modules)
    )
