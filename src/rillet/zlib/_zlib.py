"""The zlib codecs over the standard library's ``zlib``: gzip, deflate, raw deflate, unzip.

``Gunzip`` (and ``Unzip`` on gzip input) reads concatenated gzip members as one
stream, and ignores what follows a member when it starts with a zero byte (padding),
as Node does; ``Inflate`` and ``InflateRaw`` ignore what follows the end of their
stream.
"""

from __future__ import annotations

import re
import zlib
from typing import Any, ClassVar, Unpack

from rillet.errors import RilletError, new_error

from . import _constants as C
from ._base import (
    CodecOptions,
    Compressor,
    Engine,
    FlushFlags,
    ZlibBase,
    check_range,
    engine_error,
    invalid_property,
    unexpected_end,
)

__all__ = [
    "Deflate",
    "DeflateRaw",
    "Gunzip",
    "Gzip",
    "Inflate",
    "InflateRaw",
    "Unzip",
    "Zlib",
    "ZlibOptions",
]

_ZLIB_CODES = {
    C.Z_NEED_DICT: "Z_NEED_DICT",
    C.Z_ERRNO: "Z_ERRNO",
    C.Z_STREAM_ERROR: "Z_STREAM_ERROR",
    C.Z_DATA_ERROR: "Z_DATA_ERROR",
    C.Z_MEM_ERROR: "Z_MEM_ERROR",
    C.Z_BUF_ERROR: "Z_BUF_ERROR",
    C.Z_VERSION_ERROR: "Z_VERSION_ERROR",
}
# CPython's text: "Error -3 while decompressing data: incorrect header check".
_ZLIB_MESSAGE = re.compile(r"Error (-?\d+) while (\w+) (\w+)(?:: (.*))?")


def _zlib_error(error: Exception) -> RilletError:
    """Node's error for a failure CPython's ``zlib`` reported as text."""
    match = _ZLIB_MESSAGE.match(str(error))
    if match is None:
        return engine_error(str(error), "Z_DATA_ERROR", C.Z_DATA_ERROR)
    errno = int(match.group(1))
    if match.group(3) == "zdict":
        return engine_error("Bad dictionary", "Z_NEED_DICT", C.Z_NEED_DICT)
    if errno == C.Z_NEED_DICT:
        return engine_error("Missing dictionary", "Z_NEED_DICT", C.Z_NEED_DICT)
    code = _ZLIB_CODES.get(errno, "Z_DATA_ERROR")
    return engine_error(match.group(4) or "zlib error", code, errno)


class _Inflater(Engine):
    """A ``zlib.decompressobj`` stepped at most ``size`` bytes of output at a time.

    The input goes in slices of ``size`` bytes too, since CPython copies what a call
    leaves unconsumed: whole large chunks would be copied again on every step.
    """

    __slots__ = ("_decompressor", "_done", "_gzip", "_kwargs", "_pos")

    def __init__(self, kwargs: dict[str, Any], gzip: bool | None) -> None:
        super().__init__()
        self._kwargs = kwargs
        self._decompressor = zlib.decompressobj(**kwargs)
        # True: gzip members may follow each other; False: one stream; None: not
        # known yet (unzip: the first byte tells).
        self._gzip = gzip
        self._done = False
        self._pos = 0

    def write(self, data: bytes | memoryview, flag: int) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self._flag = flag
        self._done = False

    def read(self, size: int) -> bytes:
        d = self._decompressor
        data = self._data
        pos = self._pos
        end = len(data)
        if pos < end:
            if self._gzip is None:
                self._gzip = data[pos] == 0x1F
            if d.eof:
                # Another gzip member, or what Node ignores (padding, trailing data).
                if self._gzip and data[pos] != 0:
                    d = self._decompressor = zlib.decompressobj(**self._kwargs)
                else:
                    self._done = True
        if self._done or d.eof:  # the rest of this input is ignored
            self._pos = end
            self.more = False
            return b""
        piece = data[pos : pos + size] if size else data[pos:]
        try:
            out: bytes = d.decompress(piece, size)
        except zlib.error as error:
            raise _zlib_error(error) from None
        # ``d`` had not reached its end before this call: its leftovers are this piece's.
        pos += len(piece) - len(d.unused_data if d.eof else d.unconsumed_tail)
        self._pos = pos
        self.more = pos < end or (0 < size == len(out) and not d.eof)
        if not self.more and not d.eof and self._flag == C.Z_FINISH:
            raise unexpected_end()
        return out


