"""Bytes in, message heads and body pieces out: httptools (llhttp, Node's parser) plus the
checks llhttp leaves to the program that embeds it.

llhttp runs in its strict mode (no leniency is ever switched on), so it already refuses the
classic smuggling vectors: Content-Length together with Transfer-Encoding, a second
Content-Length, a request whose last transfer coding is not ``chunked``, obs-fold, whitespace
before the colon, CR/LF/NUL inside a header value, a bare LF, a bad chunk size. On top of it the
parsers here:

* stop a header block at ``max_header_size`` bytes (Node's count: request target, status text,
  names and values) with ``HPE_HEADER_OVERFLOW`` / 431, and count a header line that is still
  arriving, so a never-ending header costs at most one read chunk on top of the limit;
* refuse a request with an unknown Transfer-Encoding *before* its head is handed on (llhttp
  reports it only after the head);
* drop the optional whitespace llhttp leaves at the end of a header value, as Node does;
* turn llhttp's errors into :class:`HTTPParserError` with Node's ``HPE_*`` code.

One parser object lives as long as its connection: the callbacks are bound once.
"""

from __future__ import annotations

from typing import Protocol, TypeAlias

from httptools import HttpRequestParser, HttpResponseParser
from httptools.parser.errors import (
    HttpParserCallbackError,
    HttpParserError,
    HttpParserInvalidMethodError,
    HttpParserInvalidStatusError,
    HttpParserInvalidURLError,
    HttpParserUpgrade,
)

from rillet.errors import NodeError
from rillet.http._status import METHODS

__all__ = [
    "DEFAULT_MAX_HEADER_SIZE",
    "HTTPParserError",
    "RequestHead",
    "RequestParser",
    "ResponseHead",
    "ResponseParser",
    "Trailers",
]

#: Node's ``http.maxHeaderSize``.
DEFAULT_MAX_HEADER_SIZE = 16384


class HTTPParserError(NodeError):
    """A message that cannot be parsed: Node's ``'Parse Error: <reason>'`` with an ``HPE_*``
    ``code``, the ``reason``, the ``status_code`` a server answers (431 for a header block
    over the limit, else 400) and ``raw_packet``, the data being parsed when it happened."""

    def __init__(
        self, code: str, reason: str, *, status_code: int = 400, raw_packet: bytes = b""
    ) -> None:
        super().__init__(f"Parse Error: {reason}", code=code)
        self.reason = reason
        self.status_code = status_code
        self.raw_packet = raw_packet


def closed_connection() -> _Abort:
    """What a handler raises to stop parsing a connection that is to close: ``feed`` then
    raises ``HPE_CLOSED_CONNECTION``, which the protocol layer takes as the end of input."""
    return _Abort(HTTPParserError("HPE_CLOSED_CONNECTION", "Data after `Connection: close`"))


def header_overflow() -> HTTPParserError:
    """``HPE_HEADER_OVERFLOW``, answered with 431."""
    return HTTPParserError("HPE_HEADER_OVERFLOW", "Header overflow", status_code=431)


def eof_error() -> HTTPParserError:
    """``HPE_INVALID_EOF_STATE``: the peer closed in the middle of a message."""
    return HTTPParserError("HPE_INVALID_EOF_STATE", "Invalid EOF state")


