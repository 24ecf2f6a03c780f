"""Corrupt and truncated input, decompression bombs, and option validation."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
from zlib_helpers import run_through

from rillet import errors, once, zlib

C = zlib.constants
GZIPPED = zlib.gzip_sync(b"hello world " * 100)


async def _fails(stream: Any, chunks: list[bytes]) -> tuple[BaseException, list[bytes]]:
    """Write ``chunks`` and end; the 'error' the stream emits and the data before it."""
    out: list[bytes] = []
    stream.on("data", out.append)
    failed = asyncio.ensure_future(once(stream, "error"))
    closed = asyncio.get_running_loop().create_future()
    stream.on("close", lambda: closed.set_result(None))  # once() would reject on 'error'
    for chunk in chunks:
        stream.write(chunk)
    stream.end()
    (error,) = await failed
    await closed
    assert stream.destroyed
    return error, out


def _corrupt_crc() -> bytes:
    data = bytearray(GZIPPED)
    data[-6] ^= 0xFF
    return bytes(data)


@pytest.mark.parametrize(
    ("create", "data", "message"),
    [
        (zlib.create_gunzip, b"hello world, not gzip", "incorrect header check"),
        (zlib.create_inflate, b"hello world, not zlib", "incorrect header check"),
        (zlib.create_unzip, b"hello world, neither", "incorrect header check"),
        (zlib.create_inflate_raw, b"\xff\xff\xff\xff hello world", "invalid block type"),
        (zlib.create_gunzip, _corrupt_crc(), "incorrect data check"),
        (zlib.create_gunzip, GZIPPED + b"\x1f\x8b\xff\xff", "unknown compression method"),
        (zlib.create_brotli_decompress, b"hello world, not brotli", "Decompression failed"),
    ],
)
async def test_corrupt_input_is_z_data_error(create, data, message):
    error, _ = await _fails(create(), [data])
    assert isinstance(error, errors.ZlibError)
    assert error.code == "Z_DATA_ERROR"
    assert error.errno == -3
    assert error.message == message


async def test_corrupt_zstd_has_nodes_zstd_codes():
    error, _ = await _fails(zlib.create_zstd_decompress(), [b"hello world, not zstd"])
    assert (error.code, error.errno) == ("ZSTD_error_prefix_unknown", 10)
    assert error.message == "Unknown frame descriptor"
    framed = bytearray(
        zlib.zstd_compress_sync(os.urandom(100) * 30, params={C.ZSTD_c_checksumFlag: 1})
    )
    framed[-1] ^= 0xFF
    error, _ = await _fails(zlib.create_zstd_decompress(), [bytes(framed)])
    assert error.code == "ZSTD_error_checksum_wrong"


@pytest.mark.parametrize(
    ("create", "compressed"),
    [
        (zlib.create_gunzip, GZIPPED),
        (zlib.create_inflate, zlib.deflate_sync(b"hello world " * 100)),
        (zlib.create_inflate_raw, zlib.deflate_raw_sync(b"hello world " * 100)),
        (zlib.create_unzip, GZIPPED),
        (zlib.create_brotli_decompress, zlib.brotli_compress_sync(os.urandom(2000))),
        (zlib.create_zstd_decompress, zlib.zstd_compress_sync(b"hello world " * 100)),
    ],
)
async def test_truncated_input_is_z_buf_error_at_the_end(create, compressed):
    error, _ = await _fails(create(), [compressed[: len(compressed) // 2]])
    assert isinstance(error, errors.ZlibError)
    assert (error.code, error.errno, error.message) == ("Z_BUF_ERROR", -5, "unexpected end of file")
    # Nothing at all is truncated too.
    error, _ = await _fails(create(), [])
    assert error.code == "Z_BUF_ERROR"


async def test_finish_flush_sync_accepts_a_truncated_stream():
    data = b"hello world " * 100
    compressed = zlib.gzip_sync(data)
    out = await run_through(zlib.create_gunzip(finish_flush=C.Z_SYNC_FLUSH), [compressed[:-8]])
    assert b"".join(out) == data  # only the trailer was missing
    assert zlib.gunzip_sync(compressed[:-8], finish_flush=C.Z_SYNC_FLUSH) == data


async def test_pipeline_rejects_with_the_codec_error():
    with pytest.raises(errors.ZlibError) as caught:
        await run_through(zlib.create_gunzip(), [b"not gzip at all"])
    assert caught.value.code == "Z_DATA_ERROR"


async def test_missing_and_wrong_dictionary_are_z_need_dict():
    compressed = zlib.deflate_sync(b"abc", dictionary=b"abcdef")
    error, _ = await _fails(zlib.create_inflate(), [compressed])
    assert (error.code, error.errno, error.message) == ("Z_NEED_DICT", 2, "Missing dictionary")
    error, _ = await _fails(zlib.create_inflate(dictionary=b"zzz"), [compressed])
    assert (error.code, error.errno, error.message) == ("Z_NEED_DICT", 2, "Bad dictionary")


BOMBS = [
    (zlib.create_gunzip, zlib.gzip_sync(bytes(8 << 20), level=9)),
    (zlib.create_inflate, zlib.deflate_sync(bytes(8 << 20), level=9)),
    (zlib.create_brotli_decompress, zlib.brotli_compress_sync(bytes(8 << 20))),
    (zlib.create_zstd_decompress, zlib.zstd_compress_sync(bytes(8 << 20))),
]


@pytest.mark.parametrize(("create", "bomb"), BOMBS, ids=["gunzip", "inflate", "brotli", "zstd"])
async def test_max_output_length_stops_a_bomb(create, bomb):
    limit = 100_000
    error, out = await _fails(create(max_output_length=limit), [bomb])
    assert error.code == "ERR_BUFFER_TOO_LARGE"
    assert isinstance(error, ValueError)
    assert error.message == f"Cannot create a Buffer larger than {limit} bytes"
    assert sum(map(len, out)) <= limit
    with pytest.raises(errors.NodeRangeError):
        zlib.gunzip_sync(BOMBS[0][1], max_output_length=limit)
    exact = zlib.gzip_sync(bytes(limit))
    assert len(zlib.gunzip_sync(exact, max_output_length=limit)) == limit


@pytest.mark.parametrize(("create", "bomb"), BOMBS[:3], ids=["gunzip", "inflate", "brotli"])
async def test_backpressure_holds_a_bomb_in_bounded_memory(create, bomb):
    stream = create(chunk_size=16384)
    stream.write(bomb)  # transforms at once, until the readable side is full
    hwm = stream.readable_high_water_mark
    assert 0 < stream.readable_length <= hwm + 32768  # brotli's output step is ~32 KiB
    total = 0
    stream.end()
    async for chunk in stream:
        total += len(chunk)
        assert stream.readable_length <= hwm + 32768
    assert total == 8 << 20


@pytest.mark.parametrize(
    ("options", "code", "message"),
    [
        (
            {"level": 10},
            "ERR_OUT_OF_RANGE",
            'The value of "options.level" is out of range. It must be >= -1 and <= 9. Received 10',
        ),
        (
            {"level": "a"},
            "ERR_INVALID_ARG_TYPE",
            "The \"options.level\" property must be of type int. Received type str ('a')",
        ),
        (
            {"chunk_size": 10},
            "ERR_OUT_OF_RANGE",
            'The value of "options.chunk_size" is out of range. It must be >= 64. Received 10',
        ),
        (
            {"window_bits": 8},
            "ERR_OUT_OF_RANGE",
            'The value of "options.window_bits" is out of range. It must be >= 9 and <= 15. '
            "Received 8",
        ),
        ({"mem_level": 0}, "ERR_OUT_OF_RANGE", None),
        ({"strategy": 5}, "ERR_OUT_OF_RANGE", None),
        ({"flush": 6}, "ERR_OUT_OF_RANGE", None),
        ({"finish_flush": -1}, "ERR_OUT_OF_RANGE", None),
        ({"max_output_length": 0}, "ERR_OUT_OF_RANGE", None),
        ({"level": float("nan")}, "ERR_OUT_OF_RANGE", None),
        ({"dictionary": "text"}, "ERR_INVALID_ARG_TYPE", None),
    ],
)
def test_bad_zlib_options_raise_as_node(options, code, message):
    with pytest.raises(errors.RilletError) as caught:
        zlib.create_gzip(**options)
    assert caught.value.code == code
    if message is not None:
        assert caught.value.message == message
    expected = TypeError if code == "ERR_INVALID_ARG_TYPE" else ValueError
    assert isinstance(caught.value, expected)


def test_bad_brotli_and_zstd_params():
    with pytest.raises(errors.NodeRangeError) as caught:
        zlib.create_brotli_compress(params={100: 1})
    assert caught.value.code == "ERR_BROTLI_INVALID_PARAM"
    assert caught.value.message == "100 is not a valid Brotli parameter"
    with pytest.raises(errors.NodeTypeError):
        zlib.create_brotli_compress(params={C.BROTLI_PARAM_QUALITY: "best"})
    with pytest.raises(errors.NodeRangeError) as caught:
        zlib.create_zstd_compress(params={C.BROTLI_PARAM_QUALITY: 1})
    assert caught.value.code == "ERR_ZSTD_INVALID_PARAM"
    with pytest.raises(errors.NodeRangeError):
        zlib.create_zstd_decompress(params={C.ZSTD_c_windowLog: 20})
    with pytest.raises(errors.NodeError) as init:
        zlib.create_brotli_compress(params={C.BROTLI_PARAM_LGWIN: 30})
    assert init.value.code == "ERR_ZLIB_INITIALIZATION_FAILED"
    # Out-of-range qualities are clamped, as by the C library.
    assert (
        zlib.brotli_decompress_sync(
            zlib.brotli_compress_sync(b"x", params={C.BROTLI_PARAM_QUALITY: 12})
        )
        == b"x"
    )


async def test_one_shot_errors():
    with pytest.raises(errors.NodeTypeError) as caught:
        zlib.gzip(12345)  # type: ignore[arg-type]
    assert caught.value.code == "ERR_INVALID_ARG_TYPE"
    with pytest.raises(errors.NodeRangeError):
        zlib.gzip(b"x", level=11)
    with pytest.raises(errors.ZlibError) as rejected:
        await zlib.gunzip(b"not gzip")
    assert rejected.value.code == "Z_DATA_ERROR"
    big_garbage = os.urandom(1 << 20)  # large enough for the executor
    with pytest.raises(errors.ZlibError):
        await zlib.inflate(big_garbage)
    with pytest.raises(errors.ZlibError):
        zlib.zstd_decompress_sync(b"nope")
