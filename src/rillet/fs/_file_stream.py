"""What ``ReadStream`` and ``WriteStream`` share: the life of their file descriptor.

The file is opened in ``_construct`` (so nothing is read or written before it is open,
and ``'open'``/``'ready'`` follow), and closed in ``_destroy`` once no read or write is
under way, before ``'close'``. With ``auto_close`` (the stream's ``auto_destroy``) that
happens after ``'end'``/``'finish'`` and on an error; ``destroy()`` always closes.
A stream made over a :class:`~rillet.fs.FileHandle` closes that handle when it closes,
and closes itself when the handle is closed (as Node's do).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from typing import Any

from rillet.errors import invalid_arg_type, out_of_range
from rillet.fs._file_handle import FileHandle, PathLike
from rillet.fs._flags import string_to_flags
from rillet.fs._io import FileIO, open_fd
from rillet.streams import Stream

__all__ = ["FileStream", "validate_position"]

Callback = Callable[..., Any]


def validate_position(value: object, name: str) -> int | None:
    """``start``/``end``: None or an int >= 0 (Node's ``validateInteger(value, name, 0)``)."""
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid_arg_type(name, "of type number", value)
    if value < 0:
        raise out_of_range(name, ">= 0 && <= 9007199254740991", value)
    return value


class FileStream(Stream):
    """The descriptor handling shared by the file streams (a mixin before Readable or
    Writable in their bases)."""

    # Whether the stream writes: its descriptor is then closed in the executor.
    _writes = False
    flush = False
    #: The path given (None when the stream was made over a descriptor or FileHandle).
    path: str | bytes | None
    #: The descriptor, None until ``'open'`` and after the stream closes.
    fd: int | None
    flags: str | int
    mode: int
    _handle: FileHandle | None
    _io: FileIO | None

    def _init_file(
        self, path: PathLike | None, flags: str | int, mode: int, fd: int | FileHandle | None
    ) -> None:
        self.flags = flags
        self.mode = mode
        self._open_flags = string_to_flags(flags)
        self._handle = self._io = None
        self.fd = None
        self.path = None
        if fd is None:
            if not isinstance(path, str | bytes | os.PathLike):
                raise invalid_arg_type(
                    "path", "of type string or an instance of Buffer or URL", path
                )
            self.path = os.fspath(path)
        elif isinstance(fd, FileHandle):
            self._adopt(fd)
            fd.on("close", self.close)
        elif isinstance(fd, int) and not isinstance(fd, bool):
            if fd < 0:
                raise out_of_range("fd", ">= 0 && <= 2147483647", fd)
            self._adopt(FileHandle(fd, writable=self._writes))
        else:
            raise invalid_arg_type("options.fd", "of type number or an instance of FileHandle", fd)

    def _adopt(self, handle: FileHandle) -> None:
        handle._ref()
        self._handle = handle
        self._io = handle._io
        self.fd = handle.fd

    def close(self, callback: Callback | None = None) -> None:
        """Close the stream (each file stream class says how)."""
        raise NotImplementedError

    @property
    def pending(self) -> bool:
        """True while the file is not open (Node's ``pending``)."""
        return self.fd is None

    @property
    def auto_close(self) -> bool:
        """Whether the descriptor closes after ``'end'``/``'finish'`` or an error."""
        state = self._readable_state or self._writable_state
        return bool(state.auto_destroy)

    @auto_close.setter
    def auto_close(self, value: bool) -> None:
        state = self._readable_state or self._writable_state
        state.auto_destroy = bool(value)

    # -- hooks -------------------------------------------------------------------------

    def _construct(self, callback: Callback) -> None:
        if self._handle is not None or self.path is None:
            callback()
            return
        open_fd(self.path, self._open_flags, self.mode, partial(self._opened, callback))

    def _opened(self, callback: Callback, error: BaseException | None, fd: int) -> None:
        if error is not None:
            callback(error)
            return
        self._adopt(FileHandle(fd, writable=self._writes))
        callback()
        self.emit("open", fd)
        self.emit("ready")

    def _destroy(self, error: BaseException | None, callback: Callback) -> None:
        io = self._io
        if io is None:
            callback(error)
        else:
            io.when_idle(partial(self._release, error, callback))

    def _release(self, error: BaseException | None, callback: Callback) -> None:
        handle = self._handle
        assert handle is not None
        self._handle = self._io = None
        self.fd = None

        def close(flush_error: BaseException | None = None) -> None:
            handle._unref()
            handle.close().add_done_callback(
                lambda closed: callback(closed.exception() or error or flush_error)
            )

        if self.flush:
            handle.sync().add_done_callback(lambda synced: close(synced.exception()))
        else:
            close()
