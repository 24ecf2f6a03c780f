"""Bytes out: exact heads, chunk framing, the framing rules and the Date cache."""

from __future__ import annotations

import email.utils
import time

import pytest

from rillet.errors import NodeRangeError, NodeTypeError
from rillet.http import _serialize
from rillet.http._serialize import (
    CONTINUE,
    LAST_CHUNK,
    Framing,
    body_allowed,
    choose_framing,
    chunk_header,
    close_response,
    frame_chunk,
    header_block,
    http_date,
    last_chunk,
    serialize_head,
    serialize_informational,
    serialize_request_head,
    status_line,
)

DATE = "Sun, 06 Nov 1994 08:49:37 GMT"


def test_head_of_a_typical_response() -> None:
    head = serialize_head(
        200,
        None,
        [("Content-Type", "text/plain"), ("X-Powered-By", "rillet"), ("Cache-Control", "no-store")],
        content_length=13,
        keep_alive=True,
        keep_alive_header="timeout=5",
        date=DATE,
    )
    assert head == (
        b"HTTP/1.1 200 OK\r\n"
        b"Content-Type: text/plain\r\n"
        b"X-Powered-By: rillet\r\n"
        b"Cache-Control: no-store\r\n"
        b"Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
        b"Connection: keep-alive\r\n"
        b"Keep-Alive: timeout=5\r\n"
        b"Content-Length: 13\r\n"
        b"\r\n"
    )


def test_head_variants() -> None:
    assert serialize_head(404) == b"HTTP/1.1 404 Not Found\r\n\r\n"
    assert serialize_head(299) == b"HTTP/1.1 299 unknown\r\n\r\n"
    assert serialize_head(200, "Fine") == b"HTTP/1.1 200 Fine\r\n\r\n"
    assert serialize_head(200, version="1.0") == b"HTTP/1.0 200 OK\r\n\r\n"
    assert serialize_head(201, chunked=True, keep_alive=False) == (
        b"HTTP/1.1 201 Created\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    assert serialize_head(200, keep_alive=True) == (
        b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n"
    )
    # Names keep their case; a value may be a number or a list.
    assert serialize_head(200, None, [("x-lower", 5), ("Set-Cookie", ["a=1", "b=2"])]) == (
        b"HTTP/1.1 200 OK\r\nx-lower: 5\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n"
    )
    # Latin-1 values go out as latin-1 bytes, as Node writes them.
    assert serialize_head(200, None, [("X-Name", "café")]).endswith(b"X-Name: caf\xe9\r\n\r\n")


def test_caller_headers_are_never_doubled() -> None:
    head = serialize_head(
        200,
        None,
        [
            ("date", "yesterday"),
            ("connection", "upgrade"),
            ("keep-alive", "timeout=1"),
            ("content-length", "7"),
        ],
        content_length=99,
        keep_alive=True,
        keep_alive_header="timeout=5",
        date=DATE,
    )
    assert head == (
        b"HTTP/1.1 200 OK\r\ndate: yesterday\r\nconnection: upgrade\r\nkeep-alive: timeout=1\r\n"
        b"content-length: 7\r\n\r\n"
    )
    head = serialize_head(200, None, [("Transfer-Encoding", "chunked")], content_length=3)
    assert head == b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    head = serialize_head(
        200, None, [("Keep-Alive", "max=3")], keep_alive=True, keep_alive_header="timeout=5"
    )
    assert head == b"HTTP/1.1 200 OK\r\nKeep-Alive: max=3\r\nConnection: keep-alive\r\n\r\n"