# llhttp's reasons → its error names (from llhttp's http.ts; httptools passes only the text).
_REASON_CODES = {
    "Invalid word encountered": "HPE_INVALID_CONSTANT",
    "Expected HTTP/, RTSP/ or ICE/": "HPE_INVALID_CONSTANT",
    "Invalid method for HTTP/x.x request": "HPE_INVALID_CONSTANT",
    "Invalid method for RTSP/x.x request": "HPE_INVALID_CONSTANT",
    "Expected SOURCE method for ICE/x.x request": "HPE_INVALID_CONSTANT",
    "Invalid method encountered": "HPE_INVALID_METHOD",
    "Expected space after method": "HPE_INVALID_METHOD",
    "Invalid HTTP version": "HPE_INVALID_VERSION",
    "Invalid major version": "HPE_INVALID_VERSION",
    "Invalid minor version": "HPE_INVALID_VERSION",
    "Expected dot": "HPE_INVALID_VERSION",
    "Expected space after version": "HPE_INVALID_VERSION",
    "Expected CRLF after version": "HPE_INVALID_VERSION",
    "Expected HTTP/2 Connection Preface": "HPE_INVALID_VERSION",
    "Invalid status code": "HPE_INVALID_STATUS",
    "Invalid response status": "HPE_INVALID_STATUS",
    "Unexpected space after start line": "HPE_UNEXPECTED_SPACE",
    "Invalid header field char": "HPE_INVALID_HEADER_TOKEN",
    "Invalid header token": "HPE_INVALID_HEADER_TOKEN",
    "Invalid header value char": "HPE_INVALID_HEADER_TOKEN",
    "Unexpected whitespace after header value": "HPE_INVALID_HEADER_TOKEN",
    "Missing expected LF after header value": "HPE_LF_EXPECTED",
    "Duplicate Content-Length": "HPE_UNEXPECTED_CONTENT_LENGTH",
    "Content-Length can't be present with Transfer-Encoding": "HPE_INVALID_CONTENT_LENGTH",
    "Empty Content-Length": "HPE_INVALID_CONTENT_LENGTH",
    "Content-Length overflow": "HPE_INVALID_CONTENT_LENGTH",
    "Invalid character in Content-Length": "HPE_INVALID_CONTENT_LENGTH",
    "Transfer-Encoding can't be present with Content-Length": "HPE_INVALID_TRANSFER_ENCODING",
    "Empty Transfer-Encoding": "HPE_INVALID_TRANSFER_ENCODING",
    "Invalid `Transfer-Encoding` header value": "HPE_INVALID_TRANSFER_ENCODING",
    "Request has invalid `Transfer-Encoding`": "HPE_INVALID_TRANSFER_ENCODING",
    "Chunk size overflow": "HPE_INVALID_CHUNK_SIZE",
    "Invalid character in chunk size": "HPE_INVALID_CHUNK_SIZE",
    "Data after `Connection: close`": "HPE_CLOSED_CONNECTION",
    "Pause on PRI/Upgrade": "HPE_PAUSED_H2_UPGRADE",
}
_CLASS_CODES: dict[type[HttpParserError], str] = {
    HttpParserInvalidMethodError: "HPE_INVALID_METHOD",
    HttpParserInvalidStatusError: "HPE_INVALID_STATUS",
    HttpParserInvalidURLError: "HPE_INVALID_URL",
}


def _convert(exc: HttpParserError, data: bytes | bytearray | memoryview) -> HTTPParserError:
    reason = str(exc)
    code = _REASON_CODES.get(reason) or _CLASS_CODES.get(type(exc))
    if code is None:
        if reason.startswith("Missing expected CR"):
            code = "HPE_CR_EXPECTED"
        elif " url" in reason:
            code = "HPE_INVALID_URL"
        else:  # "Expected LF after ...", chunk extension syntax: llhttp's strict-mode checks
            code = "HPE_STRICT"
    return HTTPParserError(code, reason, raw_packet=bytes(data))


class _Abort(Exception):
    """Raised inside a parser callback to stop llhttp with a parse error of our own."""

    def __init__(self, error: HTTPParserError) -> None:
        super().__init__(error.reason)
        self.error = error


class RequestHead:
    """A request line and its headers.

    ``method`` (``'GET'``), ``url`` (the request target, latin-1), ``http_version``
    (``'1.1'``), ``headers`` (``(name, value)`` pairs of ``bytes`` in wire order, names in their
    case, values without surrounding whitespace), ``keep_alive`` (what the request asks for:
    HTTP/1.1 unless ``Connection: close``, HTTP/1.0 only with ``Connection: keep-alive``),
    ``upgrade`` (an Upgrade or CONNECT request the server takes over), ``content_length``
    (``None`` when absent), ``chunked``, ``expect`` and ``host`` (the first such header's value
    or ``None``).
    """

    __slots__ = (
        "chunked",
        "content_length",
        "expect",
        "headers",
        "host",
        "http_version",
        "keep_alive",
        "method",
        "upgrade",
        "url",
    )

    def __init__(
        self,
        method: str,
        url: str,
        http_version: str,
        headers: list[tuple[bytes, bytes]],
        keep_alive: bool,
        upgrade: bool,
        content_length: int | None,
        chunked: bool,
        expect: bytes | None,
        host: bytes | None,
    ) -> None:
        self.method = method
        self.url = url
        self.http_version = http_version
        self.headers = headers
        self.keep_alive = keep_alive
        self.upgrade = upgrade
        self.content_length = content_length
        self.chunked = chunked
        self.expect = expect
        self.host = host

    @property
    def expect_continue(self) -> bool:
        """Whether the client waits for ``100 Continue`` before sending the body."""
        return self.expect is not None and self.expect.lower() == b"100-continue"

    @property
    def has_body(self) -> bool:
        """Whether a body follows the head."""
        return self.chunked or bool(self.content_length)

    def __repr__(self) -> str:
        return f"<RequestHead {self.method} {self.url} HTTP/{self.http_version}>"


