"""``Server``: accepts TCP or Unix connections as :class:`Socket` streams (Node's ``net.Server``).

``listen()`` binds the socket itself (see ``_address``) and serves it with the running
loop's ``create_server``/``create_unix_server``; each accepted connection becomes a
:class:`Socket` emitted with ``'connection'`` in the loop's ``connection_made``, before
any of its data can arrive. ``close()`` stops accepting at once and completes, with
``'close'``, when the last connection has closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import ssl as _ssl
import stat
from collections.abc import Callable
from typing import Any, Self

from rillet._core import EventEmitter, next_tick
from rillet.errors import RilletError, from_os_error, new_error
from rillet.net._accept import AcceptLoop
from rillet.net._address import address_info, tcp_listener, unix_listener
from rillet.net._protocol import SocketProtocol
from rillet.net._socket import Socket, _checked_port

__all__ = ["Server", "create_server"]

Callback = Callable[..., Any]


class Server(EventEmitter):
    """A listening socket. Events: ``'listening'``, ``'connection'`` (a :class:`Socket`),
    ``'drop'`` (a connection refused over ``max_connections``), ``'error'``, ``'close'``.

    ``allow_half_open`` and ``pause_on_connect`` apply to every accepted socket;
    ``ssl`` (an ``ssl.SSLContext``, a rillet addition for the HTTPS layer) serves TLS.
    ``max_connections`` (None: no limit) closes connections beyond it on arrival.
    ``accept_limit`` (None: no limit, a rillet addition) instead leaves connections
    beyond it waiting in the listen backlog until an open one closes; set it before
    ``listen()``.
    """

    def __init__(
        self,
        connection_listener: Callback | None = None,
        *,
        allow_half_open: bool = False,
        pause_on_connect: bool = False,
        ssl: _ssl.SSLContext | None = None,
    ) -> None:
        super().__init__()
        self.allow_half_open = allow_half_open
        self.pause_on_connect = pause_on_connect
        self.max_connections: int | None = None
        self.accept_limit: int | None = None
        self._ssl = ssl
        self._listener: asyncio.AbstractServer | AcceptLoop | None = None
        self._listen_task: asyncio.Task[None] | None = None
        self._sockname: Any = None
        self._unix_path: str | None = None
        self._connections: set[Socket] = set()
        self._close_waiters: list[tuple[asyncio.Future[None], Callback | None, bool]] = []
        if connection_listener is not None:
            self.on("connection", connection_listener)

    # -- listening -------------------------------------------------------------------

    def listen(
        self,
        port: int | str | None = 0,
        host: str | None = None,
        backlog: int = 511,
        callback: Callback | None = None,
        *,
        path: str | None = None,
    ) -> asyncio.Future[Server]:
        """Start accepting on ``host:port``, or on the Unix socket ``path`` (also
        accepted as ``port`` when it is not numeric).

        ``port`` 0 picks a free port (see :meth:`address`); ``host`` None binds every
        interface (``::`` dual-stack, else ``0.0.0.0``), as Node does. Returns a Future
        that resolves to the server once it listens, after ``'listening'`` (``callback``
        is added as a ``'listening'`` listener). On failure (``EADDRINUSE``, ``EACCES``,
        ``ENOTFOUND``) the Future fails with the error, which is also emitted as
        ``'error'`` when the server has a listener for it. Raises
        ``ERR_SOCKET_BAD_PORT`` for a bad port and ``ERR_SERVER_ALREADY_LISTEN`` when
        already listening. Needs a running event loop.
        """
        if isinstance(port, str) and not port.isdigit():
            path, port = port, 0
        tcp_port = _checked_port(port if port is not None else 0, "options.port")
        if self._listener is not None or self._listen_task is not None:
            raise new_error("ERR_SERVER_ALREADY_LISTEN")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Server] = loop.create_future()
        if callback is not None:
            self.once("listening", callback)
        self._listen_task = loop.create_task(self._listen(future, path, host, tcp_port, backlog))
        return future

    async def _listen(
        self,
        future: asyncio.Future[Server],
        path: str | None,
        host: str | None,
        port: int,
        backlog: int,
    ) -> None:
        loop = asyncio.get_running_loop()
        sock = None
        try:
            sock = unix_listener(path) if path is not None else await tcp_listener(host, port)
            self._sockname = sock.getsockname()
            if self.accept_limit is not None:
                self._listener = AcceptLoop(
                    sock,
                    self._protocol,
                    self.accept_limit,
                    lambda: len(self._connections),
                    self._ssl,
                    backlog,
                )
            elif path is not None:
                self._listener = await loop.create_unix_server(
                    self._protocol, sock=sock, backlog=backlog, ssl=self._ssl
                )
            else:
                self._listener = await loop.create_server(
                    self._protocol, sock=sock, backlog=backlog, ssl=self._ssl
                )
        except OSError as exc:
            self._abandon(sock, path)
            self._listen_failed(future, exc)
            return
        except asyncio.CancelledError:
            self._abandon(sock, path)
            future.cancel()
            raise
        finally:
            self._listen_task = None
        self._unix_path = path
        self.emit("listening")
        if not future.done():
            future.set_result(self)

    def _abandon(self, sock: socket.socket | None, path: str | None) -> None:
        """Undo a listen that failed after binding (never touching a path we did not bind)."""
        self._sockname = None
        if sock is not None:
            sock.close()
            if path is not None:
                _unlink_socket(path)

    def _listen_failed(self, future: asyncio.Future[Server], exc: OSError) -> None:
        error = exc if isinstance(exc, RilletError) else from_os_error(exc, "listen")
        handled = self.listener_count("error") > 0
        if not future.done():
            future.set_exception(error)
            if handled:
                future.exception()  # delivered through 'error': awaiting it is optional
        if handled:
            self.emit("error", error)

    @property
    def listening(self) -> bool:
        """True while the server accepts connections."""
        return self._listener is not None

    def address(self) -> dict[str, Any] | str | None:
        """``{'port', 'family', 'address'}`` of the listening socket, the path of a
        Unix socket, or None when not listening."""
        if self._listener is None:
            return None
        if self._unix_path is not None:
            return self._unix_path
        return address_info(self._sockname)

    # -- connections -----------------------------------------------------------------

    def _protocol(self) -> SocketProtocol:
        socket = Socket(
            allow_half_open=self.allow_half_open, pause_on_connect=self.pause_on_connect
        )
        socket.server = self
        return SocketProtocol(socket, self)

    def _accept(self, socket: Socket, transport: asyncio.Transport) -> None:
        limit = self.max_connections
        if limit is not None and len(self._connections) >= limit:
            local = address_info(transport.get_extra_info("sockname"))
            remote = address_info(transport.get_extra_info("peername"))
            socket.destroy()
            transport.abort()
            self.emit(
                "drop",
                {
                    "local_address": local.get("address"),
                    "local_port": local.get("port"),
                    "local_family": local.get("family"),
                    "remote_address": remote.get("address"),
                    "remote_port": remote.get("port"),
                    "remote_family": remote.get("family"),
                },
            )
            return
        socket._attach(transport)
        self._connections.add(socket)
        self.emit("connection", socket)

    def _forget(self, socket: Socket) -> None:
        self._connections.discard(socket)
        if isinstance(self._listener, AcceptLoop):
            self._listener.maybe_resume()
        self._emit_close_if_drained()

    def get_connections(self, callback: Callback | None = None) -> int:
        """How many accepted connections are open; ``callback(None, count)``, if given,
        is called on the next tick as well (Node's form)."""
        count = len(self._connections)
        if callback is not None:
            next_tick(callback, None, count)
        return count

    # -- closing ---------------------------------------------------------------------

    def close(self, callback: Callback | None = None) -> asyncio.Future[None]:
        """Stop accepting; the open connections are left alone. Returns a Future that
        completes when the last one has closed, after ``'close'``; ``callback`` is
        called then. If the server was not listening, the Future fails (and
        ``callback`` gets) ``ERR_SERVER_NOT_RUNNING``. A Unix socket's path is removed.
        """
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        running = self._listener is not None
        task = self._listen_task
        if task is not None:
            task.cancel()
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
            self._sockname = None
            if self._unix_path is not None:
                _unlink_socket(self._unix_path)
                self._unix_path = None
        self._close_waiters.append((future, callback, running))
        self._emit_close_if_drained()
        return future

    def _emit_close_if_drained(self) -> None:
        if self._close_waiters and self._listener is None and not self._connections:
            next_tick(self._emit_close)

    def _emit_close(self) -> None:
        waiters, self._close_waiters = self._close_waiters, []
        if not waiters:
            return
        self.emit("close")
        for future, callback, running in waiters:
            error = None if running else new_error("ERR_SERVER_NOT_RUNNING")
            if callback is not None:
                callback(error)
            if future.done():
                continue
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)
                future.exception()  # Node only reports it to a callback: awaiting is optional

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Close the server and wait for its connections (Node's ``asyncDispose``)."""
        if self.listening:
            await self.close()


def _unlink_socket(path: str) -> None:
    # libuv removes a Unix socket's path when the server closes; asyncio 3.11 does not.
    with contextlib.suppress(OSError):
        if stat.S_ISSOCK(os.stat(path).st_mode):
            os.unlink(path)


def create_server(
    connection_listener: Callback | None = None,
    *,
    allow_half_open: bool = False,
    pause_on_connect: bool = False,
) -> Server:
    """A new :class:`Server`; ``connection_listener`` is added for ``'connection'``."""
    return Server(
        connection_listener, allow_half_open=allow_half_open, pause_on_connect=pause_on_connect
    )
