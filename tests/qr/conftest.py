"""Shared data and helpers for the qr_forms tests: a sample job, its URLs, a rectification
notice, the labels the service prints with, PDF inspection."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image, ImageDraw

from qr_forms import FormJob, Labels, Notice, build_form_url, make_token
from service.catalogue.forms import form_labels

SECRET = "test-form-secret-0123456789abcdef"
BASE_URL = "https://wy.example.com"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def sample_job(**changes: object) -> FormJob:
    """A realistic leak repair; keyword arguments replace fields."""
    completed = datetime(2024, 5, 3, 14, 30, tzinfo=SHANGHAI)
    fields: dict[str, object] = {
        "ref": "odoo-12345",
        "estate_name": "阳光花园",
        "unit": "3栋2单元1201",
        "resident_name": "王秀英",
        "resident_phone": "13812345678",
        "title": "卫生间下水管漏水，更换PVC弯头",
        "category": "leak",
        "worker": "李建国",
        "completed_at": completed,
        "deadline": completed + timedelta(hours=72),
        "charge": Decimal("120.50"),
        "assigned_role": "supervisor",
        "timezone": "Asia/Shanghai",
    }
    fields.update(changes)
    return FormJob(**fields)  # type: ignore[arg-type]


def form_urls(job_ref: str = "odoo-12345") -> tuple[str, str]:
    """Staff and resident URLs for a job, as the service would print them."""
    issued = datetime(2024, 5, 3, 15, 0, tzinfo=UTC)
    staff = make_token(SECRET, purpose="staff", job_ref=job_ref, now=issued)
    resident = make_token(SECRET, purpose="resident", job_ref=job_ref, now=issued)
    return build_form_url(BASE_URL, "staff", staff), build_form_url(BASE_URL, "resident", resident)


def ack_url(rectification_id: int = 42) -> str:
    """The link a notice's QR code carries, as the service might print it."""
    return f"{BASE_URL}/w/ack/{rectification_id}/tok-{rectification_id:06d}-abcdefghijklmnop"


def sample_notice(**changes: object) -> Notice:
    """A notice for :func:`sample_job` (or ``job=``): a problem found at the callback the day
    after the repair, notified within 24 hours, to be fixed within 3 days; keyword arguments
    replace fields."""
    found = datetime(2024, 5, 4, 16, 30, tzinfo=SHANGHAI)
    fields: dict[str, object] = {
        "job": sample_job(),
        "rectification_id": 42,
        "source": "problems",
        "problem": "弯头接口处仍有渗水，楼下天花板出现水渍",
        "found_by": "赵明",
        "found_at": found,
        "notice_due_at": found + timedelta(hours=24),
        "fix_due_at": found + timedelta(hours=72),
        "ack_url": ack_url(),
    }
    fields.update(changes)
    return Notice(**fields)  # type: ignore[arg-type]


def page_image(pdf: bytes, index: int = 0, *, scale: float = 3.0) -> Image.Image:
    """Render one PDF page to a PIL image (72 dpi x scale)."""
    document = pdfium.PdfDocument(pdf)
    return document[index].render(scale=scale).to_pil()


def page_text(pdf: bytes, index: int = 0) -> str:
    document = pdfium.PdfDocument(pdf)
    return str(document[index].get_textpage().get_text_bounded())


def decoded_qr_texts(image: Image.Image) -> list[str]:
    """The texts of every QR code zxing-cpp finds in the image, sorted."""
    return sorted(
        result.text
        for result in zxingcpp.read_barcodes(image)
        if result.format == zxingcpp.BarcodeFormat.QRCode
    )


def signature_png(width: int = 600, height: int = 200) -> bytes:
    """A transparent PNG with a scribble, like a signature pad produces."""
    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    points = [(20, 150), (120, 40), (200, 160), (300, 50), (420, 150), (560, 60)]
    draw.line(points, fill=(0, 0, 80, 255), width=6)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def job() -> FormJob:
    return sample_job()


@pytest.fixture
def urls() -> tuple[str, str]:
    return form_urls()


@pytest.fixture
def labels() -> Labels:
    """The labels the service prints with, from its catalogue."""
    return form_labels()
