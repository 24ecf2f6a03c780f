"""``Readable.from_(iterable)`` (Node's ``streams/from.js``).

Items are pushed in order, pulled only while the stream wants more (high-water mark
1 by default, object mode unless ``object_mode=False``). A sync iterable is read
synchronously; its awaitable items, and an async iterable's items, are awaited in a
task. Destroying the stream closes the iterator (``throw``/``athrow`` with the error,
then ``close``/``aclose``) before ``'close'``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from rillet._core import next_tick
from rillet.errors import invalid_arg_type, new_error

if TYPE_CHECKING:
    from rillet.streams._readable import Readable

__all__ = ["readable_from"]

R = TypeVar("R", bound="Readable")


def readable_from(cls: type[R], iterable: Any, options: dict[str, Any]) -> R:
    """Make a ``cls`` that yields the items of ``iterable`` (see the module docstring)."""
    if isinstance(iterable, str | bytes | bytearray | memoryview):
        value = iterable

        def read_once(stream: Readable, _size: int) -> None:
            stream.push(value)
            stream.push(None)

        return cls(**{"object_mode": True, **options, "read": read_once})
    if hasattr(iterable, "__aiter__"):
        source: _FromBase = _FromAsync(cls, iterable.__aiter__(), options)
    elif hasattr(iterable, "__iter__"):
        source = _FromSync(cls, iter(iterable), options)
    else:
        raise invalid_arg_type("iterable", "an Iterable", iterable)
    stream: R = source.stream
    return stream


class _FromBase:
    """The shared part: the stream, the reading flag, and closing on destroy."""

    def __init__(self, cls: type[Any], iterator: Any, options: dict[str, Any]) -> None:
        self.iterator = iterator
        self.reading = False
        self.task: asyncio.Task[None] | None = None
        self.stream: Any = cls(
            **{
                "object_mode": True,
                "high_water_mark": 1,
                **options,
                "read": self.read,
                "destroy": self.destroy,
            }
        )

    def read(self, _stream: Readable, _size: int) -> None:
        if not self.reading:
            self.reading = True
            self.next()

    def next(self) -> None:
        raise NotImplementedError

    def start_task(self, coro: Any) -> None:
        self.task = asyncio.ensure_future(coro)

    def destroy(
        self, _stream: Readable, error: BaseException | None, callback: Callable[..., Any]
    ) -> None:
        task = self.task
        if (task is not None and not task.done()) or hasattr(self.iterator, "aclose"):
            closing = asyncio.ensure_future(self.close_async(error))
            closing.add_done_callback(
                lambda f: next_tick(
                    callback, error if f.cancelled() or f.exception() is None else f.exception()
                )
            )
            return
        try:
            self.close_sync(error)
        except Exception as exc:
            next_tick(callback, exc)
            return
        next_tick(callback, error)

    def close_sync(self, error: BaseException | None) -> None:
        iterator = self.iterator
        if error is not None and callable(getattr(iterator, "throw", None)):
            try:
                iterator.throw(error)
            except (StopIteration, type(error)):
                return
        close = getattr(iterator, "close", None)
        if callable(close):
            close()

    async def close_async(self, error: BaseException | None) -> None:
        task = self.task
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except BaseException:
                pass
        iterator = self.iterator
        if error is not None and callable(getattr(iterator, "athrow", None)):
            try:
                await iterator.athrow(error)
            except (StopAsyncIteration, RuntimeError, type(error)):
                return
        aclose = getattr(iterator, "aclose", None)
        if callable(aclose):
            try:
                await aclose()
            except RuntimeError:
                pass
        else:
            self.close_sync(error)

    def deliver(self, value: Any) -> bool:
        """Push ``value``; True to keep going."""
        if value is None:
            self.reading = False
            raise new_error("ERR_STREAM_NULL_VALUES")
        if self.stream.push(value):
            return True
        self.reading = False
        return False


class _FromSync(_FromBase):
    def next(self) -> None:
        stream = self.stream
        try:
            for value in self.iterator:
                if inspect.isawaitable(value):
                    self.start_task(self._await_values(value))
                    return
                if not self.deliver(value):
                    return
            stream.push(None)
        except Exception as exc:
            stream.destroy(exc)

    async def _await_values(self, first: Any) -> None:
        stream = self.stream
        try:
            if not self.deliver(await first):
                return
            for value in self.iterator:
                if inspect.isawaitable(value):
                    value = await value
                if not self.deliver(value):
                    return
            stream.push(None)
        except Exception as exc:
            stream.destroy(exc)


class _FromAsync(_FromBase):
    def next(self) -> None:
        self.start_task(self._pump())

    async def _pump(self) -> None:
        stream = self.stream
        try:
            while True:
                try:
                    value = await self.iterator.__anext__()
                except StopAsyncIteration:
                    stream.push(None)
                    return
                if not self.deliver(value):
                    return
        except Exception as exc:
            stream.destroy(exc)