def test_header_block_reports_what_the_headers_say() -> None:
    text, flags, length = header_block(
        [("Connection", "Keep-Alive, Close"), ("Content-Length", " 12 ")]
    )
    assert text == "Connection: Keep-Alive, Close\r\nContent-Length:  12 \r\n"
    assert flags & _serialize.CONNECTION_CLOSE and flags & _serialize.HAS_CONTENT_LENGTH
    assert length == 12
    _, flags, length = header_block([("Transfer-Encoding", "gzip, chunked"), ("Trailer", "X")])
    assert flags & _serialize.TE_CHUNKED and flags & _serialize.HAS_TRAILER and length is None
    _, flags, _ = header_block([("Transfer-Encoding", "gzip"), ("Connection", "closed")])
    assert not flags & _serialize.TE_CHUNKED and not flags & _serialize.CONNECTION_CLOSE
    _, _, length = header_block([("Content-Length", "1_2")])  # int() would take it
    assert length is None


@pytest.mark.parametrize(
    ("headers", "code", "message"),
    [
        (
            [("X", "a\r\nInjected: 1")],
            "ERR_INVALID_CHAR",
            'Invalid character in header content ["X"]',
        ),
        ([("X", "a\rb")], "ERR_INVALID_CHAR", None),
        ([("X", "a\nb")], "ERR_INVALID_CHAR", None),
        ([("X", "a\x00b")], "ERR_INVALID_CHAR", None),
        ([("X", "a\x7fb")], "ERR_INVALID_CHAR", None),
        ([("X", "snow ☃")], "ERR_INVALID_CHAR", None),
        ([("X", ["ok", "b\nad"])], "ERR_INVALID_CHAR", None),
        (
            [("X", None)],
            "ERR_HTTP_INVALID_HEADER_VALUE",
            'Invalid value "undefined" for header "X"',
        ),
        (
            [("Bad Name", "v")],
            "ERR_INVALID_HTTP_TOKEN",
            'Header name must be a valid HTTP token ["Bad Name"]',
        ),
        ([("Bad:", "v")], "ERR_INVALID_HTTP_TOKEN", None),
        ([("", "v")], "ERR_INVALID_HTTP_TOKEN", None),
        ([("Ü", "v")], "ERR_INVALID_HTTP_TOKEN", None),
        ([(["list"], "v")], "ERR_INVALID_HTTP_TOKEN", None),
    ],
)
def test_bad_headers_are_refused(headers: list, code: str, message: str | None) -> None:  # type: ignore[type-arg]
    with pytest.raises(NodeTypeError) as info:
        serialize_head(200, None, headers)
    assert info.value.code == code
    if message is not None:
        assert str(info.value) == message


def test_a_good_value_is_remembered_but_a_bad_one_never_is() -> None:
    value = "a value seen once " + str(time.time())
    serialize_head(200, None, [("X", value)])
    assert value in _serialize._GOOD_VALUES
    with pytest.raises(NodeTypeError):
        serialize_head(200, None, [("X", value + "\n")])
    assert value + "\n" not in _serialize._GOOD_VALUES


def test_status_line_checks() -> None:
    assert status_line(200) == "HTTP/1.1 200 OK\r\n"
    assert status_line(200) is status_line(200), "cached"
    assert status_line(999, "Custom") == "HTTP/1.1 999 Custom\r\n"
    for bad in (99, 1000, "200", 200.0, True):
        with pytest.raises(NodeRangeError) as info:
            status_line(bad)  # type: ignore[arg-type]
        assert info.value.code == "ERR_HTTP_INVALID_STATUS_CODE"
    with pytest.raises(NodeTypeError) as type_info:
        status_line(200, "OK\r\nX: injected")
    assert type_info.value.code == "ERR_INVALID_CHAR"


