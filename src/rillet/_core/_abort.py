"""``AbortController`` and ``AbortSignal``, as in Node and the DOM.

Guarantees:

* a signal aborts at most once; ``aborted`` and ``reason`` are set before any
  listener runs, and every ``'abort'`` listener then runs synchronously, in order
  (``onabort`` first); an exception in one does not stop the others and goes to the
  running loop's exception handler (with no loop running, the first one is raised);
* the default reason is an :class:`~rillet.errors.AbortError`;
  ``AbortSignal.timeout(ms)`` aborts with an :class:`~rillet.errors.AbortTimeoutError`;
* ``AbortSignal.any(signals)`` aborts with the reason of the first one to abort.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

from rillet.errors import AbortError, AbortTimeoutError

__all__ = ["AbortController", "AbortSignal", "Event"]


class Event:
    """The event object passed to ``'abort'`` listeners (``type`` and ``target``)."""

    __slots__ = ("target", "type")

    def __init__(self, type: str, target: object) -> None:
        self.type = type
        self.target = target


class AbortSignal:
    """A flag that an operation should stop, with the reason why.

    Make one with :class:`AbortController`, :meth:`abort`, :meth:`timeout` or :meth:`any`.
    """

    __slots__ = ("_listeners", "_timer", "aborted", "onabort", "reason")

    def __init__(self) -> None:
        self.aborted = False
        self.reason: Any = None
        self.onabort: Callable[[Event], Any] | None = None
        self._listeners: list[tuple[Callable[[Event], Any], bool]] = []
        self._timer: asyncio.TimerHandle | None = None

    def add_event_listener(
        self, type: str, listener: Callable[[Event], Any], *, once: bool = False
    ) -> None:
        """Call ``listener(event)`` when the signal aborts (``type`` must be ``'abort'``)."""
        if type != "abort":
            return
        if any(existing is listener for existing, _ in self._listeners):
            return
        self._listeners.append((listener, once))

    def remove_event_listener(self, type: str, listener: Callable[[Event], Any]) -> None:
        """Stop calling ``listener``."""
        if type == "abort":
            self._listeners = [(fn, o) for fn, o in self._listeners if fn is not listener]

    def throw_if_aborted(self) -> None:
        """Raise ``reason`` if the signal has aborted."""
        if self.aborted:
            raise self.reason if isinstance(self.reason, BaseException) else AbortError()

    def _abort(self, reason: Any) -> None:
        if self.aborted:
            return
        self.aborted = True
        self.reason = AbortError("This operation was aborted") if reason is None else reason
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        event = Event("abort", self)
        listeners, self._listeners = (
            self._listeners,
            [(fn, False) for fn, o in self._listeners if not o],
        )
        calls = [listener for listener, _ in listeners]
        if self.onabort is not None:
            calls.insert(0, self.onabort)
        failures: list[Exception] = []
        for listener in calls:
            try:
                listener(event)
            except Exception as exc:
                failures.append(exc)
        if failures:
            _report(failures)

    @staticmethod
    def abort(reason: Any = None) -> AbortSignal:
        """A signal that is already aborted with ``reason``."""
        signal = AbortSignal()
        signal._abort(reason)
        return signal

    @staticmethod
    def timeout(ms: float) -> AbortSignal:
        """A signal that aborts after ``ms`` milliseconds (needs a running loop)."""
        signal = AbortSignal()
        signal._timer = asyncio.get_running_loop().call_later(
            ms / 1000, signal._abort, AbortTimeoutError()
        )
        return signal

    @staticmethod
    def any(signals: Iterable[AbortSignal]) -> AbortSignal:
        """A signal that aborts as soon as any of ``signals`` does, with its reason."""
        combined = AbortSignal()
        sources = list(signals)
        for source in sources:
            if source.aborted:
                combined._abort(source.reason)
                return combined

        def follow(source: AbortSignal) -> Callable[[Event], None]:
            return lambda _event: combined._abort(source.reason)

        for source in sources:
            source.add_event_listener("abort", follow(source), once=True)
        return combined


def _report(failures: list[Exception]) -> None:
    """Listener errors do not stop the dispatch (as with a DOM ``EventTarget``): they go
    to the running loop's exception handler, or, with no loop, the first is raised."""
    loop = asyncio.events._get_running_loop()
    if loop is None:
        raise failures[0]
    for exc in failures:
        loop.call_exception_handler(
            {"message": "Unhandled exception in an 'abort' listener", "exception": exc}
        )


class AbortController:
    """Owns an :class:`AbortSignal` and aborts it."""

    __slots__ = ("signal",)

    def __init__(self) -> None:
        self.signal = AbortSignal()

    def abort(self, reason: Any = None) -> None:
        """Abort the signal with ``reason`` (default: an ``AbortError``); once only."""
        self.signal._abort(reason)
