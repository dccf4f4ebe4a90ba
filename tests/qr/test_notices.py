"""Written rectification notices (整改通知单): the job, the problem and the two due times are on
the page, in the estate's timezone; the QR code scans to the worker's acknowledgement link; a
batch prints one page per notice, in order; bad data is refused; a long problem stays on the
page."""

from __future__ import annotations

from datetime import datetime, timedelta

import pypdfium2 as pdfium
import pytest

from qr_forms import (
    FormDataError,
    Labels,
    NoticeSource,
    PageSize,
    QRDataError,
    render_notice,
    render_notices,
)

from .conftest import (
    SHANGHAI,
    ack_url,
    decoded_qr_texts,
    page_image,
    page_text,
    sample_job,
    sample_notice,
)

MM = 72 / 25.4
SIZES: tuple[PageSize, ...] = ("A4", "A5-landscape")


def _flat(text: str) -> str:
    return text.replace("\r", "").replace("\n", "")


@pytest.mark.parametrize("page_size", SIZES)
def test_notice_text_has_the_job_the_problem_and_both_due_times(
    page_size: PageSize, labels: Labels
) -> None:
    # Found at 16:30 in Shanghai is 14:30 in Urumqi (UTC+06:00), where the estate is.
    notice = sample_notice(job=sample_job(timezone="Asia/Urumqi"))
    text = page_text(render_notice(notice, labels=labels, page_size=page_size))
    title_zh, title_en = labels.pair("notice.title")
    for expected in (
        title_zh,
        title_en,
        "整改通知单",
        notice.job.ref,
        notice.job.unit,
        notice.job.estate_name,
        notice.job.title,
        notice.job.worker,
        notice.problem,
        notice.found_by,
        "42",
        "2024-05-03 12:30 (UTC+06:00)",  # completed
        "2024-05-04 14:30 (UTC+06:00)",  # found
        "2024-05-05 14:30 (UTC+06:00)",  # the notice, within 24 hours
        "2024-05-07 14:30 (UTC+06:00)",  # the fix
        labels.both("notice.source.problems"),
        labels.zh("notice.notice_due.rule"),
        labels.zh("notice.fix_due.rule"),
        labels.zh("notice.qr"),
        labels.zh("notice.signature.worker"),
        labels.zh("notice.signature.issuer"),
        labels.zh("form.footer.rule"),
    ):
        assert expected in text, expected
    assert "(UTC+08:00)" not in text
    assert "13812345678" not in text and notice.job.resident_name not in text


@pytest.mark.parametrize("source", ["problems", "unsatisfied", "resident"])
def test_notice_names_its_source(source: NoticeSource, labels: Labels) -> None:
    text = page_text(render_notice(sample_notice(source=source), labels=labels))
    assert labels.both(f"notice.source.{source}") in text


@pytest.mark.parametrize("page_size", SIZES)
def test_the_qr_code_scans_to_the_acknowledgement_link(page_size: PageSize, labels: Labels) -> None:
    notice = sample_notice()
    pdf = render_notice(notice, labels=labels, page_size=page_size)
    assert decoded_qr_texts(page_image(pdf)) == [notice.ack_url]


@pytest.mark.parametrize(
    ("page_size", "width_mm", "height_mm"), [("A4", 210, 297), ("A5-landscape", 210, 148)]
)
def test_page_size(page_size: PageSize, width_mm: float, height_mm: float, labels: Labels) -> None:
    pdf = render_notice(sample_notice(), labels=labels, page_size=page_size)
    width, height = pdfium.PdfDocument(pdf)[0].get_size()
    assert width / MM == pytest.approx(width_mm, abs=0.5)
    assert height / MM == pytest.approx(height_mm, abs=0.5)


def test_a_batch_has_one_page_per_notice_in_order_with_its_own_code(labels: Labels) -> None:
    notices = [
        sample_notice(
            job=sample_job(ref=f"odoo-{200 + number}", unit=f"{number + 1}栋10{number}"),
            rectification_id=number + 7,
            problem=f"第{number + 1}处渗水",
            ack_url=ack_url(number + 7),
        )
        for number in range(3)
    ]
    pdf = render_notices(reversed(notices), labels=labels)
    assert len(pdfium.PdfDocument(pdf)) == 3
    for index, notice in enumerate(reversed(notices)):
        text = page_text(pdf, index)
        assert notice.job.ref in text
        assert notice.job.unit in text
        assert notice.problem in text
        others = [other for other in notices if other is not notice]
        assert not any(other.problem in text or other.job.ref in text for other in others)
        assert decoded_qr_texts(page_image(pdf, index)) == [notice.ack_url]


