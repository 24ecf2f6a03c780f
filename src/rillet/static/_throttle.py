"""``Throttle``: pace a response body (nginx's ``limit_rate``/``limit_rate_after``, and
the seed demo's pause after each chunk).

Guarantees:

* the first ``rate_after`` bytes pass at full speed; after them the output follows a
  token bucket of ``rate`` bytes per second whose burst is one slice (at most a tenth
  of a second's worth, and never more than one input chunk), so a body of N bytes
  after the free allowance takes N / rate seconds within one slice;
* with ``delay_ms``, each input chunk is followed by a pause of that many milliseconds;
* backpressure passes through (it is a Transform), and destroying it cancels its timer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from rillet.streams import Transform

__all__ = ["Throttle"]


class Throttle(Transform):
    """A pacing Transform (see the module docstring)."""

    def __init__(
        self,
        *,
        rate: float | None = None,
        rate_after: int = 0,
        delay_ms: float = 0,
        high_water_mark: int | None = None,
    ) -> None:
        super().__init__(high_water_mark=high_water_mark)
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive")
        self._rate = rate
        self._free = max(0, rate_after)
        self._delay = max(0.0, delay_ms) / 1000
        self._slice = max(1, int(rate / 10)) if rate else 0
        self._paced = 0
        self._started: float | None = None
        self._timer: asyncio.TimerHandle | None = None

    def _transform(self, chunk: Any, encoding: str, callback: Callable[..., Any]) -> None:
        view = memoryview(chunk)
        free = min(self._free, len(view))
        if free:
            self._free -= free
            self.push(bytes(view[:free]))
        self._send_paced(view[free:], callback)

    def _send_paced(self, rest: memoryview, callback: Callable[..., Any]) -> None:
        if self.destroyed:
            return
        if not rest or self._rate is None:
            if rest:
                self.push(bytes(rest))
            self._later(self._delay, callback)
            return
        now = time.monotonic()
        if self._started is None:
            self._started = now
        due = self._started + self._paced / self._rate
        if due > now:
            self._later(due - now, lambda: self._send_paced(rest, callback))
            return
        piece = rest[: self._slice]
        self._paced += len(piece)
        self.push(bytes(piece))
        self._send_paced(rest[len(piece) :], callback)

    def _later(self, seconds: float, action: Callable[[], Any]) -> None:
        if seconds <= 0:
            action()
            return
        self._timer = asyncio.get_running_loop().call_later(seconds, self._fire, action)

    def _fire(self, action: Callable[[], Any]) -> None:
        self._timer = None
        if not self.destroyed:
            action()

    def _destroy(self, error: BaseException | None, callback: Callable[..., Any]) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        callback(error)
