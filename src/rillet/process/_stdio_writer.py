"""``process.stdout`` and ``process.stderr``: synchronous Writables, as Node's on Linux.

Node writes standard output and error synchronously when they are files, terminals or
pipes (on Linux), so output is never lost at exit and interleaves with other writes in
program order. :class:`StdioWriter` does the same: each write is a blocking ``os.write``
loop on the descriptor, done before ``write()`` returns, after flushing the Python
stream that ``print()`` uses on the same descriptor (``sys.stdout``/``sys.stderr``), so
``print()`` and ``stdout.write()`` come out in the order they were called. If someone
made the descriptor non-blocking, ``EAGAIN`` waits for it to be writable.
"""

from __future__ import annotations

import os
import select
import sys
from collections.abc import Callable
from typing import IO, Any

from rillet.errors import from_os_error
from rillet.fs._io import wait_ready
from rillet.streams import Writable

__all__ = ["StdioWriter", "create_stderr", "create_stdout"]

Callback = Callable[..., Any]


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            wait_ready(fd, select.POLLOUT)
            continue
        view = view[written:]


class StdioWriter(Writable):
    """A Writable that writes synchronously to descriptor ``fd`` (see the module
    docstring). Errors (``EPIPE`` when the reader has gone) are ``'error'`` events
    with Node's codes. ``end()`` finishes the stream but never closes the descriptor.
    ``is_stdio`` tells ``pipe()`` not to end it, as Node never ends ``process.stdout``.
    """

    is_stdio = True

    def __init__(self, fd: int, python_stream: Callable[[], IO[str] | None]) -> None:
        Writable.__init__(self)
        self.fd = fd
        self._python_stream = python_stream

    @property
    def is_tty(self) -> bool:
        """Whether the descriptor is a terminal (Node's ``isTTY``)."""
        return os.isatty(self.fd)

    def _write(self, chunk: bytes, encoding: str, callback: Callback) -> None:
        stream = self._python_stream()
        if stream is not None:
            try:
                stream.flush()
            except (OSError, ValueError):
                pass  # a closed or broken sys.stdout must not stop our own write
        try:
            _write_all(self.fd, chunk)
        except OSError as exc:
            callback(from_os_error(exc, "write"))
        else:
            callback()


def create_stdout() -> StdioWriter:
    """``process.stdout``: descriptor 1, after ``sys.stdout``."""
    return StdioWriter(1, lambda: sys.stdout)


def create_stderr() -> StdioWriter:
    """``process.stderr``: descriptor 2, after ``sys.stderr``."""
    return StdioWriter(2, lambda: sys.stderr)
