"""Streams over the ends of pipes, driven by asyncio transports: the pipe's own backpressure.

:class:`PipeReader` is a Readable fed by a read transport. When ``push()`` says the buffer
has reached the high-water mark, the transport stops reading (``pause_reading``) until
``_read`` asks for more; meanwhile the kernel's pipe buffer fills and the writer at the
other end blocks. :class:`PipeWriter` is a Writable into a write transport: while the
transport is paused for writing (its buffer past its own high-water mark), the write
callback waits, ``write()`` returns False, and ``'drain'`` follows ``resume_writing``.
"""

from __future__ import annotations

import asyncio
import errno
from collections.abc import Callable
from typing import Any, Unpack

from rillet.errors import from_os_error, new_error, system_error
from rillet.streams import Readable, ReadableOptions, Writable, WritableOptions, WriteRequest

__all__ = ["PipeReader", "PipeWriter", "ReadProtocol"]

Callback = Callable[..., Any]


def _read_error(error: BaseException) -> BaseException:
    return from_os_error(error, "read") if isinstance(error, OSError) else error


def _write_error(error: BaseException | None) -> BaseException:
    if isinstance(error, OSError) and error.errno is not None:
        return from_os_error(error, "write")
    if error is None or isinstance(error, OSError):
        # The reader went away; asyncio's BrokenPipeError() carries no errno.
        return system_error(errno.EPIPE, "write")
    return error


class PipeReader(Readable):
    """A Readable over the read end of a pipe (a child's stdout, standard input...).

    The owner feeds it from a protocol: :meth:`_on_data`, then :meth:`_on_eof` (with
    the error, if the pipe failed), and hands it the transport with :meth:`_attach`.
    ``destroy()`` closes the transport.
    """

    def __init__(self, **options: Unpack[ReadableOptions]) -> None:
        Readable.__init__(self, **options)
        self._transport: asyncio.ReadTransport | None = None
        self._paused = False

    def _attach(self, transport: asyncio.ReadTransport) -> None:
        if self._readable_state.destroyed:
            transport.close()  # destroyed before the pipe came: the writer gets EPIPE
            return
        self._transport = transport
        if self._paused:
            transport.pause_reading()

    def _on_data(self, data: bytes) -> None:
        if not self.push(data) and not self._paused:
            self._paused = True
            if self._transport is not None:
                self._transport.pause_reading()

    def _on_eof(self, error: BaseException | None = None) -> None:
        self._transport = None  # the transport closes itself after the end
        if error is not None:
            self.destroy(_read_error(error))
        else:
            self.push(None)

    def _read(self, size: int) -> None:
        if self._paused:
            self._paused = False
            if self._transport is not None:
                self._transport.resume_reading()

    def _destroy(self, error: BaseException | None, callback: Callback) -> None:
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()
        callback(error)


class ReadProtocol(asyncio.Protocol):
    """The protocol of a read pipe transport (``loop.connect_read_pipe``) that feeds a
    :class:`PipeReader`."""

    def __init__(self, reader: PipeReader) -> None:
        self._reader = reader

    def data_received(self, data: bytes) -> None:
        self._reader._on_data(data)

    def eof_received(self) -> None:
        self._reader._on_eof()

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None:
            self._reader._on_eof(exc)


class PipeWriter(Writable):
    """A Writable into the write end of a pipe (a child's stdin).

    Writes wait (the stream is not constructed) until :meth:`_attach` gives the
    transport. ``end()`` closes the pipe once its buffer is written, so the reader
    sees the end; ``destroy()`` aborts it. A write into a pipe whose reader is gone
    fails with ``EPIPE`` (syscall ``'write'``), as in Node.
    """

    def __init__(self, **options: Unpack[WritableOptions]) -> None:
        Writable.__init__(self, **options)
        self._transport: asyncio.WriteTransport | None = None
        self._attached = False
        self._ready: Callback | None = None
        self._paused = False
        self._waiting: Callback | None = None

    def write(
        self, chunk: Any, encoding: str | Callback | None = None, callback: Callback | None = None
    ) -> bool:
        """:meth:`Writable.write`, also False while the transport is paused for writing
        (``'drain'`` then follows ``resume_writing``)."""
        ok = Writable.write(self, chunk, encoding, callback)
        if ok and self._paused:
            self._writable_state.need_drain = True
            return False
        return ok

    def _construct(self, callback: Callback) -> None:
        if self._attached:
            callback()
        else:
            self._ready = callback

    def _attach(self, transport: asyncio.WriteTransport | None) -> None:
        """Give the transport (None: the pipe never came; writes then fail with EPIPE)."""
        self._attached = True
        if transport is not None and self._writable_state.destroyed:
            transport.abort()  # destroyed before the pipe came: the reader sees the end
            transport = None
        self._transport = transport
        ready, self._ready = self._ready, None
        if ready is not None:
            ready()

    def _write(self, chunk: bytes, encoding: str, callback: Callback) -> None:
        self._send([chunk], callback)

    def _writev(self, chunks: list[WriteRequest], callback: Callback) -> None:
        self._send([request.chunk for request in chunks], callback)

    def _send(self, data: list[bytes], callback: Callback) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            callback(system_error(errno.EPIPE, "write"))
            return
        transport.writelines(data)
        if self._paused:
            self._waiting = callback
        else:
            callback()

    def _final(self, callback: Callback) -> None:
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()
        callback()

    def _destroy(self, error: BaseException | None, callback: Callback) -> None:
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.abort()
        self._release(new_error("ERR_STREAM_DESTROYED", "write"))
        callback(error)

    # -- the transport's side ----------------------------------------------------------

    def _pause_writing(self) -> None:
        self._paused = True

    def _resume_writing(self) -> None:
        self._paused = False
        if self._waiting is not None:
            # Not from inside the transport's own callback: what the write's callback
            # leads to (the next write, end() closing the transport) must not re-enter
            # it (asyncio's pipe transport then runs its connection_lost twice).
            asyncio.get_running_loop().call_soon(self._release, None)

    def _on_lost(self, error: BaseException | None) -> None:
        self._transport = None
        if self._waiting is not None:
            self._release(_write_error(error))

    def _release(self, error: BaseException | None) -> None:
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            waiting(error)
