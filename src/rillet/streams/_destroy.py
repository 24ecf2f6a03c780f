"""Destruction, errors and construction, shared by every stream kind.

A stream has a ``_readable_state``, a ``_writable_state``, or both (a Duplex); the
functions here act on whichever it has, so Readable, Writable and Duplex share one
implementation (Node's ``destroy.js``).

Guarantees (rules R-DESTROY-*, R-AUTO-1, R-CONSTRUCT-1, R-ERR-4 of the reference):

* only the first ``destroy()`` counts; ``destroyed`` is set at once;
* ``'error'`` is emitted at most once per stream, always before ``'close'``, and
  ``'close'`` at most once, on a tick after ``_destroy`` calls back;
* ``_destroy`` waits for ``_construct`` to finish.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rillet._core import next_tick
from rillet.errors import AbortError, new_error
from rillet.streams._utils import is_destroyed, is_finished

if TYPE_CHECKING:
    from rillet.streams._state import StreamState

__all__ = [
    "construct",
    "destroy",
    "destroyer",
    "error_or_destroy",
]

ErrorCallback = Callable[..., Any]


def _sides(stream: Any) -> tuple[StreamState, ...]:
    """The states of the sides ``stream`` has, the writable one first: one, or two for a
    Duplex (whose life-cycle flags are kept equal); none for a stream-like object."""
    w: StreamState | None = stream._writable_state
    r: StreamState | None = stream._readable_state
    if w is None:
        return () if r is None else (r,)
    return (w,) if r is None else (w, r)


def destroy(
    stream: Any, err: BaseException | None = None, callback: ErrorCallback | None = None
) -> Any:
    """Node's ``stream.destroy(err, cb)``: see the module guarantees."""
    sides = _sides(stream)
    for side in sides:
        if side.destroyed:
            if callback is not None:
                callback()
            return stream
    for side in sides:
        if err is not None and side.errored is None:
            side.errored = err
        side.destroyed = True
    primary = sides[0]
    if not primary.constructed:
        primary.after_construct_destroy = lambda er: _run_destroy(
            stream, _aggregate(er, err), callback
        )
    else:
        _run_destroy(stream, err, callback)
    return stream


def _aggregate(first: BaseException | None, second: BaseException | None) -> BaseException | None:
    return first if first is not None else second


def _run_destroy(stream: Any, err: BaseException | None, callback: ErrorCallback | None) -> None:
    called = False

    def on_destroy(error: BaseException | None = None) -> None:
        nonlocal called
        if called:
            return
        called = True
        sides = _sides(stream)
        for side in sides:
            if error is not None and side.errored is None:
                side.errored = error
            side.closed = True
        if callback is not None:
            callback(error)
        if error is not None:
            next_tick(_emit_error_close, stream, sides, error)
        else:
            next_tick(_emit_close, stream, sides)

    try:
        stream._destroy(err, on_destroy)
    except Exception as exc:
        on_destroy(exc)


def _emit_error_close(stream: Any, sides: tuple[StreamState, ...], err: BaseException) -> None:
    # An 'error' nobody listens to raises (and reaches the loop's exception handler);
    # unlike a Node process, the program goes on, so the stream still closes.
    try:
        _emit_error(stream, sides, err)
    finally:
        _emit_close(stream, sides)


def _emit_close(stream: Any, sides: tuple[StreamState, ...]) -> None:
    emit_close = False
    for side in sides:
        side.close_emitted = True
        if side.emit_close:
            emit_close = True
    if emit_close:
        stream.emit("close")


def _emit_error(stream: Any, sides: tuple[StreamState, ...], err: BaseException) -> None:
    for side in sides:
        if side.error_emitted:
            return
    for side in sides:
        side.error_emitted = True
    stream.emit("error", err)


def error_or_destroy(stream: Any, err: BaseException, sync: bool = False) -> None:
    """Destroy ``stream`` with ``err`` if it auto-destroys, else record and emit ``err``.

    With ``sync`` the ``'error'`` event is deferred to the next tick, so a caller in
    the middle of a user's call never sees it synchronously.
    """
    sides = _sides(stream)
    for side in sides:
        if side.destroyed:
            return
    for side in sides:
        if side.auto_destroy:
            stream.destroy(err)
            return
    for side in sides:
        if side.errored is None:
            side.errored = err
    if sync:
        next_tick(_emit_error, stream, sides, err)
    else:
        _emit_error(stream, sides, err)


def construct(stream: Any, on_constructed: Callable[[], None]) -> None:
    """Run ``stream._construct`` on the next tick; ``on_constructed`` runs after it succeeds.

    Until then the stream's ``constructed`` flags are False, which holds back
    ``_read``, ``_write``, ``_final`` and ``_destroy``.
    """
    for side in _sides(stream):
        side.constructed = False
    next_tick(_construct_now, stream, on_constructed)


def _construct_now(stream: Any, on_constructed: Callable[[], None]) -> None:
    called = False

    def on_construct(err: BaseException | None = None) -> None:
        nonlocal called
        if called:
            error_or_destroy(stream, err or new_error("ERR_MULTIPLE_CALLBACK"))
            return
        called = True
        sides = _sides(stream)
        for side in sides:
            side.constructed = True
        primary = sides[0]
        if primary.destroyed:
            pending = primary.after_construct_destroy
            primary.after_construct_destroy = None
            if pending is not None:
                pending(err)
        elif err is not None:
            error_or_destroy(stream, err, True)
        else:
            on_constructed()

    try:
        stream._construct(lambda err=None: next_tick(on_construct, err))
    except Exception as exc:
        next_tick(on_construct, exc)


def destroyer(stream: Any, err: BaseException | None) -> None:
    """Destroy any stream-like object; with no ``err``, an unfinished one gets ``AbortError``."""
    if stream is None or is_destroyed(stream):
        return
    if err is None and not is_finished(stream):
        err = AbortError()
    if callable(getattr(stream, "destroy", None)):
        stream.destroy(err)
    elif callable(getattr(stream, "close", None)):
        stream.close()
    elif err is not None:
        next_tick(stream.emit, "error", err)
    else:
        next_tick(stream.emit, "close")
