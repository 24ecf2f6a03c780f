"""rillet.consumers: buffer, text and json over streams and (async) iterables."""

from __future__ import annotations

import asyncio
import json as std_json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from rillet import PassThrough, Readable, consumers


async def agen(*chunks: Any) -> AsyncIterator[Any]:
    for chunk in chunks:
        await asyncio.sleep(0)
        yield chunk


def byte_stream(*chunks: bytes) -> Readable:
    return Readable.from_(list(chunks), object_mode=False)


async def test_buffer_of_a_byte_stream() -> None:
    result = consumers.buffer(byte_stream(b"hello", b" ", b"world"))
    assert isinstance(result, asyncio.Future)
    assert await result == b"hello world"


async def test_buffer_of_an_async_iterable_of_mixed_chunks() -> None:
    got = await consumers.buffer(agen(b"a", bytearray(b"b"), memoryview(b"c"), "d€"))
    assert got == b"abcd\xe2\x82\xac"


async def test_buffer_of_a_plain_iterable() -> None:
    assert await consumers.buffer([b"x", "y"]) == b"xy"


async def test_text_joins_a_character_split_across_chunks() -> None:
    euro = "€".encode()
    assert await consumers.text(byte_stream(euro[:1], euro[1:2], euro[2:] + b"!")) == "€!"


async def test_text_of_a_stream_with_an_encoding() -> None:
    stream = PassThrough()
    stream.set_encoding("utf8")
    stream.end("héllo".encode())
    assert await consumers.text(stream) == "héllo"


async def test_text_replaces_invalid_utf8_like_text_decoder() -> None:
    assert await consumers.text(agen(b"a\xffb")) == "a\ufffdb"


async def test_text_of_an_object_mode_stream_of_strings() -> None:
    assert await consumers.text(Readable.from_(["hel", "lo"])) == "hello"


async def test_json_of_a_stream_and_of_an_async_iterable() -> None:
    value = {"a": [1, 2, {"b": None}], "c": "ü"}
    encoded = std_json.dumps(value).encode()
    assert await consumers.json(byte_stream(encoded[:5], encoded[5:])) == value
    assert await consumers.json(agen("[1,", "2]")) == [1, 2]


async def test_json_that_is_not_json_fails() -> None:
    with pytest.raises(ValueError):
        await consumers.json(agen(b"{nope"))


async def test_empty_input() -> None:
    assert await consumers.buffer(byte_stream()) == b""
    assert await consumers.text(agen()) == ""


async def test_the_work_starts_without_awaiting() -> None:
    source = PassThrough()
    result = consumers.buffer(source)
    source.write(b"data")
    for _ in range(5):  # a few loop turns, nobody awaiting `result`
        await asyncio.sleep(0)
    assert source.readable_length == 0, "the consumer already took the data"
    source.end()
    assert await result == b"data"


async def test_a_stream_error_fails_the_future() -> None:
    source = PassThrough()
    result = consumers.text(source)
    source.write(b"partial")
    source.destroy(RuntimeError("broken"))
    with pytest.raises(RuntimeError, match="broken"):
        await result


@pytest.mark.parametrize("bad", [42, None, "a string is not a stream"])
async def test_not_a_stream_fails(bad: Any) -> None:
    with pytest.raises(TypeError) as caught:
        await consumers.buffer(bad)
    assert getattr(caught.value, "code", None) == "ERR_INVALID_ARG_TYPE"


async def test_a_chunk_that_is_not_bytes_or_str_fails() -> None:
    with pytest.raises(TypeError) as caught:
        await consumers.buffer(Readable.from_([1, 2]))
    assert getattr(caught.value, "code", None) == "ERR_INVALID_ARG_TYPE"


async def test_array_buffer_and_bytes_are_buffer() -> None:
    assert await consumers.array_buffer(agen(b"ab")) == b"ab"
    assert await consumers.bytes_(agen(b"ab")) == b"ab"
