"""Shared pieces of the rillet.web tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from rillet.web import ReadableStream, WritableStream


async def flush_async_events(rounds: int = 10) -> None:
    """Let every pending tick, promise reaction and Future callback run (WPT's
    ``flushAsyncEvents``): used to check that something did *not* happen."""
    for _ in range(rounds):
        await asyncio.sleep(0)


def settled(future: Awaitable[Any]) -> bool:
    """The Future has a result or an exception (without retrieving it)."""
    assert isinstance(future, asyncio.Future)
    return future.done()


def exception_of(future: asyncio.Future[Any]) -> BaseException | None:
    """The Future's exception (it must be done)."""
    assert future.done()
    return future.exception()


class Source:
    """An underlying source that records its calls; ``pull`` enqueues from ``chunks``
    (closing when they run out) unless ``manual``."""

    def __init__(
        self,
        chunks: list[Any] | None = None,
        *,
        manual: bool = False,
        start_result: Any = None,
        cancel_result: Any = None,
    ) -> None:
        self.chunks = list(chunks or [])
        self.manual = manual
        self.start_result = start_result
        self.cancel_result = cancel_result
        self.controller: Any = None
        self.pulls = 0
        self.cancels: list[Any] = []

    def start(self, controller: Any) -> Any:
        self.controller = controller
        return self.start_result

    def pull(self, controller: Any) -> None:
        self.pulls += 1
        if self.manual:
            return
        if self.chunks:
            controller.enqueue(self.chunks.pop(0))
        else:
            controller.close()

    def cancel(self, reason: Any) -> Any:
        self.cancels.append(reason)
        return self.cancel_result


class Sink:
    """An underlying sink that records its calls; ``write`` returns ``hold()`` Futures
    when ``held``, so the test decides when each write completes."""

    def __init__(self, *, held: bool = False, close_result: Any = None) -> None:
        self.held = held
        self.close_result = close_result
        self.controller: Any = None
        self.log: list[tuple[str, Any]] = []
        self.pending: list[asyncio.Future[None]] = []

    @property
    def chunks(self) -> list[Any]:
        return [value for name, value in self.log if name == "write"]

    def start(self, controller: Any) -> None:
        self.controller = controller

    def write(self, chunk: Any, _controller: Any) -> Any:
        self.log.append(("write", chunk))
        if self.held:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self.pending.append(future)
            return future
        return None

    def release(self, error: BaseException | None = None) -> None:
        """Complete the oldest held write (with ``error`` if given)."""
        future = self.pending.pop(0)
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)

    def close(self) -> Any:
        self.log.append(("close", None))
        return self.close_result

    def abort(self, reason: Any) -> None:
        self.log.append(("abort", reason))


async def read_all(stream: ReadableStream) -> list[Any]:
    """Every chunk of ``stream`` (with a default reader)."""
    return [chunk async for chunk in stream]


def collecting_writable(target: list[Any], **strategy: Any) -> WritableStream:
    """A WritableStream that appends each chunk to ``target``."""
    return WritableStream({"write": lambda chunk, _c: target.append(chunk)}, strategy or None)
