"""TextEncoderStream, TextDecoderStream, CompressionStream and DecompressionStream."""

from __future__ import annotations

import gzip
import zlib
from typing import Any

import pytest

from rillet.web import (
    CompressionStream,
    DecompressionStream,
    ReadableStream,
    TextDecoderStream,
    TextEncoderStream,
)


async def through(chunks: list[Any], *transforms: Any) -> list[Any]:
    stream = ReadableStream.from_(chunks)
    for transform in transforms:
        stream = stream.pipe_through(transform)
    return [chunk async for chunk in stream]


def joined(chunks: list[Any]) -> bytes:
    return b"".join(bytes(chunk) for chunk in chunks)


async def test_text_encoder_stream_gives_utf8_memoryviews() -> None:
    encoder = TextEncoderStream()
    assert encoder.encoding == "utf-8"
    out = await through(["héllo", "", " wörld"], encoder)
    assert all(isinstance(chunk, memoryview) and chunk.format == "B" for chunk in out)
    assert joined(out) == "héllo wörld".encode()
    assert len(out) == 2  # an empty string enqueues nothing


async def test_text_encoder_stream_rejoins_a_split_surrogate_pair() -> None:
    out = await through(["a\ud83d", "\ude00b"], TextEncoderStream())
    assert joined(out) == "a😀b".encode()


async def test_text_encoder_stream_replaces_lone_surrogates() -> None:
    out = await through(["x\udc00y", "z\ud800"], TextEncoderStream())
    assert joined(out) == "x\ufffdyz\ufffd".encode()


async def test_text_encoder_stream_coerces_non_strings() -> None:
    assert joined(await through([42, None], TextEncoderStream())) == b"42None"


async def test_text_decoder_stream_decodes_across_chunk_boundaries() -> None:
    data = "naïve ☃ 😀".encode()
    chunks = [data[i : i + 1] for i in range(len(data))]
    out = await through(chunks, TextDecoderStream())
    assert "".join(out) == "naïve ☃ 😀"


async def test_text_decoder_stream_replaces_invalid_bytes_unless_fatal() -> None:
    assert "".join(await through([b"a\xffb"], TextDecoderStream())) == "a\ufffdb"
    decoder = TextDecoderStream("utf-8", fatal=True)
    assert decoder.fatal is True
    with pytest.raises(TypeError):
        await through([b"a\xffb"], decoder)


async def test_text_decoder_stream_takes_javascript_style_options() -> None:
    decoder = TextDecoderStream("utf-8", {"fatal": True, "ignore_bom": True})
    assert decoder.fatal and decoder.ignore_bom


async def test_text_decoder_stream_reports_a_truncated_sequence_at_flush() -> None:
    assert "".join(await through([b"ok\xe2\x98"], TextDecoderStream())) == "ok\ufffd"
    with pytest.raises(TypeError):
        await through([b"ok\xe2\x98"], TextDecoderStream(fatal=True))


async def test_text_decoder_stream_drops_a_bom_unless_ignore_bom() -> None:
    bom = b"\xef\xbb\xbf"
    assert "".join(await through([bom[:2], bom[2:] + b"hi"], TextDecoderStream())) == "hi"
    kept = TextDecoderStream(ignore_bom=True)
    assert kept.ignore_bom is True
    assert "".join(await through([bom + b"hi"], kept)) == "\ufeffhi"


async def test_text_decoder_stream_other_encodings_and_labels() -> None:
    decoder = TextDecoderStream("UTF-16LE")
    assert decoder.encoding == "utf-16le"
    assert "".join(await through(["hé".encode("utf-16-le")], decoder)) == "hé"
    latin = TextDecoderStream("latin1")
    assert latin.encoding == "windows-1252"
    assert "".join(await through([b"caf\xe9 \x80"], latin)) == "café €"
    with pytest.raises(ValueError):
        TextDecoderStream("no-such-encoding")


async def test_text_decoder_stream_rejects_non_bytes_chunks() -> None:
    with pytest.raises(TypeError):
        await through(["text"], TextDecoderStream())


FORMATS = {
    "gzip": gzip.decompress,
    "deflate": zlib.decompress,
    "deflate-raw": lambda data: zlib.decompress(data, -15),
}


@pytest.mark.parametrize("format", list(FORMATS))
async def test_compression_stream_output_decodes_with_zlib(format: str) -> None:
    data = b"the quick brown fox " * 500
    pieces = [data[i : i + 333] for i in range(0, len(data), 333)]
    out = await through(pieces, CompressionStream(format))
    assert FORMATS[format](joined(out)) == data


@pytest.mark.parametrize("format", list(FORMATS))
async def test_decompression_stream_round_trips(format: str) -> None:
    data = bytes(range(256)) * 300
    out = await through([data[:1000], data[1000:]], CompressionStream(format))
    compressed = joined(out)
    chunks = [compressed[i : i + 7] for i in range(0, len(compressed), 7)]
    decompressed = await through(chunks, DecompressionStream(format))
    assert joined(decompressed) == data
    assert max(chunk.nbytes for chunk in decompressed) <= 65536


async def test_an_unknown_format_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        CompressionStream("brotli-ish")
    with pytest.raises(TypeError):
        DecompressionStream("zip")


async def test_decompression_stream_errors_on_corrupt_input() -> None:
    with pytest.raises(TypeError) as caught:
        await through([b"not gzip at all"], DecompressionStream("gzip"))
    assert getattr(caught.value, "code", None) == "Z_DATA_ERROR"


async def test_decompression_stream_errors_on_junk_after_the_end() -> None:
    with pytest.raises(TypeError):
        await through([gzip.compress(b"data") + b"junk"], DecompressionStream("gzip"))
    with pytest.raises(TypeError):
        await through([zlib.compress(b"data"), b"more"], DecompressionStream("deflate"))


async def test_decompression_stream_errors_on_truncated_input() -> None:
    with pytest.raises(TypeError):
        await through([gzip.compress(b"data" * 100)[:-6]], DecompressionStream("gzip"))


async def test_compression_stream_rejects_non_bytes_chunks() -> None:
    with pytest.raises(TypeError):
        await through(["text"], CompressionStream("gzip"))


async def test_text_and_compression_streams_chain() -> None:
    text = ["streams ", "all ", "the ", "way ", "down"] * 50
    out = await through(
        text,
        TextEncoderStream(),
        CompressionStream("deflate"),
        DecompressionStream("deflate"),
        TextDecoderStream(),
    )
    assert "".join(out) == "".join(text)
