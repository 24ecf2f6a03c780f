"""Zstandard (RFC 8878) over the ``zstandard`` package: ``ZstdCompress``, ``ZstdDecompress``.

``params`` maps Node's ``ZSTD_c_*`` constants (``ZSTD_d_windowLogMax`` when
decompressing) to values. Errors carry Node's zstd codes
(``'ZSTD_error_prefix_unknown'``...) and zstd's own messages.

Unlike zlib and brotli, the binding cannot stop decompressing one input chunk part
way: a chunk's whole output is made before the readable side's backpressure
applies (``max_output_length`` still stops it as soon as it passes the limit).
"""

from __future__ import annotations

from collections import deque
from typing import Any, Unpack

import zstandard

from rillet.errors import RilletError, new_error

from . import _constants as C
from ._base import (
    CodecOptions,
    Compressor,
    Engine,
    FlushFlags,
    ZlibBase,
    check_range,
    codec_params,
    engine_error,
    too_large,
    unexpected_end,
)
from ._zstd_frames import FrameWalker

__all__ = ["Zstd", "ZstdCompress", "ZstdDecompress", "ZstdOptions"]

# Node's compression parameters and zstandard's names for them.
_COMPRESSION_PARAMS = {
    C.ZSTD_c_windowLog: "window_log",
    C.ZSTD_c_hashLog: "hash_log",
    C.ZSTD_c_chainLog: "chain_log",
    C.ZSTD_c_searchLog: "search_log",
    C.ZSTD_c_minMatch: "min_match",
    C.ZSTD_c_targetLength: "target_length",
    C.ZSTD_c_strategy: "strategy",
    C.ZSTD_c_enableLongDistanceMatching: "enable_ldm",
    C.ZSTD_c_ldmHashLog: "ldm_hash_log",
    C.ZSTD_c_ldmMinMatch: "ldm_min_match",
    C.ZSTD_c_ldmBucketSizeLog: "ldm_bucket_size_log",
    C.ZSTD_c_ldmHashRateLog: "ldm_hash_rate_log",
    C.ZSTD_c_contentSizeFlag: "write_content_size",
    C.ZSTD_c_checksumFlag: "write_checksum",
    C.ZSTD_c_dictIDFlag: "write_dict_id",
    C.ZSTD_c_nbWorkers: "threads",
    C.ZSTD_c_jobSize: "job_size",
    C.ZSTD_c_overlapLog: "overlap_log",
}
_VALID_COMPRESSION_PARAMS = frozenset(_COMPRESSION_PARAMS) | {C.ZSTD_c_compressionLevel}

# zstd's error strings and Node's codes for them.
_ZSTD_ERRORS = {
    "Unknown frame descriptor": "prefix_unknown",
    "Version not supported": "version_unsupported",
    "Unsupported frame parameter": "frameParameter_unsupported",
    "Frame requires too much memory for decoding": "frameParameter_windowTooLarge",
    "Data corruption detected": "corruption_detected",
    "Restored data doesn't match checksum": "checksum_wrong",
    "Header of Literals' block doesn't respect format specification": "literals_headerWrong",
    "Dictionary is corrupted": "dictionary_corrupted",
    "Dictionary mismatch": "dictionary_wrong",
    "Destination buffer is too small": "dstSize_tooSmall",
    "Src size is incorrect": "srcSize_wrong",
    "Allocation error : not enough memory": "memory_allocation",
}


def _zstd_error(error: Exception) -> RilletError:
    # The binding's text: "zstd decompress error: Unknown frame descriptor".
    message = str(error).rpartition(": ")[2]
    name = _ZSTD_ERRORS.get(message, "GENERIC")
    return engine_error(message, f"ZSTD_error_{name}", getattr(C, f"ZSTD_error_{name}"))


class _ZstdCodec:
    """A ``zstandard`` compression context as a :class:`Codec`; after ``ZSTD_e_end``
    ends a frame, the next data starts another (as Node's)."""

    __slots__ = ("_compressor", "_context", "_size")

    def __init__(self, context: Any, size: int) -> None:
        self._context = context
        self._size = size
        self._compressor: Any = None

    def compress(self, data: bytes | memoryview, /) -> bytes:
        if self._compressor is None:
            self._compressor = self._context.compressobj(size=self._size)
        out: bytes = self._compressor.compress(data)
        return out

    def flush(self, kind: int, /) -> bytes:
        if kind == C.ZSTD_e_flush:
            out: bytes = self._compressor.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
        elif kind == C.ZSTD_e_end:
            out = self._compressor.flush(zstandard.COMPRESSOBJ_FLUSH_FINISH)
            self._compressor = None
        else:
            out = b""
        return out


