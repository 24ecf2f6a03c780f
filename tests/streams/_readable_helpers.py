"""Small helpers shared by the Readable, pipe, iteration and ``from_`` tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from rillet import EventEmitter, Readable, Stream


async def ticks(turns: int = 4) -> None:
    """Let the tick queue and the loop run ``turns`` turns (no wall-clock wait)."""
    for _ in range(turns):
        await asyncio.sleep(0)


def noop(_stream: Readable, _size: int) -> None:
    """A ``_read`` that never pushes: the test pushes by hand."""


def later(fn: Callable[..., Any], *args: Any) -> None:
    """Node's ``setImmediate``: run ``fn`` after the callbacks already queued."""
    asyncio.get_running_loop().call_soon(fn, *args)


def record(emitter: EventEmitter, events: list[Any], *names: str) -> None:
    """Append ``name``, or ``(name, first argument)``, to ``events`` on each event."""
    for name in names:

        def listener(*args: Any, name: str = name) -> None:
            events.append((name, args[0]) if args else name)

        emitter.on(name, listener)


def recorder(emitter: EventEmitter, *names: str) -> list[Any]:
    """A new list that :func:`record` fills."""
    events: list[Any] = []
    record(emitter, events, *names)
    return events


def until(emitter: EventEmitter, event: str) -> asyncio.Future[None]:
    """A future set by the next ``event``; unlike ``once``, an 'error' does not fail it."""
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    emitter.once(event, lambda *_: future.done() or future.set_result(None))
    return future


class OldStream(Stream):
    """A pre-streams2 source: it emits 'data'/'end'/'close' itself and only records
    the ``pause()``/``resume()`` calls made to it."""

    readable = True

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def pause(self) -> None:
        self.calls.append("pause")

    def resume(self) -> None:
        self.calls.append("resume")
