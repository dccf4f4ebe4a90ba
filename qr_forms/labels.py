"""The labels qr_forms prints, as data: the single source of which label keys the library needs.

The library holds no Chinese or English text of its own. The caller hands every render function
a :class:`Labels`, built from its catalogue (``key -> (zh_CN, en)``); construction refuses a
catalogue that lacks a key listed here or gives an empty text, so a missing label fails when the
labels are built, not halfway through a page. A new document adds its keys here.

The vocabulary keys follow the choice types of :mod:`qr_forms.data` (``category.leak``,
``role.manager``, ...), so a new choice needs its label before anything can print.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Final, get_args

from .data import Category, Channel, FormDataError, NoticeSource, Role, Satisfaction

__all__ = [
    "CHECKLIST",
    "FORM_KEYS",
    "NOTICE_KEYS",
    "RECEIPT_KEYS",
    "REQUIRED_KEYS",
    "VOCABULARY_KEYS",
    "Labels",
    "LabelsError",
]

CHECKLIST: Final[tuple[str, ...]] = (
    "form.checklist.inspect",
    "form.checklist.service",
    "form.checklist.suggestions",
    "form.checklist.charges",
    "form.checklist.signature",
)
"""The label keys of the five items a callback covers (回访工作制度 rule 3), in order."""

VOCABULARY_KEYS: Final[frozenset[str]] = frozenset(
    {
        "app.name",
        *(f"category.{value}" for value in get_args(Category)),
        *(f"role.{value}" for value in get_args(Role)),
        *(f"satisfaction.{value}" for value in get_args(Satisfaction)),
        *(f"channel.{value}" for value in get_args(Channel)),
    }
)
"""Words shared with the rest of the product: the choices and the product's name."""

FORM_KEYS: Final[frozenset[str]] = frozenset(
    {
        "form.title",
        "form.pdf_title",
        "form.ref",
        "form.section.job",
        "form.section.checklist",
        "form.section.result",
        "form.section.signatures",
        "form.job.ref",
        "form.job.estate",
        "form.job.unit",
        "form.job.resident",
        "form.job.phone",
        "form.job.worker",
        "form.job.title",
        "form.job.category",
        "form.job.charge",
        "form.job.completed",
        "form.job.deadline",
        "form.job.assigned",
        "form.job.window",
        "form.job.hours",
        "form.answer.not_inspected",
        "form.answer.remarks",
        "form.answer.suggestions",
        "form.answer.see_signature",
        "form.charge.due",
        "form.charge.paid",
        "form.satisfaction",
        "form.problems",
        "form.rectification",
        "form.rectification.note",
        "form.rectification.done",
        "form.signature.who",
        "form.signature.date",
        "form.staff",
        "form.role",
        "form.channel",
        "form.callback_date",
        "form.qr.staff",
        "form.qr.staff.short",
        "form.qr.resident",
        "form.qr.resident.short",
        "form.footer.rule",
    }
)
"""The callback form's own labels; the job block, header and footer also serve the receipt and
the rectification notice."""

RECEIPT_KEYS: Final[frozenset[str]] = frozenset(
    {
        "receipt.title",
        "receipt.pdf_title",
        "receipt.section.job",
        "receipt.section.answers",
        "receipt.section.checklist",
        "receipt.section.signature",
        "receipt.satisfaction.none",
        "receipt.channel",
        "receipt.comment",
        "receipt.problems",
        "receipt.problems.none",
        "receipt.inspected.phone",
        "receipt.inspected.yes",
        "receipt.inspected.no",
        "receipt.charge.confirmed",
        "receipt.charge.unconfirmed",
        "receipt.not_recorded",
        "receipt.signed",
        "receipt.refused_to_sign",
        "receipt.refused",
        "receipt.reason",
        "receipt.signed_at",
        "receipt.refused_at",
        "receipt.sha256",
        "receipt.no_image",
        "receipt.verify",
    }
)
"""The signed receipt's own labels."""

NOTICE_KEYS: Final[frozenset[str]] = frozenset(
    {
        "notice.title",
        "notice.pdf_title",
        "notice.number",
        "notice.section.job",
        "notice.section.problem",
        "notice.section.due",
        "notice.section.ack",
        "notice.section.signatures",
        "notice.source",
        *(f"notice.source.{value}" for value in get_args(NoticeSource)),
        "notice.found_by",
        "notice.found_at",
        "notice.problem",
        "notice.notice_due",
        "notice.notice_due.rule",
        "notice.fix_due",
        "notice.fix_due.rule",
        "notice.qr",
        "notice.signature.worker",
        "notice.signature.issuer",
    }
)
"""The rectification notice's own labels (its job block, dates and footer are the form's)."""

REQUIRED_KEYS: Final[frozenset[str]] = (
    VOCABULARY_KEYS | frozenset(CHECKLIST) | FORM_KEYS | RECEIPT_KEYS | NOTICE_KEYS
)
"""Every key a :class:`Labels` must have, with a non-empty Chinese and English text."""


class LabelsError(FormDataError):
    """The catalogue given for :class:`Labels` lacks required keys or has an empty text.

    Attributes:
        missing: the required keys absent from the catalogue, sorted.
        empty: the required keys whose Chinese or English text is empty (or not text), sorted.
    """

    def __init__(self, missing: Iterable[str], empty: Iterable[str]) -> None:
        self.missing = tuple(sorted(missing))
        self.empty = tuple(sorted(empty))
        problems = []
        if self.missing:
            problems.append(f"missing {', '.join(self.missing)}")
        if self.empty:
            problems.append(f"empty text for {', '.join(self.empty)}")
        super().__init__(f"labels: {'; '.join(problems)}")


def _usable(pair: object) -> bool:
    return (
        isinstance(pair, tuple | list)
        and len(pair) == 2
        and all(isinstance(text, str) and text.strip() for text in pair)
    )


class Labels:
    """The Chinese and English labels of every qr_forms document; immutable.

    ``Labels(catalogue)`` takes the :data:`REQUIRED_KEYS` from ``catalogue`` (``key -> (zh,
    en)``; other keys are ignored) and raises :class:`LabelsError` naming every required key
    that is missing or has an empty text. Asking for a key outside :data:`REQUIRED_KEYS` raises
    ``KeyError``: a document declares the labels it prints.
    """

    __slots__ = ("_texts",)
    _texts: Mapping[str, tuple[str, str]]

    def __init__(self, catalogue: Mapping[str, tuple[str, str]]) -> None:
        missing = [key for key in REQUIRED_KEYS if key not in catalogue]
        empty = [key for key in REQUIRED_KEYS if key in catalogue and not _usable(catalogue[key])]
        if missing or empty:
            raise LabelsError(missing, empty)
        texts = {key: (catalogue[key][0], catalogue[key][1]) for key in sorted(REQUIRED_KEYS)}
        object.__setattr__(self, "_texts", MappingProxyType(texts))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Labels are immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Labels are immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Labels) and dict(self._texts) == dict(other._texts)

    def __hash__(self) -> int:
        return hash(tuple(self._texts.items()))

    def __repr__(self) -> str:
        return f"Labels({len(self._texts)} keys)"

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def pair(self, key: str) -> tuple[str, str]:
        """``(zh, en)`` for ``key``."""
        return self._texts[key]

    def zh(self, key: str) -> str:
        return self.pair(key)[0]

    def en(self, key: str) -> str:
        return self.pair(key)[1]

    def both(self, key: str, sep: str = " ") -> str:
        """Chinese then English on one line: ``"满意 Satisfied"``."""
        zh, en = self.pair(key)
        return f"{zh}{sep}{en}"