class ZlibOptions(CodecOptions, total=False):
    """Keywords of the zlib codecs (Node's ``zlib`` options in snake_case)."""

    level: int
    window_bits: int
    mem_level: int
    strategy: int
    dictionary: bytes | bytearray | memoryview


_ZLIB_FLAGS = FlushFlags(C.Z_NO_FLUSH, C.Z_BLOCK, C.Z_NO_FLUSH, C.Z_FINISH, C.Z_FULL_FLUSH)


class Zlib(ZlibBase):
    """The zlib codecs' base (Node's ``Zlib``): options ``level`` (-1..9),
    ``window_bits`` (8..15; 0 for "as the header says" when decompressing),
    ``mem_level`` (1..9), ``strategy`` (0..4), ``dictionary``."""

    _flags = _ZLIB_FLAGS
    _mode: ClassVar[int]

    def __init__(self, **options: Unpack[ZlibOptions]) -> None:
        super().__init__(**options)

    def _new_engine(self) -> Engine:
        options = self._options
        mode = self._mode
        if mode in (C.INFLATE, C.GUNZIP, C.UNZIP) and not options.get("window_bits"):
            window_bits = 0
        else:
            lowest = C.Z_MIN_WINDOWBITS + (mode == C.GZIP)
            window_bits = check_range(
                options, "window_bits", lowest, C.Z_MAX_WINDOWBITS, C.Z_DEFAULT_WINDOWBITS
            )
        level = check_range(options, "level", C.Z_MIN_LEVEL, C.Z_MAX_LEVEL, C.Z_DEFAULT_COMPRESSION)
        mem_level = check_range(
            options, "mem_level", C.Z_MIN_MEMLEVEL, C.Z_MAX_MEMLEVEL, C.Z_DEFAULT_MEMLEVEL
        )
        strategy = check_range(
            options, "strategy", C.Z_DEFAULT_STRATEGY, C.Z_FIXED, C.Z_DEFAULT_STRATEGY
        )
        kwargs: dict[str, Any] = {}
        dictionary = options.get("dictionary")
        if dictionary is not None:
            if not isinstance(dictionary, bytes | bytearray | memoryview):
                raise invalid_property("options.dictionary", "a bytes-like object", dictionary)
            kwargs["zdict"] = bytes(dictionary)
        if mode == C.DEFLATERAW and window_bits == 8:
            window_bits = 9  # zlib refuses 8 for raw deflate; Node asks for 9 instead
        kwargs["wbits"] = {
            C.GZIP: 16 + window_bits,
            C.GUNZIP: 16 + window_bits,
            C.DEFLATERAW: -window_bits,
            C.INFLATERAW: -window_bits,
            C.UNZIP: 32 + window_bits,
        }.get(mode, window_bits)
        try:
            if mode in (C.DEFLATE, C.GZIP, C.DEFLATERAW):
                compressor = zlib.compressobj(
                    level, zlib.DEFLATED, memLevel=mem_level, strategy=strategy, **kwargs
                )
                return Compressor(compressor, zlib.error, _zlib_error)
            gzip = {C.GUNZIP: True, C.UNZIP: None}.get(mode, False)
            return _Inflater(kwargs, gzip)
        except (ValueError, zlib.error):
            raise new_error("ERR_ZLIB_INITIALIZATION_FAILED") from None


class Deflate(Zlib):
    """Compress to the zlib format (RFC 1950)."""

    _mode = C.DEFLATE


class Inflate(Zlib):
    """Decompress the zlib format."""

    _mode = C.INFLATE


class Gzip(Zlib):
    """Compress to gzip (RFC 1952)."""

    _mode = C.GZIP


class Gunzip(Zlib):
    """Decompress gzip (several concatenated members are one stream)."""

    _mode = C.GUNZIP


class DeflateRaw(Zlib):
    """Compress to raw deflate (RFC 1951, no header or checksum)."""

    _mode = C.DEFLATERAW


class InflateRaw(Zlib):
    """Decompress raw deflate."""

    _mode = C.INFLATERAW


class Unzip(Zlib):
    """Decompress gzip or zlib, whichever the header shows."""

    _mode = C.UNZIP
