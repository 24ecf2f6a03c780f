"""``http.Server`` and ``create_server`` (Node's ``_http_server.js``).

Every limit has Node's default and a clear answer:

============================  =========  ==============================================
option                        default    beyond it
============================  =========  ==============================================
``max_header_size``           16384      431, connection closed
``headers_timeout``           60000 ms   408, connection closed (slowloris)
``request_timeout``           300000 ms  408, connection closed
``keep_alive_timeout``        5000 ms    the idle connection is closed
``max_requests_per_socket``   0 (none)   the response says ``Connection: close``
``send_timeout``              60000 ms   a response whose client takes nothing for this
                                         long is destroyed, with its source (nginx's)
``accept_limit``              None       further connections wait in the listen backlog
``response_headers``          none       headers every response starts with (a rillet
                                         addition: e.g. ``X-Content-Type-Options``)
============================  =========  ==============================================

Timeouts are checked by one sweep per second over the open connections, so a request
costs no timer. Malformed requests (smuggling included) get 400 and the connection is
closed, unless a ``'clientError'`` listener takes over. A listener that raises gets a
500 (or the connection is closed if the head was sent); the server goes on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any, TypedDict, Unpack

from rillet.errors import new_error
from rillet.http._headers import validate_header_name, validate_header_value
from rillet.http._server_connection import (
    ANSWERING,
    BODY,
    HEAD,
    IDLE,
    ConnectionHandler,
    default_client_error,
)
from rillet.http._server_response import ServerResponse
from rillet.net import Server as NetServer

__all__ = ["Server", "ServerOptions", "create_server"]

Callback = Callable[..., Any]
_SWEEP_SECONDS = 1.0


class ServerOptions(TypedDict, total=False):
    """Keywords of :func:`create_server` (Node's options, snake_case)."""

    max_header_size: int
    headers_timeout: float
    request_timeout: float
    keep_alive_timeout: float
    max_requests_per_socket: int
    send_timeout: float
    require_host_header: bool
    response_headers: Mapping[str, str]
    accept_limit: int | None
    no_delay: bool
    keep_alive: bool
    ssl: Any


class Server(NetServer):
    """An HTTP/1.1 server: a ``net.Server`` whose connections carry requests.

    Events: ``'request'`` ``(req, res)``, ``'checkContinue'``, ``'checkExpectation'``,
    ``'upgrade'`` and ``'connect'`` ``(req, socket, head)``, ``'clientError'``
    ``(error, socket)``, ``'connection'``, ``'listening'``, ``'close'``.
    """

    def __init__(
        self, request_listener: Callback | None = None, **options: Unpack[ServerOptions]
    ) -> None:
        NetServer.__init__(self, allow_half_open=True, ssl=options.get("ssl"))
        self.max_header_size = int(options.get("max_header_size", 16384))
        self.headers_timeout = float(options.get("headers_timeout", 60000))
        self.request_timeout = float(options.get("request_timeout", 300000))
        self.keep_alive_timeout = float(options.get("keep_alive_timeout", 5000))
        self.max_requests_per_socket = int(options.get("max_requests_per_socket", 0))
        self.send_timeout = float(options.get("send_timeout", 60000))
        self.require_host_header = bool(options.get("require_host_header", True))
        self.accept_limit = options.get("accept_limit")
        extra = options.get("response_headers") or {}
        for name, value in extra.items():
            validate_header_name(name)
            validate_header_value(name, value)
        #: Headers every response starts with, the server's own error answers included.
        self.response_headers: tuple[tuple[str, str], ...] = tuple(extra.items())
        self.timeout = 0.0
        self.closing = False
        self._handlers: set[ConnectionHandler] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sweeper: asyncio.TimerHandle | None = None
        self.on("connection", self._on_connection)
        if request_listener is not None:
            self.on("request", request_listener)

    def _on_connection(self, socket: Any) -> None:
        self._handlers.add(ConnectionHandler(self, socket))
        if self.timeout:
            socket.set_timeout(self.timeout)
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().call_later(_SWEEP_SECONDS, self._sweep)

    def _forget_handler(self, handler: ConnectionHandler) -> None:
        self._handlers.discard(handler)

    def track(self, task: asyncio.Task[Any], res: ServerResponse) -> None:
        """Keep a coroutine request listener's task; its exception is handled like a raise."""

        def failed(error: BaseException) -> None:
            handler = res._connection
            if handler is not None:
                handler.listener_failed(res, error)
            else:
                ConnectionHandler._report(error)

        self._keep(task, failed)

    def track_upgrade(self, task: asyncio.Task[Any], socket: Any) -> None:
        """Keep a coroutine upgrade listener's task; its exception destroys the socket."""

        def failed(error: BaseException) -> None:
            ConnectionHandler._report(error)
            socket.destroy()

        self._keep(task, failed)

    def _keep(self, task: asyncio.Task[Any], failed: Callable[[BaseException], None]) -> None:
        self._tasks.add(task)

        def done(finished: asyncio.Task[Any]) -> None:
            self._tasks.discard(finished)
            error = None if finished.cancelled() else finished.exception()
            if error is not None:
                failed(error)

        task.add_done_callback(done)

    def client_error(self, error: BaseException, socket: Any, status_code: int | None) -> None:
        """A malformed request or a socket error: the listeners decide, else Node's answer."""
        if self.listener_count("clientError"):
            self.emit("clientError", error, socket)
        else:
            default_client_error(socket, status_code, self.response_headers)

    # -- timeouts ------------------------------------------------------------------------

    def _sweep(self) -> None:
        self._sweeper = None
        now = time.monotonic()
        for handler in list(self._handlers):
            self._check(handler, now)
        if self._handlers:
            self._sweeper = asyncio.get_running_loop().call_later(_SWEEP_SECONDS, self._sweep)

    def _check(self, handler: ConnectionHandler, now: float) -> None:
        elapsed = (now - handler.phase_since) * 1000
        phase = handler.phase
        socket = handler.socket
        if phase == IDLE:
            # After a response: the keep-alive timeout; before the first byte: the
            # headers timeout (a connection that never sends anything).
            limit = self.keep_alive_timeout if handler.requests else self.headers_timeout
            if limit and elapsed >= limit:
                socket.destroy()
        elif phase == HEAD:
            if self.headers_timeout and elapsed >= self.headers_timeout:
                self._request_timed_out(socket)
        elif phase == BODY:
            if self.request_timeout and elapsed >= self.request_timeout:
                self._request_timed_out(socket)
        elif phase == ANSWERING:
            self._check_stall(handler, now)

    def _request_timed_out(self, socket: Any) -> None:
        error = new_error("ERR_HTTP_REQUEST_TIMEOUT")
        self.client_error(error, socket, 408)

    def _check_stall(self, handler: ConnectionHandler, now: float) -> None:
        transport = handler.socket.transport
        if transport is None or not self.send_timeout:
            return
        res = handler.res
        blocked = res.blocked_since if res is not None else None
        if blocked is not None and (now - blocked) * 1000 >= self.send_timeout:
            self._stalled(handler)
            return
        buffered = transport.get_write_buffer_size()
        if not buffered or buffered < handler.stall_buffer or handler.stall_buffer < 0:
            # Progress (or nothing waiting): restart the clock.
            handler.stall_buffer = buffered if buffered else -1
            handler.stall_since = now
            return
        handler.stall_buffer = buffered
        if (now - handler.stall_since) * 1000 >= self.send_timeout:
            self._stalled(handler)

    @staticmethod
    def _stalled(handler: ConnectionHandler) -> None:
        res = handler.res
        if res is not None:
            # Like nginx: just close. The response emits 'close' without 'finish' and
            # destroys what was piped into it; a pipeline sees a premature close.
            res.destroy()
        handler.socket.destroy()

    # -- shutting down -----------------------------------------------------------------

    def close_idle_connections(self) -> None:
        """Close every connection that is not receiving or answering a request."""
        for handler in list(self._handlers):
            if handler.phase == IDLE and handler.protocol.idle:
                handler.socket.destroy()

    def close_all_connections(self) -> None:
        """Destroy every connection, responses in flight included."""
        for handler in list(self._handlers):
            handler.socket.destroy()

    def close(self, callback: Callback | None = None) -> asyncio.Future[None]:
        """Stop accepting and close idle connections; the Future completes when the last
        connection has closed. Responses in flight finish with ``Connection: close``."""
        self.closing = True
        future = NetServer.close(self, callback)
        self.close_idle_connections()
        return future

    def set_timeout(self, msecs: float, callback: Callback | None = None) -> Server:
        """The idle timeout of new connections' sockets (0: none), as Node's ``server.timeout``."""
        self.timeout = float(msecs)
        if callback is not None:
            self.on("timeout", callback)
        return self


def create_server(
    request_listener: Callback | None = None, **options: Unpack[ServerOptions]
) -> Server:
    """An HTTP server; ``request_listener(req, res)`` (plain or coroutine function) runs for
    each request. See :class:`Server` and the module's table of limits."""
    return Server(request_listener, **options)
