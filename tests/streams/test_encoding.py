"""Decoding on a Readable (R-ENC-1..4), with every Node encoding, and the helpers
in ``rillet.streams._encoding`` (Node's ``StringDecoder`` and ``Buffer`` conversions)."""

from __future__ import annotations

from typing import Any

import pytest
from _readable_helpers import noop, ticks

from rillet import Readable, Writable, once
from rillet.streams._encoding import StringDecoder, decode, encode, normalize_encoding


async def flow(encoding: str, *chunks: bytes) -> list[str]:
    """Push ``chunks`` then EOF into a flowing stream decoding as ``encoding``;
    return the ``'data'`` chunks."""
    stream = Readable(read=noop)
    assert stream.set_encoding(encoding) is stream
    got: list[str] = []
    stream.on("data", got.append)
    await ticks()
    for chunk in chunks:
        stream.push(chunk)
    stream.push(None)
    await once(stream, "end")
    assert all(type(piece) is str for piece in got)
    return got


# -- R-ENC-1: a decoder is installed --------------------------------------------------


async def test_r_enc_1_utf8_split_multibyte_characters() -> None:
    assert await flow("utf8", b"\xe2\x82", b"\xac\xc2", b"\xa2") == ["€", "¢"]


async def test_r_enc_1_encoding_option_is_the_same_as_set_encoding() -> None:
    stream = Readable(read=noop, encoding="utf8")
    assert stream.readable_encoding == "utf8"
    got: list[str] = []
    stream.on("data", got.append)
    for chunk in (b"\xe2\x82", b"\xac\xc2", b"\xa2", None):
        stream.push(chunk)
    await once(stream, "end")
    assert "".join(got) == "€¢"


async def test_r_enc_1_incomplete_character_at_eof_is_a_replacement_char() -> None:
    assert "".join(await flow("utf8", b"ok", b"\xe2\x82")) == "ok\ufffd"


async def test_r_enc_1_invalid_utf8_becomes_replacement_characters() -> None:
    assert "".join(await flow("utf8", b"\xe2\x28\xa1", b"\xff")) == "\ufffd(\ufffd\ufffd"


# -- R-ENC-2: set_encoding re-decodes what is buffered --------------------------------


async def test_r_enc_2_buffered_partial_sequence_joins_the_next_push() -> None:
    stream = Readable(read=noop)
    stream.push(b"\xf0")
    stream.push(b"\x9f")
    assert stream.readable_length == 2
    stream.set_encoding("utf8")
    assert stream.readable_length == 0
    got: list[str] = []
    stream.on("data", got.append)
    stream.push(b"\x8e")
    stream.push(b"\x89")
    stream.push(None)
    await once(stream, "end")
    assert got == ["🎉"]


def test_r_enc_2_buffered_bytes_become_one_string() -> None:
    stream = Readable(read=noop)
    stream.push(b"h\xc3")
    stream.push(b"\xa9llo")
    stream.set_encoding("utf8")
    assert stream.readable_length == 5
    assert list(stream.readable_buffer) == ["héllo"]
    assert stream.read() == "héllo"


def test_r_enc_2_set_encoding_after_eof_flushes_the_partial_sequence() -> None:
    stream = Readable(read=noop)
    stream.push(b"ab\xf0\x9f")
    stream.push(None)
    stream.set_encoding("utf8")
    assert stream.read() == "ab\ufffd"


def test_r_enc_2_set_encoding_none_means_utf8_and_names_are_normalised() -> None:
    stream = Readable(read=noop)
    stream.set_encoding(None)
    assert stream.readable_encoding == "utf8"
    for name, canonical in [
        ("UTF-8", "utf8"),
        ("Latin1", "latin1"),
        ("binary", "latin1"),
        ("ucs2", "utf16le"),
        ("UCS-2", "utf16le"),
        ("utf-16le", "utf16le"),
        ("HEX", "hex"),
        ("base64url", "base64url"),
        ("ascii", "ascii"),
    ]:
        assert Readable(read=noop).set_encoding(name).readable_encoding == canonical


def test_r_enc_2_unknown_encoding_raises() -> None:
    with pytest.raises(TypeError) as info:
        Readable(read=noop).set_encoding("klingon")
    assert getattr(info.value, "code", None) == "ERR_UNKNOWN_ENCODING"
    assert str(info.value) == "Unknown encoding: klingon"
    with pytest.raises(TypeError):
        Readable(read=noop, encoding="klingon")


# -- R-ENC-3: lengths count characters --------------------------------------------------


def test_r_enc_3_read_n_counts_characters() -> None:
    stream = Readable(read=noop)
    stream.set_encoding("utf8")
    stream.push("abc")
    stream.push("defgh")
    stream.push(None)
    assert stream.read(5) == "abcde"
    assert stream.read(3) == "fgh"
    assert stream.read(1) is None


def test_r_enc_3_lengths_are_python_code_points() -> None:
    stream = Readable(read=noop)
    stream.set_encoding("utf8")
    stream.push("😀ab".encode())
    assert stream.readable_length == 3
    assert stream.read(1) == "😀"
    assert stream.read(1) == "a"
    assert stream.readable_length == 1


