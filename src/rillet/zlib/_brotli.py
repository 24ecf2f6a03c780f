"""Brotli (RFC 7932) over the ``brotli`` package: ``BrotliCompress``, ``BrotliDecompress``.

``params`` maps Node's ``BROTLI_PARAM_*`` constants to values. The Python binding
takes the mode, quality, window and block size; the other encoder parameters are
tuning hints it cannot pass on, so they are accepted and ignored
(``BROTLI_PARAM_LARGE_WINDOW``, which changes the format, fails initialization).
"""

from __future__ import annotations

from typing import Any, Unpack

import brotli  # type: ignore[import-untyped]

from rillet.errors import RilletError, new_error

from . import _constants as C
from ._base import (
    CodecOptions,
    Compressor,
    Engine,
    FlushFlags,
    ZlibBase,
    codec_params,
    engine_error,
    unexpected_end,
)

__all__ = ["Brotli", "BrotliCompress", "BrotliDecompress", "BrotliOptions"]

# Node accepts every parameter number up to the highest it knows, on both sides.
_VALID_PARAMS = range(C.BROTLI_PARAM_NDIRECT + 1)


class _BrotliCodec:
    """The binding's ``Compressor`` as a :class:`Codec`: the flush kinds are operations."""

    __slots__ = ("_compressor",)

    def __init__(self, compressor: Any) -> None:
        self._compressor = compressor

    def compress(self, data: bytes | memoryview, /) -> bytes:
        out: bytes = self._compressor.process(data)
        return out

    def flush(self, kind: int, /) -> bytes:
        if kind == C.BROTLI_OPERATION_FLUSH:
            out: bytes = self._compressor.flush()
        elif kind == C.BROTLI_OPERATION_FINISH:
            out = self._compressor.finish()
        else:  # BROTLI_OPERATION_EMIT_METADATA: the binding cannot
            out = b""
        return out


def _compression_failed(_error: Exception) -> RilletError:
    return engine_error("Compression failed", "ERR_BROTLI_COMPRESSION_FAILED", -1)


class _BrotliDecompressor(Engine):
    """Stepped with the binding's ``output_buffer_limit`` (it rounds the limit up to
    its own block, about 32 KiB, and the stream cuts that into ``chunk_size`` pieces)."""

    __slots__ = ("_decompressor",)

    def __init__(self) -> None:
        super().__init__()
        self._decompressor = brotli.Decompressor()

    def read(self, size: int) -> bytes:
        d = self._decompressor
        data = self._data
        self._data = b""
        if data and d.is_finished():
            data = b""  # Node ignores what follows the end of the stream
        try:
            out: bytes = d.process(data, output_buffer_limit=size) if size else d.process(data)
        except brotli.error:
            raise engine_error("Decompression failed", "Z_DATA_ERROR", C.Z_DATA_ERROR) from None
        self.more = 0 < size <= len(out) or not d.can_accept_more_data()
        if not self.more and self._flag == C.BROTLI_OPERATION_FINISH and not d.is_finished():
            raise unexpected_end()
        return out


class BrotliOptions(CodecOptions, total=False):
    """Keywords of the brotli codecs: ``params`` is ``{constants.BROTLI_PARAM_QUALITY: 4}``..."""

    params: dict[int, int | bool]


class Brotli(ZlibBase):
    """The brotli codecs' base (Node's ``Brotli``)."""

    _flags = FlushFlags(
        C.BROTLI_OPERATION_PROCESS,
        C.BROTLI_OPERATION_EMIT_METADATA,
        C.BROTLI_OPERATION_PROCESS,
        C.BROTLI_OPERATION_FINISH,
        C.BROTLI_OPERATION_FLUSH,
    )

    def __init__(self, **options: Unpack[BrotliOptions]) -> None:
        super().__init__(**options)


class BrotliCompress(Brotli):
    """Compress to brotli (default quality 11, window 22, as Node)."""

    _inline_limit = 1024  # quality 11 is slow: the one-shot helpers use a thread sooner

    def _new_engine(self) -> Engine:
        params = codec_params(self._options, _VALID_PARAMS, "ERR_BROTLI_INVALID_PARAM")
        if params.get(C.BROTLI_PARAM_LARGE_WINDOW):
            raise new_error("ERR_ZLIB_INITIALIZATION_FAILED")
        quality = params.get(C.BROTLI_PARAM_QUALITY, C.BROTLI_DEFAULT_QUALITY)
        try:
            compressor = brotli.Compressor(
                mode=params.get(C.BROTLI_PARAM_MODE, C.BROTLI_DEFAULT_MODE),
                # The C library clamps the quality; the binding would refuse it.
                quality=min(max(quality, C.BROTLI_MIN_QUALITY), C.BROTLI_MAX_QUALITY),
                lgwin=params.get(C.BROTLI_PARAM_LGWIN, C.BROTLI_DEFAULT_WINDOW),
                lgblock=params.get(C.BROTLI_PARAM_LGBLOCK, 0),
            )
        except brotli.error:
            raise new_error("ERR_ZLIB_INITIALIZATION_FAILED") from None
        return Compressor(_BrotliCodec(compressor), brotli.error, _compression_failed)


class BrotliDecompress(Brotli):
    """Decompress brotli (the decoder parameters are accepted and have no effect)."""

    def _new_engine(self) -> Engine:
        codec_params(self._options, _VALID_PARAMS, "ERR_BROTLI_INVALID_PARAM")
        return _BrotliDecompressor()