def test_request_head() -> None:
    assert serialize_request_head("GET", "/", [("Host", "a")], keep_alive=True) == (
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n"
    )
    assert serialize_request_head("POST", "http://a/b?c", (), content_length=0) == (
        b"POST http://a/b?c HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
    )
    assert serialize_request_head("PUT", "/x", (), chunked=True, keep_alive=False) == (
        b"PUT /x HTTP/1.1\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    with pytest.raises(NodeTypeError) as info:
        serialize_request_head("G T", "/")
    assert str(info.value) == 'Method must be a valid HTTP token ["G T"]'
    with pytest.raises(NodeTypeError) as info:
        serialize_request_head("GET", "/a b")
    assert str(info.value) == "Request path contains unescaped characters"


def test_chunks() -> None:
    assert frame_chunk(b"hello") == b"5\r\nhello\r\n"
    assert frame_chunk(b"x" * 4096) == b"1000\r\n" + b"x" * 4096 + b"\r\n"
    assert frame_chunk(bytearray(b"ab")) == b"2\r\nab\r\n"
    assert frame_chunk(memoryview(b"abcdef")[2:4]) == b"2\r\ncd\r\n"
    assert frame_chunk(b"") == b"", "an empty write must not end the body"
    assert chunk_header(255) == b"ff\r\n"
    assert last_chunk() == LAST_CHUNK == b"0\r\n\r\n"
    assert last_chunk([("X-Checksum", "abc"), ("X-Count", 2)]) == (
        b"0\r\nX-Checksum: abc\r\nX-Count: 2\r\n\r\n"
    )
    with pytest.raises(NodeTypeError):
        last_chunk([("X", "a\r\nb")])


def test_interim_and_canned_responses() -> None:
    assert CONTINUE == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert serialize_informational(103, [("Link", "</s.css>; rel=preload")]) == (
        b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
    )
    for bad in (101, 200, 99):
        with pytest.raises(NodeRangeError):
            serialize_informational(bad)
    assert close_response(400) == b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"
    assert close_response(431) == (
        b"HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n"
    )


@pytest.mark.parametrize(
    ("status", "head_request", "allowed"),
    [
        (200, False, True),
        (200, True, False),
        (100, False, False),
        (103, False, False),
        (204, False, False),
        (304, False, False),
        (205, False, True),
        (500, False, True),
    ],
)
def test_body_allowed(status: int, head_request: bool, allowed: bool) -> None:
    assert body_allowed(status, head_request) is allowed


@pytest.mark.parametrize(
    ("headers", "length", "has_body", "chunked_ok", "framing"),
    [
        ([], 5, True, True, Framing.LENGTH),
        ([], None, True, True, Framing.CHUNKED),
        ([], None, True, False, Framing.CLOSE),
        ([], 5, True, False, Framing.LENGTH),
        ([], 5, False, True, Framing.NONE),
        ([("Content-Length", "5")], None, False, True, Framing.NONE),
        ([("Content-Length", "5")], None, True, True, Framing.LENGTH),
        ([("Transfer-Encoding", "chunked")], 5, True, True, Framing.CHUNKED),
        ([("Transfer-Encoding", "gzip")], 5, True, True, Framing.CLOSE),
        ([("Trailer", "X-Sum")], 5, True, True, Framing.CHUNKED),
        ([("Trailer", "X-Sum")], 5, True, False, Framing.LENGTH),
    ],
)
def test_framing_rules(
    headers: list[tuple[str, str]],
    length: int | None,
    has_body: bool,
    chunked_ok: bool,
    framing: Framing,
) -> None:
    _, flags, _ = header_block(headers)
    assert choose_framing(flags, length, has_body, chunked_ok) == framing


def test_http_date_is_formatted_once_per_second(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [784111777.25]
    calls = []
    real = email.utils.formatdate

    def formatdate(*args: object, **kwargs: object) -> str:
        calls.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_serialize.time, "time", lambda: now[0])
    monkeypatch.setattr(_serialize, "formatdate", formatdate)
    monkeypatch.setattr(_serialize, "_date_expires", 0.0)
    monkeypatch.setattr(_serialize, "_date_text", "")
    assert http_date() == DATE
    now[0] += 0.7
    assert http_date() == DATE
    assert len(calls) == 1
    now[0] += 0.1  # crosses into the next second
    assert http_date() == "Sun, 06 Nov 1994 08:49:38 GMT"
    assert len(calls) == 2


def test_http_date_is_now() -> None:
    parsed = email.utils.parsedate_to_datetime(http_date()).timestamp()
    assert abs(parsed - time.time()) < 2
