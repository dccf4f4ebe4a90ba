"""The signed receipt carries the QR code of its check page: the address comes in as data,
is printed as a scannable code captioned "scan to verify", and in full beside the caption."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from qr_forms import FormDataError, Labels, QRDataError, Receipt, render_receipt

from .conftest import BASE_URL, SHANGHAI, decoded_qr_texts, page_image, page_text, sample_job
from .conftest import signature_png as make_signature_png

CHECK_URL = f"{BASE_URL}/v/1234.q0Fh7VdJx1LhYx3bK9mPzA"


def receipt(**changes: Any) -> Receipt:
    fields: dict[str, Any] = {
        "job": sample_job(),
        "channel": "on_site",
        "staff": "赵经理",
        "staff_role": "manager",
        "signed_at": datetime(2024, 5, 4, 16, 30, tzinfo=SHANGHAI),
        "satisfaction": "satisfied",
        "signature_png": make_signature_png(),
        "verify_url": CHECK_URL,
    }
    fields.update(changes)
    return Receipt(**fields)


def flat(text: str) -> str:
    return text.replace("\r", "").replace("\n", "")


def test_the_receipt_s_qr_code_carries_the_check_page_address(labels: Labels) -> None:
    pdf = render_receipt(receipt(), labels=labels)
    assert decoded_qr_texts(page_image(pdf)) == [CHECK_URL]
    text = page_text(pdf)
    assert "扫码核验" in text and "Scan to verify" in text
    assert CHECK_URL in flat(text)


def test_a_refusal_receipt_carries_the_code_too(labels: Labels) -> None:
    refused = receipt(signature_png=None, refusal_reason="不在家", channel="phone")
    pdf = render_receipt(refused, labels=labels)
    assert decoded_qr_texts(page_image(pdf)) == [CHECK_URL]


def test_a_long_address_is_printed_whole_over_several_lines(labels: Labels) -> None:
    url = f"https://huifang.property-services.example.com.cn/wuye/huifang{'/v' * 20}/1.abc"
    pdf = render_receipt(receipt(verify_url=url), labels=labels)
    assert decoded_qr_texts(page_image(pdf)) == [url]
    assert url in flat(page_text(pdf))


def test_long_answers_keep_the_code_clear_of_the_footer(labels: Labels) -> None:
    wordy = "住户反映师傅上门准时，态度很好，维修后清理了现场，" * 6
    pdf = render_receipt(
        receipt(
            comment=wordy,
            problems=wordy,
            service_feedback=wordy,
            suggestions=wordy,
            job=sample_job(title=wordy),
        ),
        labels=labels,
    )
    assert decoded_qr_texts(page_image(pdf)) == [CHECK_URL]
    text = page_text(pdf)
    assert "回访制度" in text and CHECK_URL in flat(text)


def test_a_receipt_without_a_check_page_prints_no_code(labels: Labels) -> None:
    pdf = render_receipt(receipt(verify_url=None), labels=labels)
    assert decoded_qr_texts(page_image(pdf)) == []
    assert "/v/" not in page_text(pdf)


@pytest.mark.parametrize("url", ["", "   ", "https://x.example/v/1\n2"])
def test_a_blank_or_broken_address_is_refused(url: str) -> None:
    with pytest.raises(FormDataError, match="verify_url"):
        receipt(verify_url=url)


def test_an_address_too_long_for_a_qr_code_is_refused(labels: Labels) -> None:
    with pytest.raises(QRDataError):
        render_receipt(receipt(verify_url="https://x.example/" + "v" * 5000), labels=labels)
