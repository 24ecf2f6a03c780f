"""``async for chunk in readable`` (Node's ``for await``), rules R-ITER-1..4.

The iterator pulls with ``read()`` and waits for ``'readable'`` when the buffer is
empty; it yields what was buffered before an error, then raises it. Leaving the loop
early (``break``, ``return``, an exception in the body, or ``aclose()``) destroys the
stream, with an ``AbortError`` if it had not finished, unless ``destroy_on_return``
is False, in which case only the iterator's listeners go.

The stream's listeners hold a small link object, not the iterator, so the iterator
is released (and cleans up) the moment the loop drops it, as ``break`` does. As with
Node's async generator, an iterator does nothing to the stream before its first
``__anext__``, and closing one that never started leaves the stream alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rillet.streams._destroy import destroyer
from rillet.streams._end_of_stream import eos

if TYPE_CHECKING:
    from rillet.streams._readable import Readable

__all__ = ["ReadableAsyncIterator"]

_PENDING: Any = object()


class _Link:
    """What the stream's listeners see: a waiter to wake and the outcome."""

    __slots__ = ("outcome", "waiter")

    def __init__(self) -> None:
        self.waiter: asyncio.Future[None] | None = None
        # _PENDING until eos reports: then None (ended cleanly) or the error.
        self.outcome: BaseException | None = _PENDING

    def wake(self, *_: Any) -> None:
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def on_finished(self, error: BaseException | None = None) -> None:
        if self.outcome is _PENDING or self.outcome is None:
            self.outcome = error
        self.wake()


class ReadableAsyncIterator:
    """The async iterator behind ``Readable.iterator()`` and ``async for``."""

    __slots__ = ("_cleanup", "_closed", "_destroy_on_return", "_link", "_stream")

    def __init__(self, stream: Readable, destroy_on_return: bool) -> None:
        self._stream = stream
        self._destroy_on_return = destroy_on_return
        self._closed = False
        # Like Node's async generator, nothing touches the stream before the first
        # __anext__: making an iterator does not switch the stream to 'readable'.
        self._link: _Link | None = None
        self._cleanup: Callable[[], None] | None = None

    def __aiter__(self) -> ReadableAsyncIterator:
        return self

    def _start(self) -> _Link:
        stream = self._stream
        link = self._link = _Link()
        stream.on("readable", link.wake)
        self._cleanup = eos(stream, link.on_finished, writable=False)
        return link

    async def __anext__(self) -> Any:
        if self._closed:
            raise StopAsyncIteration
        stream = self._stream
        link = self._link or self._start()
        while True:
            chunk = None if stream.destroyed else stream.read()
            if chunk is not None:
                return chunk
            outcome = link.outcome
            if outcome is not _PENDING:
                self._finish(outcome, early=False)
                if outcome is None:
                    raise StopAsyncIteration
                raise outcome
            link.waiter = asyncio.get_running_loop().create_future()
            await link.waiter

    async def aclose(self) -> None:
        """Leave the iteration early (see the module docstring)."""
        self._leave()

    def _leave(self) -> None:
        link = self._link
        if link is None:
            self._closed = True  # never started: the stream was never touched
        elif link.outcome is _PENDING:
            self._finish(None, early=True)
        else:
            self._finish(link.outcome, early=False)

    def _finish(self, error: BaseException | None, *, early: bool) -> None:
        if self._closed:
            return
        self._closed = True
        stream = self._stream
        auto_destroy = stream._readable_state.auto_destroy
        if (error is not None or self._destroy_on_return) and (early or auto_destroy):
            destroyer(stream, None)
        elif self._link is not None and self._cleanup is not None:
            stream.remove_listener("readable", self._link.wake)
            self._cleanup()

    def __del__(self) -> None:
        if not self._closed:
            try:
                self._leave()
            except Exception:  # pragma: no cover - never raise from a finalizer
                pass
