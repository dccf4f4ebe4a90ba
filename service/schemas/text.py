"""Text as every body and query takes it: the one place that says which characters a text field
accepts, refuses the rest with a readable message, and writes the same rule into the OpenAPI
schema as a ``pattern``.

- No control characters anywhere: the C0 controls (U+0000-U+001F, NUL included), DEL and the C1
  controls (U+007F-U+009F). PostgreSQL cannot store a NUL at all and SQLite would store it
  silently; both now answer 422 before any query. Multi-line text (notes, problems, comments,
  suggestions) keeps tab, line feed and carriage return.
- Free text is stripped of surrounding spaces once it has passed; lengths count the text as
  sent.
- Identifiers that travel in URL paths (a job's ``ref``, an estate's ``code``) are refused when
  no link could address them: ``.``, ``..``, or anything with ``/ ? # % \\``, a space or a
  control character.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

__all__ = [
    "CONTROLS",
    "CONTROLS_BUT_LINES",
    "ESTATE_CODE_PATTERN",
    "REF_PATTERN",
    "Documented",
    "EstateCode",
    "FilterText",
    "Line",
    "LongName",
    "LongText",
    "Name",
    "OneLine",
    "Phone",
    "Ref",
    "Text",
    "control_character",
    "free_text",
    "lines",
    "one_line",
]

#: The characters no text field takes (regular-expression class contents, as written into
#: the schema): C0 controls, DEL, C1 controls.
CONTROLS = r"\x00-\x1f\x7f-\x9f"
#: The same, less tab, line feed and carriage return: for text that may span lines.
CONTROLS_BUT_LINES = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"

_CONTROL = re.compile(f"[{CONTROLS}]")
_CONTROL_BUT_LINES = re.compile(f"[{CONTROLS_BUT_LINES}]")


@dataclass(frozen=True)
class Documented:
    """Adds keywords to a field's JSON schema: the rule a validator beside it enforces
    (pydantic would otherwise document only the type)."""

    pattern: str | None = None
    description: str | None = None
    #: The values allowed, computed when the schema is written (not at import).
    enum: Callable[[], Sequence[str]] | None = None
    #: Leave out the type's ``format`` where the pattern, not the format, is the rule.
    drop_format: bool = False

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        if self.pattern is not None:
            schema["pattern"] = self.pattern
        if self.drop_format:
            schema.pop("format", None)
        if self.enum is not None:
            schema["enum"] = list(self.enum())
        if self.description is not None and "description" not in schema:
            schema["description"] = self.description
        return schema


def control_character(value: str, *, multi_line: bool) -> str | None:
    """A description of the first control character in ``value`` (``"U+0000 at 3"``), or None."""
    found = (_CONTROL_BUT_LINES if multi_line else _CONTROL).search(value)
    if found is None:
        return None
    return f"U+{ord(found[0]):04X} at {found.start() + 1}"


#: A lone surrogate: JSON may escape one (\ud800), which is no character at all and could be
#: stored nowhere (UTF-8 has no encoding for it).
_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_surrogates(value: str) -> None:
    if not value.isascii() and _SURROGATE.search(value):
        raise ValueError("holds a lone surrogate (\\ud800-\\udfff), which is not a character")


def one_line(value: str) -> str:
    """One line of text: refused with any control character (tabs and new lines too)."""
    where = control_character(value, multi_line=False)
    if where:
        raise ValueError(
            f"control characters (tabs, new lines, NUL...) are not allowed here: {where}"
        )
    _no_surrogates(value)
    return value


def lines(value: str) -> str:
    """Text that may span lines: tab, line feed and carriage return pass, other controls not."""
    where = control_character(value, multi_line=True)
    if where:
        raise ValueError(
            f"control characters (NUL...) are not allowed; tabs and new lines are: {where}"
        )
    _no_surrogates(value)
    return value


def _stripped(value: str) -> str:
    return value.strip()


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be blank")
    return value


def free_text(*, max_length: int, multi_line: bool = False, required: bool = False) -> Any:
    """A free-text type: no controls (but line breaks when ``multi_line``), at most
    ``max_length`` characters as sent, stripped of surrounding spaces; ``required``: not
    blank."""
    controls = CONTROLS_BUT_LINES if multi_line else CONTROLS
    if required:
        pattern = rf"^[^{controls}]*[^\s{controls}][^{controls}]*$"
        checks: tuple[Any, ...] = (AfterValidator(_stripped), AfterValidator(_not_blank))
    else:
        pattern = rf"^[^{controls}]*$"
        checks = (AfterValidator(_stripped),)
    return Annotated[
        str,
        StringConstraints(min_length=1 if required else None, max_length=max_length),
        AfterValidator(lines if multi_line else one_line),
        *checks,
        Documented(pattern=pattern),
    ]


#: One line of free text, possibly empty: a unit, a title, a worker's name...
Text = free_text(max_length=300)
#: A name or label that must say something: a staff member's name, an estate named in a body.
Name = free_text(max_length=100, required=True)
#: A longer one-line name (an estate's name).
LongName = free_text(max_length=200, required=True)
#: Text that may span lines: notes, problems, comments, suggestions, reasons.
LongText = free_text(max_length=4000, multi_line=True)
#: A phone number as people write it (spaces, dashes, an extension): one line, up to 40.
Phone = free_text(max_length=40)


def Line(max_length: int) -> Any:  # noqa: N802 - a type, named like one
    """One line of text up to ``max_length`` characters, kept exactly as sent (not stripped):
    passwords, signed stamps, data URLs."""
    return Annotated[
        str,
        StringConstraints(max_length=max_length),
        AfterValidator(one_line),
        Documented(pattern=rf"^[^{CONTROLS}]*$"),
    ]


#: Any one line kept as sent, of any length: used where the size is checked elsewhere.
OneLine = Annotated[str, AfterValidator(one_line), Documented(pattern=rf"^[^{CONTROLS}]*$")]
#: What a filter names (an estate code, a job ref): one line. One that cannot exist finds
#: nothing (404), like any unknown one; empty is no filter.
FilterText = OneLine

_UNSAFE_IN_PATH = rf"/?#%\\\s{CONTROLS}"
#: A job reference travels in URL paths: no slash, ?, #, %, backslash, space or control, and
#: not ``.`` or ``..`` (a link would resolve them away). Up to 100 characters.
REF_PATTERN = rf"^(?:[^{_UNSAFE_IN_PATH}]*[^.{_UNSAFE_IN_PATH}][^{_UNSAFE_IN_PATH}]*|\.{{3,}})$"
_REF = re.compile(REF_PATTERN)


def _ref(value: str) -> str:
    if not _REF.fullmatch(value):
        raise ValueError(
            f"{value!r} cannot be a job ref: a ref appears in links, so it may hold no / ? # %"
            " \\, spaces or control characters, and may not be . or .. (e.g. odoo-123,"
            " YGHY-2026-001)"
        )
    return value


Ref = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100),
    AfterValidator(_ref),
    Documented(REF_PATTERN),
]

#: An estate code is an identifier: it appears in URLs, file names and spreadsheet tabs.
ESTATE_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
_ESTATE_CODE = re.compile(ESTATE_CODE_PATTERN)
ESTATE_CODE_RULE = (
    "1-64 letters, digits, '.', '_' or '-', beginning with a letter or digit (it appears in"
    " links, file names and spreadsheet tabs), e.g. YGHY or SH-01"
)


def _estate_code(value: str) -> str:
    # fullmatch: with match, $ would let a trailing new line through.
    if not _ESTATE_CODE.fullmatch(value):
        raise ValueError(f"{value!r} is not an estate code: {ESTATE_CODE_RULE}")
    return value


EstateCode = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64),
    AfterValidator(_estate_code),
    Documented(ESTATE_CODE_PATTERN),
]
