"""The one-shot helpers: ``await zlib.gzip(data)``, ``zlib.gzip_sync(data)``...

Each takes the codec's options as keywords (``max_output_length`` bounds what a
decompression may produce) and the data as ``bytes``, ``bytearray``, ``memoryview``
or ``str`` (encoded as UTF-8, as Node does). The awaitable form is an
``asyncio.Future`` whose work starts at the call (Node's callback API, promisified):
a small input is processed at once on the loop, a larger one in the loop's default
executor (the C libraries release the GIL while they work). Bad options and a bad
``data`` type raise at the call; codec errors reject the Future (and the ``_sync``
form raises them).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

from rillet.errors import RilletError, invalid_arg_type

from ._base import ZlibBase

__all__ = ["AsyncHelper", "SyncHelper", "helpers"]

ResultCallback = Callable[[BaseException | None, bytes | None], Any]
Data = bytes | bytearray | memoryview | str


class AsyncHelper(Protocol):
    def __call__(
        self, data: Data, /, *, callback: ResultCallback | None = None, **options: Any
    ) -> asyncio.Future[bytes]: ...


class SyncHelper(Protocol):
    def __call__(self, data: Data, /, **options: Any) -> bytes: ...


def _as_buffer(data: object) -> bytes | memoryview:
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode()
    if isinstance(data, bytearray | memoryview):
        view = memoryview(data)
        return view if view.format == "B" and view.ndim == 1 else view.cast("B")
    raise invalid_arg_type("buffer", "of type str or bytes-like", data)


def _settle(future: asyncio.Future[bytes], callback: ResultCallback) -> None:
    if future.cancelled():
        return
    error = future.exception()
    callback(error, None if error is not None else future.result())


def helpers(cls: type[ZlibBase], name: str, what: str) -> tuple[AsyncHelper, SyncHelper]:
    """The awaitable and the ``_sync`` helper that run ``cls`` over a whole input."""

    def run_async(
        data: Data, /, *, callback: ResultCallback | None = None, **options: Any
    ) -> asyncio.Future[bytes]:
        loop = asyncio.get_running_loop()
        codec = cls(**options)
        buffer = _as_buffer(data)
        future: asyncio.Future[bytes]
        if len(buffer) <= codec._inline_limit:
            future = loop.create_future()
            try:
                future.set_result(codec._process_all(buffer))
            except RilletError as error:
                future.set_exception(error)
        else:
            future = loop.run_in_executor(None, codec._process_all, buffer)
        if callback is not None:
            future.add_done_callback(lambda done: _settle(done, callback))
        return future

    def run_sync(data: Data, /, **options: Any) -> bytes:
        return cls(**options)._process_all(_as_buffer(data))

    run_async.__name__ = run_async.__qualname__ = name
    run_async.__doc__ = (
        f"{what} ``data``; a Future of the ``bytes`` (Node's ``zlib.{name}``, awaitable). "
        f"``callback(error, result)`` also gets the outcome. Options: as ``{cls.__name__}``."
    )
    run_sync.__name__ = run_sync.__qualname__ = f"{name}_sync"
    run_sync.__doc__ = f"{what} ``data`` now and return the ``bytes`` (raises the codec's error)."
    return run_async, run_sync
