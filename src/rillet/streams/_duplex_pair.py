"""``duplex_pair()``: two Duplex ends wired to each other, like a socket pair in memory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Unpack

from rillet.streams._duplex import Duplex, DuplexOptions

__all__ = ["duplex_pair"]


class _DuplexSide(Duplex):
    """One end: what is written to it is pushed out of the other end."""

    other: _DuplexSide

    def __init__(self, **options: Unpack[DuplexOptions]) -> None:
        super().__init__(**options)
        self._pending_callback: Callable[..., Any] | None = None

    def _read(self, size: int) -> None:
        callback = self.other._pending_callback
        if callback is not None:
            self.other._pending_callback = None
            callback()

    def _write(self, chunk: Any, encoding: str, callback: Callable[..., Any]) -> None:
        if len(chunk) == 0 and not self._writable_state.object_mode:
            callback()
            return
        if self.other.push(chunk):
            callback()
        else:
            self._pending_callback = callback

    def _final(self, callback: Callable[..., Any]) -> None:
        # As in Node: this side finishes once the other side has read everything.
        self.other.once("end", callback)
        self.other.push(None)

    def _destroy(self, error: BaseException | None, callback: Callable[..., Any]) -> None:
        other = self.other
        if error is not None:
            other.destroy(error)
        elif not other.destroyed:
            # A graceful close is an end-of-stream for the other side's reader.
            other.push(None)
        callback(error)


def duplex_pair(**options: Unpack[DuplexOptions]) -> tuple[Duplex, Duplex]:
    """Two connected Duplex streams: writes to one are read from the other.

    Backpressure crosses over: a write is acknowledged while the other side's readable
    buffer is below its high-water mark, else when that side next reads. ``end()`` on
    one side ends the other's readable side and finishes once it has been read to the
    end; ``destroy(err)`` destroys the other side with ``err``, and ``destroy()``
    ends the other side's readable side.
    """
    side_a = _DuplexSide(**options)
    side_b = _DuplexSide(**options)
    side_a.other = side_b
    side_b.other = side_a
    return side_a, side_b
