"""The HTTP/1.1 connection state machines: bytes in, events out; heads and bodies in, bytes out.

No sockets, no event loop. A server or client owns one connection object per socket, feeds it
what the socket reads (:meth:`~_Connection.receive_data`, :meth:`~_Connection.receive_eof`) and
writes what its methods return. Events go to a *sink*, an object with the methods of
:class:`ServerSink` or :class:`ClientSink`, called synchronously from ``receive_data``.

Each side of a connection has a :class:`State`. Requests and responses alternate: a server
holds back the events of a pipelined request until the response to the one before has ended
(:meth:`ServerConnection.end_response`), as Node does, and hands them on at the next
:meth:`~_Connection.resume` or ``receive_data``. :meth:`~_Connection.pause` holds events back
for as long as the caller likes; bytes that arrive meanwhile are kept, unparsed, in order.

Modelled on h11's ``_connection.py``; parsing is llhttp's (see :mod:`rillet.http._parser`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from enum import IntEnum
from time import time as _time
from typing import Any, ClassVar, Protocol

from rillet.errors import new_error
from rillet.http._parser import (
    DEFAULT_MAX_HEADER_SIZE,
    HTTPParserError,
    RequestHead,
    RequestParser,
    ResponseHead,
    ResponseParser,
    Trailers,
    closed_connection,
    eof_error,
    header_overflow,
)
from rillet.http._serialize import (
    CONNECTION_CLOSE,
    CONTINUE,
    HAS_CONNECTION,
    HAS_CONTENT_LENGTH,
    HAS_DATE,
    HAS_KEEP_ALIVE,
    Framing,
    Headers,
    assemble_head,
    body_allowed,
    choose_framing,
    connection_headers,
    frame_chunk,
    header_block,
    http_date,
    last_chunk,
    request_line,
    serialize_informational,
    status_line,
)

__all__ = ["ClientConnection", "ClientSink", "ServerConnection", "ServerSink", "State"]


class State(IntEnum):
    """Where one side of a connection is. Values at or above ``CLOSED`` are final."""

    IDLE = 0  #: between messages (waiting for a request; no response begun)
    BODY = 1  #: the head is done, the body is on its way
    DONE = 2  #: the message is complete
    CLOSED = 3  #: no further message this way (end of input, or ``Connection: close``)
    UPGRADED = 4  #: the bytes now belong to another protocol
    ERROR = 5  #: the input could not be parsed; nothing more is


# Plain-global aliases: an enum member lookup costs ten times a global's on the hot path.
_IDLE, _BODY, _DONE, _CLOSED, _UPGRADED, _ERROR = State
_F_NONE, _F_LENGTH, _F_CHUNKED, _F_CLOSE = Framing


class ServerSink(Protocol):
    """What a :class:`ServerConnection` calls, in input order."""

    def on_request(self, head: RequestHead) -> None:
        """A request head; its body follows through ``on_body`` and ``on_message_complete``."""

    def on_body(self, data: bytes) -> None:
        """A piece of the request body (never empty)."""

    def on_message_complete(self, trailers: Trailers) -> None:
        """The request is complete; ``trailers`` holds the fields after a chunked body
        (``(name, value)`` byte pairs, usually empty)."""

    def on_upgrade(self, head: RequestHead, rest: bytes) -> None:
        """An Upgrade or CONNECT request: ``rest`` holds the bytes after its head, which belong
        to the new protocol (Node's ``head``). Nothing more is parsed."""

    def on_error(self, error: HTTPParserError) -> None:
        """The input cannot be parsed (``error.status_code`` is the answer to send). Nothing
        more is parsed."""

    def wants_upgrade(self, head: RequestHead) -> bool:
        """Whether to hand an ``Upgrade`` request to ``on_upgrade`` (Node: an ``'upgrade'``
        listener exists) rather than treat it as a plain request. CONNECT is always handed
        over."""


class ClientSink(Protocol):
    """What a :class:`ClientConnection` calls, in input order."""

    def on_information(self, head: ResponseHead) -> None:
        """A 1xx interim response (``100 Continue``, ``103 Early Hints``...)."""

    def on_response(self, head: ResponseHead) -> None:
        """The final response head; its body follows."""

    def on_body(self, data: bytes) -> None:
        """A piece of the response body (never empty)."""

    def on_message_complete(self, trailers: Trailers) -> None:
        """The response is complete; ``trailers`` as for :class:`ServerSink`."""

    def on_upgrade(self, head: ResponseHead, rest: bytes) -> None:
        """A ``101`` answer or any answer to CONNECT: ``rest`` belongs to the new protocol."""

    def on_error(self, error: HTTPParserError) -> None:
        """The input cannot be parsed, or ended in the middle of a response."""


_Event = tuple[Callable[..., None], tuple[Any, ...]]
# Caller headers that rule out the cached automatic lines.
_AUTOMATIC_FLAGS = HAS_DATE | HAS_CONNECTION | HAS_KEEP_ALIVE


class _Connection:
    """Input handling both sides share: ordering, pausing, upgrade hand-over, errors."""

    _parser: RequestParser | ResponseParser
    #: Whether a body written to a message that may not have one is an error (else dropped).
    _refuse_stray_body: ClassVar[bool]

    def __init__(
        self, on_body: Callable[[bytes], None], on_error: Callable[[HTTPParserError], None]
    ) -> None:
        self._on_body = on_body
        self._on_error = on_error
        self._their_state = _IDLE
        self._our_state = _IDLE
        # The outgoing message: its framing, declared length, bytes sent, and whether the
        # connection can carry another exchange after it.
        self._framing = _F_NONE
        self._length: int | None = None
        self._sent = 0
        self._keep_alive = False
        self._paused = False  # pause()
        self._hold = False  # a pipelined request waits for the current response
        self._blocked = False  # _paused or _hold: events are queued, not delivered
        self._busy = False  # parsing or delivering: a re-entrant call only queues
        self._held: deque[_Event] = deque()  # events parsed while blocked
        self._pending: deque[bytes | None] = deque()  # input not parsed yet; None is EOF
        self._eof = False

    @property
    def their_state(self) -> State:
        """The peer's side, as far as the input has been parsed."""
        return self._their_state

    @property
    def our_state(self) -> State:
        """Our side: the message this end is sending."""
        return self._our_state

    @property
    def paused(self) -> bool:
        """Whether events are being held back (by :meth:`pause`, or until a response ends)."""
        return self._blocked

    @property
    def in_head(self) -> bool:
        """Whether a message head is arriving (the window a headers timeout guards)."""
        return self._parser.in_head

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Parse ``data`` and deliver its events to the sink, unless paused: then the bytes
        wait, unparsed, for :meth:`resume`. Input after an error or after the end of input is
        ignored; after ``on_upgrade`` the bytes belong to the new protocol and feeding them
        here raises ``ERR_INVALID_STATE``. An exception raised by the sink propagates (and
        the connection parses nothing more)."""
        if self._busy or self._blocked or self._pending or self._held:
            self._pending.append(data if data.__class__ is bytes else bytes(data))
            self._pump()
            return
        self._busy = True
        try:
            self._parse(data)
        finally:
            self._busy = False
        if (self._held or self._pending) and not self._blocked:
            self._pump()

    def receive_eof(self) -> None:
        """The peer will send nothing more. A message cut short is reported to the sink's
        ``on_error`` as ``HPE_INVALID_EOF_STATE``; a close-delimited response body ends."""
        self._eof = True  # known at once, even while the input before it waits
        self._pending.append(None)
        self._pump()

    def pause(self) -> None:
        """Hold back events (and leave new input unparsed) until :meth:`resume`."""
        self._paused = self._blocked = True

    def resume(self) -> None:
        """Deliver what was held back and parse what waited, until paused again. Call it after
        :meth:`ServerConnection.end_response` too: a pipelined request may be waiting."""
        self._paused = False
        self._blocked = self._hold
        self._pump()

    def _pump(self) -> None:
        if self._busy:
            return  # the caller further up the stack carries on
        self._busy = True
        try:
            held, pending = self._held, self._pending
            while not self._blocked:
                if held:
                    function, args = held.popleft()
                    function(*args)
                elif pending:
                    item = pending.popleft()
                    if item is None:
                        self._parse_eof()
                    else:
                        self._parse(item)
                else:
                    break
        finally:
            self._busy = False

    def _deliver(self, function: Callable[..., None], *args: Any) -> None:
        if self._blocked:
            self._held.append((function, args))
        else:
            function(*args)

    def _parse(self, data: bytes | bytearray | memoryview) -> None:
        state = self._their_state
        if state >= _CLOSED:
            if state == _UPGRADED:
                raise new_error("ERR_INVALID_STATE", "the connection has been handed over")
            return
        try:
            offset = self._parser.feed(data)
        except HTTPParserError as error:
            if error.code == "HPE_CLOSED_CONNECTION" or self._their_state >= _CLOSED:
                # Bytes after a message that closes the connection, or after a response
                # that does: nothing will answer them, so they are not an error either.
                self._their_state = max(self._their_state, _CLOSED)
            else:
                self._fail(error)
            return
        except BaseException:
            self._their_state = _ERROR
            raise
        if offset >= 0:
            self._upgraded(data, offset)

    def body_received(self, data: bytes) -> None:
        if self._blocked:
            self._held.append((self._on_body, (data,)))
        else:
            self._on_body(data)

    def _parse_eof(self) -> None:
        raise NotImplementedError

    def _upgraded(self, data: bytes | bytearray | memoryview, offset: int) -> None:
        raise NotImplementedError

    def _hand_over(self, on_upgrade: Callable[[Any, bytes], None], head: Any, rest: bytes) -> None:
        """Deliver an upgrade with ``rest`` plus whatever arrived after it while held."""
        self._their_state = _UPGRADED

        def deliver() -> None:
            # Input that waited behind the held events comes after the head too.
            pending = [item for item in self._pending if item is not None]
            self._pending.clear()
            on_upgrade(head, b"".join((rest, *pending)) if pending else rest)

        self._deliver(deliver)

    def _fail(self, error: HTTPParserError) -> None:
        self._their_state = _ERROR
        self._deliver(self._on_error, error)

    def _frame(self, data: bytes | bytearray | memoryview) -> bytes | bytearray | memoryview:
        framing = self._framing
        if framing == _F_CHUNKED:
            return frame_chunk(data)
        if framing == _F_LENGTH:
            sent = self._sent + len(data)
            length = self._length
            if length is not None and sent > length:
                raise new_error("ERR_HTTP_CONTENT_LENGTH_MISMATCH", sent, length)
            self._sent = sent
            return data
        if framing == _F_CLOSE:
            return data
        if data and self._refuse_stray_body:
            raise new_error("ERR_HTTP_BODY_NOT_ALLOWED")
        return b""

    def _finish_body(self, trailers: Headers | None) -> bytes:
        framing = self._framing
        if framing == _F_CHUNKED:
            return last_chunk(trailers)
        if framing == _F_CLOSE or (
            framing == _F_LENGTH and self._length is not None and self._sent != self._length
        ):
            self._keep_alive = False
        return b""


class ServerConnection(_Connection):
    """The server side of one HTTP/1.1 connection.

    Feed it the socket's bytes; it calls ``sink.on_request(head)``, ``on_body(data)``,
    ``on_message_complete(trailers)`` per request, ``on_upgrade(head, rest)`` or
    ``on_error(error)``. Answer each request with :meth:`start_response`, :meth:`send_body`
    and :meth:`end_response` (or :meth:`respond` for a whole response at once), writing the
    bytes they return; then call :meth:`resume` for the pipelined request that may be
    waiting. When :attr:`keep_alive` is false after :meth:`end_response`, close the socket
    once the bytes are written; nothing more is parsed.

    ``keep_alive_header`` is the ``Keep-Alive`` value sent with ``Connection: keep-alive``
    (Node: ``'timeout=5'``), ``max_header_size`` the header limit (431 beyond it).
    """

    _parser: RequestParser
    _refuse_stray_body = False  # Node ignores writes to a HEAD, 204 or 304 answer

    def __init__(
        self,
        sink: ServerSink,
        *,
        max_header_size: int = DEFAULT_MAX_HEADER_SIZE,
        keep_alive_header: str | None = "timeout=5",
    ) -> None:
        super().__init__(sink.on_body, sink.on_error)
        self._on_request = sink.on_request
        self._on_message_complete = sink.on_message_complete
        self._on_upgrade = sink.on_upgrade
        self._wants_upgrade = sink.wants_upgrade
        self._keep_alive_header = keep_alive_header
        # Date + Connection (+ Keep-Alive) lines for the current second, both ways.
        self._automatic_expires = 0.0
        self._automatic_keep = ""
        self._automatic_close = ""
        self._current: RequestHead | None = None  # the request being answered
        self._request_done = False  # the current request's message is complete
        self._upgrade_head: RequestHead | None = None  # an accepted upgrade, until llhttp stops
        self._declined: RequestHead | None = None  # an Upgrade request handled as plain HTTP
        self._continue_sent = False
        self._parser = RequestParser(self, max_header_size)

    @property
    def current(self) -> RequestHead | None:
        """The request being answered (the last one delivered to ``on_request``)."""
        return self._current

    @property
    def idle(self) -> bool:
        """Whether no request is being received, answered or waiting (Node's idle socket:
        what ``close_idle_connections()`` and the keep-alive timeout apply to)."""
        return (
            (self._current is None or self._our_state >= _DONE)
            and not self._parser.in_message
            and not self._held
            and not self._pending
        )

    @property
    def keep_alive(self) -> bool:
        """Whether the connection carries another request after the current response (known
        from :meth:`start_response` on; :meth:`end_response` may still turn it off)."""
        return self._keep_alive

    @property
    def framing(self) -> Framing:
        """How the current response body is delimited (set by :meth:`start_response`)."""
        return self._framing

    def _refresh_automatic(self, now: float) -> None:
        date = http_date()
        self._automatic_keep = connection_headers(0, True, self._keep_alive_header, date)
        self._automatic_close = connection_headers(0, False, None, date)
        self._automatic_expires = float(int(now) + 1)

    # Parser callbacks (RequestHandler) --------------------------------------------------

    def head_received(self, head: RequestHead) -> None:
        if self._our_state >= _CLOSED:
            # A response already closed the connection (it may end while its request is
            # still being parsed): nothing after it is answered, so stop parsing here.
            raise closed_connection()
        if head.upgrade:
            if head.method == "CONNECT" or self._wants_upgrade(head):
                self._upgrade_head = head
                return
            head.upgrade = False
            self._declined = head
        self._their_state = _BODY
        if self._blocked:
            self._held.append((self._start_request, (head,)))
        else:
            self._start_request(head)

    def message_received(self, trailers: Trailers) -> None:
        if self._upgrade_head is not None:
            return  # an upgrade: the request is handed over whole by on_upgrade
        declined = self._declined
        if declined is not None and declined.has_body:
            return  # llhttp skipped the body; it is parsed after the upgrade pause
        self._their_state = _DONE
        if self._blocked:
            self._held.append((self._end_request, (trailers,)))
        else:
            self._end_request(trailers)

    # Delivery ------------------------------------------------------------------------------

    def _start_request(self, head: RequestHead) -> None:
        self._current = head
        self._request_done = False
        self._our_state = _IDLE
        self._continue_sent = False
        self._on_request(head)

    def _end_request(self, trailers: Trailers) -> None:
        self._request_done = True
        if self._our_state < _DONE:
            # Node's rule: the next request waits until this response has ended.
            self._hold = self._blocked = True
        self._on_message_complete(trailers)

    def _upgraded(self, data: bytes | bytearray | memoryview, offset: int) -> None:
        head = self._upgrade_head
        if head is None:
            declined, self._declined = self._declined, None
            if declined is not None:
                self._parser.parse_body_after_upgrade(declined)
            if offset < len(data):
                self._parse(memoryview(data)[offset:])
            return
        self._upgrade_head = None
        self._hand_over(self._on_upgrade, head, bytes(data[offset:]))

    def _parse_eof(self) -> None:
        state = self._their_state
        if state >= _CLOSED:
            return
        if self._parser.in_message:
            self._fail(eof_error())
        else:
            self._their_state = _CLOSED

    # Responses ---------------------------------------------------------------------------

    def write_continue(self) -> bytes:
        """``100 Continue``: the client may send the body it announced with ``Expect``."""
        self._continue_sent = True
        return CONTINUE

    def write_informational(self, status_code: int, headers: Headers = ()) -> bytes:
        """A 1xx interim response such as ``103 Early Hints``."""
        return serialize_informational(status_code, headers)

    def start_response(
        self,
        status_code: int,
        headers: Headers = (),
        reason: str | None = None,
        *,
        content_length: int | None = None,
        send_date: bool = True,
        keep_alive: bool = True,
    ) -> bytes:
        """The head of the response to :attr:`current`, with Node's automatic headers.

        ``headers`` are written as given (checked: ``ERR_INVALID_HTTP_TOKEN``,
        ``ERR_INVALID_CHAR``). Framing: none for HEAD, 1xx, 204 and 304; the caller's
        ``Transfer-Encoding`` or ``Content-Length`` if set; else ``Content-Length:
        content_length`` when given; else chunked for an HTTP/1.1 request, close-delimited
        for HTTP/1.0. ``Date`` is added when ``send_date``; ``Connection: keep-alive`` (and
        ``Keep-Alive``) when the connection stays open, else ``Connection: close``: it stays
        open when the request asked for it, ``keep_alive`` is true (pass False for
        ``max_requests_per_socket`` or a server shutting down), the headers do not say
        ``close``, the body is not close-delimited and the client has not closed its side.

        Raises ``ERR_HTTP_HEADERS_SENT`` when a head was already sent for this request and
        ``ERR_INVALID_STATE`` when there is no request to answer.
        """
        head = self._current
        if head is None:
            raise new_error("ERR_INVALID_STATE", "no request to answer")
        if self._our_state != _IDLE:
            raise new_error("ERR_HTTP_HEADERS_SENT", "set")
        block, flags, user_length = header_block(headers)
        framing = choose_framing(
            flags,
            content_length,
            body_allowed(status_code, head.method == "HEAD"),
            head.http_version == "1.1",
        )
        keep = (
            keep_alive
            and head.keep_alive
            and not flags & CONNECTION_CLOSE
            and framing != _F_CLOSE
            and not self._eof
        )
        if send_date and not flags & _AUTOMATIC_FLAGS:
            now = _time()
            if now >= self._automatic_expires:
                self._refresh_automatic(now)
            automatic = self._automatic_keep if keep else self._automatic_close
        else:
            automatic = connection_headers(
                flags, keep, self._keep_alive_header, http_date() if send_date else None
            )
        data = assemble_head(
            status_line(status_code, reason), block, automatic, flags, framing, content_length
        )
        self._framing = framing
        self._length = user_length if flags & HAS_CONTENT_LENGTH else content_length
        self._sent = 0
        self._keep_alive = keep
        self._our_state = _BODY
        return data

    def respond(
        self,
        status_code: int,
        headers: Headers = (),
        body: bytes = b"",
        reason: str | None = None,
        *,
        send_date: bool = True,
        keep_alive: bool = True,
    ) -> bytes:
        """A whole response in one piece, for one write (Node's ``res.end(data)`` before any
        ``write``): :meth:`start_response` with ``content_length=len(body)``, the body, and
        :meth:`end_response`. Raises as those do."""
        head = self.start_response(
            status_code,
            headers,
            reason,
            content_length=len(body),
            send_date=send_date,
            keep_alive=keep_alive,
        )
        return b"".join((head, self._frame(body), self.end_response()))

    def send_body(self, data: bytes | bytearray | memoryview) -> bytes | bytearray | memoryview:
        """``data`` framed for the current response: as is with Content-Length or a
        close-delimited body, as a chunk when chunked, ``b''`` when the response has no body
        (HEAD, 204, 304: Node ignores such writes too).

        Raises ``ERR_HTTP_CONTENT_LENGTH_MISMATCH`` past the declared Content-Length (the bytes
        would corrupt the next response) and ``ERR_INVALID_STATE`` before
        :meth:`start_response` or after :meth:`end_response`.
        """
        if self._our_state != _BODY:
            raise new_error("ERR_INVALID_STATE", "no response body is being sent")
        return self._frame(data)

    def raw_body_allowed(self, count: int) -> bool:
        """Whether ``count`` body bytes may go to the socket as they are, unframed, by
        another path than :meth:`send_body` (``sendfile``): true for a Content-Length or
        close-delimited body with room for them, which are then counted as sent."""
        if self._our_state != _BODY:
            return False
        framing = self._framing
        if framing == _F_CLOSE:
            return True
        if framing != _F_LENGTH:
            return False
        sent = self._sent + count
        if self._length is not None and sent > self._length:
            return False
        self._sent = sent
        return True

    def end_response(self, trailers: Headers | None = None) -> bytes:
        """The end of the current response: the last chunk (with ``trailers``) when chunked,
        else ``b''``. Afterwards :attr:`keep_alive` is final: it turns false when the body fell
        short of its Content-Length, was close-delimited, or when the client still holds back a
        body it announced with ``Expect: 100-continue`` (no ``100 Continue`` was sent, so it may
        never come). Call :meth:`resume` once the bytes are written."""
        if self._our_state != _BODY:
            raise new_error("ERR_INVALID_STATE", "no response is being sent")
        data = self._finish_body(trailers)
        head = self._current
        if (
            not self._request_done
            and head is not None
            and head.has_body
            and head.expect_continue
            and not self._continue_sent
        ):
            self._keep_alive = False
        self._our_state = _DONE
        self._hold = False
        self._blocked = self._paused
        if not self._keep_alive:
            # Nothing after this response will be answered: drop what waits behind it.
            self._our_state = _CLOSED
            self._their_state = max(self._their_state, _CLOSED)
            self._held.clear()
            self._pending.clear()
        return data


def _keep_alive_without_body(head: ResponseHead) -> bool:
    # llhttp decides keep-alive assuming a body that lasts until EOF when there is no framing;
    # a HEAD or CONNECT answer has no body, so only the version and Connection count.
    tokens: set[bytes] = set()
    for name, value in head.headers:
        if name.lower() == b"connection":
            tokens.update(token.strip().lower() for token in value.split(b","))
    if b"close" in tokens:
        return False
    return head.http_version == "1.1" or b"keep-alive" in tokens


class ClientConnection(_Connection):
    """The client side of one HTTP/1.1 connection: one request at a time.

    :meth:`start_request`, :meth:`send_body` and :meth:`end_request` return the bytes to write;
    the response arrives through ``sink.on_information`` (1xx), ``on_response``, ``on_body``,
    ``on_message_complete``, or ``on_upgrade`` (101, CONNECT) and ``on_error``. The response may
    come before the request body is finished. When both messages are complete and both sides
    allow it, the connection is :attr:`reusable` for the next request (the states go back to
    ``IDLE``); otherwise they end ``CLOSED`` and the socket should be closed. Bytes that come
    while no request is outstanding are parsed as a response too: a client that sees one
    (or the end of input) on an idle connection should close it.
    """

    _parser: ResponseParser
    _refuse_stray_body = True

    def __init__(self, sink: ClientSink, *, max_header_size: int = DEFAULT_MAX_HEADER_SIZE) -> None:
        super().__init__(sink.on_body, sink.on_error)
        self._on_information = sink.on_information
        self._on_response = sink.on_response
        self._on_message_complete = sink.on_message_complete
        self._on_upgrade = sink.on_upgrade
        self._method: str | None = None
        self._head_only = False  # the answer to HEAD or CONNECT has no body
        self._head_buffer = bytearray()
        self._response: ResponseHead | None = None
        self._informational = False
        self._upgrade_head: ResponseHead | None = None
        self._parser = ResponseParser(self, max_header_size)

    @property
    def reusable(self) -> bool:
        """Whether the next request may be sent on this connection now."""
        return self._our_state == _IDLE and self._their_state == _IDLE

    @property
    def response(self) -> ResponseHead | None:
        """The final response head of the current exchange, once received."""
        return self._response

    # Requests ------------------------------------------------------------------------------

    def start_request(
        self,
        method: str,
        target: str,
        headers: Headers = (),
        *,
        content_length: int | None = None,
        chunked: bool = False,
        keep_alive: bool = True,
    ) -> bytes:
        """The request head: the request line, ``headers`` as given, then ``Connection:
        keep-alive`` (or ``close`` when ``keep_alive`` is false) unless the headers set one,
        then ``Content-Length: content_length`` or ``Transfer-Encoding: chunked`` when asked.
        Without either, the request has no body.

        Raises ``ERR_INVALID_STATE`` while the previous exchange is unfinished, and
        ``ERR_INVALID_HTTP_TOKEN``, ``ERR_UNESCAPED_CHARACTERS``, ``ERR_INVALID_CHAR`` for a bad
        method, target or header.
        """
        if not self.reusable:
            raise new_error("ERR_INVALID_STATE", "the previous request is not finished")
        first = request_line(method, target)
        block, flags, user_length = header_block(headers)
        framing = choose_framing(flags, content_length, content_length is not None or chunked, True)
        data = assemble_head(
            first, block, connection_headers(flags, keep_alive), flags, framing, content_length
        )
        self._framing = framing
        self._length = user_length if flags & HAS_CONTENT_LENGTH else content_length
        self._sent = 0
        self._keep_alive = keep_alive and not flags & CONNECTION_CLOSE
        self._method = method
        self._head_only = method in ("HEAD", "CONNECT")
        self._response = None
        self._our_state = _BODY
        return data

    def send_body(self, data: bytes | bytearray | memoryview) -> bytes | bytearray | memoryview:
        """``data`` framed for the request body (a chunk when chunked).

        Raises ``ERR_HTTP_BODY_NOT_ALLOWED`` when the head announced no body,
        ``ERR_HTTP_CONTENT_LENGTH_MISMATCH`` past the declared Content-Length and
        ``ERR_INVALID_STATE`` outside a request."""
        if self._our_state != _BODY:
            raise new_error("ERR_INVALID_STATE", "no request body is being sent")
        return self._frame(data)

    def end_request(self, trailers: Headers | None = None) -> bytes:
        """The end of the request body: the last chunk when chunked, else ``b''``. A body short
        of its Content-Length makes the connection not reusable."""
        if self._our_state != _BODY:
            raise new_error("ERR_INVALID_STATE", "no request is being sent")
        data = self._finish_body(trailers)
        self._our_state = _DONE
        self._next_cycle()
        return data

    def _next_cycle(self) -> None:
        if self._our_state != _DONE or self._their_state != _DONE:
            return
        if self._keep_alive:
            self._our_state = self._their_state = _IDLE
        else:
            self._our_state = self._their_state = _CLOSED

    # Parser callbacks (ResponseHandler) -------------------------------------------------

    def head_received(self, head: ResponseHead) -> None:
        status = head.status_code
        if status < 200 and status != 101:
            self._informational = True
            self._deliver(self._on_information, head)
            return
        self._informational = False
        self._response = head
        self._their_state = _BODY
        if self._head_only:
            head.keep_alive = _keep_alive_without_body(head)
        if status == 101 or self._method == "CONNECT":
            self._upgrade_head = head  # Node's 'upgrade' / 'connect': no 'response'
            return
        self._keep_alive = self._keep_alive and head.keep_alive
        self._deliver(self._on_response, head)

    def message_received(self, trailers: Trailers) -> None:
        if self._informational:
            self._informational = False
            return
        if self._upgrade_head is not None:
            return
        self._their_state = _DONE
        self._next_cycle()
        self._deliver(self._on_message_complete, trailers)

    # Input ----------------------------------------------------------------------------------

    def _parse(self, data: bytes | bytearray | memoryview) -> None:
        if self._head_only and self._their_state < _CLOSED:
            self._parse_head_only(data)
        else:
            super()._parse(data)

    def _parse_head_only(self, data: bytes | bytearray | memoryview) -> None:
        # llhttp cannot be told that a response has no body, so the heads of the answer to
        # HEAD or CONNECT are cut out here and fed one by one.
        buffer = self._head_buffer
        buffer += data
        while self._head_only:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > self._parser.max_header_size:
                    self._fail(header_overflow())
                return
            head_bytes = bytes(buffer[: end + 4])
            del buffer[: end + 4]
            super()._parse(head_bytes)
            if self._their_state >= _CLOSED:
                return  # an error, or a 101 that took the rest (via _upgraded)
            if self._parser.in_message:
                self._parser.end_without_body()  # llhttp waits for a body that will not come
            if self._response is None:
                continue  # a 1xx went by
            self._head_only = False
            upgrade = self._upgrade_head
            rest = bytes(buffer)
            buffer.clear()
            if upgrade is not None:
                self._upgrade_head = None
                self._hand_over(self._on_upgrade, upgrade, rest)
            elif rest:
                super()._parse(rest)

    def _upgraded(self, data: bytes | bytearray | memoryview, offset: int) -> None:
        head = self._upgrade_head
        self._upgrade_head = None
        rest = bytes(data[offset:])
        if self._head_only:
            self._head_only = False
            rest += bytes(self._head_buffer)
            self._head_buffer.clear()
        assert head is not None, "llhttp stops only after a 101, and head_received kept it"
        self._hand_over(self._on_upgrade, head, rest)

    def _parse_eof(self) -> None:
        state = self._their_state
        if state >= _CLOSED:
            return
        response = self._response
        if (
            state == _BODY
            and not self._parser.in_head
            and response is not None
            and response.content_length is None
            and not response.chunked
        ):
            # A body delimited by the end of the connection (RFC 9112 6.3, rule 8).
            self._keep_alive = False
            self._parser.on_message_complete()
        elif self._parser.in_message or self._head_buffer:
            self._fail(eof_error())
            return
        self._their_state = max(self._their_state, _CLOSED)
        if self._our_state == _IDLE:
            self._our_state = _CLOSED
