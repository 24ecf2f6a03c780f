"""The parsers under the connections: heads, limits, and llhttp's errors as Node's codes."""

from __future__ import annotations

from typing import Any

import pytest
from httptools.parser.errors import HttpParserError, HttpParserInvalidURLError

from rillet.errors import NodeError
from rillet.http._parser import (
    DEFAULT_MAX_HEADER_SIZE,
    HTTPParserError,
    RequestHead,
    RequestParser,
    ResponseHead,
    ResponseParser,
    _convert,
)
from rillet.http._status import METHODS


class Handler:
    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def head_received(self, head: Any) -> None:
        self.events.append(("head", head))

    def body_received(self, data: bytes) -> None:
        self.events.append(("body", data))

    def message_received(self, trailers: Any) -> None:
        self.events.append(("end", trailers))


def parse_request(*pieces: bytes, **options: Any) -> tuple[RequestParser, Handler]:
    handler = Handler()
    parser = RequestParser(handler, **options)
    for piece in pieces:
        assert parser.feed(piece) == -1
    return parser, handler


def test_request_head_fields() -> None:
    parser, handler = parse_request(
        b"PUT /a%20b?x=1#frag HTTP/1.0\r\nHost: h\r\nContent-Length: 2\r\n"
        b"Expect: 100-Continue\r\nConnection: keep-alive\r\n\r\nok"
    )
    head = handler.events[0][1]
    assert isinstance(head, RequestHead)
    assert (head.method, head.url, head.http_version) == ("PUT", "/a%20b?x=1#frag", "1.0")
    assert head.keep_alive and not head.upgrade and not head.chunked
    assert head.content_length == 2 and head.has_body
    assert head.host == b"h"
    assert head.expect == b"100-Continue" and head.expect_continue
    assert repr(head) == "<RequestHead PUT /a%20b?x=1#frag HTTP/1.0>"
    assert handler.events[1:] == [("body", b"ok"), ("end", ())]
    assert not parser.in_head and not parser.in_message


def test_a_second_host_line_is_refused() -> None:
    handler = Handler()
    parser = RequestParser(handler)
    with pytest.raises(HTTPParserError) as info:
        parser.feed(b"GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n")
    assert info.value.code == "HPE_DUPLICATE_HOST"
    assert not handler.events


def test_every_node_method_is_parsed_to_the_same_name() -> None:
    for method in METHODS:
        handler = Handler()
        parser = RequestParser(handler)
        target = b"example.com:443" if method == "CONNECT" else b"/"
        parser.feed(method.encode() + b" " + target + b" HTTP/1.1\r\n\r\n")
        assert handler.events[0][1].method == method


def test_pieces_of_a_target_and_headers_are_joined() -> None:
    request = b"GET /a/long/path?query=string HTTP/1.1\r\nX-Long-Name: long value\r\n\r\n"
    for size in (1, 2, 3, 7):
        pieces = [request[i : i + size] for i in range(0, len(request), size)]
        parser, handler = parse_request(*pieces)
        head = handler.events[0][1]
        assert head.url == "/a/long/path?query=string"
        assert head.headers == [(b"X-Long-Name", b"long value")]
        assert parser.in_head is False


def test_in_head_and_in_message_track_the_input() -> None:
    parser, _ = parse_request(b"POST / HTTP/1.1\r\nContent-Le")
    assert parser.in_head and parser.in_message
    parser.feed(b"ngth: 3\r\n\r\na")
    assert not parser.in_head and parser.in_message
    parser.feed(b"bc")
    assert not parser.in_message


def test_header_size_counts_target_names_and_values_like_node() -> None:
    # "/" + "Host" + "a" + "X" + value: exactly the limit passes, one more byte does not.
    value = b"v" * (DEFAULT_MAX_HEADER_SIZE - 7)
    _, handler = parse_request(b"GET / HTTP/1.1\r\nHost: a\r\nX: " + value + b"\r\n\r\n")
    assert handler.events[0][0] == "head"
    with pytest.raises(HTTPParserError) as info:
        parse_request(b"GET / HTTP/1.1\r\nHost: a\r\nX: " + value + b"v\r\n\r\n")
    error = info.value
    assert (error.code, error.status_code, error.reason) == (
        "HPE_HEADER_OVERFLOW",
        431,
        "Header overflow",
    )


