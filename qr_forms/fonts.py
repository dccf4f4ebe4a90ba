"""The Chinese font of the PDFs: found once, registered once, embedded when possible.

A PDF that only *names* a Chinese font shows boxes or nothing on a viewer without that font
(many phones, some print shops). So the forms embed a TrueType CJK font, subset to the
characters used. reportlab embeds TrueType outlines only (not CFF/OpenType such as Noto CJK),
so the search looks for TrueType CJK fonts, in this order:

1. the file named by the environment variable ``HUIFANG_PDF_FONT`` (a ``.ttf`` or ``.ttc``;
   ``path#N`` picks font ``N`` of a collection); if it is set but unusable that is an error,
   not a silent fallback;
2. a ``.ttf``/``.ttc`` placed in this package's ``fonts/`` folder;
3. the Debian packages ``fonts-wqy-microhei``, ``fonts-wqy-zenhei``, ``fonts-arphic-uming``,
   ``fonts-droid-fallback``.

With none of these the PDFs fall back to reportlab's built-in ``STSong-Light`` CID font, which
is *not* embedded: Adobe Reader and most desktop viewers show it, some others do not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

__all__ = [
    "FONT_ENV_VAR",
    "FALLBACK_FONT",
    "PdfFont",
    "PdfFontError",
    "cjk_font",
    "load_font_file",
]

FONT_ENV_VAR: Final = "HUIFANG_PDF_FONT"
"""Environment variable naming a TrueType CJK font file (``path`` or ``path#index``)."""

FALLBACK_FONT: Final = "STSong-Light"
"""reportlab's built-in Simplified Chinese CID font, used (not embedded) when no TTF is found."""

_REGISTERED_NAME: Final = "HuifangCJK"
_PACKAGE_FONTS: Final = Path(__file__).with_name("fonts")
_SYSTEM_CANDIDATES: Final = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)
# Characters every form prints: a font without them is not a Simplified Chinese font.
_PROBE_TEXT: Final = "维修回访单满意签名¥"


class PdfFontError(RuntimeError):
    """The font named by ``HUIFANG_PDF_FONT`` (or passed in) cannot be used for the forms."""


@dataclass(frozen=True, slots=True)
class PdfFont:
    """The font the PDFs use.

    Attributes:
        name: the name registered with reportlab, for ``canvas.setFont``.
        path: the font file, or ``None`` for the built-in CID font.
        embedded: whether PDFs carry the font (a subset of it).
    """

    name: str
    path: Path | None
    embedded: bool


def load_font_file(path: str | Path, *, subfont_index: int = 0) -> PdfFont:
    """Register a TrueType/TrueType-collection CJK font with reportlab and return it.

    Args:
        path: a ``.ttf`` or ``.ttc`` file with TrueType outlines.
        subfont_index: which font of a ``.ttc`` collection.

    Raises:
        PdfFontError: the file is missing, is not a TrueType font reportlab can embed (e.g. a
            CFF-based OpenType font), or lacks common Simplified Chinese characters.
    """
    font_path = Path(path)
    if not font_path.is_file():
        raise PdfFontError(f"font file not found: {font_path}")
    name = f"{_REGISTERED_NAME}-{font_path.stem}-{subfont_index}"
    try:
        font = TTFont(name, str(font_path), subfontIndex=subfont_index)
    except (TTFError, OSError, ValueError, IndexError) as exc:
        raise PdfFontError(f"not a usable TrueType font: {font_path}: {exc}") from exc
    missing = [ch for ch in _PROBE_TEXT if ord(ch) not in font.face.charToGlyph]
    if missing:
        raise PdfFontError(f"font {font_path} lacks Chinese characters: {''.join(missing)}")
    pdfmetrics.registerFont(font)
    return PdfFont(name=name, path=font_path, embedded=True)


@cache
def cjk_font() -> PdfFont:
    """Return the font for the forms, registering it with reportlab on first use.

    The choice is made once per process (see the module docstring for the search order).

    Raises:
        PdfFontError: ``HUIFANG_PDF_FONT`` is set to a file that cannot be used.
    """
    configured = os.environ.get(FONT_ENV_VAR, "").strip()
    if configured:
        file_part, _, index_part = configured.partition("#")
        try:
            index = int(index_part) if index_part else 0
        except ValueError as exc:
            raise PdfFontError(f"{FONT_ENV_VAR}: bad font index {index_part!r}") from exc
        return load_font_file(file_part, subfont_index=index)
    candidates = sorted(_PACKAGE_FONTS.glob("*.tt[cf]")) if _PACKAGE_FONTS.is_dir() else []
    for candidate in [*candidates, *_SYSTEM_CANDIDATES]:
        if candidate.is_file():
            try:
                return load_font_file(candidate)
            except PdfFontError:
                continue
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return PdfFont(name=FALLBACK_FONT, path=None, embedded=False)
