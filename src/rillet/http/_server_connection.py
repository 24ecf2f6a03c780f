"""One accepted connection of an HTTP server: bytes to the protocol layer, requests to
the listeners, responses back to the socket.

The socket's bytes go straight to the parser (no ``'data'`` events). A request body is
pushed into its ``IncomingMessage``; when that push reports the buffer full, the socket
stops reading until the message is read again. Pipelined requests wait until the
response before them has finished, as in Node.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rillet.errors import new_error
from rillet.http._incoming import IncomingMessage
from rillet.http._parser import HTTPParserError, RequestHead
from rillet.http._protocol import ServerConnection
from rillet.http._serialize import close_response
from rillet.http._server_response import ServerResponse

if TYPE_CHECKING:
    from rillet.http._server import Server

__all__ = ["ConnectionHandler"]

Callback = Callable[..., Any]

# Where a connection stands, for the server's timeout sweep.
IDLE, HEAD, BODY, ANSWERING = range(4)


class ConnectionHandler:
    """Drives one socket for ``server`` (see the module docstring)."""

    __slots__ = (
        "body_paused",
        "body_pending",
        "phase",
        "phase_since",
        "protocol",
        "req",
        "requests",
        "res",
        "server",
        "socket",
        "stall_buffer",
        "stall_since",
        "upgraded",
    )

    def __init__(self, server: Server, socket: Any) -> None:
        self.server = server
        self.socket = socket
        self.protocol = ServerConnection(
            self,
            max_header_size=server.max_header_size,
            keep_alive_header=f"timeout={max(1, int(server.keep_alive_timeout // 1000))}"
            if server.keep_alive_timeout
            else None,
        )
        self.req: IncomingMessage | None = None
        self.res: ServerResponse | None = None
        self.requests = 0
        self.body_paused = False
        self.body_pending = False  # the current request's body has not all arrived
        self.upgraded = False
        self.phase = IDLE
        self.phase_since = time.monotonic()
        self.stall_since = 0.0
        self.stall_buffer = -1
        socket.set_data_handler(self.on_data, self.on_end)
        socket.on("close", self.on_close)
        socket.on("error", self.on_socket_error)

    @property
    def keep_alive_allowed(self) -> bool:
        """Whether the current response may leave the connection open."""
        server = self.server
        limit = server.max_requests_per_socket
        return not server.closing and not (limit and self.requests >= limit)

    # -- input ---------------------------------------------------------------------

    def on_data(self, data: bytes) -> None:
        if self.phase == IDLE:
            self.phase = HEAD
            self.phase_since = time.monotonic()
        self.protocol.receive_data(data)

    def on_end(self) -> None:
        self.protocol.receive_eof()
        if self.res is None and not self.upgraded:
            self.socket.destroy_soon()

    # -- protocol sink -----------------------------------------------------------------

    def wants_upgrade(self, head: RequestHead) -> bool:
        event = "connect" if head.method == "CONNECT" else "upgrade"
        return self.server.listener_count(event) > 0

    def on_request(self, head: RequestHead) -> None:
        server = self.server
        self.requests += 1
        self.body_pending = head.has_body
        self.phase = BODY if head.has_body else ANSWERING
        self.phase_since = time.monotonic()
        req = self._message(head)
        res = ServerResponse(req, self)
        for name, value in server.response_headers:
            res._header_map[name.lower()] = (name, value)
        self.req = req
        self.res = res
        res.on("finish", self._on_finish)
        if server.require_host_header and head.http_version == "1.1" and head.host is None:
            res.status_code = 400
            res.should_keep_alive = False
            res.end()
            return
        if head.expect is not None:
            if head.expect_continue:
                if server.listener_count("checkContinue"):
                    self._dispatch("checkContinue", req, res)
                    return
                res.write_continue()
            elif server.listener_count("checkExpectation"):
                self._dispatch("checkExpectation", req, res)
                return
            else:
                res.status_code = 417
                res.should_keep_alive = False
                res.end()
                return
        self._dispatch("request", req, res)

    def _message(self, head: RequestHead) -> IncomingMessage:
        req = IncomingMessage(self.socket, head.headers)
        req.method = head.method
        req.url = head.url
        req.http_version = head.http_version
        req._resume_source = self._resume_body
        return req

    def on_body(self, data: bytes) -> None:
        req = self.req
        if req is None or req.destroyed:
            return
        if not req.push(data) and not self.body_paused:
            self.body_paused = True
            self.socket.pause_reading()

    def on_message_complete(self, trailers: list[tuple[bytes, bytes]] | tuple[()]) -> None:
        self.body_pending = False
        req = self.req
        if self.phase == BODY:
            self.phase = ANSWERING
            self.phase_since = time.monotonic()
        if req is None:
            return
        req._complete(list(trailers))

    def on_upgrade(self, head: RequestHead, rest: bytes) -> None:
        self.upgraded = True
        socket = self.socket
        socket.set_data_handler(None)
        socket.remove_listener("close", self.on_close)
        socket.remove_listener("error", self.on_socket_error)
        self.server._forget_handler(self)
        req = self._message(head)
        req.upgrade = True
        req._complete([])
        event = "connect" if head.method == "CONNECT" else "upgrade"
        for listener in self.server.listeners(event):
            try:
                result = listener(req, socket, rest)
            except Exception as exc:
                self._report(exc)
                socket.destroy()
                return
            if inspect.isawaitable(result):
                self.server.track_upgrade(asyncio.ensure_future(result), socket)

    def on_error(self, error: HTTPParserError) -> None:
        status: int | None = error.status_code
        res = self.res
        if self.body_pending and (res is None or res.headers_sent):
            # The body of a request already answered broke: close without a second answer.
            status = None
        self.server.client_error(error, self.socket, status)

    # -- listeners -----------------------------------------------------------------------

    def _dispatch(self, event: str, req: IncomingMessage, res: ServerResponse) -> None:
        server = self.server
        # The registered tuple itself (never mutated, only replaced): no copy per request.
        for listener in server._events.get(event, ()):
            try:
                result = listener(req, res)
            except Exception as exc:
                self.listener_failed(res, exc)
                return
            if result is not None and inspect.isawaitable(result):
                server.track(asyncio.ensure_future(result), res)

    @staticmethod
    def _report(exc: BaseException) -> None:
        asyncio.get_running_loop().call_exception_handler(
            {"message": "Unhandled exception in an HTTP server listener", "exception": exc}
        )

    def listener_failed(self, res: ServerResponse, exc: BaseException) -> None:
        """A request listener raised: 500 if nothing was sent yet, else drop the connection."""
        self._report(exc)
        if res.destroyed or res.writable_ended:
            return
        if not res.headers_sent:
            res._header_map.clear()
            res.status_code = 500
            res.should_keep_alive = False
            res.set_header("Content-Type", "text/plain; charset=utf-8")
            res.end("500 Internal Server Error\n")
        else:
            self.socket.destroy()

    # -- output ---------------------------------------------------------------------------

    def send(self, data: bytes | list[bytes], callback: Callback | None) -> None:
        """Write response bytes: straight to the transport unless the socket holds
        writes of its own (then behind them, in order)."""
        socket = self.socket
        done = callback if callback is not None else _nop
        if socket.writable_length or socket.writable_corked:
            if isinstance(data, list):
                data = b"".join(data)
            socket.write(data, done)
        else:
            socket._send(data, done)

    def _resume_body(self) -> None:
        if self.body_paused:
            self.body_paused = False
            self.socket.resume_reading()

    def _on_finish(self) -> None:
        res = self.res
        req = self.req
        self.res = None
        self.req = None
        if req is not None:
            req._retire()
            self._resume_body()
        socket = self.socket
        if (
            not self.protocol.keep_alive
            or self.server.closing
            or (res is not None and not res.should_keep_alive)
        ):
            self.phase = ANSWERING
            socket.destroy_soon()
            return
        self.phase = IDLE
        self.phase_since = time.monotonic()
        self.protocol.resume()

    def response_aborted(self, res: ServerResponse) -> None:
        """``res`` was destroyed before finishing: the connection cannot continue."""
        if res is self.res:
            self.res = None
            self.socket.destroy()

    def on_close(self, *_: Any) -> None:
        self.server._forget_handler(self)
        req, res = self.req, self.res
        self.req = self.res = None
        if req is not None and not req.complete and not req.destroyed:
            req.destroy(new_error("ECONNRESET", "aborted"))
        if res is not None and not res.destroyed:
            res.destroy()

    def on_socket_error(self, error: BaseException) -> None:
        self.server.client_error(error, self.socket, None)


def _nop(*_: Any) -> None:
    pass


def default_client_error(
    socket: Any, status_code: int | None, headers: tuple[tuple[str, str], ...] = ()
) -> None:
    """Node's answer to a bad request: a bare 400 (or 431...) with Connection: close."""
    if status_code is not None and socket.writable and not socket.destroyed:
        transport = getattr(socket, "transport", None)
        if transport is not None and not transport.is_closing():
            transport.write(close_response(status_code, headers))
    socket.destroy()
