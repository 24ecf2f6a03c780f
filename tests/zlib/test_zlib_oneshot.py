"""The one-shot helpers, the public names and the constants."""

from __future__ import annotations

import array
import asyncio
import os
import re
from pathlib import Path

import pytest

import rillet
from rillet import zlib

PAIRS = [
    (zlib.gzip, zlib.gzip_sync, zlib.gunzip, zlib.gunzip_sync),
    (zlib.deflate, zlib.deflate_sync, zlib.inflate, zlib.inflate_sync),
    (zlib.deflate_raw, zlib.deflate_raw_sync, zlib.inflate_raw, zlib.inflate_raw_sync),
    (zlib.gzip, zlib.gzip_sync, zlib.unzip, zlib.unzip_sync),
    (
        zlib.brotli_compress,
        zlib.brotli_compress_sync,
        zlib.brotli_decompress,
        zlib.brotli_decompress_sync,
    ),
    (zlib.zstd_compress, zlib.zstd_compress_sync, zlib.zstd_decompress, zlib.zstd_decompress_sync),
]


@pytest.mark.parametrize("pair", PAIRS, ids=lambda pair: pair[0].__name__)
@pytest.mark.parametrize("size", [100, 300_000], ids=["inline", "executor"])
async def test_async_and_sync_round_trip(pair, size):
    compress, compress_sync, decompress, decompress_sync = pair
    data = os.urandom(size // 4) * 4
    future = compress(data)
    assert isinstance(future, asyncio.Future)
    compressed = await future
    assert decompress_sync(compressed) == data
    assert await decompress(compress_sync(data)) == data


async def test_inputs_and_the_callback_form():
    assert zlib.gunzip_sync(zlib.gzip_sync("héllo")) == "héllo".encode()
    assert zlib.gunzip_sync(zlib.gzip_sync(bytearray(b"abc"))) == b"abc"
    words = array.array("H", [1, 2, 3])
    assert zlib.inflate_sync(zlib.deflate_sync(memoryview(words))) == words.tobytes()
    results = []
    done = asyncio.get_running_loop().create_future()

    def callback(error, result):
        results.append((error, result))
        done.set_result(None)

    await zlib.gunzip(zlib.gzip_sync(b"called back"), callback=callback)
    await done
    assert results == [(None, b"called back")]
    results.clear()
    done = asyncio.get_running_loop().create_future()
    with pytest.raises(rillet.errors.ZlibError):
        await zlib.gunzip(b"bad", callback=callback)
    await done
    assert results[0][0].code == "Z_DATA_ERROR" and results[0][1] is None


def test_sync_helpers_work_without_a_loop():
    assert zlib.brotli_decompress_sync(zlib.brotli_compress_sync(b"x" * 1000)) == b"x" * 1000
    assert zlib.gzip_sync.__name__ == "gzip_sync" and zlib.gzip.__name__ == "gzip"


def test_names_match_api_md():
    api = Path(__file__).parents[3] / "shared" / "API.md"  # beside the checkout
    if not api.exists():
        pytest.skip("the shared API.md is not beside this checkout")
    row = next(line for line in api.read_text().splitlines() if line.startswith("| `rillet.zlib`"))
    names = set(re.findall(r"`(\w+)`", row.split("|")[2]))
    assert names <= set(zlib.__all__)
    for name in zlib.__all__:
        assert hasattr(zlib, name), name
    assert rillet.zlib is zlib


def test_constants_have_nodes_values():
    c = zlib.constants
    assert (c.Z_NO_FLUSH, c.Z_SYNC_FLUSH, c.Z_FULL_FLUSH, c.Z_FINISH) == (0, 2, 3, 4)
    assert (c.Z_BEST_SPEED, c.Z_BEST_COMPRESSION, c.Z_DEFAULT_COMPRESSION) == (1, 9, -1)
    assert (c.BROTLI_OPERATION_FLUSH, c.BROTLI_PARAM_QUALITY, c.BROTLI_PARAM_LGWIN) == (1, 1, 2)
    assert (c.ZSTD_e_flush, c.ZSTD_c_compressionLevel, c.ZSTD_c_checksumFlag) == (1, 100, 201)
    assert c.Z_DEFAULT_CHUNK == 16384 and c.Z_MIN_CHUNK == 64
