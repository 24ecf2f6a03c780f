"""Node's ``EventEmitter``, and ``once()``/``on()`` to await its events.

A measured choice over ``pyee``: ``emit`` is on the per-chunk path of every stream,
and this one keeps each event's listeners in an immutable tuple, so ``emit`` never
copies and a listener added or removed during an ``emit`` takes effect from the next
one (Node's rule).

Guarantees, as Node's:

* listeners run synchronously, in the order they were added (``prepend_*`` put them
  first); ``emit`` returns whether there were any;
* ``'newListener'`` is emitted before a listener is added and ``'removeListener'``
  after one is removed, each with the listener the user passed (not a ``once`` wrapper);
* ``emit('error', err)`` with no ``'error'`` listener raises ``err`` (or
  ``ERR_UNHANDLED_ERROR`` when ``err`` is not an exception);
* listeners are compared with ``==``, so a bound method passed again removes itself.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from rillet.errors import AbortError, invalid_arg_type, new_error

if TYPE_CHECKING:
    from rillet._core._abort import AbortSignal

__all__ = ["EventEmitter", "Listener", "on", "once"]

Listener = Callable[..., Any]
_NO_LISTENERS: tuple[Listener, ...] = ()


class _OnceWrapper:
    """Calls ``listener`` once, removing itself from ``target`` first."""

    __slots__ = ("event", "fired", "listener", "target")

    def __init__(self, target: EventEmitter, event: str, listener: Listener) -> None:
        self.target = target
        self.event = event
        self.listener = listener
        self.fired = False

    def __call__(self, *args: Any) -> Any:
        if self.fired:
            return None
        self.fired = True
        self.target.remove_listener(self.event, self)
        return self.listener(*args)

    def __eq__(self, other: object) -> bool:
        return self is other

    __hash__ = object.__hash__


def _unwrap(listener: Listener) -> Listener:
    return listener.listener if isinstance(listener, _OnceWrapper) else listener


class EventEmitter:
    """Node's ``EventEmitter`` with PEP 8 names (``on``, ``once``, ``emit``, ``off``...)."""

    default_max_listeners = 10
    # False when a subclass overrides emit(): streams then never call listeners directly.
    _plain_emit = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._plain_emit = cls.emit is EventEmitter.emit

    def __init__(self) -> None:
        self._events: dict[str, tuple[Listener, ...]] = {}
        self._max_listeners: int | None = None

    # -- adding ---------------------------------------------------------------------

    def _add(self, event: str, listener: Listener, prepend: bool) -> None:
        if not callable(listener):
            raise invalid_arg_type("listener", "of type function", listener)
        events = self._events
        if "newListener" in events:
            self.emit("newListener", event, _unwrap(listener))
        existing = events.get(event, _NO_LISTENERS)
        events[event] = (listener, *existing) if prepend else (*existing, listener)

    def on(self, event: str, listener: Listener) -> EventEmitter:
        """Add ``listener`` for ``event``; returns ``self``."""
        self._add(event, listener, False)
        return self

    def add_listener(self, event: str, listener: Listener) -> EventEmitter:
        """The same as :meth:`on`."""
        return self.on(event, listener)

    def prepend_listener(self, event: str, listener: Listener) -> EventEmitter:
        """Add ``listener`` before the existing listeners of ``event``."""
        self._add(event, listener, True)
        return self

    def once(self, event: str, listener: Listener) -> EventEmitter:
        """Add ``listener`` for the next ``event`` only."""
        return self.on(event, _OnceWrapper(self, event, listener))

    def prepend_once_listener(self, event: str, listener: Listener) -> EventEmitter:
        """:meth:`once`, placed before the existing listeners."""
        return self.prepend_listener(event, _OnceWrapper(self, event, listener))

    # -- removing -------------------------------------------------------------------

    def remove_listener(self, event: str, listener: Listener) -> EventEmitter:
        """Remove the most recently added registration of ``listener`` for ``event``."""
        events = self._events
        existing = events.get(event)
        if existing is None:
            return self
        for index in range(len(existing) - 1, -1, -1):
            candidate = existing[index]
            if candidate == listener or (
                isinstance(candidate, _OnceWrapper) and candidate.listener == listener
            ):
                remaining = existing[:index] + existing[index + 1 :]
                if remaining:
                    events[event] = remaining
                else:
                    del events[event]
                if "removeListener" in events:
                    self.emit("removeListener", event, _unwrap(candidate))
                break
        return self

    def off(self, event: str, listener: Listener) -> EventEmitter:
        """The same as :meth:`remove_listener`."""
        return self.remove_listener(event, listener)

    def remove_all_listeners(self, event: str | None = None) -> EventEmitter:
        """Remove every listener of ``event``, or of every event when ``event`` is None."""
        events = self._events
        if "removeListener" not in events:
            if event is None:
                events.clear()
            else:
                events.pop(event, None)
            return self
        names = [event] if event is not None else [n for n in events if n != "removeListener"]
        for name in names:
            for listener in reversed(events.get(name, _NO_LISTENERS)):
                self.remove_listener(name, listener)
        if event is None:
            events.pop("removeListener", None)
        return self

    # -- emitting -------------------------------------------------------------------

    def emit(self, event: str, *args: Any) -> bool:
        """Call every listener of ``event`` with ``args``; True if there was one."""
        listeners = self._events.get(event)
        if listeners is None:
            if event == "error":
                err = args[0] if args else None
                if isinstance(err, BaseException):
                    raise err
                raise new_error("ERR_UNHANDLED_ERROR", repr(err))
            return False
        for listener in listeners:
            listener(*args)
        return True

    # -- introspection --------------------------------------------------------------

    def listeners(self, event: str) -> list[Listener]:
        """The listeners of ``event``, as the user passed them."""
        return [_unwrap(listener) for listener in self._events.get(event, _NO_LISTENERS)]

    def raw_listeners(self, event: str) -> list[Listener]:
        """The listeners of ``event``, ``once`` wrappers included."""
        return list(self._events.get(event, _NO_LISTENERS))

    def listener_count(self, event: str, listener: Listener | None = None) -> int:
        """How many listeners ``event`` has (or how many times ``listener`` is among them)."""
        registered = self._events.get(event, _NO_LISTENERS)
        if listener is None:
            return len(registered)
        return sum(1 for candidate in registered if _unwrap(candidate) == listener)

    def event_names(self) -> list[str]:
        """The events that have listeners."""
        return list(self._events)

    def set_max_listeners(self, n: int) -> EventEmitter:
        """Recorded for compatibility; rillet does not warn about listener counts."""
        self._max_listeners = n
        return self

    def get_max_listeners(self) -> int:
        """The value given to :meth:`set_max_listeners`, else the default (10)."""
        return self.default_max_listeners if self._max_listeners is None else self._max_listeners