class _Sink:
    """Where the decoder writes its output, in pieces of at most ``chunk_size``."""

    __slots__ = ("limit", "pieces", "total")

    def __init__(self, limit: int) -> None:
        self.pieces: deque[bytes] = deque()
        self.total = 0
        self.limit = limit

    def write(self, piece: bytes) -> int:
        self.total += len(piece)
        if self.total > self.limit:
            raise too_large(self.limit)  # stops the decoder inside a decompression bomb
        self.pieces.append(piece)
        return len(piece)


class _ZstdDecompressor(Engine):
    """Decodes each write at once (into the sink), then hands out one piece per step."""

    __slots__ = ("_frames", "_sink", "_writer")

    def __init__(self, context: Any, piece_size: int, limit: int) -> None:
        super().__init__()
        self._sink = _Sink(limit)
        self._writer = context.stream_writer(self._sink, write_size=piece_size)
        self._frames = FrameWalker()

    def read(self, size: int) -> bytes:
        data = self._data
        if data:
            self._data = b""
            try:
                self._writer.write(data)
            except zstandard.ZstdError as error:
                raise _zstd_error(error) from None
            self._frames.feed(data)
        pieces = self._sink.pieces
        out = pieces.popleft() if pieces else b""
        self.more = bool(pieces)
        if not self.more and self._flag == C.ZSTD_e_end and not self._frames.complete:
            raise unexpected_end()
        return out


class ZstdOptions(CodecOptions, total=False):
    """Keywords of the zstd codecs: ``params`` is ``{constants.ZSTD_c_compressionLevel: 19}``...,
    ``pledged_src_size`` the input's size when known (written in the frame header)."""

    params: dict[int, int | bool]
    pledged_src_size: int


class Zstd(ZlibBase):
    """The zstd codecs' base (Node's ``Zstd``)."""

    _flags = FlushFlags(
        C.ZSTD_e_continue, C.ZSTD_e_end, C.ZSTD_e_continue, C.ZSTD_e_end, C.ZSTD_e_flush
    )

    def __init__(self, **options: Unpack[ZstdOptions]) -> None:
        super().__init__(**options)


class ZstdCompress(Zstd):
    """Compress to zstd (default level 3, as Node)."""

    def _new_engine(self) -> Engine:
        options = self._options
        params = codec_params(options, _VALID_COMPRESSION_PARAMS, "ERR_ZSTD_INVALID_PARAM")
        size = check_range(options, "pledged_src_size", 0, 2**64 - 1, -1)
        level = params.pop(C.ZSTD_c_compressionLevel, C.ZSTD_CLEVEL_DEFAULT)
        try:
            if params:
                tuned = zstandard.ZstdCompressionParameters.from_level(
                    level, **{_COMPRESSION_PARAMS[key]: value for key, value in params.items()}
                )
                context = zstandard.ZstdCompressor(compression_params=tuned)
            else:
                context = zstandard.ZstdCompressor(level=level)
        except (ValueError, zstandard.ZstdError):
            raise new_error("ERR_ZLIB_INITIALIZATION_FAILED") from None
        return Compressor(_ZstdCodec(context, size), zstandard.ZstdError, _zstd_error)


class ZstdDecompress(Zstd):
    """Decompress zstd (several frames in a row are one stream)."""

    def _new_engine(self) -> Engine:
        params = codec_params(self._options, {C.ZSTD_d_windowLogMax}, "ERR_ZSTD_INVALID_PARAM")
        window_log = params.get(C.ZSTD_d_windowLogMax)
        try:
            context = zstandard.ZstdDecompressor(
                max_window_size=0 if window_log is None else 1 << window_log
            )
        except (ValueError, zstandard.ZstdError):
            raise new_error("ERR_ZLIB_INITIALIZATION_FAILED") from None
        return _ZstdDecompressor(context, self._chunk_size, self._max_output_length)
