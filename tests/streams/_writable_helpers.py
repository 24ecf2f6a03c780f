"""Small helpers shared by the Writable, Duplex, Transform, destroy and construct tests."""

from __future__ import annotations

import asyncio
from typing import Any


async def loop_turns(count: int = 3) -> None:
    """Let the loop run ``count`` turns, so every queued tick has run (no wall-clock wait)."""
    for _ in range(count):
        await asyncio.sleep(0)


def closed(stream: Any, event: str = "close") -> asyncio.Future[None]:
    """A Future set at ``stream``'s next ``event`` (unlike ``once``, an ``'error'`` before
    it does not fail it)."""
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    stream.once(event, lambda *_args: future.done() or future.set_result(None))
    return future


def _describe(name: str, args: tuple[Any, ...]) -> str:
    if name == "error":
        return f"error:{getattr(args[0], 'code', args[0])}"
    if name == "data":
        chunk = args[0]
        return f"data:{chunk.decode() if isinstance(chunk, bytes) else chunk}"
    return name


def record(stream: Any, *names: str, into: list[str] | None = None) -> list[str]:
    """The list (``into``, or a new one) that ``stream``'s events ``names`` are appended
    to: the event name, ``'error:<code>'`` for an error, ``'data:<chunk>'`` for data."""
    events: list[str] = [] if into is None else into
    for name in names:
        stream.on(name, lambda *args, name=name: events.append(_describe(name, args)))
    return events
