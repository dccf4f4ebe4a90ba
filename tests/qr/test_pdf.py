"""Callback forms and receipts: the QR codes scan, the Chinese text is there and embedded."""

from __future__ import annotations

import ctypes
import io
import os
import re
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
from PIL import Image

from qr_forms import (
    PAGE_SIZES,
    FormDataError,
    FormItem,
    Labels,
    PageSize,
    Receipt,
    cjk_font,
    mask_phone,
    render_callback_form,
    render_forms,
    render_receipt,
    signature_sha256,
)
from service.catalogue.forms import CHECKLIST_TEXTS as CHECKLIST

from .conftest import SHANGHAI, decoded_qr_texts, form_urls, page_image, page_text, sample_job
from .conftest import signature_png as make_signature_png

MM = 72 / 25.4

FORM_LABELS = [
    "维修回访单",
    "现场查看维修项目",
    "询问维修人员服务情况",
    "征询改进意见",
    "核实收费情况",
    "被回访人签名",
    "满意",
    "比较满意",
    "不满意",
    "发现问题",
    "整改",
    "回访人",
    "回访日期",
    "工作人员扫码登记",
    "住户扫码确认签名",
    "Satisfied",
    "Fairly satisfied",
    "Unsatisfied",
]


@pytest.mark.parametrize("page_size", ["A4", "A5-landscape"])
def test_both_qr_codes_on_the_form_scan_to_the_given_urls(
    page_size: PageSize, labels: Labels
) -> None:
    staff_url, resident_url = form_urls()
    pdf = render_callback_form(
        sample_job(),
        staff_url=staff_url,
        resident_url=resident_url,
        labels=labels,
        page_size=page_size,
    )
    assert decoded_qr_texts(page_image(pdf)) == sorted([staff_url, resident_url])


@pytest.mark.parametrize("page_size", ["A4", "A5-landscape"])
def test_form_text_has_the_chinese_labels_and_the_job(page_size: PageSize, labels: Labels) -> None:
    staff_url, resident_url = form_urls()
    job = sample_job()
    text = page_text(
        render_callback_form(
            job, staff_url=staff_url, resident_url=resident_url, labels=labels, page_size=page_size
        )
    )
    for label in FORM_LABELS:
        assert label in text, label
    for value in (job.title, job.unit, job.ref, job.estate_name, job.worker, "¥120.50"):
        assert value in text, value


def test_form_masks_the_phone_and_prints_times_in_the_estate_timezone(labels: Labels) -> None:
    staff_url, resident_url = form_urls()
    job = sample_job(timezone="Asia/Urumqi")
    text = page_text(
        render_callback_form(job, staff_url=staff_url, resident_url=resident_url, labels=labels)
    )
    assert "138****5678" in text
    assert "13812345678" not in text
    # 14:30 in Shanghai is 12:30 in Urumqi (UTC+06:00); the 72-hour deadline follows.
    assert "2024-05-03 12:30 (UTC+06:00)" in text
    assert "2024-05-06 12:30 (UTC+06:00)" in text


@pytest.mark.parametrize(
    ("page_size", "width_mm", "height_mm"), [("A4", 210, 297), ("A5-landscape", 210, 148)]
)
def test_page_size(page_size: PageSize, width_mm: float, height_mm: float, labels: Labels) -> None:
    staff_url, resident_url = form_urls()
    pdf = render_callback_form(
        sample_job(),
        staff_url=staff_url,
        resident_url=resident_url,
        labels=labels,
        page_size=page_size,
    )
    width, height = pdfium.PdfDocument(pdf)[0].get_size()
    assert width / MM == pytest.approx(width_mm, abs=0.5)
    assert height / MM == pytest.approx(height_mm, abs=0.5)


def test_batch_has_one_page_per_job_in_order_with_its_own_codes(labels: Labels) -> None:
    items = []
    for number in range(3):
        ref = f"odoo-{100 + number}"
        staff_url, resident_url = form_urls(ref)
        items.append(
            FormItem(sample_job(ref=ref, unit=f"{number + 1}栋101"), staff_url, resident_url)
        )
    pdf = render_forms(items, labels=labels, page_size="A5-landscape")
    assert len(pdfium.PdfDocument(pdf)) == 3
    for index, item in enumerate(items):
        assert item.job.unit in page_text(pdf, index)
        assert decoded_qr_texts(page_image(pdf, index)) == sorted(
            [item.staff_url, item.resident_url]
        )


