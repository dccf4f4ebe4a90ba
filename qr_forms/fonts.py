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

Subsetting and compressing the font is most of the cost of a one-page PDF. So a document may
*pin* the characters every copy of it prints (its labels, :func:`pin_characters`): they get the
same codes in the same font subsets in every document, and such a subset's font program is made
and compressed once per process and reused (:func:`_cached_subset_objects`). Only the job's
own characters (names, addresses, ...) go into a small subset made per document.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from types import MethodType
from typing import Any, Final

from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import (
    SUBSETN,
    TTFError,
    TTFont,
    TTFontFace,
    makeToUnicodeCMap,
)

__all__ = [
    "FONT_ENV_VAR",
    "FALLBACK_FONT",
    "PdfFont",
    "PdfFontError",
    "cjk_font",
    "load_font_file",
    "pin_characters",
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
    # Instance attributes in front of two TTFontFace methods. reportlab calls addSubsetObjects
    # once per subset when a document is saved; each subset it makes copies whole tables out of
    # the font file (the glyph table of a CJK font is megabytes), so those copies are kept.
    font.face.addSubsetObjects = MethodType(_cached_subset_objects, font.face)
    font.face.get_table = cache(font.face.get_table)
    font.addObjects = MethodType(_add_font_objects, font)
    pdfmetrics.registerFont(font)
    return PdfFont(name=name, path=font_path, embedded=True)


_SUBSET_CODES: Final = 256
_SUBSET_CACHE_SIZE: Final = 64


def pin_characters(doc: Any, text: str) -> None:
    """Give the characters of ``text`` fixed codes in the CJK font's subsets of ``doc`` (a
    reportlab ``PDFDocument``, ``canvas._doc``), before anything is drawn.

    Called with the same text at the start of every document of a kind, this makes the font
    subsets that hold only pinned characters identical in all of them, so their font programs
    come from the per-process cache. Characters drawn later and not pinned start a subset of
    their own. Nothing happens with the built-in CID font (it is not subset).
    """
    font = pdfmetrics.getFont(cjk_font().name)
    if not isinstance(font, TTFont) or not text:
        return
    font.splitString(text, doc)
    state = font.state[doc]
    # The next new character opens a new subset (reportlab starts one at each multiple of 256).
    state.nextCode = max(_SUBSET_CODES, -(-state.nextCode // _SUBSET_CODES) * _SUBSET_CODES)


@lru_cache(maxsize=_SUBSET_CACHE_SIZE)
def _subset_program(
    face: TTFontFace,
    codes: tuple[int, ...],
    compress: bool,
) -> tuple[int, bytes]:
    """The TrueType program of one subset: its length, and its bytes (deflated if asked)."""
    program = face.makeSubset(list(codes))
    return len(program), zlib.compress(program) if compress else program


def _cached_subset_objects(face: Any, doc: Any, fontname: str, subset: list[int]) -> Any:
    """``TTFontFace.addSubsetObjects`` with the subset's font program cached by its codes.

    The FontDescriptor is reportlab's; the stream is added already deflated (a stream whose
    dictionary names its filter is written as it is).
    """
    length, content = _subset_program(face, tuple(subset), bool(doc.compression))
    font_file = pdfdoc.PDFStream(content=content)
    font_file.dictionary["Length1"] = length
    if doc.compression:
        font_file.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
    font_file_ref = doc.Reference(font_file, f"fontFile:{face.filename}({fontname})")
    flags = (face.flags & ~_FF_NONSYMBOLIC) | _FF_SYMBOLIC
    descriptor = pdfdoc.PDFDictionary(
        {
            "Type": "/FontDescriptor",
            "Ascent": face.ascent,
            "CapHeight": face.capHeight,
            "Descent": face.descent,
            "Flags": flags,
            "FontBBox": pdfdoc.PDFArray(face.bbox),
            "FontName": pdfdoc.PDFName(fontname),
            "ItalicAngle": face.italicAngle,
            "StemV": face.stemV,
            "FontFile2": font_file_ref,
            "MissingWidth": face.defaultWidth,
        }
    )
    return doc.Reference(descriptor, "fontDescriptor:" + fontname)


class _Formatted(pdfdoc.PDFObject):
    """A PDF value formatted once, written as it is."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document: Any) -> bytes:
        return self.data


@lru_cache(maxsize=_SUBSET_CACHE_SIZE)
def _subset_tables(
    face: TTFontFace, base_name: str, codes: tuple[int, ...], compress: bool
) -> tuple[_Formatted, bytes | str]:
    """One subset's widths array (formatted) and ToUnicode CMap (deflated if asked)."""
    widths = pdfdoc.PDFArray([face.getCharWidth(code) for code in codes])
    cmap = makeToUnicodeCMap(base_name, list(codes))
    return (
        _Formatted(widths.format(pdfdoc.DummyDoc())),
        zlib.compress(cmap.encode("utf8")) if compress else cmap,
    )


def _add_font_objects(font: Any, doc: Any) -> None:
    """``TTFont.addObjects`` with each subset's widths and ToUnicode CMap made once per
    process (the PDF objects are reportlab's)."""
    state = font.state[doc]
    state.frozen = 1
    face = font.face
    font_dict = doc.idToObject["BasicFonts"].dict
    for number, subset in enumerate(state.subsets):
        internal_name = font.getSubsetInternalName(number, doc)[1:]
        base_name = b"".join((SUBSETN(number), b"+", face.name, face.subfontNameX)).decode("pdfdoc")
        widths, cmap = _subset_tables(face, base_name, tuple(subset), bool(doc.compression))
        cmap_stream = pdfdoc.PDFStream(content=cmap)
        if doc.compression:
            cmap_stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
        pdf_font = pdfdoc.PDFTrueTypeFont()
        pdf_font.__Comment__ = f"Font {font.fontName} subset {number}"
        pdf_font.Name = internal_name
        pdf_font.BaseFont = base_name
        pdf_font.FirstChar = 0
        pdf_font.LastChar = len(subset) - 1
        pdf_font.Widths = widths
        pdf_font.ToUnicode = doc.Reference(cmap_stream, "toUnicodeCMap:" + base_name)
        pdf_font.FontDescriptor = face.addSubsetObjects(doc, base_name, subset)
        doc.Reference(pdf_font, internal_name)
        font_dict[internal_name] = pdf_font
    del font.state[doc]


# PDF font descriptor flags (PDF reference, table 5.20), as reportlab sets them.
_FF_SYMBOLIC: Final = 1 << 2
_FF_NONSYMBOLIC: Final = 1 << 5


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
