"""``TextEncoderStream`` and ``TextDecoderStream`` (the Encoding Standard's streams),
built on :class:`~rillet.web.TransformStream`.

The encoder takes strings and gives UTF-8 bytes (``memoryview``); a surrogate pair split
across two chunks is rejoined, a lone surrogate becomes U+FFFD. The decoder takes bytes
and gives strings, decoding across chunk boundaries; with ``fatal`` invalid input
errors the stream with a TypeError, otherwise it becomes U+FFFD. A byte order mark at
the start is dropped unless ``ignore_bom``.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from typing import Any

from rillet.errors import NodeRangeError, NodeTypeError
from rillet.web._transform_stream import (
    GenericTransformStream,
    TransformStream,
    TransformStreamDefaultController,
)

__all__ = ["TextDecoderStream", "TextEncoderStream"]

_SURROGATES = re.compile("[\ud800-\udfff]")
_REPLACEMENT_BYTES = "\ufffd".encode()

# WHATWG encoding labels rillet knows, mapped to (name, Python codec).
_ENCODINGS: dict[str, tuple[str, str]] = {}
for _name, _codec, _labels in (
    ("utf-8", "utf-8", ("unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8")),
    ("utf-16le", "utf-16-le", ("csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "utf-16")),
    ("utf-16le", "utf-16-le", ("unicodefeff", "utf-16le")),
    ("utf-16be", "utf-16-be", ("unicodefffe", "utf-16be")),
    (
        "windows-1252",
        "cp1252",
        ("ansi_x3.4-1968", "ascii", "cp1252", "cp819", "iso-8859-1", "latin1", "us-ascii"),
    ),
    ("windows-1252", "cp1252", ("iso_8859-1", "iso8859-1", "l1", "windows-1252", "x-cp1252")),
    ("iso-8859-2", "iso8859-2", ("iso-8859-2", "iso8859-2", "latin2", "l2")),
    ("iso-8859-15", "iso8859-15", ("iso-8859-15", "iso8859-15", "latin-9", "l9")),
    ("windows-1251", "cp1251", ("cp1251", "windows-1251", "x-cp1251")),
    ("koi8-r", "koi8-r", ("koi8-r", "koi8_r", "koi", "koi8", "cskoi8r")),
    ("gbk", "gbk", ("gbk", "x-gbk", "chinese", "gb2312", "csgb2312")),
    ("gb18030", "gb18030", ("gb18030",)),
    ("big5", "big5hkscs", ("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5")),
    ("shift_jis", "shift_jis", ("shift_jis", "shift-jis", "sjis", "ms_kanji", "csshiftjis")),
    ("euc-jp", "euc_jp", ("euc-jp", "cseucpkdfmtjapanese", "x-euc-jp")),
    ("euc-kr", "euc_kr", ("euc-kr", "cseuckr", "korean", "ks_c_5601-1987", "windows-949")),
):
    for _label in _labels:
        _ENCODINGS[_label] = (_name, _codec)


def _decode_error(encoding: str) -> NodeTypeError:
    return NodeTypeError(
        f"The encoded data was not valid for encoding {encoding}",
        code="ERR_ENCODING_INVALID_ENCODED_DATA",
    )


class _Encoder:
    """The transformer of a TextEncoderStream."""

    __slots__ = ("pending",)

    def __init__(self) -> None:
        self.pending = ""

    def transform(self, chunk: Any, controller: TransformStreamDefaultController) -> None:
        text = self.pending + (chunk if type(chunk) is str else str(chunk))
        self.pending = ""
        if _SURROGATES.search(text) is not None:
            if "\ud800" <= text[-1] <= "\udbff":
                self.pending = text[-1]
                text = text[:-1]
            # A UTF-16 round trip pairs up surrogates and turns lone ones into U+FFFD.
            text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        if text:
            controller.enqueue(memoryview(text.encode()))

    def flush(self, controller: TransformStreamDefaultController) -> None:
        if self.pending:
            controller.enqueue(memoryview(_REPLACEMENT_BYTES))


class TextEncoderStream(GenericTransformStream):
    """Strings in, UTF-8 bytes (``memoryview``) out."""

    __slots__ = ()

    def __init__(self) -> None:
        self._transform = TransformStream(_Encoder())

    @property
    def encoding(self) -> str:
        """Always ``'utf-8'``."""
        return "utf-8"


class _Decoder:
    """The transformer of a TextDecoderStream."""

    __slots__ = ("bom_seen", "decoder", "encoding", "ignore_bom")

    def __init__(self, encoding: str, codec: str, fatal: bool, ignore_bom: bool) -> None:
        self.encoding = encoding
        self.decoder = codecs.getincrementaldecoder(codec)("strict" if fatal else "replace")
        self.ignore_bom = ignore_bom
        self.bom_seen = ignore_bom

    def _emit(self, data: Any, final: bool, controller: TransformStreamDefaultController) -> None:
        try:
            text = self.decoder.decode(data, final)
        except UnicodeDecodeError:
            raise _decode_error(self.encoding) from None
        if not self.bom_seen and text:
            self.bom_seen = True
            if text[0] == "\ufeff":
                text = text[1:]
        if text:
            controller.enqueue(text)

    def transform(self, chunk: Any, controller: TransformStreamDefaultController) -> None:
        try:
            data = memoryview(chunk)
        except TypeError:
            raise NodeTypeError(
                "The chunk must be bytes, bytearray or a memoryview", code="ERR_INVALID_ARG_TYPE"
            ) from None
        self._emit(data, False, controller)

    def flush(self, controller: TransformStreamDefaultController) -> None:
        self._emit(b"", True, controller)


class TextDecoderStream(GenericTransformStream):
    """Bytes in, strings out: ``TextDecoderStream(label='utf-8', fatal=False,
    ignore_bom=False)`` (the options may also come as a dict, as in JavaScript). An
    unknown label raises ValueError (JavaScript's RangeError).
    """

    __slots__ = ("_decoder",)

    def __init__(self, label: str = "utf-8", fatal: Any = False, ignore_bom: bool = False):
        if isinstance(fatal, Mapping):  # JavaScript's options dictionary
            ignore_bom = fatal.get("ignore_bom", ignore_bom)
            fatal = fatal.get("fatal", False)
        found = _ENCODINGS.get(str(label).strip().lower())
        if found is None:
            raise NodeRangeError(
                f'The "{label}" encoding is not supported', code="ERR_ENCODING_NOT_SUPPORTED"
            )
        encoding, codec = found
        self._decoder = _Decoder(encoding, codec, bool(fatal), bool(ignore_bom))
        self._transform = TransformStream(self._decoder)

    @property
    def encoding(self) -> str:
        """The encoding's canonical name (``'utf-8'``, ``'utf-16le'``...)."""
        return self._decoder.encoding

    @property
    def fatal(self) -> bool:
        """Invalid input errors the stream instead of becoming U+FFFD."""
        return self._decoder.decoder.errors == "strict"

    @property
    def ignore_bom(self) -> bool:
        """A leading byte order mark is kept."""
        return self._decoder.ignore_bom
