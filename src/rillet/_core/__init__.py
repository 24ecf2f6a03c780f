"""The bottom layer: the tick queue, EventEmitter, and abort signals. No I/O."""

from rillet._core._abort import AbortController, AbortSignal, Event
from rillet._core._events import EventEmitter, Listener, on, once
from rillet._core._ticks import next_tick

__all__ = [
    "AbortController",
    "AbortSignal",
    "Event",
    "EventEmitter",
    "Listener",
    "next_tick",
    "on",
    "once",
]
