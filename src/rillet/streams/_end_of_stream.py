"""``finished()``: learn when a stream is done, failed or closed early (``end-of-stream.js``).

Rules R-EOS-1 and R-EOS-2: the callback runs once: with no error after ``'end'``
(readable side) and ``'finish'`` (writable side), waiting for ``'close'`` when the
stream will emit it; with the error on ``'error'``; with ``ERR_STREAM_PREMATURE_CLOSE``
on a ``'close'`` that comes before them. On a stream already done it runs on the
next tick.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from rillet._core import AbortSignal, Event, next_tick
from rillet.errors import AbortError, invalid_arg_type, new_error
from rillet.streams._utils import (
    is_closed,
    is_node_stream,
    is_readable,
    is_readable_errored,
    is_readable_finished,
    is_readable_node_stream,
    is_web_stream,
    is_writable,
    is_writable_errored,
    is_writable_finished,
    is_writable_node_stream,
    will_emit_close,
)

__all__ = ["OnCancelFuture", "eos", "finished"]

Callback = Callable[..., Any]


class OnCancelFuture(asyncio.Future[Any]):
    """A Future whose ``cancel()`` runs ``on_cancel`` at once, inside the call.

    Node's cleanup functions act synchronously; a plain Future would run its done
    callbacks only on a later loop iteration.
    """

    def __init__(self) -> None:
        super().__init__(loop=asyncio.get_running_loop())
        self.on_cancel: Callable[[], Any] | None = None

    def cancel(self, msg: Any = None) -> bool:
        on_cancel, self.on_cancel = self.on_cancel, None
        cancelled = super().cancel(msg)
        if cancelled and on_cancel is not None:
            on_cancel()
        return cancelled

    def settle(self, error: BaseException | None, value: Any = None, *, reported: bool) -> None:
        """Resolve with ``value``, or fail with ``error``, unless already done.

        ``reported``: a callback gets the error too, so nobody need retrieve it here
        (no "exception was never retrieved" report).
        """
        if self.done():
            return
        if error is None:
            self.set_result(value)
        else:
            self.set_exception(error)
            if reported:
                self.exception()


def eos(
    stream: Any,
    callback: Callback,
    *,
    readable: bool | None = None,
    writable: bool | None = None,
    error: bool = True,
    signal: AbortSignal | None = None,
) -> Callable[[], None]:
    """Call ``callback(error=None)`` once when ``stream`` is done (see the module
    docstring). Returns a function that removes the listeners; after it the callback
    is never called. Needs no running loop."""
    if is_web_stream(stream):
        from rillet.web._bridges import eos_web

        return eos_web(stream, callback, signal=signal)
    if not is_node_stream(stream):
        raise invalid_arg_type("stream", "a stream", stream)
    reading = is_readable_node_stream(stream) if readable is None else readable
    writing = is_writable_node_stream(stream) if writable is None else writable
    w = getattr(stream, "_writable_state", None)
    r = getattr(stream, "_readable_state", None)
    called = False

    def call(err: BaseException | None = None) -> None:
        nonlocal called
        if called:
            return
        called = True
        if signal is not None:
            signal.remove_event_listener("abort", on_abort)
        callback(err)

    emits_close = bool(
        will_emit_close(stream)
        and is_readable_node_stream(stream) == reading
        and is_writable_node_stream(stream) == writing
    )
    writable_finished = bool(is_writable_finished(stream, False))
    readable_finished = bool(is_readable_finished(stream, False))

    def onlegacyfinish(*_: Any) -> None:
        if not getattr(stream, "writable", False):
            onfinish()

    def onfinish(*_: Any) -> None:
        nonlocal writable_finished
        writable_finished = True
        side_done("readable", reading, readable_finished)

    def onend(*_: Any) -> None:
        nonlocal readable_finished
        readable_finished = True
        side_done("writable", writing, writable_finished)

    def side_done(other: str, other_watched: bool, other_finished: bool) -> None:
        # One side is done: call back now, unless the other side (``other``, the name
        # of its flag on the stream) or the 'close' to come is still awaited.
        nonlocal emits_close
        if getattr(stream, "destroyed", False):
            emits_close = False
        if emits_close and (not getattr(stream, other, False) or other_watched):
            return
        if not other_watched or other_finished:
            call()

    def onerror(err: BaseException) -> None:
        call(err)

    def onclose(*_: Any) -> None:
        errored = is_writable_errored(stream) or is_readable_errored(stream)
        if errored is not None:
            call(errored)
            return
        if (
            reading
            and not readable_finished
            and is_readable_node_stream(stream, True)
            and not is_readable_finished(stream, False)
        ):
            call(new_error("ERR_STREAM_PREMATURE_CLOSE"))
            return
        if writing and not writable_finished and not is_writable_finished(stream, False):
            call(new_error("ERR_STREAM_PREMATURE_CLOSE"))
            return
        call()

    def onclosed() -> None:
        errored = is_writable_errored(stream) or is_readable_errored(stream)
        call(errored)

    if writing and w is None:
        stream.on("end", onlegacyfinish)
        stream.on("close", onlegacyfinish)
    stream.on("end", onend)
    stream.on("finish", onfinish)
    if error:
        stream.on("error", onerror)
    stream.on("close", onclose)

    if is_closed(stream):
        next_tick(onclose)
    elif (w is not None and w.error_emitted) or (r is not None and r.error_emitted):
        if not emits_close:
            next_tick(onclosed)
    elif (
        not reading
        and (not emits_close or is_readable(stream))
        and (writable_finished or is_writable(stream) is False)
    ) or (
        not writing
        and (not emits_close or is_writable(stream))
        and (readable_finished or is_readable(stream) is False)
    ):
        next_tick(onclosed)

    def cleanup() -> None:
        nonlocal called
        called = True
        stream.remove_listener("end", onlegacyfinish)
        stream.remove_listener("close", onlegacyfinish)
        stream.remove_listener("end", onend)
        stream.remove_listener("finish", onfinish)
        stream.remove_listener("error", onerror)
        stream.remove_listener("close", onclose)
        if signal is not None:
            signal.remove_event_listener("abort", on_abort)

    def on_abort(_event: Event | None = None) -> None:
        if called:
            return
        assert signal is not None
        reason = signal.reason
        cleanup()
        callback(AbortError(cause=reason if isinstance(reason, BaseException) else None))

    if signal is not None and not is_closed(stream):
        if signal.aborted:
            next_tick(on_abort)
        else:
            signal.add_event_listener("abort", on_abort, once=True)

    return cleanup


def finished(
    stream: Any,
    *,
    readable: bool | None = None,
    writable: bool | None = None,
    error: bool = True,
    signal: AbortSignal | None = None,
    callback: Callback | None = None,
) -> asyncio.Future[Any]:
    """A Future that completes when ``stream`` is done, or fails with its error.

    ``readable``/``writable`` False ignore that side; ``error=False`` ignores
    ``'error'`` events; ``signal`` aborts the wait with ``AbortError``. ``callback``,
    if given, is also called with ``(error)``. Cancelling the Future removes the
    listeners and the callback is never called (Node's cleanup function).

    Raises ``ERR_INVALID_ARG_TYPE`` at the call for something that is not a stream, a
    bad ``signal`` or a ``callback`` that is not callable.
    """
    if callback is not None and not callable(callback):
        raise invalid_arg_type("callback", "of type function", callback)
    if signal is not None and not isinstance(signal, AbortSignal):
        raise invalid_arg_type("options.signal", "an instance of AbortSignal", signal)
    future = OnCancelFuture()

    def on_done(err: BaseException | None = None) -> None:
        if future.done():  # cancelled: Node's cleanup was called, the callback never is
            return
        future.settle(err, reported=callback is not None)
        if callback is not None:
            callback(err)

    future.on_cancel = eos(
        stream, on_done, readable=readable, writable=writable, error=error, signal=signal
    )
    return future