class ResponseHead:
    """A status line and its headers: ``status_code``, ``reason`` (``'OK'``), ``http_version``,
    ``headers`` (as :class:`RequestHead`'s), ``keep_alive`` (whether the connection can carry
    another request afterwards), ``upgrade`` (101), ``content_length`` and ``chunked``."""

    __slots__ = (
        "chunked",
        "content_length",
        "headers",
        "http_version",
        "keep_alive",
        "reason",
        "status_code",
        "upgrade",
    )

    def __init__(
        self,
        status_code: int,
        reason: str,
        http_version: str,
        headers: list[tuple[bytes, bytes]],
        keep_alive: bool,
        upgrade: bool,
        content_length: int | None,
        chunked: bool,
    ) -> None:
        self.status_code = status_code
        self.reason = reason
        self.http_version = http_version
        self.headers = headers
        self.keep_alive = keep_alive
        self.upgrade = upgrade
        self.content_length = content_length
        self.chunked = chunked

    def __repr__(self) -> str:
        return f"<ResponseHead HTTP/{self.http_version} {self.status_code} {self.reason}>"


Trailers: TypeAlias = "list[tuple[bytes, bytes]] | tuple[()]"
_NO_TRAILERS: tuple[()] = ()


class RequestHandler(Protocol):
    """What a :class:`RequestParser` calls."""

    def head_received(self, head: RequestHead) -> None: ...
    def body_received(self, data: bytes) -> None: ...
    def message_received(self, trailers: Trailers) -> None: ...


class ResponseHandler(Protocol):
    """What a :class:`ResponseParser` calls."""

    def head_received(self, head: ResponseHead) -> None: ...
    def body_received(self, data: bytes) -> None: ...
    def message_received(self, trailers: Trailers) -> None: ...


_METHOD_NAMES = {name.encode(): name for name in METHODS}
_OWS = (0x20, 0x09)
# Lengths of the header names looked at here: host, expect, content-length, transfer-encoding.
_SPECIAL_LENGTHS = frozenset({4, 6, 14, 17})


class _Parser:
    """What requests and responses share: message state, header collection, the size limit,
    error mapping."""

    _parser: HttpRequestParser | HttpResponseParser

    def __init__(self, handler: RequestHandler | ResponseHandler, max_header_size: int) -> None:
        self.max_header_size = max_header_size
        #: From the first byte of a message until its head is complete.
        self.in_head = False
        #: From the first byte of a message until it is complete.
        self.in_message = False
        self._body_received = handler.body_received
        self._message_received = handler.message_received
        self._first = b""  # request target or status text, which may arrive in pieces
        # The head's headers, then (a fresh list) the trailers of a chunked body.
        self._headers: list[tuple[bytes, bytes]] = []
        self._head_size = 0
        # Bytes fed since the last callback while a head or a chunked body is arriving: a
        # header, trailer or chunk-size line still coming in. -1: a callback happened during
        # the current feed, so the rest of that chunk is not counted.
        self._tail = 0
        self._chunked_body = False
        self._content_length: int | None = None
        self._chunked = False
        self._te = False
        self._host: bytes | None = None
        self._host_repeated = False
        self._expect: bytes | None = None

    def feed(self, data: bytes | bytearray | memoryview) -> int:
        """Parse ``data``, calling the handler; return -1, or the offset in ``data`` where
        the bytes of an upgraded protocol (101, Upgrade, CONNECT) begin.

        Raises :class:`HTTPParserError`; an exception raised by the handler propagates as is.
        Either way the parser is unusable afterwards.
        """
        try:
            self._parser.feed_data(data)
        except HttpParserUpgrade as exc:
            return int(exc.args[0])
        except HttpParserCallbackError as exc:
            cause = exc.__context__
            if isinstance(cause, _Abort):
                cause.error.raw_packet = bytes(data)
                raise cause.error from None
            if cause is not None:
                raise cause from None
            raise _convert(exc, data) from None
        except HttpParserError as exc:
            raise _convert(exc, data) from None
        if self.in_head or self._chunked_body:
            # httptools hands a header over only once it is whole: without this count, a
            # header (or trailer) that never ends would grow in memory without limit.
            tail = self._tail
            self._tail = tail = 0 if tail < 0 else tail + len(data)
            if self._head_size + tail > self.max_header_size:
                raise header_overflow()
        return -1

    def on_message_begin(self) -> None:
        self.in_head = self.in_message = True
        self._first = b""
        self._head_size = 0
        self._tail = -1
        self._content_length = None
        self._chunked = self._te = False
        self._host = self._expect = None
        self._host_repeated = False

    def _first_line_piece(self, piece: bytes) -> None:
        size = self._head_size + len(piece)
        if size > self.max_header_size:
            raise _Abort(header_overflow())
        self._head_size = size
        self._tail = -1
        self._first += piece

    def on_header(self, name: bytes, value: bytes) -> None:
        size = self._head_size + len(name) + len(value)
        if size > self.max_header_size:
            raise _Abort(header_overflow())
        self._head_size = size
        self._tail = -1
        if value and value[-1] in _OWS:
            value = value.rstrip(b" \t")
        self._headers.append((name, value))
        if len(name) not in _SPECIAL_LENGTHS or not self.in_head:
            return
        # llhttp has already refused malformed and duplicate Content-Length values.
        name = name.lower()
        if name == b"host":
            if self._host is None:
                self._host = value
            else:
                self._host_repeated = True
        elif name == b"content-length":
            self._content_length = int(value)
        elif name == b"transfer-encoding":
            self._te = True
            self._chunked = value.rsplit(b",", 1)[-1].strip().lower() == b"chunked"
        elif name == b"expect" and self._expect is None:
            self._expect = value

    def _take_headers(self) -> list[tuple[bytes, bytes]]:
        # The head keeps the list; trailers, if any, go to a fresh one.
        headers = self._headers
        self._headers = []
        self.in_head = False
        self._chunked_body = self._chunked
        return headers

    def on_body(self, data: bytes) -> None:
        self._tail = -1
        self._body_received(data)

    def on_message_complete(self) -> None:
        self.in_message = self._chunked_body = False
        trailers = self._headers
        if trailers:
            self._headers = []
            self._message_received(trailers)
        else:
            self._message_received(_NO_TRAILERS)


