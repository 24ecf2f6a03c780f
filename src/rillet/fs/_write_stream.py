"""``WriteStream``: a Writable into a file (Node's ``fs.WriteStream``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypedDict, Unpack

from rillet._core import AbortSignal
from rillet.errors import invalid_arg_type, new_error
from rillet.fs._file_handle import FileHandle, PathLike
from rillet.fs._file_stream import FileStream, validate_position
from rillet.streams import Writable, WriteRequest

__all__ = ["WriteStream", "WriteStreamOptions", "create_write_stream"]

Callback = Callable[..., Any]


class WriteStreamOptions(TypedDict, total=False):
    """The keywords of :class:`WriteStream` and :func:`create_write_stream`."""

    flags: str | int
    encoding: str | None
    fd: int | FileHandle | None
    mode: int
    auto_close: bool
    emit_close: bool
    start: int | None
    flush: bool
    signal: AbortSignal | None
    high_water_mark: int | None


class WriteStream(FileStream, Writable):
    """Bytes into a file, from ``start`` (default: the descriptor's offset, which with
    ``flags='a'`` is always the end).

    Emits ``'open'``/``'ready'`` once the file is open; failures are ``'error'`` events
    with Node's system errors (``EEXIST`` for ``'wx'`` on an existing file, ``EISDIR``,
    ``EACCES``, ``ENOENT``...). Writes run in the executor and never block the loop
    (see ``rillet.fs._io`` for why and what it costs); chunks written while one write is
    under way leave together in one ``pwritev``. ``flush=True`` fsyncs the file before
    it closes. The descriptor closes before ``'close'``: after ``'finish'`` and on an
    error when ``auto_close`` (the default), and by ``destroy()`` always.
    """

    _writes = True

    def __init__(
        self,
        path: PathLike | None,
        *,
        flags: str | int = "w",
        encoding: str | None = None,
        fd: int | FileHandle | None = None,
        mode: int = 0o666,
        auto_close: bool = True,
        emit_close: bool = True,
        start: int | None = None,
        flush: bool = False,
        signal: AbortSignal | None = None,
        high_water_mark: int | None = None,
    ) -> None:
        self.start = validate_position(start, "start")
        if not isinstance(flush, bool):
            raise invalid_arg_type("options.flush", "of type boolean", flush)
        self.flush = flush
        self._pos = self.start
        #: Bytes written so far.
        self.bytes_written = 0
        self._init_file(path, flags, mode, fd)
        Writable.__init__(
            self,
            high_water_mark=high_water_mark,
            decode_strings=True,
            emit_close=emit_close,
            auto_destroy=auto_close,
            signal=signal,
        )
        if encoding:
            self.set_default_encoding(encoding)

    def _write(self, chunk: bytes, encoding: str, callback: Callback) -> None:
        self._send([chunk], len(chunk), callback)

    def _writev(self, chunks: list[WriteRequest], callback: Callback) -> None:
        data = [request.chunk for request in chunks]
        self._send(data, sum(map(len, data)), callback)

    def _send(self, data: list[bytes], size: int, callback: Callback) -> None:
        assert self._io is not None
        self._io.write(data, self._pos, partial(self._after_write, callback))
        if self._pos is not None:
            self._pos += size

    def _after_write(self, callback: Callback, error: BaseException | None, count: int) -> None:
        self.bytes_written += count
        if error is None and self._writable_state.destroyed:
            error = new_error("ERR_STREAM_DESTROYED", "write")
        callback(error)

    def close(self, callback: Callback | None = None) -> None:
        """End the stream (Node's ``writeStream.close``); ``callback(error=None)`` runs
        once it has closed. Without ``auto_close`` the stream is destroyed at
        ``'finish'`` so the descriptor still closes."""
        state = self._writable_state
        if callback is not None:
            if state.closed:
                from rillet._core import next_tick

                next_tick(callback)
                return
            self.on("close", callback)
        if not state.auto_destroy:
            self.on("finish", self.destroy)
        self.end()


def create_write_stream(
    path: PathLike | None, **options: Unpack[WriteStreamOptions]
) -> WriteStream:
    """Node's ``fs.createWriteStream``: ``WriteStream(path, **options)``, into ``path``
    or, when ``fd`` is given (a descriptor number or a :class:`FileHandle`), into that."""
    return WriteStream(path, **options)
