"""Shared pieces of the zlib tests: run bytes through a stream, run a loop per example."""

from __future__ import annotations

import asyncio
import itertools
import zlib as stdlib_zlib
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

import brotli
import uvloop
import zstandard

from rillet import Writable, pipeline, zlib

# (name, compressor factory, decompressor factory, reference decoder)
CODECS: list[tuple[str, Callable[..., Any], Callable[..., Any], Callable[[bytes], bytes]]] = [
    ("gzip", zlib.create_gzip, zlib.create_gunzip, lambda b: stdlib_zlib.decompress(b, 31)),
    ("deflate", zlib.create_deflate, zlib.create_inflate, stdlib_zlib.decompress),
    (
        "deflate_raw",
        zlib.create_deflate_raw,
        zlib.create_inflate_raw,
        lambda b: stdlib_zlib.decompress(b, -15),
    ),
    ("gzip_unzip", zlib.create_gzip, zlib.create_unzip, lambda b: stdlib_zlib.decompress(b, 47)),
    ("deflate_unzip", zlib.create_deflate, zlib.create_unzip, stdlib_zlib.decompress),
    ("brotli", zlib.create_brotli_compress, zlib.create_brotli_decompress, brotli.decompress),
    (
        "zstd",
        zlib.create_zstd_compress,
        zlib.create_zstd_decompress,
        lambda b: zstandard.ZstdDecompressor().decompressobj().decompress(b),
    ),
]
CODEC_IDS = [codec[0] for codec in CODECS]


async def run_through(stream: Any, chunks: Iterable[bytes]) -> list[bytes]:
    """Write ``chunks`` into ``stream`` with a pipeline; the chunks it emits, as its
    ``'data'`` events gave them."""
    out: list[bytes] = []

    def write(_stream: Any, chunk: bytes, _encoding: str, callback: Callable[[], None]) -> None:
        out.append(chunk)
        callback()

    await pipeline(list(chunks), stream, Writable(write=write))
    return out


def split(data: bytes, cuts: Iterable[int]) -> list[bytes]:
    """``data`` cut at the given offsets (taken modulo its length, sorted)."""
    points = sorted({cut % (len(data) + 1) for cut in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points) if b > a]


def run_on_both_loops(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run ``main()`` under uvloop and under asyncio (for hypothesis tests, which are
    synchronous); fail if anything reaches a loop's exception handler."""
    errors: list[dict[str, Any]] = []
    for factory in (uvloop.new_event_loop, asyncio.new_event_loop):
        with asyncio.Runner(loop_factory=factory) as runner:
            runner.get_loop().set_exception_handler(lambda _loop, context: errors.append(context))
            runner.run(main())
    assert not errors, errors
