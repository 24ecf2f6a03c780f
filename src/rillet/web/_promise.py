"""The spec's promises, as rillet.web keeps them.

Every promise the standard names is a :class:`Deferred`: a small settle-once cell
whose internal reactions run as ticks (``rillet._core.next_tick``, the stand-in for
JavaScript's microtasks). A Deferred becomes an ``asyncio.Future`` only when user
code asks for it (:meth:`Deferred.future`), so the streams can be made and driven
without a running loop until then, and no Future is allocated on paths where
nobody can see the promise.

Guarantees:

* reactions added with :meth:`Deferred.then` run once, in order, each in its own tick
  after the settlement (never synchronously inside ``resolve``/``reject``);
* a materialised Future is settled synchronously with the Deferred;
* a rejection the spec marks handled (``setPromiseIsHandledToTrue``), or one with an
  internal reaction, never produces asyncio's "exception was never retrieved" report.

An algorithm result (what a user's ``start``, ``pull``, ``write``... returned) is
passed to :func:`upon`: ``None`` or any other plain value means "resolved now", a
Deferred or an awaitable is waited for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from rillet._core import next_tick
from rillet._core._ticks import _orphans
from rillet.errors import AbortError, NodeError

__all__ = [
    "Deferred",
    "adopt_pending_ticks",
    "as_exception",
    "chain",
    "invoke",
    "is_awaitable",
    "promise_from",
    "upon",
    "wait_for_all",
]

PENDING = 0
FULFILLED = 1
REJECTED = 2

Reaction = Callable[[Any], Any]


def as_exception(reason: Any) -> BaseException:
    """The exception a Future rejects with for the spec's ``reason``.

    JavaScript rejects with any value; asyncio needs an exception. An exception is
    kept as is; ``None`` (JavaScript's ``undefined``) becomes an ``AbortError``; any
    other value is wrapped in a ``NodeError`` (code ``ERR_WEB_STREAM_REASON``) whose
    ``reason`` attribute holds it.
    """
    if isinstance(reason, BaseException):
        return reason
    if reason is None:
        return AbortError()
    error = NodeError(f"The stream was errored with {reason!r}", code="ERR_WEB_STREAM_REASON")
    error.reason = reason  # type: ignore[attr-defined]
    return error


def _nothing() -> None:
    return None


def adopt_pending_ticks() -> None:
    """Run the reactions queued before any loop ran (streams made and piped outside a
    loop) on the running loop: called where user code first waits on a stream."""
    if _orphans.queue:
        next_tick(_nothing)


class Deferred:
    """A promise of the spec (see the module docstring)."""

    __slots__ = ("_future", "_handled", "_reactions", "_state", "_value")

    def __init__(self) -> None:
        self._state = PENDING
        self._value: Any = None
        self._reactions: list[tuple[Reaction | None, Reaction | None]] | None = None
        self._future: asyncio.Future[Any] | None = None
        self._handled = False

    @classmethod
    def resolved(cls, value: Any = None) -> Deferred:
        """A promise resolved with ``value``."""
        promise = cls()
        promise._state = FULFILLED
        promise._value = value
        return promise

    @classmethod
    def rejected(cls, reason: Any, *, handled: bool = False) -> Deferred:
        """A promise rejected with ``reason`` (marked handled if asked)."""
        promise = cls()
        promise._state = REJECTED
        promise._value = reason
        promise._handled = handled
        return promise

    @property
    def pending(self) -> bool:
        """Not settled yet."""
        return self._state == PENDING

    @property
    def fulfilled(self) -> bool:
        """Resolved with a value."""
        return self._state == FULFILLED

    @property
    def rejected_with(self) -> Any:
        """The rejection reason (only meaningful once rejected)."""
        return self._value

    def resolve(self, value: Any = None) -> None:
        """Fulfil with ``value``; nothing happens if already settled."""
        if self._state:
            return
        self._state = FULFILLED
        self._value = value
        future = self._future
        if future is not None and not future.done():
            future.set_result(value)
        reactions = self._reactions
        if reactions is not None:
            self._reactions = None
            for on_ok, _ in reactions:
                if on_ok is not None:
                    next_tick(on_ok, value)

    def reject(self, reason: Any) -> None:
        """Reject with ``reason``; nothing happens if already settled."""
        if self._state:
            return
        self._state = REJECTED
        self._value = reason
        future = self._future
        if future is not None and not future.done():
            future.set_exception(as_exception(reason))
            if self._handled:
                future.exception()
        reactions = self._reactions
        if reactions is not None:
            self._reactions = None
            for _, on_err in reactions:
                if on_err is not None:
                    next_tick(on_err, reason)

    def then(self, on_ok: Reaction | None, on_err: Reaction | None = None) -> None:
        """Run ``on_ok(value)`` or ``on_err(reason)`` in a tick once settled.

        An internal reaction handles a rejection, as ``.then`` does in JavaScript.
        """
        self.mark_handled()
        state = self._state
        if state == PENDING:
            if self._reactions is None:
                self._reactions = [(on_ok, on_err)]
            else:
                self._reactions.append((on_ok, on_err))
        elif state == FULFILLED:
            if on_ok is not None:
                next_tick(on_ok, self._value)
        elif on_err is not None:
            next_tick(on_err, self._value)

    def mark_handled(self) -> None:
        """The spec's ``setPromiseIsHandledToTrue``."""
        self._handled = True
        future = self._future
        if future is not None and future.done() and not future.cancelled():
            future.exception()

    def future(self) -> asyncio.Future[Any]:
        """The ``asyncio.Future`` user code sees (made on the running loop once)."""
        future = self._future
        if future is None:
            adopt_pending_ticks()
            future = self._future = asyncio.get_running_loop().create_future()
            state = self._state
            if state == FULFILLED:
                future.set_result(self._value)
            elif state == REJECTED:
                future.set_exception(as_exception(self._value))
                if self._handled:
                    future.exception()
        return future

    def __await__(self) -> Any:
        return self.future().__await__()


def invoke(algorithm: Callable[..., Any] | None, *args: Any) -> Any:
    """Call an optional algorithm: its result, ``None`` when it is absent, or a rejected
    Deferred when it raises (the spec's "invoke a callback" with a promise result)."""
    if algorithm is None:
        return None
    try:
        return algorithm(*args)
    except Exception as error:
        return Deferred.rejected(error)


def is_awaitable(value: Any) -> bool:
    """``value`` is something to wait for rather than a plain result."""
    return hasattr(type(value), "__await__")


def _future_settled(on_ok: Reaction, on_err: Reaction, future: asyncio.Future[Any]) -> None:
    if future.cancelled():
        on_err(asyncio.CancelledError())
        return
    error = future.exception()
    if error is not None:
        on_err(error)
    else:
        on_ok(future.result())


def upon(result: Any, on_ok: Reaction, on_err: Reaction) -> None:
    """The spec's "upon fulfilment/rejection of" an algorithm's result.

    A plain value (the callback returned without a promise) fulfils in the next
    tick; a :class:`Deferred` or awaitable is waited for.
    """
    if result is None or not hasattr(type(result), "__await__"):
        next_tick(on_ok, result)
    elif type(result) is Deferred:
        result.then(on_ok, on_err)
    else:
        future = asyncio.ensure_future(result)
        future.add_done_callback(lambda done: _future_settled(on_ok, on_err, done))


def promise_from(result: Any) -> Deferred:
    """A Deferred that settles like ``result``, fulfilled with ``None`` (the spec's
    "transforming a promise with a fulfilment handler returning undefined")."""
    promise = Deferred()
    upon(result, lambda _value: promise.resolve(None), promise.reject)
    return promise


def chain(result: Any, on_ok: Callable[[Any], Any], on_err: Reaction | None = None) -> Deferred:
    """The spec's "transforming ``result`` with" ``on_ok``/``on_err``.

    The returned Deferred settles with what the handler returns (waiting for it if it
    is a promise), or rejects with what it raises; without ``on_err`` a rejection
    passes through.
    """
    promise = Deferred()

    def settle_with(handler: Callable[[Any], Any], value: Any) -> None:
        try:
            out = handler(value)
        except Exception as error:
            promise.reject(error)
            return
        if out is None or not is_awaitable(out):
            promise.resolve(out)
        else:
            upon(out, promise.resolve, promise.reject)

    upon(
        result,
        lambda value: settle_with(on_ok, value),
        promise.reject if on_err is None else (lambda reason: settle_with(on_err, reason)),
    )
    return promise


def wait_for_all(promises: list[Deferred]) -> Deferred:
    """Resolves when every promise has fulfilled; rejects with the first rejection."""
    result = Deferred()
    remaining = len(promises)
    if remaining == 0:
        result.resolve(None)
        return result

    def one_done(_value: Any) -> None:
        nonlocal remaining
        remaining -= 1
        if remaining == 0:
            result.resolve(None)

    for promise in promises:
        promise.then(one_done, result.reject)
    return result
