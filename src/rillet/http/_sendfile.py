"""Zero-copy file bodies: ``os.sendfile`` from a file straight into a connection's socket.

uvloop has no ``loop.sendfile`` (and asyncio's falls back to read-and-write under it),
so rillet drives the system call itself. The bytes must not overtake what the transport
still buffers, so it first waits until the transport's buffer is empty; it waits for
the socket to become writable through a duplicate of its descriptor (the loop refuses
to watch a descriptor that a transport owns, not its duplicate), and sends at most
2 MiB per call, as nginx's ``sendfile_max_chunk`` does, so one transfer never holds
the loop long.

Not for TLS (the kernel would send the bytes unencrypted): callers check
:func:`can_sendfile` and stream such bodies instead.
"""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import Callable
from typing import Any

from rillet.errors import from_os_error, new_error

__all__ = ["can_sendfile", "sendfile"]

_MAX_CHUNK = 2 * 1024 * 1024


def can_sendfile(transport: Any) -> bool:
    """Whether bytes may be written to ``transport``'s socket directly (plain TCP/Unix)."""
    return (
        transport is not None
        and not transport.is_closing()
        and transport.get_extra_info("sslcontext") is None
        and transport.get_extra_info("socket") is not None
        and hasattr(os, "sendfile")
    )


async def _writable(
    loop: asyncio.AbstractEventLoop, fd: int, closed: asyncio.Future[None] | None
) -> None:
    """Wait until ``fd`` is writable or ``closed`` is done."""
    ready: asyncio.Future[None] = loop.create_future()

    def wake(*_: Any) -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_writer(fd, wake)
    if closed is not None:
        closed.add_done_callback(wake)
    try:
        await ready
    finally:
        loop.remove_writer(fd)
        if closed is not None:
            closed.remove_done_callback(wake)


async def sendfile(
    transport: Any,
    fd: int,
    offset: int,
    count: int,
    *,
    on_sent: Callable[[int], None],
    on_blocked: Callable[[bool], None],
    closed: asyncio.Future[None] | None = None,
) -> None:
    """Send ``count`` bytes of file ``fd`` from ``offset`` to ``transport``'s socket.

    ``on_sent(n)`` runs after each system call that sent ``n`` bytes; ``on_blocked(True)``
    when the client stops taking bytes and ``on_blocked(False)`` when it resumes (for
    statistics and the send timeout). ``closed``, once done, ends a wait for the client
    (the owner closed the connection: the duplicate descriptor must not keep it open).
    Raises Node's system error when the connection
    fails (``EPIPE``, ``ECONNRESET``), ``ERR_SOCKET_CLOSED`` when it closes, and
    ``ERR_STREAM_PREMATURE_CLOSE`` when the file ends early (truncated while sent).
    """
    loop = asyncio.get_running_loop()
    socket_fd = os.dup(transport.get_extra_info("socket").fileno())
    blocked = False
    try:
        while count > 0:
            if transport.is_closing():
                raise new_error("ERR_SOCKET_CLOSED")
            if transport.get_write_buffer_size():
                await _writable(loop, socket_fd, closed)
                continue
            try:
                sent = os.sendfile(socket_fd, fd, offset, min(count, _MAX_CHUNK))
            except (BlockingIOError, InterruptedError):
                if not blocked:
                    blocked = True
                    on_blocked(True)
                await _writable(loop, socket_fd, closed)
                continue
            except OSError as exc:
                if exc.errno == errno.EAGAIN:  # pragma: no cover - BlockingIOError above
                    continue
                raise from_os_error(exc, "sendfile") from exc
            if sent == 0:
                raise new_error("ERR_STREAM_PREMATURE_CLOSE")
            if blocked:
                blocked = False
                on_blocked(False)
            offset += sent
            count -= sent
            on_sent(sent)
    finally:
        if blocked:
            on_blocked(False)
        os.close(socket_fd)
