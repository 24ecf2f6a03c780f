"""The asyncio protocol under every :class:`~rillet.net.Socket`.

The transport calls it; it hands everything to its socket without queueing:

* ``data_received`` counts the bytes, then gives them to the socket's data handler if
  one is set (the HTTP layer's parser), else pushes them into the readable side; when
  that push reports the buffer over its high-water mark, reading pauses at the
  transport (``pause_reading``) until the stream asks for more (``_read``);
* ``pause_writing``/``resume_writing`` mark the transport backed up, which holds the
  socket's write callbacks, and so ``'drain'``;
* ``eof_received`` ends the readable side and keeps the transport open (half-close);
* ``connection_lost`` destroys the socket (or finishes a destroy already under way).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from rillet.net._server import Server
    from rillet.net._socket import Socket

__all__ = ["SocketProtocol"]


class SocketProtocol(asyncio.Protocol):
    """Feeds one transport's events to ``socket`` (and, for an accepted one, ``server``)."""

    __slots__ = ("server", "socket")

    def __init__(self, socket: Socket, server: Server | None = None) -> None:
        self.socket = socket
        self.server = server

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        stream = cast(asyncio.Transport, transport)
        try:
            if self.server is not None:
                self.server._accept(self.socket, stream)
            else:
                self.socket._connected(stream)
        except Exception as exc:
            # A 'connection'/'connect' listener failed. Report it as a failing tick would
            # be, but return normally: uvloop starts reading only after a clean return.
            asyncio.get_running_loop().call_exception_handler(
                {"message": "Unhandled exception in a connection listener", "exception": exc}
            )

    def data_received(self, data: bytes) -> None:
        socket = self.socket
        socket._bytes_read += len(data)
        if socket._timeout:
            socket._touch()
        handler = socket._data_handler
        if handler is not None:
            handler(data)
        elif not socket.push(data) or socket._reading_paused:
            # Paused already means uvloop restarted reading after connection_made.
            transport = socket._transport
            if transport is not None:
                socket._reading_paused = True
                transport.pause_reading()

    def eof_received(self) -> bool:
        return self.socket._on_eof()

    def connection_lost(self, exc: Exception | None) -> None:
        self.socket._on_connection_lost(exc)

    def pause_writing(self) -> None:
        self.socket._write_paused = True

    def resume_writing(self) -> None:
        self.socket._on_resume_writing()
