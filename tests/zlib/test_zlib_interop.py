"""Interoperability with the ``gzip``, ``zstd`` and ``brotli`` command-line tools, both
ways, and a file → gzip → file pipeline."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import subprocess

import pytest
from zlib_helpers import run_through, split

from rillet import errors, once, pipeline, zlib

# (tool, compress with rillet, decompress with rillet, compress command, decompress command)
TOOLS = [
    ("gzip", zlib.create_gzip, zlib.create_gunzip, ["gzip", "-c"], ["gzip", "-dc"]),
    ("gzip", zlib.create_gzip, zlib.create_unzip, ["gzip", "-9", "-c"], ["gzip", "-dc"]),
    (
        "zstd",
        zlib.create_zstd_compress,
        zlib.create_zstd_decompress,
        ["zstd", "-q", "-c"],
        ["zstd", "-q", "-dc"],
    ),
    (
        "brotli",
        lambda: zlib.create_brotli_compress(params={zlib.constants.BROTLI_PARAM_QUALITY: 5}),
        zlib.create_brotli_decompress,
        ["brotli", "-q", "5", "-c"],
        ["brotli", "-dc"],
    ),
]
IDS = ["gzip", "gzip-unzip", "zstd", "brotli"]


def _payload(size: int = 1 << 20) -> bytes:
    rng = random.Random(size)
    words = [rng.randbytes(rng.randint(2, 9)) for _ in range(500)]
    text = b" ".join(rng.choice(words) for _ in range(size // 12))
    return (text + os.urandom(size // 8))[:size]


async def _tool(command: list[str], data: bytes) -> bytes:
    if shutil.which(command[0]) is None:
        pytest.skip(f"the {command[0]} command is not installed (apt-get install {command[0]})")
    process = await asyncio.create_subprocess_exec(
        *command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await process.communicate(data)
    assert process.returncode == 0, err
    return out


@pytest.mark.parametrize(("tool", "compress", "decompress", "pack", "unpack"), TOOLS, ids=IDS)
async def test_the_tool_reads_what_rillet_writes(tool, compress, decompress, pack, unpack):
    data = _payload()
    stream = compress()
    out: list[bytes] = []
    stream.on("data", out.append)
    for piece in split(data, range(0, len(data), 50_000)):
        stream.write(piece)
    flushed = asyncio.get_running_loop().create_future()
    stream.flush(lambda error=None: flushed.set_result(error))  # a flush mid-stream too
    await flushed
    stream.end(b"tail")
    await once(stream, "end")
    assert await _tool(unpack, b"".join(out)) == data + b"tail"


@pytest.mark.parametrize(("tool", "compress", "decompress", "pack", "unpack"), TOOLS, ids=IDS)
async def test_rillet_reads_what_the_tool_writes(tool, compress, decompress, pack, unpack):
    data = _payload()
    packed = await _tool(pack, data)
    chunks = split(packed, range(0, len(packed), 7_777))
    assert b"".join(await run_through(decompress(), chunks)) == data
    assert b"".join(await run_through(decompress(), [packed])) == data


async def test_concatenated_files_from_the_tools():
    first, second = b"first file\n" * 1000, b"second file\n" * 1000
    gz = await _tool(["gzip", "-c"], first) + await _tool(["gzip", "-c"], second)
    assert b"".join(await run_through(zlib.create_gunzip(), [gz])) == first + second
    zst = await _tool(["zstd", "-q", "-c"], first) + await _tool(["zstd", "-q", "-c"], second)
    assert b"".join(await run_through(zlib.create_zstd_decompress(), [zst])) == first + second


async def test_truncated_tool_output_is_an_error():
    gz = await _tool(["gzip", "-c"], _payload(100_000))
    with pytest.raises(errors.ZlibError) as caught:
        await run_through(zlib.create_gunzip(), [gz[:-100]])
    assert caught.value.code == "Z_BUF_ERROR"


async def test_file_to_gzip_to_file(tmp_path):
    fs = pytest.importorskip("rillet.fs", reason="rillet.fs (file streams) is not there yet")
    source = tmp_path / "data.bin"
    data = _payload(3 << 20)
    source.write_bytes(data)
    target = tmp_path / "data.bin.gz"
    await pipeline(
        fs.create_read_stream(str(source)),
        zlib.create_gzip(level=1),
        fs.create_write_stream(str(target)),
    )
    assert await _tool(["gzip", "-dc"], target.read_bytes()) == data
    back = tmp_path / "back.bin"
    await pipeline(
        fs.create_read_stream(str(target)),
        zlib.create_gunzip(),
        fs.create_write_stream(str(back)),
    )
    assert back.read_bytes() == data
