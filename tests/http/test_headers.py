"""Node's rules for message.headers, headersDistinct and rawHeaders; outgoing header checks."""

from __future__ import annotations

import pytest

from rillet.errors import NodeTypeError
from rillet.http._headers import (
    FIRST_ONLY,
    headers_dict,
    headers_distinct,
    raw_header_list,
    validate_header_name,
    validate_header_value,
)

# What Node v20 gave for this request (the probe in the report): req.headers and rawHeaders.
PAIRS = [
    (b"Host", b"a"),
    (b"Cookie", b"a=1"),
    (b"Cookie", b"b=2"),
    (b"Accept", b"x"),
    (b"accept", b"y"),
    (b"User-Agent", b"u1"),
    (b"User-Agent", b"u2"),
    (b"Set-Cookie", b"s1"),
    (b"Set-Cookie", b"s2"),
]


def test_headers_dict_joins_like_node() -> None:
    assert headers_dict(PAIRS) == {
        "host": "a",
        "cookie": "a=1; b=2",
        "accept": "x, y",
        "user-agent": "u1",
        "set-cookie": ["s1", "s2"],
    }


def test_first_only_headers_keep_the_first_value() -> None:
    for name in FIRST_ONLY:
        pairs = [(name.upper().encode(), b"first"), (name.encode(), b"second")]
        assert headers_dict(pairs) == {name: "first"}, name
    assert {"content-type", "content-length", "authorization", "host", "referer"} <= FIRST_ONLY


def test_a_single_set_cookie_is_a_list_and_values_are_latin1() -> None:
    assert headers_dict([(b"set-cookie", b"x"), (b"X-Name", b"caf\xe9")]) == {
        "set-cookie": ["x"],
        "x-name": "café",
    }


def test_headers_distinct_and_raw_headers() -> None:
    assert headers_distinct(PAIRS) == {
        "host": ["a"],
        "cookie": ["a=1", "b=2"],
        "accept": ["x", "y"],
        "user-agent": ["u1", "u2"],
        "set-cookie": ["s1", "s2"],
    }
    assert raw_header_list(PAIRS) == [
        "Host", "a", "Cookie", "a=1", "Cookie", "b=2", "Accept", "x", "accept", "y",
        "User-Agent", "u1", "User-Agent", "u2", "Set-Cookie", "s1", "Set-Cookie", "s2",
    ]  # fmt: skip
    assert headers_dict([]) == {} and raw_header_list([]) == []


@pytest.mark.parametrize("name", ["Content-Type", "x-a", "!#$%&'*+-.^_`|~09AZaz"])
def test_valid_names(name: str) -> None:
    validate_header_name(name)


@pytest.mark.parametrize("name", ["", "a b", "a:", "a\r\n", "é", "a\x00", None, 5])
def test_invalid_names(name: object) -> None:
    with pytest.raises(NodeTypeError) as info:
        validate_header_name(name)
    assert info.value.code == "ERR_INVALID_HTTP_TOKEN"
    assert str(info.value) == f'Header name must be a valid HTTP token ["{name}"]'


def test_invalid_name_label() -> None:
    with pytest.raises(NodeTypeError, match=r"^Trailer name must be"):
        validate_header_name("a b", "Trailer name")


@pytest.mark.parametrize("value", ["plain", "tab\there", "latin-1 é ÿ", "", 42, ["a", "b"]])
def test_valid_values(value: object) -> None:
    validate_header_value("X", value)


@pytest.mark.parametrize("value", ["a\rb", "a\nb", "a\x00b", "a\x1fb", "a\x7fb", "€", ["ok", "\n"]])
def test_invalid_values(value: object) -> None:
    with pytest.raises(NodeTypeError) as info:
        validate_header_value("X-Name", value)
    assert info.value.code == "ERR_INVALID_CHAR"
    assert str(info.value) == 'Invalid character in header content ["X-Name"]'


def test_missing_value() -> None:
    with pytest.raises(NodeTypeError) as info:
        validate_header_value("X-Name", None)
    assert info.value.code == "ERR_HTTP_INVALID_HEADER_VALUE"
    assert str(info.value) == 'Invalid value "undefined" for header "X-Name"'
