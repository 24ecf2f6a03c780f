"""``flush()``: what was written so far comes out, decodable, before the end."""

from __future__ import annotations

import asyncio
import zlib as stdlib_zlib
from typing import Any

import brotli
import pytest
import zstandard

from rillet import once, zlib

C = zlib.constants


def _zlib_decoder(wbits: int) -> Any:
    decoder = stdlib_zlib.decompressobj(wbits)
    return decoder.decompress


def _zstd_decoder() -> Any:
    return zstandard.ZstdDecompressor().decompressobj(read_across_frames=True).decompress


# (name, compressor factory, a streaming reference decoder: feed(bytes) -> bytes)
COMPRESSORS = [
    ("gzip", zlib.create_gzip, lambda: _zlib_decoder(31)),
    ("deflate", zlib.create_deflate, lambda: _zlib_decoder(15)),
    ("deflate_raw", zlib.create_deflate_raw, lambda: _zlib_decoder(-15)),
    ("brotli", zlib.create_brotli_compress, lambda: brotli.Decompressor().process),
    ("zstd", zlib.create_zstd_compress, _zstd_decoder),
]
IDS = [name for name, _, _ in COMPRESSORS]


def _collect(stream: Any) -> list[bytes]:
    out: list[bytes] = []
    stream.on("data", out.append)
    return out


async def _flushed(stream: Any, *args: Any) -> None:
    done = asyncio.get_running_loop().create_future()
    stream.flush(*args, lambda error=None: done.set_result(error))
    assert await done is None


async def _written(stream: Any, chunk: bytes) -> None:
    done = asyncio.get_running_loop().create_future()
    stream.write(chunk, lambda error=None: done.set_result(error))
    assert await done is None


@pytest.mark.parametrize(("name", "create", "decoder"), COMPRESSORS, ids=IDS)
async def test_flush_emits_a_decodable_prefix(name, create, decoder):
    stream = create()
    out = _collect(stream)
    feed = decoder()
    first = b"event: one\ndata: hello\n\n" * 20
    stream.write(first)
    await _flushed(stream)
    assert feed(b"".join(out)) == first
    seen = len(out)
    second = b"event: two\ndata: world\n\n"
    stream.write(second)
    await _flushed(stream)
    assert feed(b"".join(out[seen:])) == second
    seen = len(out)
    stream.end(b"last")
    await once(stream, "end")
    assert feed(b"".join(out[seen:])) == b"last"
    assert decoder()(b"".join(out)) == first + second + b"last"


@pytest.mark.parametrize(("name", "create", "decoder"), COMPRESSORS, ids=IDS)
async def test_flush_is_ordered_after_earlier_writes(name, create, decoder):
    stream = create(high_water_mark=16)  # writes queue up behind the first
    out = _collect(stream)
    stream.cork()
    for i in range(5):
        stream.write(b"line %d\n" % i)
    flushed = asyncio.get_running_loop().create_future()
    stream.flush(lambda error=None: flushed.set_result(b"".join(out)))
    stream.write(b"after the flush\n")
    stream.uncork()
    assert decoder()(await flushed) == b"".join(b"line %d\n" % i for i in range(5))
    stream.end()


async def test_flush_kinds_and_the_flush_option():
    # A sync flush ends on the empty stored block 00 00 ff ff.
    gzip = zlib.create_gzip()
    out = _collect(gzip)
    gzip.write(b"abc")
    await _flushed(gzip, C.Z_SYNC_FLUSH)
    assert b"".join(out).endswith(b"\x00\x00\xff\xff")
    # flush=Z_SYNC_FLUSH flushes after every write: each write's output decodes at once.
    deflate = zlib.create_deflate(flush=C.Z_SYNC_FLUSH)
    pieces = _collect(deflate)
    feed = _zlib_decoder(15)
    for word in (b"alpha", b"beta", b"gamma"):
        await _written(deflate, word)
        assert feed(b"".join(pieces)) == word
        pieces.clear()
    deflate.end()


async def test_flush_with_nothing_written_and_after_the_end():
    gzip = zlib.create_gzip()
    out = _collect(gzip)
    await _flushed(gzip)
    ended = asyncio.get_running_loop().create_future()
    gzip.end()
    # Ending: the callback waits for 'end'.
    gzip.flush(lambda *args: ended.set_result(gzip.readable_ended))
    assert await ended is True
    assert zlib.gunzip_sync(b"".join(out)) == b""
    # Finished: the callback comes on a later tick.
    called = asyncio.get_running_loop().create_future()
    gzip.flush(lambda *args: called.set_result(True))
    assert not called.done()
    assert await called


async def test_brotli_flush_option_flushes_every_write():
    stream = zlib.create_brotli_compress(flush=C.BROTLI_OPERATION_FLUSH)
    out = _collect(stream)
    feed = brotli.Decompressor().process
    await _written(stream, b"streamed")
    assert feed(b"".join(out)) == b"streamed"
    stream.end()


@pytest.mark.parametrize(
    ("compress", "create"),
    [
        (zlib.gzip_sync, zlib.create_gunzip),
        (zlib.brotli_compress_sync, zlib.create_brotli_decompress),
        (zlib.zstd_compress_sync, zlib.create_zstd_decompress),
    ],
    ids=["gunzip", "brotli", "zstd"],
)
async def test_flush_on_a_decompressor_changes_nothing(compress, create):
    data = b"0123456789" * 1000
    packed = compress(data)
    stream = create()
    out = _collect(stream)
    stream.write(packed[:100])
    await _flushed(stream)
    stream.end(packed[100:])
    await once(stream, "end")
    assert b"".join(out) == data
