"""``process.stdin``: standard input as a Readable that never blocks the loop.

What it reads through depends on what descriptor 0 is, as in Node:

* a pipe, a socket or a terminal: ``loop.connect_read_pipe`` (a :class:`PipeReader`).
  The pipe is reopened through ``/proc/self/fd/0`` when possible, so the non-blocking
  mode the transport needs is set on a private open file description and never leaks
  to the descriptor shared with the parent shell (Node's long-standing wart). Where
  reopening fails (a socket), a duplicate is used and its blocking mode restored when
  the stream closes.
* a regular file or another device (``/dev/null``): a :class:`rillet.fs.ReadStream`
  over a duplicate of the descriptor, reading from its current offset.
* no descriptor at all: a stream that ends at once.

Closing the stream closes only the private descriptor: descriptor 0 stays open.
"""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Callable
from typing import Any

from rillet.fs import ReadStream
from rillet.process._pipes import PipeReader, ReadProtocol
from rillet.streams import Readable

__all__ = ["StdinPipe", "create_stdin"]


class StdinPipe(PipeReader):
    """Standard input on a pipe, a socket or a terminal (see the module docstring)."""

    def __init__(self, fd: int = 0) -> None:
        PipeReader.__init__(self)
        self.fd = fd
        #: Whether the descriptor is a terminal (Node's ``isTTY``).
        self.is_tty = os.isatty(fd)
        self._restore_blocking = False

    async def _construct(self) -> None:
        try:
            own = os.open(
                f"/proc/self/fd/{self.fd}", os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
            )
        except OSError:
            own = os.dup(self.fd)
            self._restore_blocking = os.get_blocking(own)
        pipe = os.fdopen(own, "rb", buffering=0)
        transport, _ = await asyncio.get_running_loop().connect_read_pipe(
            lambda: ReadProtocol(self), pipe
        )
        self._attach(transport)

    def _destroy(self, error: BaseException | None, callback: Callable[..., Any]) -> None:
        PipeReader._destroy(self, error, callback)
        if self._restore_blocking:
            os.set_blocking(self.fd, True)


def create_stdin(fd: int = 0) -> Readable:
    """The Readable for standard input on descriptor ``fd`` (see the module docstring)."""
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return Readable(read=lambda stream, _size: stream.push(None))
    if os.isatty(fd) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return StdinPipe(fd)
    return ReadStream(None, fd=os.dup(fd))
