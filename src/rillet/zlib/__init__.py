"""Compression streams: Node's ``zlib`` module on the standard library's ``zlib``,
``brotli`` and ``zstandard``.

Each ``create_*`` returns a Transform (bytes in, bytes out) taking Node's options in
snake_case: ``level``, ``chunk_size``, ``window_bits``, ``mem_level``, ``strategy``,
``dictionary``, ``flush``, ``finish_flush``, ``max_output_length``, and ``params``
for brotli and zstd (keys from :data:`constants`). ``stream.flush()`` emits what has
been compressed so far; corrupt input is an ``'error'`` with Node's ``code``
(``'Z_DATA_ERROR'``, ``'Z_BUF_ERROR'`` for a truncated stream...). The one-shot
helpers (``await gzip(data)``, ``gzip_sync(data)``...) return ``bytes``.

>>> from rillet import zlib
>>> zlib.gunzip_sync(zlib.gzip_sync(b"hello"))
b'hello'
"""

from __future__ import annotations

from typing import Unpack
from zlib import crc32 as _crc32

from . import _constants as constants
from ._brotli import BrotliCompress, BrotliDecompress, BrotliOptions
from ._oneshot import helpers
from ._zlib import Deflate, DeflateRaw, Gunzip, Gzip, Inflate, InflateRaw, Unzip, ZlibOptions
from ._zstd import ZstdCompress, ZstdDecompress, ZstdOptions

__all__ = [
    "BrotliCompress",
    "BrotliDecompress",
    "BrotliOptions",
    "Deflate",
    "DeflateRaw",
    "Gunzip",
    "Gzip",
    "Inflate",
    "InflateRaw",
    "Unzip",
    "ZlibOptions",
    "ZstdCompress",
    "ZstdDecompress",
    "ZstdOptions",
    "brotli_compress",
    "brotli_compress_sync",
    "brotli_decompress",
    "brotli_decompress_sync",
    "constants",
    "crc32",
    "create_brotli_compress",
    "create_brotli_decompress",
    "create_deflate",
    "create_deflate_raw",
    "create_gunzip",
    "create_gzip",
    "create_inflate",
    "create_inflate_raw",
    "create_unzip",
    "create_zstd_compress",
    "create_zstd_decompress",
    "deflate",
    "deflate_raw",
    "deflate_raw_sync",
    "deflate_sync",
    "gunzip",
    "gunzip_sync",
    "gzip",
    "gzip_sync",
    "inflate",
    "inflate_raw",
    "inflate_raw_sync",
    "inflate_sync",
    "unzip",
    "unzip_sync",
    "zstd_compress",
    "zstd_compress_sync",
    "zstd_decompress",
    "zstd_decompress_sync",
]


def create_gzip(**options: Unpack[ZlibOptions]) -> Gzip:
    """A new :class:`Gzip` stream (Node's ``zlib.createGzip``)."""
    return Gzip(**options)


def create_gunzip(**options: Unpack[ZlibOptions]) -> Gunzip:
    """A new :class:`Gunzip` stream (Node's ``zlib.createGunzip``)."""
    return Gunzip(**options)


def create_deflate(**options: Unpack[ZlibOptions]) -> Deflate:
    """A new :class:`Deflate` stream (Node's ``zlib.createDeflate``)."""
    return Deflate(**options)


def create_inflate(**options: Unpack[ZlibOptions]) -> Inflate:
    """A new :class:`Inflate` stream (Node's ``zlib.createInflate``)."""
    return Inflate(**options)


def create_deflate_raw(**options: Unpack[ZlibOptions]) -> DeflateRaw:
    """A new :class:`DeflateRaw` stream (Node's ``zlib.createDeflateRaw``)."""
    return DeflateRaw(**options)


def create_inflate_raw(**options: Unpack[ZlibOptions]) -> InflateRaw:
    """A new :class:`InflateRaw` stream (Node's ``zlib.createInflateRaw``)."""
    return InflateRaw(**options)


def create_unzip(**options: Unpack[ZlibOptions]) -> Unzip:
    """A new :class:`Unzip` stream: gzip or zlib input (Node's ``zlib.createUnzip``)."""
    return Unzip(**options)


def create_brotli_compress(**options: Unpack[BrotliOptions]) -> BrotliCompress:
    """A new :class:`BrotliCompress` stream (Node's ``zlib.createBrotliCompress``)."""
    return BrotliCompress(**options)


def create_brotli_decompress(**options: Unpack[BrotliOptions]) -> BrotliDecompress:
    """A new :class:`BrotliDecompress` stream (Node's ``zlib.createBrotliDecompress``)."""
    return BrotliDecompress(**options)


def create_zstd_compress(**options: Unpack[ZstdOptions]) -> ZstdCompress:
    """A new :class:`ZstdCompress` stream (Node's ``zlib.createZstdCompress``)."""
    return ZstdCompress(**options)


def create_zstd_decompress(**options: Unpack[ZstdOptions]) -> ZstdDecompress:
    """A new :class:`ZstdDecompress` stream (Node's ``zlib.createZstdDecompress``)."""
    return ZstdDecompress(**options)


def crc32(data: bytes | bytearray | memoryview | str, value: int = 0) -> int:
    """The CRC-32 of ``data`` (a ``str`` as UTF-8), continuing from ``value``."""
    return _crc32(data.encode() if isinstance(data, str) else data, value)


gzip, gzip_sync = helpers(Gzip, "gzip", "Compress to gzip")
gunzip, gunzip_sync = helpers(Gunzip, "gunzip", "Decompress gzip")
deflate, deflate_sync = helpers(Deflate, "deflate", "Compress to zlib")
inflate, inflate_sync = helpers(Inflate, "inflate", "Decompress zlib")
deflate_raw, deflate_raw_sync = helpers(DeflateRaw, "deflate_raw", "Compress to raw deflate")
inflate_raw, inflate_raw_sync = helpers(InflateRaw, "inflate_raw", "Decompress raw deflate")
unzip, unzip_sync = helpers(Unzip, "unzip", "Decompress gzip or zlib")
brotli_compress, brotli_compress_sync = helpers(
    BrotliCompress, "brotli_compress", "Compress to brotli"
)
brotli_decompress, brotli_decompress_sync = helpers(
    BrotliDecompress, "brotli_decompress", "Decompress brotli"
)
zstd_compress, zstd_compress_sync = helpers(ZstdCompress, "zstd_compress", "Compress to zstd")
zstd_decompress, zstd_decompress_sync = helpers(
    ZstdDecompress, "zstd_decompress", "Decompress zstd"
)
