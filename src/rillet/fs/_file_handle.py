"""``FileHandle`` and ``open()``: Node's ``fs/promises`` file handle."""

from __future__ import annotations

import asyncio
import errno
import os
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from rillet._core import EventEmitter
from rillet.errors import from_os_error, invalid_arg_type, out_of_range, system_error
from rillet.fs._flags import WRITE_ACCESS, string_to_flags
from rillet.fs._io import Buffer, FileIO, open_fd
from rillet.streams._encoding import encode

if TYPE_CHECKING:
    from rillet.fs._read_stream import ReadStream
    from rillet.fs._write_stream import WriteStream

__all__ = ["FileHandle", "ReadResult", "WriteResult", "open"]

T = TypeVar("T")
PathLike = str | bytes | os.PathLike[str] | os.PathLike[bytes]


class ReadResult(NamedTuple):
    """What :meth:`FileHandle.read` resolves to (Node's ``{bytesRead, buffer}``)."""

    bytes_read: int
    buffer: Any


class WriteResult(NamedTuple):
    """What :meth:`FileHandle.write` resolves to (Node's ``{bytesWritten, buffer}``)."""

    bytes_written: int
    buffer: Any


class FileHandle(EventEmitter):
    """An open file (Node's ``fs/promises`` ``FileHandle``), made by :func:`open`.

    Every method returns an ``asyncio.Future`` whose work starts at once; reads take
    the page cache on the loop and the disk in a thread, as file streams do. After
    :meth:`close` (which emits ``'close'`` at once) new operations fail with ``EBADF``;
    the descriptor itself closes when the operations under way and the streams made
    from the handle are done (a stream closes its handle when it closes).
    ``async with`` closes the handle on exit.
    """

    def __init__(self, fd: int, *, writable: bool = False) -> None:
        EventEmitter.__init__(self)
        self._io = FileIO(fd, writable=writable)
        self._fd = fd
        # One reference for the owner, one per operation or stream under way (Node's kRefs).
        self._refs = 1
        self._close_waiters: list[asyncio.Future[None]] | None = None

    @property
    def fd(self) -> int:
        """The descriptor number, -1 once closed."""
        return self._fd

    def __repr__(self) -> str:
        return f"<FileHandle fd={self._fd}>"

    # -- reading and writing -----------------------------------------------------------

    def read(
        self,
        buffer: bytearray | memoryview | None = None,
        offset: int = 0,
        length: int | None = None,
        position: int | None = None,
    ) -> asyncio.Future[ReadResult]:
        """Read up to ``length`` bytes into ``buffer[offset:]`` (a new 16 KiB bytearray
        by default) from ``position`` (None or -1: the file offset, which advances).

        Resolves to ``ReadResult(bytes_read, buffer)``; 0 bytes at the end of the file.
        Raises ``ERR_INVALID_ARG_TYPE`` for a read-only buffer, ``ERR_OUT_OF_RANGE``
        for an offset or length outside it.
        """
        if buffer is None:
            buffer = bytearray(16384)
        view = _byte_view(buffer, "buffer")
        if view.readonly:
            raise invalid_arg_type("buffer", "a writable bytes-like object", buffer)
        target = _window(view, offset, length)
        future, done = self._begin("read", lambda count: ReadResult(count, buffer))
        if done is not None:
            self._io.read_into(target, _position(position), done)
        return future

    def write(
        self,
        data: Buffer | str,
        offset: int = 0,
        length: int | None = None,
        position: int | None = None,
        encoding: str = "utf8",
    ) -> asyncio.Future[WriteResult]:
        """Write ``data[offset:offset + length]`` (a ``str`` is encoded with
        ``encoding`` first) at ``position`` (None or -1: the file offset).

        Resolves to ``WriteResult(bytes_written, data)`` once all of it is written.
        """
        raw = encode(data, encoding) if isinstance(data, str) else data
        target = _window(_byte_view(raw, "data"), offset, length)
        future, done = self._begin("write", lambda count: WriteResult(count, data))
        if done is not None:
            self._io.write([target], _position(position), done)
        return future

    def stat(self) -> asyncio.Future[os.stat_result]:
        """The file's ``os.stat_result`` (``fstat``, in the executor)."""
        return self._in_thread("fstat", os.fstat)

    def sync(self) -> asyncio.Future[None]:
        """Flush the file's data and metadata to the disk (``fsync``, in the executor)."""
        return self._in_thread("fsync", os.fsync)

    def truncate(self, length: int = 0) -> asyncio.Future[None]:
        """Cut or extend the file to ``length`` bytes (``ftruncate``, in the executor)."""
        return self._in_thread("ftruncate", os.ftruncate, length)

    # -- streams -----------------------------------------------------------------------

    def create_read_stream(self, **options: Any) -> ReadStream:
        """A :class:`~rillet.fs.ReadStream` over this file (Node's
        ``filehandle.createReadStream``); it closes the handle when it closes."""
        from rillet.fs._read_stream import ReadStream

        return ReadStream(None, fd=self, **options)

    def create_write_stream(self, **options: Any) -> WriteStream:
        """A :class:`~rillet.fs.WriteStream` over this file; it closes the handle
        when it closes."""
        from rillet.fs._write_stream import WriteStream

        return WriteStream(None, fd=self, **options)

    # -- closing -----------------------------------------------------------------------

    def close(self) -> asyncio.Future[None]:
        """Close the handle: ``'close'`` is emitted now, the future resolves once the
        descriptor is closed. Closing again returns a resolved future."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._close_waiters is None:
            self._close_waiters = [future]
            self._refs -= 1
            self.emit("close")
            self._maybe_close()
        elif self._fd == -1 and not self._close_waiters:
            future.set_result(None)
        else:
            self._close_waiters.append(future)
        return future

    async def __aenter__(self) -> FileHandle:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __del__(self) -> None:
        # Like Python's files (and Node's FileHandle): an unclosed handle is closed when
        # collected, with a ResourceWarning.
        if self._fd != -1 and self._close_waiters is None:
            fd, self._fd = self._fd, -1
            warnings.warn(f"unclosed {self!r}", ResourceWarning, source=self, stacklevel=1)
            try:
                os.close(fd)
            except OSError:
                pass

    # -- plumbing ----------------------------------------------------------------------

    def _ref(self) -> None:
        self._refs += 1

    def _unref(self) -> None:
        self._refs -= 1
        self._maybe_close()

    def _maybe_close(self) -> None:
        if self._refs == 0 and self._close_waiters is not None and self._fd != -1:
            self._fd = -1
            self._io.when_idle(lambda: self._io.close(self._closed))

    def _closed(self, error: BaseException | None) -> None:
        waiters, self._close_waiters = self._close_waiters or [], []
        for future in waiters:
            if future.cancelled():
                continue
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)

    def _begin(
        self, syscall: str, result: Callable[[int], T]
    ) -> tuple[asyncio.Future[T], Callable[[BaseException | None, int], None] | None]:
        """A future for an operation, and the I/O callback that settles it (None when
        the handle is closed: the future has failed with ``EBADF`` already)."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        if self._close_waiters is not None:
            future.set_exception(system_error(errno.EBADF, syscall, message="file closed"))
            return future, None
        self._ref()

        def done(error: BaseException | None, count: int) -> None:
            self._unref()
            if future.cancelled():
                return
            if error is None:
                future.set_result(result(count))
            else:
                future.set_exception(error)

        return future, done

    def _in_thread(self, syscall: str, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        outcome: list[T] = []
        future, done = self._begin(syscall, lambda _count: outcome[0])
        if done is None:
            return future

        def finished(inner: asyncio.Future[T]) -> None:
            error = inner.exception()
            if error is None:
                outcome.append(inner.result())
                done(None, 0)
            else:
                done(from_os_error(error, syscall) if isinstance(error, OSError) else error, 0)

        inner = asyncio.get_running_loop().run_in_executor(None, fn, self._fd, *args)
        inner.add_done_callback(finished)
        return future


def _byte_view(data: Any, name: str) -> memoryview:
    try:
        return memoryview(data).cast("B")
    except TypeError:
        raise invalid_arg_type(name, "of type bytes, bytearray or memoryview", data) from None


def _window(view: memoryview, offset: int, length: int | None) -> memoryview:
    size = len(view)
    if not 0 <= offset <= size:
        raise out_of_range("offset", f">= 0 && <= {size}", offset)
    if length is None:
        length = size - offset
    if not 0 <= length <= size - offset:
        raise out_of_range("length", f">= 0 && <= {size - offset}", length)
    return view[offset : offset + length]


def _position(position: int | None) -> int | None:
    return None if position is None or position < 0 else position


def open(path: PathLike, flags: str | int = "r", mode: int = 0o666) -> asyncio.Future[FileHandle]:
    """Open ``path`` (Node's ``fsPromises.open``): a future of the :class:`FileHandle`.

    ``flags`` are Node's (``'r'``, ``'r+'``, ``'w'``, ``'wx'``, ``'a'``, ``'ax'``...).
    The future fails with Node's system error (``ENOENT``, ``EISDIR``, ``EACCES``,
    ``EEXIST``... with ``errno``, ``syscall='open'`` and ``path``); an unknown flag
    string raises ``ERR_INVALID_ARG_VALUE`` at the call.
    """
    bits = string_to_flags(flags)
    target = os.fspath(path)
    future: asyncio.Future[FileHandle] = asyncio.get_running_loop().create_future()

    def opened(error: BaseException | None, fd: int) -> None:
        if future.cancelled():
            if error is None:
                os.close(fd)
        elif error is not None:
            future.set_exception(error)
        else:
            future.set_result(FileHandle(fd, writable=bool(bits & WRITE_ACCESS)))

    open_fd(target, bits, mode, opened)
    return future
