"""An accept loop that can stop accepting: connections beyond a cap wait in the listen
backlog (the kernel's queue) instead of being accepted and dropped.

The loop's own ``create_server`` cannot pause (uvloop has no such call), so this one
watches the listening socket with ``add_reader``, accepts without blocking, and hands
each connection to ``loop.connect_accepted_socket`` (TLS included). It stops watching
while ``limit`` connections are open or being set up, and starts again as one closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl as _ssl
from collections.abc import Callable
from typing import Any

__all__ = ["AcceptLoop"]


class AcceptLoop:
    """Accepts on ``sock`` for ``protocol_factory`` while fewer than ``limit`` are open.

    ``open_count()`` tells how many accepted connections are still open; the owner calls
    :meth:`maybe_resume` when one closes. Stands in for an ``asyncio.AbstractServer``
    (``close()``).
    """

    def __init__(
        self,
        sock: socket.socket,
        protocol_factory: Callable[[], asyncio.Protocol],
        limit: int,
        open_count: Callable[[], int],
        ssl: _ssl.SSLContext | None,
        backlog: int,
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._sock = sock
        self._factory = protocol_factory
        self._limit = max(1, limit)
        self._open_count = open_count
        self._ssl = ssl
        self._setting_up = 0
        self._watching = False
        self._closed = False
        self._tasks: set[asyncio.Task[Any]] = set()
        sock.setblocking(False)
        sock.listen(backlog)
        self.maybe_resume()

    def _full(self) -> bool:
        return self._open_count() + self._setting_up >= self._limit

    def maybe_resume(self) -> None:
        """Watch the listening socket again if there is room."""
        if not self._closed and not self._watching and not self._full():
            self._loop.add_reader(self._sock.fileno(), self._accept_ready)
            self._watching = True

    def _pause(self) -> None:
        if self._watching:
            self._loop.remove_reader(self._sock.fileno())
            self._watching = False

    def _accept_ready(self) -> None:
        while not self._full():
            try:
                conn, _ = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                # EMFILE, ENFILE, ECONNABORTED...: leave the rest in the backlog and retry
                # once something closes (or on the next readiness event).
                return
            conn.setblocking(False)
            self._setting_up += 1
            task = self._loop.create_task(
                self._loop.connect_accepted_socket(self._factory, conn, ssl=self._ssl)
            )
            self._tasks.add(task)
            task.add_done_callback(self._set_up)
        self._pause()

    def _set_up(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        self._setting_up -= 1
        if not task.cancelled():
            task.exception()  # a failed TLS handshake only loses that connection
        self.maybe_resume()

    def close(self) -> None:
        """Stop accepting and close the listening socket (open connections stay)."""
        if self._closed:
            return
        self._closed = True
        self._pause()
        with contextlib.suppress(OSError):
            self._sock.close()
        for task in self._tasks:
            task.cancel()
