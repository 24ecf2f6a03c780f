"""``ServerResponse``: the server's answer to one request, as a Writable (Node's
``_http_server.js`` ``ServerResponse``).

Guarantees:

* the head goes out with the first body bytes (or at ``end()``): a response written
  with one ``end(data)`` leaves in a single write, with ``Content-Length``; one written
  piece by piece is chunked on HTTP/1.1 unless a ``Content-Length`` was set;
* writes made in the same tick leave together (one ``writelines``), as Node corks;
* ``write()`` returns False while the socket is backed up and ``'drain'`` follows;
* a response whose connection closes before ``'finish'`` is destroyed (``'close'``
  without ``'finish'``), and so is every stream piped into it: an aborted download
  never leaks its file.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from rillet._core import next_tick
from rillet.errors import new_error
from rillet.http._outgoing import HeaderValue, OutgoingMessage
from rillet.http._sendfile import can_sendfile, sendfile
from rillet.http._status import STATUS_CODES
from rillet.streams import WriteRequest

if TYPE_CHECKING:
    from rillet.http._incoming import IncomingMessage
    from rillet.http._server_connection import ConnectionHandler

__all__ = ["ServerResponse"]

Callback = Callable[..., Any]


class ServerResponse(OutgoingMessage):
    """The response to ``req``: set ``status_code`` and headers, then ``write``/``end``.

    ``write_head(status_code, status_message=None, headers=None)`` (headers may be the
    second argument, as in Node) fixes the head; ``flush_headers()`` sends it at once;
    ``write_continue()`` and ``write_early_hints(hints)`` send 1xx interim responses.
    """

    def __init__(self, req: IncomingMessage, connection: ConnectionHandler) -> None:
        OutgoingMessage.__init__(self)
        self.req = req
        self.socket: Any = connection.socket
        self.status_code = 200
        self.status_message: str | None = None
        self.send_date = True
        self.should_keep_alive = True
        self._connection: ConnectionHandler | None = connection
        self._head: bytes | None = None  # built by write_head, not yet sent
        self._finished_framing = False
        self._tick_corked = False
        #: When the client stopped taking the bytes of a send_file(), else None.
        self.blocked_since: float | None = None
        self._piped: list[Any] = []
        self.on("pipe", self._piped.append)

    @property
    def connection(self) -> Any:
        """The same as :attr:`socket` (Node's deprecated alias)."""
        return self.socket

    # -- the head ------------------------------------------------------------------

    def write_head(
        self,
        status_code: int,
        status_message: str | Mapping[str, HeaderValue] | Iterable[Any] | None = None,
        headers: Mapping[str, HeaderValue] | Iterable[Any] | None = None,
    ) -> ServerResponse:
        """Fix the status and headers (merged over those set with ``set_header``).

        Raises ``ERR_HTTP_INVALID_STATUS_CODE`` outside 100-999, ``ERR_HTTP_HEADERS_SENT``
        when the head is already fixed.
        """
        if not isinstance(status_message, str) and status_message is not None:
            headers, status_message = status_message, None
        if (
            isinstance(status_code, bool)
            or not isinstance(status_code, int)
            or not (100 <= status_code <= 999)
        ):
            raise new_error("ERR_HTTP_INVALID_STATUS_CODE", status_code)
        if self._header_sent:
            raise new_error("ERR_HTTP_HEADERS_SENT", "write")
        if headers is not None:
            self._merge_headers(headers)
        self.status_code = status_code
        if status_message is not None:
            self.status_message = status_message
        self._head = self._build_head(None)
        return self

    def _build_head(self, content_length: int | None) -> bytes:
        connection = self._connection
        if connection is None:
            raise new_error("ERR_STREAM_DESTROYED", "write")
        code = self.status_code
        if not 100 <= code <= 999:
            raise new_error("ERR_HTTP_INVALID_STATUS_CODE", code)
        head = connection.protocol.start_response(
            code,
            self._header_items(),
            self.status_message,
            content_length=content_length,
            send_date=self.send_date,
            keep_alive=self.should_keep_alive and connection.keep_alive_allowed,
        )
        self._header_sent = True
        if self.status_message is None:
            self.status_message = STATUS_CODES.get(code, "unknown")
        return head

    def _take_head(self, content_length: int | None) -> bytes:
        head = self._head
        if head is None:
            return self._build_head(content_length)
        self._head = None
        return head

    def flush_headers(self) -> None:
        """Send the head now, before any body."""
        if self._head is None and self._header_sent:
            return
        self._send(self._take_head(None), None)

    def write_continue(self, callback: Callback | None = None) -> None:
        """Send ``100 Continue`` (the client may now send the body it announced)."""
        if self._connection is not None:
            self._send(self._connection.protocol.write_continue(), callback)

    def write_processing(self, callback: Callback | None = None) -> None:
        """Send ``102 Processing``."""
        self._informational(102, [], callback)

    def write_early_hints(
        self, hints: Mapping[str, HeaderValue], callback: Callback | None = None
    ) -> None:
        """Send ``103 Early Hints`` with ``hints`` (``{'link': '</a.css>; rel=preload'}``)."""
        self._informational(103, list(hints.items()), callback)

    def _informational(
        self, code: int, headers: list[tuple[str, HeaderValue]], callback: Callback | None
    ) -> None:
        if self._connection is not None:
            self._send(self._connection.protocol.write_informational(code, headers), callback)

    # -- the body --------------------------------------------------------------------

    async def send_file(self, fd: int, offset: int, count: int) -> bool:
        """Send ``count`` bytes of the open file ``fd`` from ``offset`` as body bytes with
        ``os.sendfile`` (a rillet addition: zero copies, no Python per chunk).

        Possible on a plain (not TLS) connection, for a body framed by Content-Length (set
        it first) or by the connection's close, with no write of this response pending.
        Returns False, having sent nothing but maybe the head, when not possible: the
        caller then writes the bytes. A failing connection destroys the response and
        raises its error. Call ``end()`` afterwards.
        """
        connection = self._connection
        state = self._writable_state
        if connection is None or state.ending or state.destroyed or state.length or state.corked:
            return False
        socket = connection.socket
        transport = socket.transport
        if not can_sendfile(transport):
            return False
        if self._head is not None or not self._header_sent:
            self._send(self._take_head(None), None)
        if not connection.protocol.raw_body_allowed(count):
            return False

        def sent(n: int) -> None:
            socket._bytes_dispatched += n

        def blocked(waiting: bool) -> None:
            self.blocked_since = time.monotonic() if waiting else None

        # Destroying the response (send timeout, server close) must end a wait for the
        # client: sendfile's duplicate descriptor would keep the connection open.
        closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def on_close(*_: Any) -> None:
            if not closed.done():
                closed.set_result(None)

        self.once("close", on_close)
        try:
            await sendfile(
                transport, fd, offset, count, on_sent=sent, on_blocked=blocked, closed=closed
            )
        except Exception as exc:
            self.destroy()
            raise exc
        finally:
            self.remove_listener("close", on_close)
        return True

    @property
    def waiting_on_client(self) -> bool:
        """Whether the response waits for the client to take bytes (drain or sendfile)."""
        return self.writable_need_drain or self.blocked_since is not None

    def write(
        self, chunk: Any, encoding: str | Callback | None = None, callback: Callback | None = None
    ) -> bool:
        """Write body bytes; False while the socket is backed up (wait for ``'drain'``)."""
        if not self._tick_corked and not self._writable_state.ending:
            # Writes of one tick leave in one system call, as Node corks its socket.
            self._tick_corked = True
            self.cork()
            next_tick(self._uncork_tick)
        ok = OutgoingMessage.write(self, chunk, encoding, callback)
        socket = self.socket
        if ok and socket is not None and getattr(socket, "_write_paused", False):
            self._writable_state.need_drain = True
            return False
        return ok

    def _uncork_tick(self) -> None:
        self._tick_corked = False
        self.uncork()

    def _write(self, chunk: bytes, encoding: str, callback: Callback) -> None:
        connection = self._connection
        if connection is None:
            callback(new_error("ERR_STREAM_DESTROYED", "write"))
            return
        protocol = connection.protocol
        try:
            if self._only_chunk and self._head is None:
                # The whole response in one write: head, Content-Length, body.
                self._only_chunk = False
                data = protocol.respond(
                    self.status_code,
                    self._header_items(),
                    chunk,
                    self.status_message,
                    send_date=self.send_date,
                    keep_alive=self.should_keep_alive and connection.keep_alive_allowed,
                )
                self._header_sent = True
                self._finished_framing = True
                # Nothing is left to frame: skip the _final step ('prefinish' directly).
                self._final = None  # type: ignore[assignment]
                if self.status_message is None:
                    self.status_message = STATUS_CODES.get(self.status_code, "unknown")
            else:
                head = self._pending_head()
                body = bytes(protocol.send_body(chunk))
                data = body if head is None else head + body
        except Exception as exc:
            callback(exc)
            return
        self._send(data, callback)

    def _writev(self, chunks: list[WriteRequest], callback: Callback) -> None:
        if self._connection is None:
            callback(new_error("ERR_STREAM_DESTROYED", "write"))
            return
        self._send_batch(chunks, callback)

    def _pending_head(self) -> bytes | None:
        if not self._header_sent or self._head is not None:
            return self._take_head(None)
        return None

    def _frame(self, chunk: bytes) -> bytes | bytearray | memoryview:
        connection = self._connection
        assert connection is not None
        return connection.protocol.send_body(chunk)

    def _final(self, callback: Callback) -> None:
        connection = self._connection
        if connection is None:
            callback()
            return
        try:
            if self._finished_framing:
                data: bytes = b""
            else:
                head = self._take_head(0) if (not self._header_sent or self._head) else b""
                data = head + connection.protocol.end_response()
                self._finished_framing = True
        except Exception as exc:
            callback(exc)
            return
        if data:
            self._send(data, callback)
        else:
            callback()

    def _send(self, data: bytes | list[bytes], callback: Callback | None) -> None:
        connection = self._connection
        if connection is None:
            if callback is not None:
                callback(new_error("ERR_STREAM_DESTROYED", "write"))
            return
        connection.send(data, callback)

    def _destroy(self, error: BaseException | None, callback: Callback) -> None:
        connection, self._connection = self._connection, None
        if not self._writable_state.finished:
            piped, self._piped = self._piped, []
            for source in piped:
                if not getattr(source, "destroyed", True):
                    source.destroy()
            if connection is not None:
                connection.response_aborted(self)
        callback(error)

    def assign_socket(self, socket: Any) -> None:
        """Node's ``assignSocket``: rillet binds the socket at creation, so this only checks."""
        if socket is not self.socket:
            raise new_error("ERR_HTTP_SOCKET_ASSIGNED")

    def detach_socket(self, socket: Any) -> None:
        """Node's ``detachSocket``: forget the socket."""
        if socket is self.socket:
            self.socket = None
