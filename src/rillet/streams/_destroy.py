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
    from rillet.streams._readable import ReadableState
    from rillet.streams._writable import WritableState

__all__ = [
    "construct",
    "destroy",
    "destroyer",
    "error_or_destroy",
]

ErrorCallback = Callable[..., Any]


def _record_error(
    err: BaseException | None, w: WritableState | None, r: ReadableState | None
) -> None:
    if err is not None:
        if w is not None and w.errored is None:
            w.errored = err
        if r is not None and r.errored is None:
            r.errored = err


def destroy(
    stream: Any, err: BaseException | None = None, callback: ErrorCallback | None = None
) -> Any:
    """Node's ``stream.destroy(err, cb)``: see the module guarantees."""
    r: ReadableState | None = stream._readable_state
    w: WritableState | None = stream._writable_state
    if (w is not None and w.destroyed) or (r is not None and r.destroyed):
        if callback is not None:
            callback()
        return stream
    _record_error(err, w, r)
    if w is not None:
        w.destroyed = True
    if r is not None:
        r.destroyed = True
    primary = w if w is not None else r
    assert primary is not None
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
        r: ReadableState | None = stream._readable_state
        w: WritableState | None = stream._writable_state
        _record_error(error, w, r)
        if w is not None:
            w.closed = True
        if r is not None:
            r.closed = True
        if callback is not None:
            callback(error)
        if error is not None:
            next_tick(_emit_error_close, stream, error)
        else:
            next_tick(_emit_close, stream)

    try:
        stream._destroy(err, on_destroy)
    except Exception as exc:
        on_destroy(exc)


def _emit_error_close(stream: Any, err: BaseException) -> None:
    # An 'error' nobody listens to raises (and reaches the loop's exception handler);
    # unlike a Node process, the program goes on, so the stream still closes.
    try:
        _emit_error(stream, err)
    finally:
        _emit_close(stream)


def _emit_close(stream: Any) -> None:
    r: ReadableState | None = stream._readable_state
    w: WritableState | None = stream._writable_state
    if w is not None:
        w.close_emitted = True
    if r is not None:
        r.close_emitted = True
    if (w is not None and w.emit_close) or (r is not None and r.emit_close):
        stream.emit("close")


def _emit_error(stream: Any, err: BaseException) -> None:
    r: ReadableState | None = stream._readable_state
    w: WritableState | None = stream._writable_state
    if (w is not None and w.error_emitted) or (r is not None and r.error_emitted):
        return
    if w is not None:
        w.error_emitted = True
    if r is not None:
        r.error_emitted = True
    stream.emit("error", err)


def error_or_destroy(stream: Any, err: BaseException, sync: bool = False) -> None:
    """Destroy ``stream`` with ``err`` if it auto-destroys, else record and emit ``err``.

    With ``sync`` the ``'error'`` event is deferred to the next tick, so a caller in
    the middle of a user's call never sees it synchronously.
    """
    r: ReadableState | None = stream._readable_state
    w: WritableState | None = stream._writable_state
    if (w is not None and w.destroyed) or (r is not None and r.destroyed):
        return
    if (r is not None and r.auto_destroy) or (w is not None and w.auto_destroy):
        stream.destroy(err)
    else:
        _record_error(err, w, r)
        if sync:
            next_tick(_emit_error, stream, err)
        else:
            _emit_error(stream, err)


def construct(stream: Any, on_constructed: Callable[[], None]) -> None:
    """Run ``stream._construct`` on the next tick; ``on_constructed`` runs after it succeeds.

    Until then the stream's ``constructed`` flags are False, which holds back
    ``_read``, ``_write``, ``_final`` and ``_destroy``.
    """
    r: ReadableState | None = stream._readable_state
    w: WritableState | None = stream._writable_state
    if r is not None:
        r.constructed = False
    if w is not None:
        w.constructed = False
    next_tick(_construct_now, stream, on_constructed)


def _construct_now(stream: Any, on_constructed: Callable[[], None]) -> None:
    called = False

    def on_construct(err: BaseException | None = None) -> None:
        nonlocal called
        if called:
            error_or_destroy(stream, err or new_error("ERR_MULTIPLE_CALLBACK"))
            return
        called = True
        r: ReadableState | None = stream._readable_state
        w: WritableState | None = stream._writable_state
        if r is not None:
            r.constructed = True
        if w is not None:
            w.constructed = True
        primary = w if w is not None else r
        assert primary is not None
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