def test_a_500_character_problem_wraps_and_stays_on_the_page(labels: Labels) -> None:
    sentence = (
        "卫生间弯头接口处仍有渗水，楼下住户天花板出现水渍，需重新更换密封圈并检查下水管坡度。"
    )
    problem = (sentence * 20)[:500]
    pdf = render_notice(sample_notice(problem=problem), labels=labels)
    page = pdfium.PdfDocument(pdf)[0]
    width, height = page.get_size()
    textpage = page.get_textpage()
    assert problem in _flat(textpage.get_text_bounded())  # all of it, no ellipsis
    assert "…" not in textpage.get_text_bounded()
    # Between the margins, above the deadlines that follow it, on many lines.
    found = textpage.search(labels.zh("notice.section.due")).get_next()
    assert found is not None
    deadlines_top = textpage.get_charbox(found[0])[3]
    margin = 15 * MM
    above = textpage.get_text_bounded(margin - 1, deadlines_top, width - margin + 1, height)
    assert problem in _flat(above)
    assert above.count("\n") >= 10
    below = _flat(textpage.get_text_bounded(0, 0, width, deadlines_top))
    assert sentence[:6] not in below
    assert decoded_qr_texts(page_image(pdf)) == [ack_url()]


@pytest.mark.parametrize("page_size", SIZES)
def test_an_overlong_problem_is_cut_with_an_ellipsis_above_the_deadlines(
    page_size: PageSize, labels: Labels
) -> None:
    problem = "楼上防水层破损导致渗漏" * 300
    pdf = render_notice(sample_notice(problem=problem), labels=labels, page_size=page_size)
    page = pdfium.PdfDocument(pdf)[0]
    textpage = page.get_textpage()
    found = textpage.search(labels.zh("notice.section.due")).get_next()
    assert found is not None
    deadlines_top = textpage.get_charbox(found[0])[3]
    above = textpage.get_text_bounded(0, deadlines_top, page.get_size()[0], page.get_size()[1])
    assert "…" in above
    assert "防水层" not in textpage.get_text_bounded(0, 0, page.get_size()[0], deadlines_top)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"found_at": datetime(2024, 5, 4, 16, 30)}, "found_at must be a timezone-aware"),
        ({"notice_due_at": datetime(2024, 5, 5, 16, 30)}, "notice_due_at must be a timezone"),
        ({"fix_due_at": datetime(2024, 5, 7, 16, 30)}, "fix_due_at must be a timezone-aware"),
        ({"problem": ""}, "problem"),
        ({"problem": "  \n "}, "problem"),
        ({"fix_due_at": datetime(2024, 5, 4, 16, 29, tzinfo=SHANGHAI)}, "fix_due_at"),
        ({"notice_due_at": datetime(2024, 5, 5, 16, 31, tzinfo=SHANGHAI)}, "24 hours"),
        ({"notice_due_at": datetime(2024, 5, 4, 16, 0, tzinfo=SHANGHAI)}, "24 hours"),
        ({"source": "phone"}, "source"),
        ({"ack_url": ""}, "ack_url"),
        ({"rectification_id": 0}, "rectification_id"),
        ({"rectification_id": True}, "rectification_id"),
    ],
)
def test_notice_rejects_bad_fields(changes: dict[str, object], message: str) -> None:
    with pytest.raises(FormDataError, match=message):
        sample_notice(**changes)


def test_a_fix_due_at_the_moment_of_finding_is_accepted() -> None:
    found = datetime(2024, 5, 4, 16, 30, tzinfo=SHANGHAI)
    notice = sample_notice(fix_due_at=found, notice_due_at=found + timedelta(hours=24))
    assert notice.fix_due_at == notice.found_at


def test_render_notices_rejects_an_empty_batch_an_unknown_size_and_an_overlong_link(
    labels: Labels,
) -> None:
    with pytest.raises(FormDataError, match="no notices"):
        render_notices([], labels=labels)
    with pytest.raises(FormDataError, match="page_size"):
        render_notice(sample_notice(), labels=labels, page_size="Letter")  # type: ignore[arg-type]
    with pytest.raises(QRDataError):
        render_notice(sample_notice(ack_url="https://x/" + "a" * 5000), labels=labels)


def test_a_notice_renders_to_the_same_bytes_every_time(labels: Labels) -> None:
    notices = [sample_notice(), sample_notice(rectification_id=43)]
    assert render_notices(notices, labels=labels) == render_notices(notices, labels=labels)
