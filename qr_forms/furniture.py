"""Page furniture: what every copy of a document prints whatever its data (labels, boxes,
rules, shaded bars), drawn once per process and shared.

The :class:`~qr_forms.layout.Pen` of a document that uses furniture records its drawing calls
instead of drawing them, except inside :meth:`~qr_forms.layout.Pen.values` (a job's values,
and what they move). The recorded calls are the key of the cache: a page whose furniture
differs (say, a job block grown by a wrapped title) gets an entry of its own, and a cached
drawing only ever stands for the very same calls. On a miss the calls are replayed into a
content stream of their own, deflated once, and kept.

A page's contents are then four streams, painted in turn: the page's own graphics (its QR
codes), the furniture's graphics, the furniture's text, the page's own text. So text stays on
top of every graphic, as when a page is drawn at once, and the rule of a footer stays on top of
a code that a grown job block pushed down onto it. The two furniture streams are shared by the
pages of a batch that have the same. The furniture's text must use pinned characters
(fixed font codes, see :func:`qr_forms.fonts.pin_characters`): a replay that gives a character
a new code is used for its own page only, never cached.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable
from typing import Any, Final

from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

#: The ``layout.Pen`` drawing a page (not imported: layout imports this module).
Pen = Any

__all__ = ["Call", "Furniture", "cache_size"]

Call = tuple[Callable[..., None], tuple[Any, ...]]
"""One recorded drawing call: a ``Pen`` drawing method and its arguments."""

_CACHE_SIZE: Final = 64
Content = bytes | str
# (compression, font, its name in the document, pinned characters, calls) -> the furniture's
# graphics and text stream contents, deflated when the document is compressed. Oldest entries
# go first when it is full.
_CACHE: dict[_Key, tuple[Content, Content]] = {}
_CACHE_LOCK = threading.Lock()


class _Key:
    """A cache key made of a page's recorded calls, hashed once (not at every lookup)."""

    __slots__ = ("parts", "_hash")

    def __init__(self, parts: tuple[Any, ...]) -> None:
        self.parts = parts
        self._hash = hash(parts)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Key) and self._hash == other._hash and self.parts == other.parts


def cache_size() -> int:
    """How many furniture drawings the process keeps."""
    return len(_CACHE)


class Furniture:
    """The furniture of one PDF's pages: made or found in the cache page by page, one stream
    object per distinct furniture in the document."""

    def __init__(self, canvas: Canvas, font_name: str, pinned: str) -> None:
        self._canvas = canvas
        doc = canvas._doc
        font = pdfmetrics.getFont(font_name)
        self._ttf = font if isinstance(font, TTFont) else None
        # The font's name inside this document is part of every drawing's text.
        internal = (
            font.getSubsetInternalName(0, doc)
            if self._ttf is not None
            else doc.getInternalFontName(font_name)
        )
        self._context = (bool(doc.compression), font_name, internal, pinned)
        # Codes below this one are the pinned characters', the same in every document.
        self._pinned_codes = self._ttf.state[doc].nextCode if self._ttf is not None else 0
        self._streams: dict[_Key, tuple[pdfdoc.PDFObjectReference, ...]] = {}
        self._pending: tuple[pdfdoc.PDFObjectReference, ...] = ()
        self._own_text = ""

    def close_page(self, pen: Pen, calls: tuple[Call, ...], text: str) -> None:
        """Take the page's recorded calls and its own text (a text object's code); they are
        attached to the page by :meth:`attach`."""
        key = _Key((*self._context, calls))
        references = self._streams.get(key)
        if references is None:
            contents = _CACHE.get(key)
            shared = True
            if contents is None:
                contents, shared = self._draw(pen, calls)
                if shared:
                    with _CACHE_LOCK:
                        while len(_CACHE) >= _CACHE_SIZE:
                            del _CACHE[next(iter(_CACHE))]
                        _CACHE[key] = contents
            doc = self._canvas._doc
            compressed = self._context[0]
            references = tuple(doc.Reference(_stream(c, compressed)) for c in contents)
            if shared:
                self._streams[key] = references
        self._pending = references
        self._own_text = text

    def attach(self) -> None:
        """Give the page just shown (``canvas.showPage``) its four streams."""
        doc = self._canvas._doc
        page = doc.Pages.pages[-1]
        graphics, text = self._pending
        own = [
            doc.Reference(_own_stream("q\n" + page.stream + "\nQ\n", page.compression)),
            doc.Reference(_own_stream(self._own_text + "\n", page.compression)),
        ]
        page.Contents = pdfdoc.PDFArray([own[0], graphics, text, own[1]])
        self._pending = ()

    def _draw(self, pen: Pen, calls: tuple[Call, ...]) -> tuple[tuple[Content, Content], bool]:
        """Replay ``calls`` into streams of their own: the graphics' and the text's contents,
        and whether they may be shared (their text has pinned characters only)."""
        canvas = self._canvas
        page_code = canvas._code
        canvas._code = []
        page_text = pen._text, pen._text_size, pen._text_color
        pen.restart_text()
        try:
            for draw, args in calls:
                draw(pen, *args)
            graphics = "q\n" + "\n".join(canvas._code) + "\nQ\n"
            text = "q\n" + pen._text.getCode() + "\nQ\n"
        finally:
            canvas._code = page_code
            pen._text, pen._text_size, pen._text_color = page_text
        shared = self._pinned_only(calls)
        if self._context[0]:
            return (_deflate(graphics), _deflate(text)), shared
        return (graphics, text), shared

    def _pinned_only(self, calls: tuple[Call, ...]) -> bool:
        """Whether every string the calls draw has pinned characters only."""
        if self._ttf is None:
            return True  # the built-in CID font has one fixed encoding
        codes = self._ttf.state[self._canvas._doc].assignments
        limit = self._pinned_codes
        return all(
            codes.get(ord(char), limit) < limit
            for _, args in calls
            for arg in args
            if isinstance(arg, str)
            for char in arg
        )


def _deflate(content: str) -> bytes:
    return zlib.compress(content.encode("utf8"))


def _stream(content: Content, compressed: bool) -> pdfdoc.PDFStream:
    stream = pdfdoc.PDFStream(content=content)
    if compressed:
        # A stream whose dictionary names its filter is written as it is.
        stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
    return stream


def _own_stream(content: str, compressed: bool) -> pdfdoc.PDFStream:
    stream = pdfdoc.PDFStream(content=content)
    if compressed:
        stream.filters = [pdfdoc.PDFZCompress]
    return stream
