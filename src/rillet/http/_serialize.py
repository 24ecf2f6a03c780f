"""Bytes out: message heads, Content-Length and chunked framing, and the framing rules.

Everything here is pure: strings and numbers in, ``bytes`` out. Header names are written as
given and checked once per distinct name (``ERR_INVALID_HTTP_TOKEN``); every value is checked
for characters that could end the line or inject another header (``ERR_INVALID_CHAR``), so a
head built here is always well formed. Heads are latin-1, as Node writes them.

The automatic headers follow Node's order and spelling: the caller's headers as given, then
``Date``, ``Connection`` (and ``Keep-Alive``), then ``Content-Length`` or
``Transfer-Encoding: chunked``; a header the caller set is never added a second time.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from email.utils import formatdate
from enum import IntEnum
from typing import TypeAlias

from rillet.errors import new_error
from rillet.http._headers import invalid_header_char, is_token, validate_header_name
from rillet.http._status import STATUS_CODES

__all__ = [
    "CONTINUE",
    "LAST_CHUNK",
    "Framing",
    "HeaderValue",
    "Headers",
    "assemble_head",
    "body_allowed",
    "choose_framing",
    "chunk_header",
    "close_response",
    "connection_headers",
    "frame_chunk",
    "header_block",
    "http_date",
    "last_chunk",
    "request_line",
    "serialize_head",
    "serialize_informational",
    "serialize_request_head",
    "status_line",
]

HeaderValue: TypeAlias = "str | int | list[str] | tuple[str, ...]"
Headers: TypeAlias = "Iterable[tuple[str, HeaderValue]]"

#: The interim response ``write_continue()`` sends.
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
#: The end of a chunked body without trailers.
LAST_CHUNK = b"0\r\n\r\n"


class Framing(IntEnum):
    """How a message body is delimited."""

    NONE = 0  #: no body at all (HEAD, 1xx, 204, 304, or a request without one)
    LENGTH = 1  #: ``Content-Length``
    CHUNKED = 2  #: ``Transfer-Encoding: chunked``
    CLOSE = 3  #: the body ends when the connection closes (HTTP/1.0 with unknown length)


# Plain-global aliases: an enum member lookup costs ten times a global's on the hot path.
_F_NONE, _F_LENGTH, _F_CHUNKED, _F_CLOSE = Framing

# Bits that header_block() reports about the caller's headers.
HAS_DATE = 1
HAS_CONNECTION = 2
HAS_KEEP_ALIVE = 4
HAS_CONTENT_LENGTH = 8
HAS_TRANSFER_ENCODING = 16
HAS_TRAILER = 32
HAS_HOST = 64
CONNECTION_CLOSE = 128  #: a ``Connection`` header names ``close``
TE_CHUNKED = 256  #: a ``Transfer-Encoding`` header names ``chunked``

_KINDS = {
    "date": HAS_DATE,
    "connection": HAS_CONNECTION,
    "keep-alive": HAS_KEEP_ALIVE,
    "content-length": HAS_CONTENT_LENGTH,
    "transfer-encoding": HAS_TRANSFER_ENCODING,
    "trailer": HAS_TRAILER,
    "host": HAS_HOST,
}
# Node's RE_CONN_CLOSE and RE_TE_CHUNKED.
_close_token = re.compile(r"(?:^|\W)close(?:$|\W)", re.IGNORECASE).search
_chunked_token = re.compile(r"(?:^|\W)chunked(?:$|\W)", re.IGNORECASE).search
# Node's INVALID_PATH_REGEX: a request target holds no space, control or non-latin-1 char.
_bad_path = re.compile(r"[^\u0021-\u00ff]").search

# Checked names → their kind bit (0 for an ordinary header), and values already checked. Both
# bounded: they come from code, and a full cache only means checking again.
_NAME_KINDS: dict[str, int] = {}
_NAME_KINDS_MAX = 1024
_GOOD_VALUES: set[str] = set()
_GOOD_VALUES_MAX = 4096
_LINES: dict[int, str] = {}  # status line with the default reason, by code
_LINES_MAX = 256
# The headers that make choose_framing() look further than the common case.
_FRAMING_FLAGS = HAS_CONTENT_LENGTH | HAS_TRANSFER_ENCODING | HAS_TRAILER


def _kind(name: str) -> int:
    validate_header_name(name)
    kind = _KINDS.get(name.lower(), 0)
    if len(_NAME_KINDS) < _NAME_KINDS_MAX:
        _NAME_KINDS[name] = kind
    return kind


def _check_value(name: str, value: str) -> None:
    if invalid_header_char(value):
        raise new_error("ERR_INVALID_CHAR", "header content", name)
    if len(_GOOD_VALUES) < _GOOD_VALUES_MAX:
        _GOOD_VALUES.add(value)


def _items(name: str, value: object) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        items = tuple(str(item) for item in value)
        # Node joins a Cookie list into one header, and writes other lists as repeated lines.
        return ("; ".join(items),) if items and name.lower() == "cookie" else items
    if value is None:
        raise new_error("ERR_HTTP_INVALID_HEADER_VALUE", "undefined", name)
    return (str(value),)


def _note(kind: int, value: str, flags: int, length: int | None) -> tuple[int, int | None]:
    flags |= kind
    if kind == HAS_CONNECTION and _close_token(value):
        flags |= CONNECTION_CLOSE
    elif kind == HAS_TRANSFER_ENCODING and _chunked_token(value):
        flags |= TE_CHUNKED
    elif kind == HAS_CONTENT_LENGTH:
        digits = value.strip()
        length = int(digits) if digits.isdecimal() else None
    return flags, length


def header_block(headers: Headers) -> tuple[str, int, int | None]:
    """The caller's header lines as one string, what they say, and their Content-Length.

    Returns ``(text, flags, content_length)``: ``text`` is ``"Name: value\\r\\n"`` per header
    (a list value gives one line per item; a ``Cookie`` list is joined with ``'; '``), ``flags``
    the ``HAS_*``/``CONNECTION_CLOSE``/``TE_CHUNKED`` bits, ``content_length`` the value of a
    numeric ``Content-Length`` header or ``None``.

    Raises ``ERR_INVALID_HTTP_TOKEN`` for a bad name, ``ERR_HTTP_INVALID_HEADER_VALUE`` for a
    ``None`` value and ``ERR_INVALID_CHAR`` for a value that holds CR, LF, NUL or another
    forbidden character.
    """
    text = ""
    flags = 0
    length = None
    kinds = _NAME_KINDS
    good = _GOOD_VALUES
    for name, value in headers:
        kind = kinds.get(name) if name.__class__ is str else None
        if kind is None:
            kind = _kind(name)
        if value.__class__ is str:
            # The common case: one string value, already seen (a dict/set hit is cheaper than
            # the regular expression).
            if value not in good:
                _check_value(name, value)
            text += f"{name}: {value}\r\n"
            if kind:
                flags, length = _note(kind, value, flags, length)
            continue
        for item in _items(name, value):
            _check_value(name, item)
            text += f"{name}: {item}\r\n"
            if kind:
                flags, length = _note(kind, item, flags, length)
    return text, flags, length


_date_expires = 0.0
_date_text = ""


def http_date() -> str:
    """The current time as an HTTP date (``'Sun, 06 Nov 1994 08:49:37 GMT'``), formatted at
    most once per second."""
    global _date_expires, _date_text
    now = time.time()
    if now >= _date_expires:
        second = int(now)
        _date_text = formatdate(second, usegmt=True)
        _date_expires = second + 1.0
    return _date_text


def status_line(status_code: int, reason: str | None = None, version: str = "1.1") -> str:
    """``'HTTP/1.1 200 OK\\r\\n'``; ``reason`` defaults to :data:`STATUS_CODES`' phrase.

    Raises ``ERR_HTTP_INVALID_STATUS_CODE`` outside 100-999 and ``ERR_INVALID_CHAR`` for a
    reason with a forbidden character.
    """
    if status_code.__class__ is not int:  # 200.0 or True would hit the cache
        raise new_error("ERR_HTTP_INVALID_STATUS_CODE", status_code)
    cacheable = reason is None and version == "1.1"
    if cacheable:
        line = _LINES.get(status_code)
        if line is not None:
            return line
    if not 100 <= status_code <= 999:
        raise new_error("ERR_HTTP_INVALID_STATUS_CODE", status_code)
    text = reason if reason else STATUS_CODES.get(status_code, "unknown")
    if invalid_header_char(text):
        raise new_error("ERR_INVALID_CHAR", "statusMessage", text)
    line = f"HTTP/{version} {status_code} {text}\r\n"
    if cacheable and len(_LINES) < _LINES_MAX:
        _LINES[status_code] = line
    return line


def body_allowed(status_code: int, head_request: bool = False) -> bool:
    """Whether a response may carry a body: not to HEAD, not for 1xx, 204 or 304."""
    return not (head_request or status_code < 200 or status_code in {204, 304})


def choose_framing(
    flags: int, content_length: int | None, has_body: bool, chunked_ok: bool
) -> Framing:
    """The framing rules for an outgoing message.

    ``flags`` come from :func:`header_block`. No body → ``NONE`` (a caller's Content-Length on a
    HEAD or 304 answer is metadata). A caller's ``Transfer-Encoding`` decides (``CHUNKED`` when
    it names chunked, else ``CLOSE``), then a caller's ``Content-Length``; then a known
    ``content_length`` gives ``LENGTH``; an unknown length is ``CHUNKED`` where the peer speaks
    HTTP/1.1 (``chunked_ok``), else ``CLOSE``; a ``Trailer`` header asks for chunked even when
    the length is known.
    """
    if not has_body:
        return _F_NONE
    if flags & _FRAMING_FLAGS:
        if flags & HAS_TRANSFER_ENCODING:
            return _F_CHUNKED if flags & TE_CHUNKED else _F_CLOSE
        if flags & HAS_CONTENT_LENGTH:
            return _F_LENGTH
        if chunked_ok:  # a Trailer header: trailers need chunked
            return _F_CHUNKED
    if content_length is not None:
        return _F_LENGTH
    return _F_CHUNKED if chunked_ok else _F_CLOSE


def connection_headers(
    flags: int,
    keep_alive: bool | None,
    keep_alive_header: str | None = None,
    date: str | None = None,
) -> str:
    """The automatic ``Date``, ``Connection`` and ``Keep-Alive`` lines the caller's headers
    (``flags`` from :func:`header_block`) do not already carry. ``keep_alive=None`` writes no
    ``Connection``; ``date=None`` no ``Date``."""
    text = ""
    if date is not None and not flags & HAS_DATE:
        text = f"Date: {date}\r\n"
    if keep_alive is None or flags & HAS_CONNECTION:
        return text
    if not keep_alive:
        return text + "Connection: close\r\n"
    if keep_alive_header and not flags & HAS_KEEP_ALIVE:
        return text + f"Connection: keep-alive\r\nKeep-Alive: {keep_alive_header}\r\n"
    return text + "Connection: keep-alive\r\n"


def assemble_head(
    first_line: str,
    block: str,
    automatic: str,
    flags: int,
    framing: Framing,
    content_length: int | None,
) -> bytes:
    """``first_line``, the caller's ``block``, the ``automatic`` lines (see
    :func:`connection_headers`), the framing header the caller did not set, and the blank
    line, encoded as latin-1."""
    if framing == _F_LENGTH and not flags & _FRAMING_FLAGS:
        return f"{first_line}{block}{automatic}Content-Length: {content_length}\r\n\r\n".encode(
            "latin-1"
        )
    if framing == _F_CHUNKED and not flags & (HAS_CONTENT_LENGTH | HAS_TRANSFER_ENCODING):
        return f"{first_line}{block}{automatic}Transfer-Encoding: chunked\r\n\r\n".encode("latin-1")
    return f"{first_line}{block}{automatic}\r\n".encode("latin-1")


def _explicit_framing(content_length: int | None, chunked: bool) -> Framing:
    if content_length is not None:
        return _F_LENGTH
    return _F_CHUNKED if chunked else _F_NONE


def serialize_head(
    status_code: int,
    reason: str | None = None,
    headers: Headers = (),
    *,
    version: str = "1.1",
    content_length: int | None = None,
    chunked: bool = False,
    keep_alive: bool | None = None,
    keep_alive_header: str | None = None,
    date: str | None = None,
) -> bytes:
    """The exact bytes of a response head.

    ``reason`` defaults to :data:`STATUS_CODES`' phrase (``'unknown'`` for an unlisted code).
    ``content_length`` adds ``Content-Length``, ``chunked`` adds
    ``Transfer-Encoding: chunked`` (neither when the headers carry one); ``keep_alive`` adds
    ``Connection: keep-alive`` (with ``Keep-Alive: <keep_alive_header>`` when given) or
    ``Connection: close``, and ``None`` adds neither; ``date`` adds ``Date`` (pass
    :func:`http_date()`). No framing rule is applied here: see :func:`choose_framing`.

    Raises ``ERR_HTTP_INVALID_STATUS_CODE`` outside 100-999, ``ERR_INVALID_CHAR`` for a reason or
    value with a forbidden character, ``ERR_INVALID_HTTP_TOKEN`` for a bad header name.
    """
    block, flags, _ = header_block(headers)
    return assemble_head(
        status_line(status_code, reason, version),
        block,
        connection_headers(flags, keep_alive, keep_alive_header, date),
        flags,
        _explicit_framing(content_length, chunked),
        content_length,
    )


def serialize_informational(status_code: int, headers: Headers = ()) -> bytes:
    """A 1xx interim head such as ``103 Early Hints`` with its ``Link`` headers."""
    if not 100 <= status_code <= 199 or status_code == 101:
        raise new_error("ERR_HTTP_INVALID_STATUS_CODE", status_code)
    block = header_block(headers)[0]
    return (status_line(status_code, None, "1.1") + block + "\r\n").encode("latin-1")


def request_line(method: str, target: str) -> str:
    """``'GET /path HTTP/1.1\r\n'``.

    Raises ``ERR_INVALID_HTTP_TOKEN`` for a bad method and ``ERR_UNESCAPED_CHARACTERS`` for a
    target with spaces or control characters.
    """
    if not isinstance(method, str) or not is_token(method):
        raise new_error("ERR_INVALID_HTTP_TOKEN", "Method", method)
    if not target or _bad_path(target):
        raise new_error("ERR_UNESCAPED_CHARACTERS", "Request path")
    return f"{method} {target} HTTP/1.1\r\n"


def serialize_request_head(
    method: str,
    target: str,
    headers: Headers = (),
    *,
    content_length: int | None = None,
    chunked: bool = False,
    keep_alive: bool | None = None,
) -> bytes:
    """The exact bytes of a request head: ``METHOD target HTTP/1.1``, the headers, then
    ``Connection`` and the body framing as :func:`serialize_head` adds them.

    Raises ``ERR_INVALID_HTTP_TOKEN`` for a bad method or header name,
    ``ERR_UNESCAPED_CHARACTERS`` for a target with spaces or control characters, and
    ``ERR_INVALID_CHAR`` for a bad header value.
    """
    block, flags, _ = header_block(headers)
    return assemble_head(
        request_line(method, target),
        block,
        connection_headers(flags, keep_alive),
        flags,
        _explicit_framing(content_length, chunked),
        content_length,
    )


def close_response(status_code: int, headers: Headers = ()) -> bytes:
    """The bodyless answer Node writes to a client error: ``HTTP/1.1 400 Bad Request`` and
    ``Connection: close`` (after ``headers``, if any)."""
    block = header_block(headers)[0] if headers else ""
    return (status_line(status_code, None, "1.1") + block + "Connection: close\r\n\r\n").encode(
        "latin-1"
    )


def chunk_header(size: int) -> bytes:
    """The size line that opens a chunk of ``size`` bytes (``size`` > 0)."""
    return b"%x\r\n" % size


def frame_chunk(data: bytes | bytearray | memoryview) -> bytes:
    """``data`` as one chunk (size line, data, CRLF); empty data gives ``b''``, never the
    last-chunk marker."""
    if not data:
        return b""
    return b"".join((b"%x\r\n" % len(data), data, b"\r\n"))


def last_chunk(trailers: Headers | None = None) -> bytes:
    """The end of a chunked body, with optional trailer fields."""
    if not trailers:
        return LAST_CHUNK
    return b"0\r\n" + header_block(trailers)[0].encode("latin-1") + b"\r\n"
