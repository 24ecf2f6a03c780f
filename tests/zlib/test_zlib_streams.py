"""Round trips through every codec's streams, at every chunk boundary."""

from __future__ import annotations

import os
import zlib as stdlib_zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zlib_helpers import CODEC_IDS, CODECS, run_on_both_loops, run_through, split

from rillet import Transform, once, zlib

# Compressible text and incompressible bytes, mixed.
payloads = st.one_of(
    st.binary(max_size=5000),
    st.text(alphabet="ab cd\n", max_size=20000).map(str.encode),
    st.tuples(st.binary(max_size=300), st.integers(1, 200)).map(lambda t: t[0] * t[1]),
)
cut_lists = st.lists(st.integers(min_value=0), max_size=12)


@pytest.mark.parametrize(("name", "compress", "decompress", "reference"), CODECS, ids=CODEC_IDS)
@settings(max_examples=12, deadline=None)
@given(data=payloads, cuts=cut_lists, compressed_cuts=cut_lists, chunk_size=st.integers(64, 4096))
def test_round_trip(name, compress, decompress, reference, data, cuts, compressed_cuts, chunk_size):
    async def main() -> None:
        compressed = b"".join(await run_through(compress(chunk_size=chunk_size), split(data, cuts)))
        assert reference(compressed) == data
        out = await run_through(
            decompress(chunk_size=chunk_size), split(compressed, compressed_cuts)
        )
        assert b"".join(out) == data
        assert all(0 < len(piece) <= chunk_size for piece in out)

    run_on_both_loops(main)


@pytest.mark.parametrize(("name", "compress", "decompress", "reference"), CODECS, ids=CODEC_IDS)
async def test_byte_by_byte(name, compress, decompress, reference):
    data = os.urandom(300) + b"the quick brown fox " * 200
    one_byte_writes = [data[i : i + 1] for i in range(len(data))]
    compressed = b"".join(await run_through(compress(), one_byte_writes))
    assert reference(compressed) == data
    one_byte_each = [compressed[i : i + 1] for i in range(len(compressed))]
    assert b"".join(await run_through(decompress(), one_byte_each)) == data


@pytest.mark.parametrize(("name", "compress", "decompress", "reference"), CODECS, ids=CODEC_IDS)
async def test_one_large_chunk_and_output_pieces(name, compress, decompress, reference):
    data = os.urandom(1 << 20) + bytes(3 << 20)
    fast = {
        "brotli": {"params": {zlib.constants.BROTLI_PARAM_QUALITY: 4}},
        "zstd": {"params": {zlib.constants.ZSTD_c_compressionLevel: 1}},
    }
    compressor = compress(**fast.get(name, {"level": 1}))
    compressed_pieces = await run_through(compressor, [data])
    assert all(len(piece) <= 16384 for piece in compressed_pieces)  # Node's default chunk_size
    compressed = b"".join(compressed_pieces)
    assert compressor.bytes_written == len(data)
    out = await run_through(decompress(chunk_size=4096), [compressed])
    assert all(len(piece) <= 4096 for piece in out)
    assert b"".join(out) == data


async def test_classes_and_factories():
    pairs = [
        (zlib.create_gzip, zlib.Gzip),
        (zlib.create_gunzip, zlib.Gunzip),
        (zlib.create_deflate, zlib.Deflate),
        (zlib.create_inflate, zlib.Inflate),
        (zlib.create_deflate_raw, zlib.DeflateRaw),
        (zlib.create_inflate_raw, zlib.InflateRaw),
        (zlib.create_unzip, zlib.Unzip),
        (zlib.create_brotli_compress, zlib.BrotliCompress),
        (zlib.create_brotli_decompress, zlib.BrotliDecompress),
        (zlib.create_zstd_compress, zlib.ZstdCompress),
        (zlib.create_zstd_decompress, zlib.ZstdDecompress),
    ]
    for factory, cls in pairs:
        stream = factory()
        assert type(stream) is cls
        assert isinstance(stream, Transform)
        assert stream.bytes_written == 0


async def test_gunzip_reads_concatenated_members_and_ignores_zero_padding():
    members = zlib.gzip_sync(b"abc") + zlib.gzip_sync(b"def") + bytes(10)
    assert b"".join(await run_through(zlib.create_gunzip(), split(members, [5, 21, 30]))) == (
        b"abcdef"
    )
    # A member that ends exactly at a write boundary, then the next one.
    parts = [zlib.gzip_sync(b"abc"), zlib.gzip_sync(b"def")]
    assert b"".join(await run_through(zlib.create_gunzip(), parts)) == b"abcdef"
    assert b"".join(await run_through(zlib.create_unzip(), parts)) == b"abcdef"


async def test_inflate_ignores_data_after_the_stream():
    data = zlib.deflate_sync(b"abc") + b"garbage"
    assert b"".join(await run_through(zlib.create_inflate(), [data])) == b"abc"
    assert b"".join(await run_through(zlib.create_unzip(), [data])) == b"abc"