def test_errors_are_node_parse_errors() -> None:
    data = b"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"
    with pytest.raises(HTTPParserError) as info:
        parse_request(data)
    error = info.value
    assert isinstance(error, NodeError)
    assert error.code == "HPE_INVALID_HEADER_TOKEN"
    assert error.reason == "Unexpected whitespace after header value"
    assert str(error) == "Parse Error: Unexpected whitespace after header value"
    assert error.status_code == 400
    assert error.raw_packet == data


def test_unknown_transfer_coding_is_refused_before_the_head_is_handed_on() -> None:
    handler = Handler()
    parser = RequestParser(handler)
    with pytest.raises(HTTPParserError) as info:
        parser.feed(
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n"
        )
    assert info.value.code == "HPE_INVALID_TRANSFER_ENCODING"
    assert handler.events == []


@pytest.mark.parametrize(
    ("exception", "code"),
    [
        (HttpParserError("Expected LF after headers"), "HPE_STRICT"),
        (HttpParserError("Missing expected CR after response line"), "HPE_CR_EXPECTED"),
        (HttpParserError("Unexpected char in url schema"), "HPE_INVALID_URL"),
        (HttpParserInvalidURLError("Something new"), "HPE_INVALID_URL"),
        (HttpParserError("Duplicate Content-Length"), "HPE_UNEXPECTED_CONTENT_LENGTH"),
        (HttpParserError("Invalid response status"), "HPE_INVALID_STATUS"),
    ],
)
def test_llhttp_reasons_map_to_node_codes(exception: HttpParserError, code: str) -> None:
    error = _convert(exception, memoryview(b"raw"))
    assert error.code == code
    assert error.raw_packet == b"raw"


def test_a_handler_exception_propagates_unchanged() -> None:
    class Failing(Handler):
        def body_received(self, data: bytes) -> None:
            raise ValueError("boom")

    parser = RequestParser(Failing())
    with pytest.raises(ValueError, match="boom"):
        parser.feed(b"POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nx")


def test_declined_upgrade_body_parses_after_the_pause() -> None:
    request = (
        b"POST / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: x\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    body = b"3\r\nabc\r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n"
    handler = Handler()
    parser = RequestParser(handler)
    offset = parser.feed(request + body)
    assert offset == len(request)
    head = handler.events[0][1]
    assert head.upgrade and head.chunked
    assert handler.events[1:] == [("end", ())], "llhttp skips an upgrade's body"
    del handler.events[:]
    parser.parse_body_after_upgrade(head)
    assert parser.feed(body) == -1
    assert [event[0] for event in handler.events] == ["body", "end", "head", "end"]
    assert handler.events[0] == ("body", b"abc")
    assert handler.events[2][1].url == "/next"


def test_response_head_fields() -> None:
    handler = Handler()
    parser = ResponseParser(handler)
    parser.feed(b"HTTP/1.0 404 Not  Found\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n")
    head = handler.events[0][1]
    assert isinstance(head, ResponseHead)
    assert (head.status_code, head.reason, head.http_version) == (404, "Not  Found", "1.0")
    assert head.keep_alive and head.content_length == 0 and not head.upgrade
    assert repr(head) == "<ResponseHead HTTP/1.0 404 Not  Found>"
    assert handler.events[1] == ("end", ())


def test_response_without_body_ends_at_once_and_parsing_goes_on() -> None:
    handler = Handler()
    parser = ResponseParser(handler)
    parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
    assert parser.in_message
    parser.end_without_body()
    assert not parser.in_message
    parser.feed(b"HTTP/1.1 204 No Content\r\n\r\n")
    assert [event[0] for event in handler.events] == ["head", "end", "head", "end"]