def test_r_enc_3_the_high_water_mark_counts_characters() -> None:
    stream = Readable(read=noop, high_water_mark=4, encoding="utf8")
    assert stream.push("ééé".encode()) is True  # 6 bytes, 3 characters
    assert stream.push("é".encode()) is False
    assert stream.readable_length == 4


def test_r_enc_3_read_across_several_string_chunks() -> None:
    stream = Readable(read=noop, encoding="utf8")
    for piece in ("ab", "cd", "ef"):
        stream.push(piece)
    assert stream.read(3) == "abc"
    assert stream.read(2) == "de"
    assert stream.read(2) is None
    assert stream.read() == "f"


# -- R-ENC-4: strings in another encoding ------------------------------------------------


def test_r_enc_4_push_with_a_different_encoding_goes_through_bytes() -> None:
    stream = Readable(read=noop, encoding="utf8")
    stream.push("6869", "hex")
    stream.push("aGk=", "base64")
    assert stream.read() == "hihi"


def test_r_enc_4_push_in_the_stream_encoding_is_kept_as_is() -> None:
    stream = Readable(read=noop, encoding="hex")
    stream.push("abcd", "hex")
    stream.push(b"\x01")
    assert stream.read() == "abcd01"


def test_r_enc_4_byte_streams_encode_strings_with_their_encoding() -> None:
    stream = Readable(read=noop)
    stream.push("é", "latin1")
    stream.push("é", "utf16le")
    stream.push("é")
    assert stream.read() == b"\xe9\xe9\x00\xc3\xa9"


@pytest.mark.parametrize(
    ("decode_strings", "expected"),
    [
        (True, [(b"hi", "buffer"), (b"\xe9", "buffer"), (b"x", "buffer")]),
        (False, [("hi", "utf8"), ("é", "latin1"), (b"x", "buffer")]),
    ],
)
async def test_r_enc_4_writable_decode_strings(
    decode_strings: bool, expected: list[tuple[Any, str]]
) -> None:
    seen: list[tuple[Any, str]] = []

    def write(_s: Writable, chunk: Any, encoding: str, callback: Any) -> None:
        seen.append((chunk, encoding))
        callback()

    sink = Writable(write=write, decode_strings=decode_strings)
    sink.write("hi")
    sink.write("é", "latin1")
    sink.write(b"x", "hex")  # the encoding of bytes is ignored
    sink.end()
    await once(sink, "finish")
    assert seen == expected


# -- every encoding through set_encoding --------------------------------------------------


async def test_set_encoding_utf16le_joins_split_code_units_and_surrogates() -> None:
    emoji = "😀".encode("utf-16-le")
    got = await flow("utf16le", b"a", b"\x00b", b"\x00", emoji[:2], emoji[2:])
    assert got == ["a", "b", "😀"]


async def test_set_encoding_utf16le_drops_an_odd_trailing_byte() -> None:
    assert "".join(await flow("utf16le", b"a\x00b")) == "a"


async def test_set_encoding_latin1_and_binary() -> None:
    assert "".join(await flow("latin1", b"caf\xe9", b"\xff")) == "café\xff"
    assert "".join(await flow("binary", bytes(range(256)))) == bytes(range(256)).decode("latin-1")


async def test_set_encoding_ascii_clears_the_high_bit() -> None:
    assert "".join(await flow("ascii", b"ab\xe9")) == "abi"


async def test_set_encoding_base64_holds_back_partial_groups() -> None:
    got = await flow("base64", b"a", b"bc", b"d")
    assert got == ["YWJj", "ZA=="]
    assert "".join(await flow("base64", b"ab", b"cdef")) == "YWJjZGVm"


async def test_set_encoding_base64url_has_no_padding() -> None:
    got = await flow("base64url", b"\xfb\xff", b"\xbf", b"\xfe")
    assert got == ["-_-_", "_g"]


async def test_set_encoding_hex() -> None:
    assert await flow("hex", b"\x00\xff", b"\x10") == ["00ff", "10"]


# -- the helpers ---------------------------------------------------------------------------


def test_string_decoder_is_incremental_for_each_encoding() -> None:
    data = "né😀".encode()
    decoder = StringDecoder("utf8")
    assert "".join(decoder.write(data[i : i + 1]) for i in range(len(data))) + decoder.end() == (
        "né😀"
    )
    b64 = StringDecoder("base64")
    assert b64.write(b"ab") == ""
    assert b64.end(b"c") == "YWJj"
    assert b64.end() == ""


def test_encode_and_decode_round_trip_every_encoding() -> None:
    raw = bytes(range(256))
    for name in ("latin1", "hex", "base64", "base64url"):
        assert encode(decode(raw, name), name) == raw
    assert decode(encode("hé😀", "utf16le"), "utf16le") == "hé😀"
    assert encode("hé", "utf8") == b"h\xc3\xa9"
    assert encode("zz12", "hex") == b"", "Node stops at the first invalid pair"
    assert encode("12zz", "hex") == b"\x12"
    assert encode("abc", "hex") == b"\xab"
    assert encode("YW Jj\n", "base64") == b"abc"
    assert encode("-_-_", "base64") == b"\xfb\xff\xbf"
    assert normalize_encoding("nope") is None
