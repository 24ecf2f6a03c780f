"""Node's ``process.nextTick`` on asyncio: one FIFO tick queue per event loop.

Guarantees:

* Callbacks run in the order they were queued, after the current synchronous code,
  in one batch drained through a single ``loop.call_soon``; a callback queued while
  the batch runs joins the same batch (as Node drains its whole queue), so ticks run
  before any callback the loop had scheduled after the batch started.
* An exception escaping a callback goes to ``loop.call_exception_handler``; the ticks
  queued after it still run.
* Ticks queued while no loop runs go to the loop that ran last, if it is still
  open (they run when it runs again, as between two ``asyncio.Runner.run`` calls);
  otherwise they wait, in order, and run first on the next loop that queues a tick
  (streams may be made before the loop starts).
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

__all__ = ["next_tick"]


class _TickQueue:
    __slots__ = ("__weakref__", "armed", "loop", "queue")

    def __init__(self, loop: asyncio.AbstractEventLoop | None) -> None:
        self.loop = loop
        self.queue: deque[tuple[Callable[..., Any], tuple[Any, ...]]] = deque()
        self.armed = False

    def drain(self) -> None:
        queue = self.queue
        popleft = queue.popleft
        try:
            while queue:
                fn, args = popleft()
                try:
                    fn(*args)
                except (SystemExit, KeyboardInterrupt):
                    raise
                except BaseException as exc:
                    self._report(exc, fn)
        finally:
            self.armed = False
            if queue and self.loop is not None and not self.loop.is_closed():
                self.armed = True
                self.loop.call_soon(self.drain)

    def _report(self, exc: BaseException, fn: Callable[..., Any]) -> None:
        assert self.loop is not None
        self.loop.call_exception_handler(
            {
                "message": f"Unhandled exception in a tick ({getattr(fn, '__qualname__', fn)})",
                "exception": exc,
            }
        )


_orphans = _TickQueue(None)
_current = _orphans
_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _TickQueue] = (
    weakref.WeakKeyDictionary()
)


def _queue_for(loop: asyncio.AbstractEventLoop | None) -> _TickQueue:
    global _current
    if loop is None:
        _current = _orphans
        return _orphans
    queue = _by_loop.get(loop)
    if queue is None:
        queue = _by_loop[loop] = _TickQueue(loop)
    if _orphans.queue:
        queue.queue.extendleft(reversed(_orphans.queue))
        _orphans.queue.clear()
        if not queue.armed:
            queue.armed = True
            loop.call_soon(queue.drain)
    _current = queue
    return queue


_get_running_loop = asyncio.events._get_running_loop


def next_tick(fn: Callable[..., Any], *args: Any) -> None:
    """Queue ``fn(*args)`` to run after the current synchronous code (Node's ``nextTick``)."""
    loop = _get_running_loop()
    queue = _current
    if queue.loop is not loop and (
        # Between two runs of the same loop (asyncio.Runner), keep to that loop.
        loop is not None or queue.loop is None or queue.loop.is_closed()
    ):
        queue = _queue_for(loop)
    queue.queue.append((fn, args))
    if not queue.armed and queue.loop is not None:
        queue.armed = True
        queue.loop.call_soon(queue.drain)
