"""``ReadStream``: a Readable over a file (Node's ``fs.ReadStream``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict, Unpack

from rillet._core import AbortSignal
from rillet.errors import out_of_range
from rillet.fs._file_handle import FileHandle, PathLike
from rillet.fs._file_stream import FileStream, validate_position
from rillet.streams import Readable
from rillet.streams._destroy import error_or_destroy
from rillet.streams._end_of_stream import eos

__all__ = ["ReadStream", "ReadStreamOptions", "create_read_stream"]


class ReadStreamOptions(TypedDict, total=False):
    """The keywords of :class:`ReadStream` and :func:`create_read_stream`."""

    flags: str | int
    encoding: str | None
    fd: int | FileHandle | None
    mode: int
    auto_close: bool
    emit_close: bool
    start: int | None
    end: int | None
    high_water_mark: int | None
    signal: AbortSignal | None


class ReadStream(FileStream, Readable):
    """The bytes of a file, ``start`` to ``end`` inclusive, read ``high_water_mark`` bytes
    at a time (each ``'data'`` chunk a new ``bytes`` of at most that size).

    Emits ``'open'`` (with the descriptor) and ``'ready'`` once the file is open; open
    and read failures are ``'error'`` events with Node's system errors (``ENOENT``,
    ``EACCES``, ``EISDIR``... with ``errno``, ``syscall`` and, for ``open``, ``path``).
    Cached data is read on the loop without a thread (see ``rillet.fs._io``). The
    descriptor is closed before ``'close'``: after ``'end'`` and on an error when
    ``auto_close`` (the default), and by ``destroy()`` always. Without ``start`` the
    stream reads from the descriptor's current offset.

    Raises ``ERR_INVALID_ARG_TYPE``/``ERR_OUT_OF_RANGE`` for a bad ``start``/``end``
    (or ``start > end``), ``ERR_INVALID_ARG_VALUE`` for unknown ``flags``.
    """

    def __init__(
        self,
        path: PathLike | None,
        *,
        flags: str | int = "r",
        encoding: str | None = None,
        fd: int | FileHandle | None = None,
        mode: int = 0o666,
        auto_close: bool = True,
        emit_close: bool = True,
        start: int | None = None,
        end: int | None = None,
        high_water_mark: int | None = 65536,
        signal: AbortSignal | None = None,
    ) -> None:
        self.start = validate_position(start, "start")
        self.end = validate_position(end, "end")
        if self.start is not None and self.end is not None and self.start > self.end:
            raise out_of_range("start", f'<= "end" (here: {self.end})', self.start)
        self._pos = self.start
        #: Bytes read so far.
        self.bytes_read = 0
        self._chunk: bytearray | None = None
        self._init_file(path, flags, mode, fd)
        Readable.__init__(
            self,
            high_water_mark=65536 if high_water_mark is None else high_water_mark,
            encoding=encoding,
            emit_close=emit_close,
            auto_destroy=auto_close,
            signal=signal,
        )

    def _read(self, size: int) -> None:
        position = self._pos
        if self.end is not None:
            size = min(self.end - (self.bytes_read if position is None else position) + 1, size)
            if size <= 0:
                self.push(None)
                return
        assert self._io is not None
        # One allocation per chunk: read into it, then copy once into the bytes pushed.
        self._chunk = bytearray(size)
        self._io.read_into(self._chunk, position, self._after_read)

    def _after_read(self, error: BaseException | None, count: int) -> None:
        chunk, self._chunk = self._chunk, None
        if self._readable_state.destroyed or chunk is None:
            return  # _destroy waits for this read, then closes
        if error is not None:
            error_or_destroy(self, error)
        elif count == 0:
            self.push(None)
        else:
            if self._pos is not None:
                self._pos += count
            self.bytes_read += count
            self.push(bytes(chunk) if count == len(chunk) else bytes(memoryview(chunk)[:count]))

    def close(self, callback: Callable[..., Any] | None = None) -> None:
        """Destroy the stream; ``callback(error=None)`` runs when it has closed."""
        if callback is not None:
            eos(self, callback)
        self.destroy()


def create_read_stream(path: PathLike | None, **options: Unpack[ReadStreamOptions]) -> ReadStream:
    """Node's ``fs.createReadStream``: ``ReadStream(path, **options)``, over ``path`` or,
    when ``fd`` is given (a descriptor number or a :class:`FileHandle`), over that."""
    return ReadStream(path, **options)