def test_long_title_is_wrapped_not_cut_off_silently(labels: Labels) -> None:
    staff_url, resident_url = form_urls()
    title = "客厅吊顶渗水，" * 6 + "排查楼上卫生间防水层并重做"
    text = page_text(
        render_callback_form(
            sample_job(title=title), staff_url=staff_url, resident_url=resident_url, labels=labels
        )
    )
    flat = text.replace("\r", "").replace("\n", "")
    assert title[:40] in flat
    assert "…" in flat or title in flat


def test_cjk_font_is_embedded_when_a_truetype_font_is_available(labels: Labels) -> None:
    font = cjk_font()
    if not font.embedded:
        pytest.skip("no TrueType CJK font installed (e.g. Debian fonts-wqy-microhei)")
    staff_url, resident_url = form_urls()
    pdf = render_callback_form(
        sample_job(), staff_url=staff_url, resident_url=resident_url, labels=labels
    )
    embedded = _font_embedding(pdf)
    cjk = {name: flag for name, flag in embedded.items() if name.split("+")[-1] != "Helvetica"}
    assert cjk and all(cjk.values()), embedded
    assert b"/FontFile2" in pdf  # a TrueType font program in the file
    assert re.search(rb"/BaseFont /[A-Z]{6}\+", pdf)  # subset-tagged: only the glyphs used


def test_font_env_var_selects_the_font_file() -> None:
    font = cjk_font()
    if font.path is None:
        pytest.skip("no TrueType CJK font installed (e.g. Debian fonts-wqy-microhei)")
    code = "from qr_forms import cjk_font; f = cjk_font(); print(f.path, f.embedded)"
    env = {**os.environ, "HUIFANG_PDF_FONT": str(font.path)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == [str(font.path), "True"]
    bad = {**os.environ, "HUIFANG_PDF_FONT": "/nonexistent/font.ttf"}
    failed = subprocess.run([sys.executable, "-c", code], env=bad, capture_output=True, text=True)
    assert failed.returncode != 0
    assert "PdfFontError" in failed.stderr


def test_without_a_truetype_font_the_builtin_cid_font_is_used_unembedded(tmp_path: Path) -> None:
    """No HUIFANG_PDF_FONT and no font file found: STSong-Light, named but not embedded."""
    script = tmp_path / "fallback.py"
    script.write_text(
        "import sys\n"
        "from pathlib import Path\n"
        "sys.path.insert(0, '.')\n"
        "import qr_forms.fonts as fonts\n"
        "fonts._SYSTEM_CANDIDATES = (Path('/nonexistent/font.ttc'),)\n"
        "fonts._PACKAGE_FONTS = Path('/nonexistent')\n"
        "from qr_forms import cjk_font, render_callback_form\n"
        "from service.catalogue.forms import form_labels\n"
        "from tests.qr.conftest import form_urls, sample_job\n"
        "staff, resident = form_urls()\n"
        "pdf = render_callback_form(\n"
        "    sample_job(), staff_url=staff, resident_url=resident, labels=form_labels()\n"
        ")\n"
        "font = cjk_font()\n"
        "sys.stdout.write(f'{font.name} {font.embedded}\\n')\n"
        "sys.stdout.flush()\n"
        "sys.stdout.buffer.write(pdf)\n",
        encoding="utf-8",
    )
    env = {key: value for key, value in os.environ.items() if key != "HUIFANG_PDF_FONT"}
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, str(script)], env=env, cwd=root, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    first_line, _, pdf = done.stdout.partition(b"\n")
    assert first_line.decode() == "STSong-Light False"
    assert b"/FontFile2" not in pdf
    assert b"/STSong-Light" in pdf
    assert "维修回访单" in page_text(pdf)


def test_receipt_embeds_the_signature_and_prints_its_sha256(labels: Labels) -> None:
    png = make_signature_png()
    receipt = _receipt(signature_png=png)
    pdf = render_receipt(receipt, labels=labels)
    text = page_text(pdf)
    digest = signature_sha256(png)
    assert digest in text
    assert receipt.signature_sha256 == digest
    page = pdfium.PdfDocument(pdf)[0]
    images = list(page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_IMAGE]))
    assert len(images) == 1
    embedded = images[0].get_bitmap().to_pil().convert("RGB")
    original = Image.open(io.BytesIO(png))
    assert embedded.size == original.size
    # The ink of the signature is in the embedded image where it is in the original.
    flattened = Image.alpha_composite(Image.new("RGBA", original.size, "white"), original)
    assert _dark_pixels(embedded) == _dark_pixels(flattened.convert("RGB"))


