"""Labels as data: the catalogue supplies every label qr_forms prints, Labels refuses an
incomplete catalogue, and the documents print nothing but the labels they are given."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from qr_forms import (
    CHECKLIST,
    REQUIRED_KEYS,
    Category,
    FormDataError,
    FormItem,
    Labels,
    LabelsError,
    NoticeSource,
    PageSize,
    Receipt,
    render_forms,
    render_notice,
    render_receipt,
)
from service.catalogue import MESSAGES
from service.catalogue.forms import form_labels

from .conftest import SHANGHAI, form_urls, page_text, sample_job, sample_notice, signature_png


def test_the_catalogue_supplies_every_key_qr_forms_needs_in_both_languages() -> None:
    form_labels()  # registers the documents' texts and builds the labels
    missing = sorted(REQUIRED_KEYS - MESSAGES.keys())
    assert missing == []
    for key in sorted(REQUIRED_KEYS):
        zh, en = MESSAGES[key]
        assert zh.strip() and en.strip(), key
    assert set(CHECKLIST) <= REQUIRED_KEYS
    assert {"category.leak", "role.lead", "satisfaction.unsatisfied", "channel.phone"} <= (
        REQUIRED_KEYS
    )


def test_form_labels_is_built_once() -> None:
    assert form_labels() is form_labels()
    assert set(form_labels()) == REQUIRED_KEYS


def test_labels_refuse_a_catalogue_that_lacks_a_key_and_name_it() -> None:
    catalogue = {key: MESSAGES[key] for key in REQUIRED_KEYS if key != "form.checklist.inspect"}
    with pytest.raises(LabelsError, match=r"missing form\.checklist\.inspect") as refused:
        Labels(catalogue)
    assert refused.value.missing == ("form.checklist.inspect",)
    assert isinstance(refused.value, FormDataError)


def test_labels_refuse_an_empty_text_and_name_the_key() -> None:
    catalogue = {**_complete(), "receipt.title": ("回访确认回执", " "), "role.lead": ("", "Lead")}
    with pytest.raises(LabelsError, match=r"empty text for receipt\.title, role\.lead") as refused:
        Labels(catalogue)
    assert refused.value.empty == ("receipt.title", "role.lead")
    assert refused.value.missing == ()


def test_labels_keep_only_the_keys_the_library_needs_and_are_immutable() -> None:
    labels = Labels({**_complete(), "dash.title": ("回访看板", "Callback dashboard")})
    assert set(labels) == REQUIRED_KEYS
    assert labels.pair("form.title") == MESSAGES["form.title"]
    assert labels.both("satisfaction.satisfied") == "满意 Satisfied"
    with pytest.raises(KeyError):
        labels.pair("dash.title")
    with pytest.raises(AttributeError):
        labels.extra = 1  # type: ignore[attr-defined]
    assert labels == Labels(_complete())


def test_every_required_key_is_printed_by_some_document(
    monkeypatch: pytest.MonkeyPatch, labels: Labels
) -> None:
    used: set[str] = set()
    pair: Callable[[Labels, str], tuple[str, str]] = Labels.pair

    def recording(self: Labels, key: str) -> tuple[str, str]:
        used.add(key)
        return pair(self, key)

    monkeypatch.setattr(Labels, "pair", recording)
    _render_everything(labels)
    assert sorted(REQUIRED_KEYS - used) == []


def test_the_documents_print_no_text_of_their_own() -> None:
    """With every label replaced, none of the catalogue's wording is left on any page."""
    marked = Labels({key: (f"标{n}", f"L{n}") for n, key in enumerate(sorted(REQUIRED_KEYS))})
    text = " ".join(_render_everything(marked))
    for key in sorted(REQUIRED_KEYS):
        zh, en = MESSAGES[key]
        assert len(zh) < 2 or zh not in text, (key, zh)
        assert len(en) < 4 or en not in text, (key, en)
    assert "标0" in text


def _complete() -> dict[str, tuple[str, str]]:
    form_labels()
    return {key: MESSAGES[key] for key in REQUIRED_KEYS}


def _render_everything(labels: Labels) -> list[str]:
    """The page text of both form layouts (one job of each category), of signed and refused
    receipts and of rectification notices (one of each source, both layouts), for data that
    shares no word with the catalogue."""
    staff_url, resident_url = form_urls()
    pages: tuple[tuple[Category, PageSize], ...] = (
        ("safety", "A4"),
        ("leak", "A5-landscape"),
        ("general", "A4"),
    )
    texts = []
    for category, size in pages:
        job = sample_job(title="更换弯头", category=category, assigned_role="lead")
        item = FormItem(job, staff_url, resident_url)
        texts.append(page_text(render_forms([item], labels=labels, page_size=size)))
    signed_at = datetime(2024, 5, 4, 16, 30, tzinfo=SHANGHAI)
    for changes in (
        {"channel": "on_site", "inspected": True, "signature_png": signature_png()},
        {"channel": "phone", "refusal_reason": "不同意", "satisfaction": None},
        {"channel": "on_site", "signature_png": signature_png(), "charge_verified": False},
    ):
        fields: dict[str, object] = {
            "job": job,
            "staff": "赵明",
            "staff_role": "supervisor",
            "signed_at": signed_at,
            "satisfaction": "fairly_satisfied",
            "charge_verified": True,
            **changes,
        }
        receipt = Receipt(**fields)  # type: ignore[arg-type]
        texts.append(page_text(render_receipt(receipt, labels=labels)))
    notices: tuple[tuple[NoticeSource, PageSize], ...] = (
        ("problems", "A4"),
        ("unsatisfied", "A5-landscape"),
        ("resident", "A4"),
    )
    for source, size in notices:
        notice = sample_notice(job=job, source=source, problem="弯头渗水", found_by="赵明")
        texts.append(page_text(render_notice(notice, labels=labels, page_size=size)))
    return texts