def _abort_error(signal: AbortSignal) -> AbortError:
    reason = signal.reason
    return AbortError(cause=reason if isinstance(reason, BaseException) else None)


def once(
    emitter: EventEmitter, event: str, *, signal: AbortSignal | None = None
) -> asyncio.Future[list[Any]]:
    """A Future of the argument list of ``emitter``'s next ``event`` (Node's ``events.once``).

    The Future fails with the error if ``'error'`` comes first (unless ``event`` is
    ``'error'``), and with ``AbortError`` when ``signal`` aborts. Cancelling it removes
    the listeners.
    """
    future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
    if signal is not None and signal.aborted:
        future.set_exception(_abort_error(signal))
        return future

    def cleanup() -> None:
        emitter.remove_listener(event, on_event)
        if event != "error":
            emitter.remove_listener("error", on_error)
        if signal is not None:
            signal.remove_event_listener("abort", on_abort)

    def on_event(*args: Any) -> None:
        cleanup()
        if not future.done():
            future.set_result(list(args))

    def on_error(err: BaseException) -> None:
        cleanup()
        if not future.done():
            future.set_exception(err)

    def on_abort(_event: object = None) -> None:
        cleanup()
        if not future.done() and signal is not None:
            future.set_exception(_abort_error(signal))

    emitter.on(event, on_event)
    if event != "error":
        emitter.on("error", on_error)
    if signal is not None:
        signal.add_event_listener("abort", on_abort, once=True)
    future.add_done_callback(lambda f: cleanup() if f.cancelled() else None)
    return future


class _EventQueue:
    """What the emitter's listeners hold for :func:`on`: the queued events, the failure
    and the waiter. (Not the iterator, so dropping the iterator cleans up at once.)"""

    __slots__ = ("failure", "pending", "signal", "waiter")

    def __init__(self, signal: AbortSignal | None) -> None:
        self.pending: deque[list[Any]] = deque()
        self.failure: BaseException | None = None
        self.signal = signal
        self.waiter: asyncio.Future[None] | None = None

    def wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def on_event(self, *args: Any) -> None:
        self.pending.append(list(args))
        self.wake()

    def on_error(self, err: BaseException) -> None:
        if self.failure is None:
            self.failure = err
        self.wake()

    def on_abort(self, _event: object = None) -> None:
        if self.failure is None and self.signal is not None:
            self.failure = _abort_error(self.signal)
        self.wake()


class _EventIterator:
    """The async iterator :func:`on` returns."""

    __slots__ = ("_closed", "_emitter", "_event", "_queue")

    def __init__(self, emitter: EventEmitter, event: str, signal: AbortSignal | None) -> None:
        if signal is not None and signal.aborted:
            raise _abort_error(signal)
        self._emitter = emitter
        self._event = event
        self._closed = False
        queue = self._queue = _EventQueue(signal)
        emitter.on(event, queue.on_event)
        if event != "error":
            emitter.on("error", queue.on_error)
        if signal is not None:
            signal.add_event_listener("abort", queue.on_abort, once=True)

    def __aiter__(self) -> _EventIterator:
        return self

    async def __anext__(self) -> list[Any]:
        queue = self._queue
        while True:
            if queue.pending:
                return queue.pending.popleft()
            if self._closed:
                raise StopAsyncIteration
            failure = queue.failure
            if failure is not None:
                self._close()
                raise failure
            queue.waiter = asyncio.get_running_loop().create_future()
            try:
                await queue.waiter
            finally:
                queue.waiter = None

    async def aclose(self) -> None:
        """Stop iterating and remove the listeners."""
        self._close()

    def _close(self) -> None:
        if self._closed:
            return
        self._closed = True
        queue = self._queue
        queue.pending.clear()
        self._emitter.remove_listener(self._event, queue.on_event)
        if self._event != "error":
            self._emitter.remove_listener("error", queue.on_error)
        if queue.signal is not None:
            queue.signal.remove_event_listener("abort", queue.on_abort)

    def __del__(self) -> None:
        # `break` drops the iterator without a call: clean up as Node's return() does.
        if not getattr(self, "_closed", True):
            self._close()


def on(
    emitter: EventEmitter, event: str, *, signal: AbortSignal | None = None
) -> AsyncIterator[list[Any]]:
    """Iterate the argument lists of every ``event`` (Node's ``events.on``).

    Events that come while the consumer is busy are queued; an ``'error'`` is raised
    once the events queued before it are consumed, and ends the iteration; an aborted
    ``signal`` raises ``AbortError`` (at once if it already is). Leaving the loop
    (``break``, an exception, ``aclose()``) removes the listeners.
    """
    return _EventIterator(emitter, event, signal)