def test_receipt_shows_answers_and_checklist(labels: Labels) -> None:
    receipt = _receipt(signature_png=make_signature_png())
    text = page_text(render_receipt(receipt, labels=labels))
    for expected in (
        "回访确认回执",
        "满意 Satisfied",
        "师傅准时到达",
        "希望提前电话通知",
        "住户确认无误",
        "赵经理",
        "经理 Manager",
        "上门回访",
        "2024-05-04 16:30 (UTC+08:00)",
        *(zh for zh, _ in CHECKLIST),
    ):
        assert expected in text, expected


def test_receipt_for_a_refusal_prints_the_reason_and_no_image(labels: Labels) -> None:
    receipt = _receipt(refusal_reason="对维修质量有异议，要求返修后再签", channel="phone")
    pdf = render_receipt(receipt, labels=labels)
    text = page_text(pdf)
    assert "拒绝签名" in text
    assert "对维修质量有异议" in text
    assert "电话回访" in text
    page = pdfium.PdfDocument(pdf)[0]
    assert not list(page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_IMAGE]))
    assert receipt.signature_sha256 is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"channel": "phone", "inspected": True}, "phone"),
        ({"signature_png": None}, "either"),
        ({"refusal_reason": "不在家"}, "either"),
        ({"signature_png": b"GIF89a..."}, "PNG"),
        ({"signed_at": datetime(2024, 5, 4, 16, 30)}, "timezone-aware"),
        ({"satisfaction": "happy"}, "satisfaction"),
    ],
)
def test_receipt_rejects_inconsistent_data(changes: dict[str, object], message: str) -> None:
    with pytest.raises(FormDataError, match=message):
        _receipt(**{"signature_png": make_signature_png(), **changes})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"category": "fire"}, "category"),
        ({"assigned_role": "boss"}, "assigned_role"),
        ({"completed_at": datetime(2024, 5, 3, 14, 30)}, "timezone-aware"),
        ({"charge": Decimal("-1")}, "charge"),
        ({"charge": Decimal("NaN")}, "charge"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"deadline": datetime(2024, 5, 1, tzinfo=SHANGHAI)}, "deadline"),
    ],
)
def test_form_job_rejects_bad_fields(changes: dict[str, object], message: str) -> None:
    with pytest.raises(FormDataError, match=message):
        sample_job(**changes)


def test_render_forms_rejects_empty_batch_and_unknown_page_size(labels: Labels) -> None:
    with pytest.raises(FormDataError, match="no forms"):
        render_forms([], labels=labels)
    staff_url, resident_url = form_urls()
    with pytest.raises(FormDataError, match="page_size"):
        render_callback_form(
            sample_job(),
            staff_url=staff_url,
            resident_url=resident_url,
            labels=labels,
            page_size="Letter",  # type: ignore[arg-type]
        )
    assert set(PAGE_SIZES) == {"A4", "A5-landscape"}


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138-1234-5678", "138****5678"),
        ("021-6234 5678", "021****5678"),
        ("6234 5678", "****5678"),
        ("12345", "***45"),
        ("", ""),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def _receipt(**changes: Any) -> Receipt:
    fields: dict[str, Any] = {
        "job": sample_job(),
        "channel": "on_site",
        "staff": "赵经理",
        "staff_role": "manager",
        "signed_at": datetime(2024, 5, 4, 16, 30, tzinfo=SHANGHAI),
        "satisfaction": "satisfied",
        "inspected": True,
        "service_feedback": "师傅准时到达，态度很好",
        "suggestions": "希望提前电话通知上门时间",
        "charge_verified": True,
        "comment": "修好了，没有再漏水。",
    }
    if changes.get("channel") == "phone":
        fields["inspected"] = False
    fields.update(changes)
    return Receipt(**fields)


def _font_embedding(pdf: bytes) -> dict[str, bool]:
    """Base font name -> embedded, for the fonts of the text objects on page 1."""
    page = pdfium.PdfDocument(pdf)[0]
    fonts: dict[str, bool] = {}
    for text_object in page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_TEXT]):
        font = pdfium_raw.FPDFTextObj_GetFont(text_object.raw)
        buffer = ctypes.create_string_buffer(256)
        pdfium_raw.FPDFFont_GetBaseFontName(font, buffer, 256)
        fonts[buffer.value.decode()] = bool(pdfium_raw.FPDFFont_GetIsEmbedded(font))
    return fonts


def _dark_pixels(image: Image.Image) -> int:
    histogram = image.convert("L").histogram()
    return sum(histogram[:128])