class RequestParser(_Parser):
    """Parses the requests of one connection and hands them to ``handler``."""

    _parser: HttpRequestParser

    def __init__(
        self, handler: RequestHandler, max_header_size: int = DEFAULT_MAX_HEADER_SIZE
    ) -> None:
        super().__init__(handler, max_header_size)
        self._head_received = handler.head_received
        self._skip_head = False
        self._parser = HttpRequestParser(self)

    on_url = _Parser._first_line_piece

    def on_headers_complete(self) -> None:
        headers = self._take_headers()
        if self._skip_head:
            self._skip_head = False
            return
        if self._host_repeated:
            # RFC 9112 3.2: a request with more than one Host line gets 400 (nginx does so;
            # Node lets it through).
            raise _Abort(HTTPParserError("HPE_DUPLICATE_HOST", "Duplicate Host header"))
        if self._te and not self._chunked:
            # RFC 9112 6.3: a request body whose length cannot be known. llhttp says so only
            # after the head; refuse before the request is handed on.
            raise _Abort(
                HTTPParserError(
                    "HPE_INVALID_TRANSFER_ENCODING", "Request has invalid `Transfer-Encoding`"
                )
            )
        parser = self._parser
        method = parser.get_method()
        self._head_received(
            RequestHead(
                _METHOD_NAMES.get(method) or method.decode("latin-1"),
                self._first.decode("latin-1"),
                parser.get_http_version(),
                headers,
                parser.should_keep_alive(),
                parser.should_upgrade(),
                self._content_length,
                self._chunked,
                self._expect,
                self._host,
            )
        )

    def parse_body_after_upgrade(self, head: RequestHead) -> None:
        """Go on as HTTP after an Upgrade request that was declined.

        llhttp skips the body of any Upgrade request; a declined one is an ordinary request
        whose body must still be read. A fresh llhttp is primed with a head that has the same
        framing (its events are swallowed), so the real body and the requests after it parse
        as usual.
        """
        if not head.has_body:
            return
        self._parser = HttpRequestParser(self)
        framing = (
            b"Transfer-Encoding: chunked"
            if head.chunked
            else b"Content-Length: %d" % (head.content_length or 0)
        )
        self._skip_head = True
        self._parser.feed_data(b"PUT / HTTP/1.1\r\n" + framing + b"\r\n\r\n")


class ResponseParser(_Parser):
    """Parses the responses of one connection and hands them to ``handler``."""

    _parser: HttpResponseParser

    def __init__(
        self, handler: ResponseHandler, max_header_size: int = DEFAULT_MAX_HEADER_SIZE
    ) -> None:
        super().__init__(handler, max_header_size)
        self._head_received = handler.head_received
        self._parser = HttpResponseParser(self)

    on_status = _Parser._first_line_piece

    def on_headers_complete(self) -> None:
        headers = self._take_headers()
        parser = self._parser
        self._head_received(
            ResponseHead(
                parser.get_status_code(),
                self._first.decode("latin-1"),
                parser.get_http_version(),
                headers,
                parser.should_keep_alive(),
                parser.should_upgrade(),
                self._content_length,
                self._chunked,
            )
        )

    def end_without_body(self) -> None:
        """End the message whose head was just parsed, as bodiless: llhttp cannot be told that
        the answer to HEAD or CONNECT has no body, so it starts over fresh."""
        self._parser = HttpResponseParser(self)
        self.on_message_complete()