async def test_zlib_options_are_applied():
    data = b"hello hello hello hello " * 1000
    for options in (
        {"level": 0},
        {"level": 9, "mem_level": 9, "strategy": zlib.constants.Z_HUFFMAN_ONLY},
        {"window_bits": 9},
        {"strategy": zlib.constants.Z_RLE},
    ):
        compressed = b"".join(await run_through(zlib.create_deflate_raw(**options), [data]))
        assert stdlib_zlib.decompress(compressed, -15) == data
        back = await run_through(zlib.create_inflate_raw(window_bits=15), [compressed])
        assert b"".join(back) == data
    stored = b"".join(await run_through(zlib.create_gzip(level=0), [data]))
    assert len(stored) > len(data)
    assert stdlib_zlib.decompress(stored, 31) == data


async def test_window_bits_8_raw_deflate_becomes_9_as_in_node():
    data = os.urandom(100) * 50
    compressed = b"".join(await run_through(zlib.create_deflate_raw(window_bits=8), [data]))
    assert stdlib_zlib.decompress(compressed, -9) == data


async def test_dictionary():
    dictionary = b"the quick brown fox jumps over the lazy dog"
    data = b"the lazy dog jumps over the quick brown fox"
    with_dict = b"".join(await run_through(zlib.create_deflate(dictionary=dictionary), [data]))
    without = zlib.deflate_sync(data)
    assert len(with_dict) < len(without)
    out = await run_through(zlib.create_inflate(dictionary=bytearray(dictionary)), [with_dict])
    assert b"".join(out) == data
    raw = zlib.deflate_raw_sync(data, dictionary=dictionary)
    assert zlib.inflate_raw_sync(raw, dictionary=dictionary) == data


async def test_brotli_and_zstd_params():
    c = zlib.constants
    data = b"some text that repeats, some text that repeats " * 500
    fast = zlib.brotli_compress_sync(data, params={c.BROTLI_PARAM_QUALITY: 0})
    best = zlib.brotli_compress_sync(
        data,
        params={c.BROTLI_PARAM_QUALITY: 11, c.BROTLI_PARAM_MODE: c.BROTLI_MODE_TEXT},
    )
    assert len(best) < len(fast)
    assert zlib.brotli_decompress_sync(fast) == zlib.brotli_decompress_sync(best) == data
    checked = zlib.zstd_compress_sync(
        data, params={c.ZSTD_c_compressionLevel: 19, c.ZSTD_c_checksumFlag: 1}
    )
    unchecked = zlib.zstd_compress_sync(data, params={c.ZSTD_c_compressionLevel: 19})
    assert checked[4] & 0x04 and not unchecked[4] & 0x04  # the descriptor's checksum flag
    assert len(checked) == len(unchecked) + 4
    level_1 = zlib.zstd_compress_sync(data, params={c.ZSTD_c_compressionLevel: 1})
    assert len(unchecked) < len(level_1)
    assert zlib.zstd_decompress_sync(checked, params={c.ZSTD_d_windowLogMax: 27}) == data
    sized = zlib.zstd_compress_sync(data, pledged_src_size=len(data))
    assert zlib.zstd_decompress_sync(sized) == data


async def test_zstd_reads_several_frames_and_skippable_frames():
    skippable = (0x184D2A50).to_bytes(4, "little") + (3).to_bytes(4, "little") + b"xyz"
    stream = zlib.zstd_compress_sync(b"abc") + skippable + zlib.zstd_compress_sync(b"def")
    for cuts in ([], list(range(len(stream)))):
        out = await run_through(zlib.create_zstd_decompress(), split(stream, cuts))
        assert b"".join(out) == b"abcdef"


async def test_reset_starts_a_new_stream():
    gunzip = zlib.create_gunzip()
    gunzip.write(zlib.gzip_sync(b"dropped")[:6])  # inside a header: no output yet
    gunzip.reset()
    out = await run_through(gunzip, [zlib.gzip_sync(b"kept")])
    assert b"".join(out) == b"kept"


async def test_close_destroys_and_calls_back():
    gzip = zlib.create_gzip()
    called: list[BaseException | None] = []
    gzip.close(lambda error=None: called.append(error))
    assert gzip.destroyed
    await once(gzip, "close")
    assert len(called) == 1
    assert called[0] is not None and called[0].code == "ERR_STREAM_PREMATURE_CLOSE"


def test_crc32():
    assert zlib.crc32(b"hello") == stdlib_zlib.crc32(b"hello")
    assert zlib.crc32("héllo") == stdlib_zlib.crc32("héllo".encode())
    assert zlib.crc32(b"lo", zlib.crc32(b"hel")) == stdlib_zlib.crc32(b"hello")
