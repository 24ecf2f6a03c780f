"""``async for`` over a ReadableStream (``values()``) and ``ReadableStream.from_``.

The iterator takes a default reader when made. ``__anext__`` reads one chunk; when the
stream closes or errors the lock is released and the iteration ends (or raises),
after which it stays finished. Leaving early, by ``aclose()`` or by dropping the
iterator (``break`` in an ``async for``), cancels the stream unless
``prevent_cancel`` (JavaScript's ``return()``), and releases the lock.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rillet._core import next_tick
from rillet.web._promise import Deferred, adopt_pending_ticks, as_exception, promise_from, upon
from rillet.web._readable_stream import (
    ReadableStream,
    ReadableStreamDefaultController,
    ReadableStreamDefaultReader,
    acquire_readable_stream_default_reader,
    create_readable_stream,
    readable_stream_cancel,
    readable_stream_default_controller_close,
    readable_stream_default_controller_enqueue,
    readable_stream_default_reader_read,
    readable_stream_default_reader_release,
)
from rillet.web._util import type_error

__all__ = ["ReadableStreamAsyncIterator", "readable_stream_from_iterable"]


class _IterationRead:
    """The read request of one ``__anext__``."""

    __slots__ = ("future", "iterator")

    def __init__(self, iterator: ReadableStreamAsyncIterator, future: asyncio.Future[Any]) -> None:
        self.iterator = iterator
        self.future = future

    def chunk_steps(self, chunk: Any) -> None:
        if not self.future.done():
            self.future.set_result(chunk)

    def close_steps(self, _chunk: Any = None) -> None:
        self.iterator._end()
        if not self.future.done():
            self.future.set_exception(StopAsyncIteration())

    def error_steps(self, error: Any) -> None:
        self.iterator._end()
        if not self.future.done():
            self.future.set_exception(as_exception(error))


class ReadableStreamAsyncIterator:
    """What ``ReadableStream.values()`` returns; also the stream's ``__aiter__``."""

    __slots__ = ("_finished", "_prevent_cancel", "_reader")

    def __init__(self, stream: ReadableStream, prevent_cancel: bool = False) -> None:
        self._finished = True  # until the reader is taken (__del__ may see a failed init)
        self._reader = acquire_readable_stream_default_reader(stream)
        self._prevent_cancel = bool(prevent_cancel)
        self._finished = False

    def __aiter__(self) -> ReadableStreamAsyncIterator:
        return self

    def __anext__(self) -> asyncio.Future[Any]:
        """The next chunk; ``StopAsyncIteration`` once the stream closed (or after an
        error was raised); the stream's error when it errors."""
        adopt_pending_ticks()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        reader = self._reader
        if self._finished:
            future.set_exception(StopAsyncIteration())
        elif reader._stream is None:
            future.set_exception(type_error("The iterator's reader was released"))
        else:
            readable_stream_default_reader_read(reader, _IterationRead(self, future))
        return future

    def _end(self) -> None:
        self._finished = True
        if self._reader._stream is not None:
            readable_stream_default_reader_release(self._reader)

    def _return(self) -> Deferred:
        self._finished = True
        return _return_steps(self._reader, self._prevent_cancel)

    async def aclose(self) -> None:
        """Stop iterating: cancel the stream (unless ``prevent_cancel``) and release
        the lock. Raises the stream's error if it had errored unseen."""
        if not self._finished:
            await self._return().future()

    def __del__(self) -> None:
        # Dropped mid-iteration (``break``): return in a tick, not inside the collector.
        if not self._finished:
            next_tick(_return_steps, self._reader, self._prevent_cancel)


def _return_steps(reader: ReadableStreamDefaultReader, prevent_cancel: bool) -> Deferred:
    """The async iterator's return steps: cancel (unless ``prevent_cancel``) and release.
    The result is marked handled: nobody may be left to await it."""
    stream = reader._stream
    if stream is None:
        return Deferred.resolved()
    result = Deferred.resolved() if prevent_cancel else readable_stream_cancel(stream, None)
    readable_stream_default_reader_release(reader)
    result.mark_handled()
    return result


def readable_stream_from_iterable(iterable: Any) -> ReadableStream:
    """The spec's ``ReadableStreamFromIterable`` for an async iterable (preferred) or an
    iterable. TypeError (raised now) for anything else."""
    if hasattr(iterable, "__aiter__"):
        return _from_async_iterator(iterable.__aiter__())
    if hasattr(iterable, "__iter__"):
        return _from_iterator(iter(iterable))
    raise type_error(f"ReadableStream.from_ needs an iterable, got {type(iterable).__name__}")


def _from_iterator(iterator: Any) -> ReadableStream:
    controller: ReadableStreamDefaultController

    def pull() -> None:
        try:
            value = next(iterator)
        except StopIteration:
            readable_stream_default_controller_close(controller)
            return
        readable_stream_default_controller_enqueue(controller, value)

    def cancel(_reason: Any) -> None:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()

    stream = create_readable_stream(None, pull, cancel, 0)
    controller = stream._controller
    return stream


def _from_async_iterator(iterator: Any) -> ReadableStream:
    controller: ReadableStreamDefaultController

    def pull() -> Deferred:
        result = Deferred()

        def got(value: Any) -> None:
            readable_stream_default_controller_enqueue(controller, value)
            result.resolve(None)

        def failed(error: Any) -> None:
            if isinstance(error, StopAsyncIteration):
                readable_stream_default_controller_close(controller)
                result.resolve(None)
            else:
                result.reject(error)

        try:
            step = iterator.__anext__()
        except Exception as error:
            failed(error)
            return result
        upon(step, got, failed)
        return result

    def cancel(_reason: Any) -> Any:
        aclose = getattr(iterator, "aclose", None)
        return None if aclose is None else promise_from(aclose())

    stream = create_readable_stream(None, pull, cancel, 0)
    controller = stream._controller
    return stream
