"""The form's labels are pinned to font subsets of their own, made once and shared by every form;
the job's own characters go into a subset made per form. The page looks and reads the same."""

from __future__ import annotations

import re
import zlib

import pytest

from qr_forms import FormItem, Labels, cjk_font, render_callback_form, render_forms
from qr_forms.forms import form_characters

from .conftest import decoded_qr_texts, form_urls, page_image, page_text, sample_job

_FONT_FILE = re.compile(
    rb"/Filter \[ /FlateDecode \] /Length (\d+) /Length1 (\d+)\s*>>\s*stream\r?\n"
)


def _font_programs(pdf: bytes) -> list[bytes]:
    """The embedded TrueType programs of a PDF, inflated, in file order."""
    programs = []
    for match in _FONT_FILE.finditer(pdf):
        start, length = match.end(), int(match.group(1))
        program = zlib.decompress(pdf[start : start + length])
        assert len(program) == int(match.group(2))
        programs.append(program)
    return programs


@pytest.fixture(autouse=True)
def _needs_truetype_font() -> None:
    if not cjk_font().embedded:
        pytest.skip("no TrueType CJK font installed (e.g. Debian fonts-wqy-microhei)")


def test_forms_for_different_jobs_share_the_labels_subset_and_differ_in_the_jobs(
    labels: Labels,
) -> None:
    staff_url, resident_url = form_urls()
    first = render_callback_form(
        sample_job(), staff_url=staff_url, resident_url=resident_url, labels=labels
    )
    other_job = sample_job(resident_name="欧阳娜娜", worker="诸葛亮", estate_name="翠湖天地")
    second = render_callback_form(
        other_job, staff_url=staff_url, resident_url=resident_url, labels=labels
    )
    first_programs, second_programs = _font_programs(first), _font_programs(second)
    assert len(first_programs) == len(second_programs) == 2
    assert first_programs[0] == second_programs[0]  # the labels' subset
    assert first_programs[1] != second_programs[1]  # the job's characters
    # Each subset has its own tag, so no viewer takes one for the other.
    tags = re.findall(rb"/BaseFont /([A-Z]{6})\+", second)
    assert len(set(tags)) == len(tags) == 2
    for value in ("欧阳娜娜", "诸葛亮", "翠湖天地", "维修回访单"):
        assert value in page_text(second), value


def test_the_pinned_characters_are_the_labels_and_the_layouts_sorted(labels: Labels) -> None:
    characters = form_characters(labels)
    assert list(characters) == sorted(set(characters))
    for text in (*labels.pair("form.title"), *labels.pair("role.manager"), "¥"):
        assert set(text) <= set(characters), text


def test_a_batch_keeps_every_pages_text_and_codes_with_pinned_labels(labels: Labels) -> None:
    items = []
    for number, name in enumerate(["欧阳娜娜", "司马懿", "上官婉儿"]):
        ref = f"odoo-{200 + number}"
        items.append(FormItem(sample_job(ref=ref, resident_name=name), *form_urls(ref)))
    pdf = render_forms(items, labels=labels)
    for index, item in enumerate(items):
        assert item.job.resident_name in page_text(pdf, index)
        assert decoded_qr_texts(page_image(pdf, index)) == sorted(
            [item.staff_url, item.resident_url]
        )
