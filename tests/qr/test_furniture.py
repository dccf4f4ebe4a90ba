"""A form's furniture (labels, boxes, rules) is drawn once and shared: the pages look and read
exactly as pages drawn whole, forms for different jobs carry the very same furniture streams,
the pages of a batch share one copy, and furniture text with characters of no fixed font code
is never shared."""

from __future__ import annotations

import re
import zlib

import pytest
from PIL import ImageChops
from reportlab.lib.pagesizes import A4

from qr_forms import FormItem, Labels, PageSize, cjk_font, render_forms
from qr_forms.layout import Pen, render_pages

from .conftest import form_urls, page_image, page_text, sample_job

_LONG_TITLE = "卫生间下水管漏水，更换PVC弯头，同时检查楼下天花板渗水并修补吊顶石膏板" * 2


def _items() -> list[FormItem]:
    jobs = [
        sample_job(),
        sample_job(ref="odoo-20001", resident_name="欧阳娜娜", estate_name="翠湖天地"),
        sample_job(ref="odoo-20002", title=_LONG_TITLE, charge=sample_job().charge * 30),
    ]
    return [FormItem(job, *form_urls(job.ref)) for job in jobs]


def _characters(text: str) -> list[str]:
    return sorted(char for char in text if not char.isspace())


def _page_streams(pdf: bytes) -> list[list[tuple[int, bytes]]]:
    """For each page, in order, its content streams as (object number, inflated bytes)."""
    pages = []
    for contents in re.finditer(rb"/Contents (\d+) 0 R", pdf):
        array = re.search(rb"\n" + contents.group(1) + rb" 0 obj\n\[ ([^\]]*) \]", pdf)
        assert array is not None, "a page's contents are an array of streams"
        streams = []
        for number in map(int, re.findall(rb"(\d+) 0 R", array.group(1))):
            head = re.search(
                rb"\n%d 0 obj\n<<\n/Filter \[ /FlateDecode \] /Length (\d+)\n>>\nstream\r?\n"
                % number,
                pdf,
            )
            assert head is not None
            start = head.end()
            streams.append((number, zlib.decompress(pdf[start : start + int(head.group(1))])))
        pages.append(streams)
    return pages


@pytest.mark.parametrize("page_size", ["A4", "A5-landscape"])
def test_pages_with_shared_furniture_look_and_read_as_pages_drawn_whole(
    page_size: PageSize, labels: Labels
) -> None:
    items = _items()
    shared = render_forms(items, labels=labels, page_size=page_size)
    whole = render_forms(items, labels=labels, page_size=page_size, furniture=False)
    for index in range(len(items)):
        difference = ImageChops.difference(
            page_image(shared, index, scale=2).convert("RGB"),
            page_image(whole, index, scale=2).convert("RGB"),
        )
        assert difference.getbbox() is None, f"page {index + 1} differs"
        # The same characters; a page's own values now come after its furniture in the text.
        assert _characters(page_text(shared, index)) == _characters(page_text(whole, index))
    assert "维修回访单" in page_text(shared, 0)
    assert "欧阳娜娜" in page_text(shared, 1)


def test_forms_for_different_jobs_carry_the_same_furniture_streams(labels: Labels) -> None:
    first, second = _items()[:2]
    pages = [_page_streams(render_forms([item], labels=labels))[0] for item in (first, second)]
    # The page's own graphics, the furniture's graphics, the furniture's text, its own text.
    assert [len(streams) for streams in pages] == [4, 4]
    assert pages[0][1][1] == pages[1][1][1]
    assert pages[0][2][1] == pages[1][2][1]
    assert pages[0][0][1] != pages[1][0][1]  # the QR codes
    assert pages[0][3][1] != pages[1][3][1]  # the job's values


def test_the_pages_of_a_batch_share_one_copy_of_their_furniture(labels: Labels) -> None:
    items = [
        FormItem(sample_job(ref=ref, resident_name=name), *form_urls(ref))
        for ref, name in (("odoo-301", "司马懿"), ("odoo-302", "上官婉儿"), ("odoo-303", "王五"))
    ]
    pages = _page_streams(render_forms(items, labels=labels))
    furniture = {(streams[1][0], streams[2][0]) for streams in pages}
    own = {number for streams in pages for number in (streams[0][0], streams[3][0])}
    assert len(furniture) == 1
    assert len(own) == 2 * len(items)


def _label_under_value(pen: Pen, item: tuple[str, str]) -> None:
    value, label = item
    with pen.values():
        pen.text(60, 700, value, 14)
    pen.text(60, 660, label, 14)


def test_furniture_text_without_fixed_font_codes_is_drawn_per_page(labels: Labels) -> None:
    if not cjk_font().embedded:
        pytest.skip("no TrueType CJK font installed (e.g. Debian fonts-wqy-microhei)")
    # "乙丙" is not pinned: in the first document it takes the codes after the value's, which
    # in the second document are the value's own. A shared drawing would print "戊己" twice.
    pdfs = [
        render_pages(
            [(value, "乙丙")],
            _label_under_value,
            size=A4,
            title="t",
            creator="c",
            pinned="甲",
            furniture=True,
        )[0]
        for value in ("丁", "戊己")
    ]
    assert "丁" in page_text(pdfs[0]) and "乙丙" in page_text(pdfs[0])
    assert "戊己" in page_text(pdfs[1]) and "乙丙" in page_text(pdfs[1])
