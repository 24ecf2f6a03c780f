"""``CompressionStream`` and ``DecompressionStream`` (the Compression Standard) on the
standard library's ``zlib``, built on :class:`~rillet.web.TransformStream`.

Formats: ``'gzip'`` (RFC 1952), ``'deflate'`` (the zlib format, RFC 1950) and
``'deflate-raw'`` (RFC 1951); anything else is a TypeError. Chunks are bytes-like
(a non-buffer chunk errors the stream with TypeError); output chunks are
``memoryview``. Corrupt input, bytes after the end of the compressed data, or input
that ends early error the decompressing stream with TypeError. Decompressed output is
enqueued in pieces of at most 64 KiB.
"""

from __future__ import annotations

import zlib
from typing import Any

from rillet.errors import NodeTypeError
from rillet.web._transform_stream import (
    GenericTransformStream,
    TransformStream,
    TransformStreamDefaultController,
)
from rillet.web._util import type_error

__all__ = ["CompressionStream", "DecompressionStream"]

_WINDOW_BITS = {"gzip": 31, "deflate": 15, "deflate-raw": -15}
_OUTPUT_PIECE = 65536


def _window_bits(format: str) -> int:
    bits = _WINDOW_BITS.get(format) if isinstance(format, str) else None
    if bits is None:
        raise type_error(f"The format must be 'gzip', 'deflate' or 'deflate-raw', got {format!r}")
    return bits


def _data_error(message: str) -> NodeTypeError:
    return NodeTypeError(message, code="Z_DATA_ERROR")


def _buffer(chunk: Any) -> memoryview:
    try:
        return memoryview(chunk)
    except TypeError:
        raise type_error("The chunk must be bytes, bytearray or a memoryview") from None


class _Compressor:
    __slots__ = ("compressor",)

    def __init__(self, bits: int) -> None:
        self.compressor = zlib.compressobj(wbits=bits)

    def transform(self, chunk: Any, controller: TransformStreamDefaultController) -> None:
        output = self.compressor.compress(_buffer(chunk))
        if output:
            controller.enqueue(memoryview(output))

    def flush(self, controller: TransformStreamDefaultController) -> None:
        output = self.compressor.flush()
        if output:
            controller.enqueue(memoryview(output))


class _Decompressor:
    __slots__ = ("decompressor",)

    def __init__(self, bits: int) -> None:
        self.decompressor = zlib.decompressobj(wbits=bits)

    def transform(self, chunk: Any, controller: TransformStreamDefaultController) -> None:
        data = _buffer(chunk)
        decompressor = self.decompressor
        if decompressor.eof:
            if data.nbytes:
                raise _data_error("Junk found after the end of the compressed data")
            return
        try:
            output = decompressor.decompress(data, _OUTPUT_PIECE)
            while True:
                if output:
                    controller.enqueue(memoryview(output))
                tail = decompressor.unconsumed_tail
                if not tail:
                    break
                output = decompressor.decompress(tail, _OUTPUT_PIECE)
        except zlib.error as error:
            raise _data_error(str(error)) from None
        if decompressor.unused_data:
            raise _data_error("Junk found after the end of the compressed data")

    def flush(self, controller: TransformStreamDefaultController) -> None:
        if not self.decompressor.eof:
            raise _data_error("The compressed data ended early")


class CompressionStream(GenericTransformStream):
    """Compresses what is written: ``CompressionStream('gzip')``."""

    __slots__ = ()

    def __init__(self, format: str) -> None:
        self._transform = TransformStream(_Compressor(_window_bits(format)))


class DecompressionStream(GenericTransformStream):
    """Decompresses what is written: ``DecompressionStream('gzip')``."""

    __slots__ = ()

    def __init__(self, format: str) -> None:
        self._transform = TransformStream(_Decompressor(_window_bits(format)))
