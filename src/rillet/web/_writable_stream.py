"""``WritableStream``, its writer and controller (spec §5).

The abstract operations are the module functions, named after the spec's. A write
request is any object with ``resolve(value=None)`` and ``reject(reason)``: a
:class:`~rillet.web._promise.Deferred` for ``writer.write()``, the pipe itself for
``pipe_to``, which so writes without a promise per chunk.

``writer.ready`` is kept as a state (resolved, pending, rejected) and becomes a
promise only when asked for, since it changes with every chunk under backpressure.

One liberty with the spec's timing, invisible to user code: while a pipe holds the
writer (``stream._pipe``), a sink ``write`` that returns without a promise completes
at once instead of one tick later. Nobody but the pipe can see the writer's
``desired_size`` then, and the sink still sees one write at a time, in order.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rillet._core import AbortController, AbortSignal, next_tick
from rillet.web._promise import Deferred, as_exception, invoke, upon
from rillet.web._queuing import (
    SizeAlgorithm,
    check_size,
    extract_high_water_mark,
    extract_size_algorithm,
)
from rillet.web._readable_stream import rejected_future
from rillet.web._util import (
    bind,
    illegal_constructor,
    invalid_state,
    member_of,
    method_of,
    range_error,
    type_error,
)

if TYPE_CHECKING:
    from rillet.web._pipe_to import Pipe

__all__ = [
    "WritableStream",
    "WritableStreamDefaultController",
    "WritableStreamDefaultWriter",
    "acquire_writable_stream_default_writer",
    "create_writable_stream",
    "writable_stream_abort",
    "writable_stream_close",
    "writable_stream_close_queued_or_in_flight",
    "writable_stream_default_controller_error_if_needed",
    "writable_stream_default_writer_close_with_error_propagation",
    "writable_stream_default_writer_release",
    "writable_stream_default_writer_write",
    "writable_stream_pipe_write",
]

StartAlgorithm = Callable[[], Any]
WriteAlgorithm = Callable[[Any], Any]
CloseAlgorithm = Callable[[], Any]
AbortAlgorithm = Callable[[Any], Any]

# The close sentinel in the controller's queue (size 0).
_CLOSE: Any = object()


def _no_write(_chunk: Any) -> None:
    return None


class WritableStream:
    """A destination for chunks, written through a writer (WHATWG ``WritableStream``).

    ``WritableStream(underlying_sink=None, strategy=None)``: the sink is an object or
    dict with ``start(controller)``, ``write(chunk, controller)``, ``close()`` and
    ``abort(reason)`` (plain or coroutine functions). An exception from ``start`` is
    raised here; a sink ``type`` or a bad high-water mark is a ValueError.
    """

    __slots__ = (
        "__weakref__",
        "_backpressure",
        "_close_request",
        "_controller",
        "_in_flight_close_request",
        "_in_flight_write_request",
        "_pending_abort_request",
        "_pipe",
        "_state",
        "_stored_error",
        "_watchers",
        "_write_requests",
        "_writer",
    )

    _backpressure: bool
    _close_request: Deferred | None
    _controller: WritableStreamDefaultController
    _in_flight_close_request: Deferred | None
    _in_flight_write_request: Any
    _pending_abort_request: tuple[Deferred, Any, bool] | None
    _pipe: Pipe | None
    _state: str
    _stored_error: Any
    _watchers: list[Callable[[Any], Any]] | None
    _write_requests: deque[Any]
    _writer: WritableStreamDefaultWriter | None

    def __init__(self, underlying_sink: Any = None, strategy: Any = None) -> None:
        if member_of(underlying_sink, "type") is not None:
            raise range_error("Invalid type is specified")
        initialize_writable_stream(self)
        size = extract_size_algorithm(strategy)
        high_water_mark = extract_high_water_mark(strategy, 1)
        set_up_controller_from_sink(self, underlying_sink, high_water_mark, size)

    @property
    def locked(self) -> bool:
        """A writer (or a pipe) holds the stream."""
        return self._writer is not None

    def abort(self, reason: Any = None) -> asyncio.Future[None]:
        """Abort: queued writes are dropped and the sink's ``abort(reason)`` runs.
        Rejects with TypeError on a locked stream."""
        if self._writer is not None:
            return rejected_future(invalid_state("WritableStream is locked"))
        return writable_stream_abort(self, reason).future()

    def close(self) -> asyncio.Future[None]:
        """Close after the queued writes. Rejects with TypeError on a locked stream or
        one already closing."""
        if self._writer is not None:
            return rejected_future(invalid_state("WritableStream is locked"))
        if writable_stream_close_queued_or_in_flight(self):
            return rejected_future(invalid_state("WritableStream is already closing"))
        return writable_stream_close(self).future()

    def get_writer(self) -> WritableStreamDefaultWriter:
        """Lock the stream to a new writer (TypeError if locked)."""
        return WritableStreamDefaultWriter(self)

    def __repr__(self) -> str:
        return f"<WritableStream {self._state} locked={self._writer is not None}>"


def initialize_writable_stream(stream: WritableStream) -> None:
    """The spec's ``InitializeWritableStream``."""
    stream._state = "writable"
    stream._stored_error = None
    stream._writer = None
    stream._in_flight_write_request = None
    stream._close_request = None
    stream._in_flight_close_request = None
    stream._pending_abort_request = None
    stream._write_requests = deque()
    stream._backpressure = False
    stream._watchers = None
    stream._pipe = None


def create_writable_stream(
    start: StartAlgorithm | None,
    write: WriteAlgorithm | None,
    close: CloseAlgorithm | None,
    abort: AbortAlgorithm | None,
    high_water_mark: float = 1,
    size: SizeAlgorithm = None,
) -> WritableStream:
    """The spec's ``CreateWritableStream`` (a stream over algorithms)."""
    stream = WritableStream.__new__(WritableStream)
    initialize_writable_stream(stream)
    controller = WritableStreamDefaultController.__new__(WritableStreamDefaultController)
    set_up_controller(stream, controller, start, write, close, abort, high_water_mark, size)
    return stream


def watch_writable_stream(stream: WritableStream, callback: Callable[[Any], Any]) -> None:
    """Call ``callback(None)`` once the stream is closed, ``callback(error)`` once it
    is errored (at once if it already is), without locking it."""
    if stream._state == "closed":
        callback(None)
    elif stream._state == "errored" and stream._pending_abort_request is None:
        callback(as_exception(stream._stored_error))
    elif stream._watchers is None:
        stream._watchers = [callback]
    else:
        stream._watchers.append(callback)


def _notify_watchers(stream: WritableStream, error: BaseException | None) -> None:
    watchers = stream._watchers
    if watchers:
        stream._watchers = None
        for callback in watchers:
            callback(error)


def writable_stream_abort(stream: WritableStream, reason: Any) -> Deferred:
    """The spec's ``WritableStreamAbort``."""
    if stream._state in ("closed", "errored"):
        return Deferred.resolved()
    stream._controller._abort_controller.abort(reason)
    state = stream._state
    if state in ("closed", "errored"):
        return Deferred.resolved()
    pending = stream._pending_abort_request
    if pending is not None:
        promise: Deferred = pending[0]
        return promise
    was_already_erroring = state == "erroring"
    if was_already_erroring:
        reason = None
    promise = Deferred()
    stream._pending_abort_request = (promise, reason, was_already_erroring)
    if not was_already_erroring:
        writable_stream_start_erroring(stream, reason)
    return promise


def writable_stream_close(stream: WritableStream) -> Deferred:
    """The spec's ``WritableStreamClose``."""
    state = stream._state
    if state in ("closed", "errored"):
        return Deferred.rejected(
            invalid_state(f"The stream is {state} and cannot be closed"), handled=False
        )
    promise = Deferred()
    stream._close_request = promise
    writer = stream._writer
    if writer is not None and stream._backpressure and state == "writable":
        _resolve_ready(writer)
    controller = stream._controller
    controller._queue.append(_CLOSE)
    if controller._queue_sizes is not None:
        controller._queue_sizes.append(0)
    advance_queue_if_needed(controller)
    return promise


def writable_stream_close_queued_or_in_flight(stream: WritableStream) -> bool:
    """The spec's ``WritableStreamCloseQueuedOrInFlight``."""
    return stream._close_request is not None or stream._in_flight_close_request is not None


def _deal_with_rejection(stream: WritableStream, error: Any) -> None:
    if stream._state == "writable":
        writable_stream_start_erroring(stream, error)
    else:
        _finish_erroring(stream)


def _finish_erroring(stream: WritableStream) -> None:
    stream._state = "errored"
    controller = stream._controller
    controller._queue.clear()
    if controller._queue_sizes is not None:
        controller._queue_sizes.clear()
    controller._queue_total_size = 0
    stored_error = stream._stored_error
    requests = stream._write_requests
    stream._write_requests = deque()
    for request in requests:
        request.reject(stored_error)
    abort_request = stream._pending_abort_request
    if abort_request is None:
        _reject_close_and_closed_promise_if_needed(stream)
        return
    stream._pending_abort_request = None
    promise, reason, was_already_erroring = abort_request
    if was_already_erroring:
        promise.reject(stored_error)
        _reject_close_and_closed_promise_if_needed(stream)
        return

    def aborted(_value: Any) -> None:
        promise.resolve(None)
        _reject_close_and_closed_promise_if_needed(stream)

    def abort_failed(error: Any) -> None:
        promise.reject(error)
        _reject_close_and_closed_promise_if_needed(stream)

    upon(controller._abort_steps(reason), aborted, abort_failed)


def _finish_in_flight_close(stream: WritableStream) -> None:
    request = stream._in_flight_close_request
    assert request is not None
    request.resolve(None)
    stream._in_flight_close_request = None
    if stream._state == "erroring":
        stream._stored_error = None
        abort_request = stream._pending_abort_request
        if abort_request is not None:
            abort_request[0].resolve(None)
            stream._pending_abort_request = None
    stream._state = "closed"
    writer = stream._writer
    if writer is not None:
        writer._closed_promise.resolve(None)
    _notify_watchers(stream, None)


def _finish_in_flight_close_with_error(stream: WritableStream, error: Any) -> None:
    request = stream._in_flight_close_request
    assert request is not None
    request.reject(error)
    stream._in_flight_close_request = None
    abort_request = stream._pending_abort_request
    if abort_request is not None:
        abort_request[0].reject(error)
        stream._pending_abort_request = None
    _deal_with_rejection(stream, error)


def _has_operation_marked_in_flight(stream: WritableStream) -> bool:
    return (
        stream._in_flight_write_request is not None or stream._in_flight_close_request is not None
    )


def _reject_close_and_closed_promise_if_needed(stream: WritableStream) -> None:
    stored_error = stream._stored_error
    request = stream._close_request
    if request is not None:
        request.reject(stored_error)
        stream._close_request = None
    writer = stream._writer
    if writer is not None:
        writer._closed_promise.mark_handled()
        writer._closed_promise.reject(stored_error)
    _notify_watchers(stream, as_exception(stored_error))


def writable_stream_start_erroring(stream: WritableStream, reason: Any) -> None:
    """The spec's ``WritableStreamStartErroring``."""
    controller = stream._controller
    stream._state = "erroring"
    stream._stored_error = reason
    writer = stream._writer
    if writer is not None:
        _ensure_ready_rejected(writer, reason)
    if not _has_operation_marked_in_flight(stream) and controller._started:
        _finish_erroring(stream)


def _update_backpressure(stream: WritableStream, backpressure: bool) -> None:
    if backpressure == stream._backpressure:
        return
    stream._backpressure = backpressure
    writer = stream._writer
    if writer is None:
        return
    if backpressure:
        writer._ready_state = _PENDING
        writer._ready_promise = None
    else:
        _resolve_ready(writer)
        pipe = stream._pipe
        if pipe is not None:
            pipe.on_ready()


# -- the writer ---------------------------------------------------------------------

_RESOLVED = 0
_PENDING = 1
_REJECTED = 2


def _resolve_ready(writer: WritableStreamDefaultWriter) -> None:
    if writer._ready_state == _PENDING:
        writer._ready_state = _RESOLVED
        promise = writer._ready_promise
        if promise is not None:
            promise.resolve(None)


def _ensure_ready_rejected(writer: WritableStreamDefaultWriter, error: Any) -> None:
    """The spec's ``WritableStreamDefaultWriterEnsureReadyPromiseRejected``."""
    promise = writer._ready_promise
    if writer._ready_state == _PENDING and promise is not None:
        promise.mark_handled()
        promise.reject(error)
    else:
        writer._ready_promise = None
    writer._ready_state = _REJECTED
    writer._ready_error = error


def _ensure_closed_rejected(writer: WritableStreamDefaultWriter, error: Any) -> None:
    if writer._closed_promise.pending:
        writer._closed_promise.mark_handled()
        writer._closed_promise.reject(error)
    else:
        writer._closed_promise = Deferred.rejected(error, handled=True)


def writer_ready_promise(writer: WritableStreamDefaultWriter) -> Deferred:
    """The writer's ``[[readyPromise]]``, made from its state when first needed."""
    promise = writer._ready_promise
    if promise is None:
        state = writer._ready_state
        if state == _RESOLVED:
            promise = Deferred.resolved()
        elif state == _PENDING:
            promise = Deferred()
        else:
            promise = Deferred.rejected(writer._ready_error, handled=True)
        writer._ready_promise = promise
    return promise


def writer_has_backpressure(writer: WritableStreamDefaultWriter) -> bool:
    """``writer.ready`` is pending."""
    return writer._ready_state == _PENDING


def acquire_writable_stream_default_writer(stream: WritableStream) -> WritableStreamDefaultWriter:
    """The spec's ``AcquireWritableStreamDefaultWriter`` (TypeError if locked)."""
    return WritableStreamDefaultWriter(stream)


def _set_up_writer(writer: WritableStreamDefaultWriter, stream: WritableStream) -> None:
    if stream._writer is not None:
        raise invalid_state("WritableStream is locked")
    writer._stream = stream
    stream._writer = writer
    writer._ready_promise = None
    writer._ready_error = None
    state = stream._state
    if state == "writable":
        pending = not writable_stream_close_queued_or_in_flight(stream) and stream._backpressure
        writer._ready_state = _PENDING if pending else _RESOLVED
        writer._closed_promise = Deferred()
    elif state == "erroring":
        writer._ready_state = _REJECTED
        writer._ready_error = stream._stored_error
        writer._closed_promise = Deferred()
    elif state == "closed":
        writer._ready_state = _RESOLVED
        writer._closed_promise = Deferred.resolved()
    else:
        writer._ready_state = _REJECTED
        writer._ready_error = stream._stored_error
        writer._closed_promise = Deferred.rejected(stream._stored_error, handled=True)


def writable_stream_default_writer_close_with_error_propagation(
    writer: WritableStreamDefaultWriter,
) -> Deferred:
    """The spec's ``WritableStreamDefaultWriterCloseWithErrorPropagation``."""
    stream = writer._stream
    assert stream is not None
    state = stream._state
    if writable_stream_close_queued_or_in_flight(stream) or state == "closed":
        return Deferred.resolved()
    if state == "errored":
        return Deferred.rejected(stream._stored_error)
    return writable_stream_close(stream)


def writable_stream_default_writer_release(writer: WritableStreamDefaultWriter) -> None:
    """The spec's ``WritableStreamDefaultWriterRelease``."""
    stream = writer._stream
    assert stream is not None
    released = invalid_state("Writer was released")
    _ensure_ready_rejected(writer, released)
    _ensure_closed_rejected(writer, released)
    stream._writer = None
    writer._stream = None


def writable_stream_default_writer_write(
    writer: WritableStreamDefaultWriter, chunk: Any, request: Any
) -> None:
    """The spec's ``WritableStreamDefaultWriterWrite``: ``request`` (see the module
    docstring) is queued, or rejected at once."""
    stream = writer._stream
    assert stream is not None
    controller = stream._controller
    size = controller._size
    chunk_size_value: Any = 1
    if size is not None:
        try:
            chunk_size_value = size(chunk)
        except Exception as error:
            writable_stream_default_controller_error_if_needed(controller, error)
    if stream is not writer._stream:
        request.reject(invalid_state("Cannot write to a stream using a released writer"))
        return
    state = stream._state
    if state == "errored":
        request.reject(stream._stored_error)
        return
    if writable_stream_close_queued_or_in_flight(stream) or state == "closed":
        request.reject(invalid_state("The stream is closing or closed and cannot be written to"))
        return
    if state == "erroring":
        request.reject(stream._stored_error)
        return
    stream._write_requests.append(request)
    # WritableStreamDefaultControllerWrite
    sizes = controller._queue_sizes
    if sizes is None:
        controller._queue.append(chunk)
        controller._queue_total_size += 1
    else:
        try:
            checked = check_size(chunk_size_value)
        except ValueError as error:
            writable_stream_default_controller_error_if_needed(controller, error)
            return
        controller._queue.append(chunk)
        sizes.append(checked)
        controller._queue_total_size += checked
    if (
        stream._close_request is None
        and stream._in_flight_close_request is None
        and stream._state == "writable"
    ):
        backpressure = controller._high_water_mark - controller._queue_total_size <= 0
        if backpressure != stream._backpressure:
            _update_backpressure(stream, backpressure)
    advance_queue_if_needed(controller)


def writable_stream_pipe_write(
    writer: WritableStreamDefaultWriter, chunk: Any, request: Any
) -> bool:
    """:func:`writable_stream_default_writer_write` for a pipe's writer, with a short
    cut: when the stream is idle (started, writable, nothing queued, in flight or
    closing, no backpressure, chunks counted 1) the chunk goes to the sink at once, as
    the spec's steps would send it; if the sink returns without a promise the queue and
    the backpressure flag end as they began, so they are not touched on the way (only
    the pipe could see them meanwhile). Returns True when the chunk was written so,
    in which case ``request`` is not used; otherwise ``request`` settles later."""
    stream = writer._stream
    assert stream is not None
    controller = stream._controller
    queue = controller._queue
    if (
        queue
        or stream._state != "writable"
        or stream._backpressure
        or stream._in_flight_write_request is not None
        or stream._close_request is not None
        or stream._in_flight_close_request is not None
        or controller._queue_sizes is not None
        or not controller._started
    ):
        writable_stream_default_writer_write(writer, chunk, request)
        return False
    stream._in_flight_write_request = request
    queue.append(chunk)
    controller._queue_total_size += 1
    try:
        result = controller._write(chunk)
    except Exception as error:
        result = Deferred.rejected(error)
    if (
        result is None
        and len(queue) == 1
        and stream._in_flight_write_request is request
        and stream._state == "writable"
    ):
        stream._in_flight_write_request = None
        queue.popleft()
        total = controller._queue_total_size - 1
        controller._queue_total_size = total if total > 0 else 0
        return True
    # The sink is still writing (or something changed meanwhile): from here on, the
    # backpressure the spec set before calling the sink, and its fulfilment steps.
    if (
        stream._state == "writable"
        and stream._close_request is None
        and stream._in_flight_close_request is None
    ):
        backpressure = controller._high_water_mark - controller._queue_total_size <= 0
        if backpressure != stream._backpressure:
            _update_backpressure(stream, backpressure)
    if result is None:
        controller._write_fulfilled()
    else:
        upon(result, controller._write_fulfilled, controller._write_rejected)
    return False


class WritableStreamDefaultWriter:
    """A writer: ``await writer.ready`` for backpressure, ``write``, ``close``,
    ``abort``. Constructing one on a locked stream raises TypeError."""

    __slots__ = (
        "_closed_promise",
        "_ready_error",
        "_ready_promise",
        "_ready_state",
        "_stream",
    )

    _stream: WritableStream | None
    _closed_promise: Deferred
    _ready_promise: Deferred | None
    _ready_state: int
    _ready_error: Any

    def __init__(self, stream: WritableStream) -> None:
        if not isinstance(stream, WritableStream):
            raise type_error("WritableStreamDefaultWriter needs a WritableStream")
        _set_up_writer(self, stream)

    @property
    def closed(self) -> asyncio.Future[None]:
        """Resolves once the stream is closed; rejects when it errors or the lock is
        released."""
        return self._closed_promise.future()

    @property
    def ready(self) -> asyncio.Future[None]:
        """Resolves when ``desired_size`` is positive (no backpressure); rejects when
        the stream errors or the lock is released."""
        return writer_ready_promise(self).future()

    @property
    def desired_size(self) -> float | None:
        """How much more the queue takes before backpressure: ``None`` when errored, 0
        when closed. TypeError on a released writer."""
        stream = self._stream
        if stream is None:
            raise invalid_state("The writer is not attached to a stream")
        state = stream._state
        if state in ("errored", "erroring"):
            return None
        if state == "closed":
            return 0
        controller = stream._controller
        return controller._high_water_mark - controller._queue_total_size

    def abort(self, reason: Any = None) -> asyncio.Future[None]:
        """Abort the stream (see ``WritableStream.abort``)."""
        if self._stream is None:
            return rejected_future(invalid_state("The writer is not attached to a stream"))
        return writable_stream_abort(self._stream, reason).future()

    def close(self) -> asyncio.Future[None]:
        """Close after the queued writes; rejects with TypeError if already closing."""
        stream = self._stream
        if stream is None:
            return rejected_future(invalid_state("The writer is not attached to a stream"))
        if writable_stream_close_queued_or_in_flight(stream):
            return rejected_future(invalid_state("WritableStream is already closing"))
        return writable_stream_close(stream).future()

    def release_lock(self) -> None:
        """Unlock the stream; ``ready`` and ``closed`` reject with TypeError. Writes in
        flight carry on. No-op if released."""
        if self._stream is not None:
            writable_stream_default_writer_release(self)

    def write(self, chunk: Any = None) -> asyncio.Future[None]:
        """Queue ``chunk``; resolves when the sink has written it, rejects with its
        error (or TypeError when closing, closed or released)."""
        if self._stream is None:
            return rejected_future(invalid_state("The writer is not attached to a stream"))
        request = Deferred()
        writable_stream_default_writer_write(self, chunk, request)
        return request.future()


# -- the controller -----------------------------------------------------------------


class WritableStreamDefaultController:
    """What a sink's callbacks get: ``error(e)`` and ``signal`` (aborted with the
    reason when the stream is aborted)."""

    __slots__ = (
        "_abort",
        "_abort_controller",
        "_close",
        "_high_water_mark",
        "_queue",
        "_queue_sizes",
        "_queue_total_size",
        "_size",
        "_started",
        "_stream",
        "_write",
    )

    _abort: AbortAlgorithm | None
    _abort_controller: AbortController
    _close: CloseAlgorithm | None
    _high_water_mark: float
    _queue: deque[Any]
    _queue_sizes: deque[float] | None
    _queue_total_size: float
    _size: SizeAlgorithm
    _started: bool
    _stream: WritableStream
    _write: WriteAlgorithm

    def __init__(self) -> None:
        raise illegal_constructor()

    @property
    def signal(self) -> AbortSignal:
        """Aborted with the reason when the stream is aborted."""
        return self._abort_controller.signal

    def error(self, error: Any = None) -> None:
        """Error the stream (no-op unless it is writable)."""
        if self._stream._state == "writable":
            _controller_error(self, error)

    # The spec's internal methods and reactions.

    def _abort_steps(self, reason: Any) -> Any:
        abort = self._abort
        _clear_algorithms(self)
        return invoke(abort, reason)

    def _start_fulfilled(self, _value: Any = None) -> None:
        self._started = True
        advance_queue_if_needed(self)

    def _start_rejected(self, reason: Any) -> None:
        self._started = True
        _deal_with_rejection(self._stream, reason)

    def _write_fulfilled(self, _value: Any = None) -> None:
        _finish_write(self)
        advance_queue_if_needed(self)

    def _write_rejected(self, reason: Any) -> None:
        stream = self._stream
        if stream._state == "writable":
            _clear_algorithms(self)
        request = stream._in_flight_write_request
        assert request is not None
        request.reject(reason)
        stream._in_flight_write_request = None
        _deal_with_rejection(stream, reason)

    def _close_fulfilled(self, _value: Any = None) -> None:
        _finish_in_flight_close(self._stream)

    def _close_rejected(self, reason: Any) -> None:
        _finish_in_flight_close_with_error(self._stream, reason)


def set_up_controller(
    stream: WritableStream,
    controller: WritableStreamDefaultController,
    start: StartAlgorithm | None,
    write: WriteAlgorithm | None,
    close: CloseAlgorithm | None,
    abort: AbortAlgorithm | None,
    high_water_mark: float,
    size: SizeAlgorithm,
) -> None:
    """The spec's ``SetUpWritableStreamDefaultController`` (``start``'s exception
    propagates)."""
    controller._stream = stream
    stream._controller = controller
    controller._queue = deque()
    controller._queue_sizes = None if size is None else deque()
    controller._queue_total_size = 0
    controller._abort_controller = AbortController()
    controller._started = False
    controller._size = size
    controller._high_water_mark = high_water_mark
    controller._write = _no_write if write is None else write
    controller._close = close
    controller._abort = abort
    _update_backpressure(stream, high_water_mark <= 0)
    result = None if start is None else start()
    upon(result, controller._start_fulfilled, controller._start_rejected)


def set_up_controller_from_sink(
    stream: WritableStream, sink: Any, high_water_mark: float, size: SizeAlgorithm
) -> None:
    """The spec's ``SetUpWritableStreamDefaultControllerFromUnderlyingSink``."""
    controller = WritableStreamDefaultController.__new__(WritableStreamDefaultController)
    write_method = method_of(sink, "write")
    write: WriteAlgorithm | None = None
    if write_method is not None:

        def write(chunk: Any) -> Any:
            return write_method(chunk, controller)

    set_up_controller(
        stream,
        controller,
        bind(method_of(sink, "start"), controller),
        write,
        method_of(sink, "close"),
        method_of(sink, "abort"),
        high_water_mark,
        size,
    )


def _clear_algorithms(controller: WritableStreamDefaultController) -> None:
    controller._write = _no_write
    controller._close = None
    controller._abort = None
    controller._size = None


def _controller_error(controller: WritableStreamDefaultController, error: Any) -> None:
    _clear_algorithms(controller)
    writable_stream_start_erroring(controller._stream, error)


def writable_stream_default_controller_error_if_needed(
    controller: WritableStreamDefaultController, error: Any
) -> None:
    """The spec's ``WritableStreamDefaultControllerErrorIfNeeded``."""
    if controller._stream._state == "writable":
        _controller_error(controller, error)


def _finish_write(controller: WritableStreamDefaultController) -> None:
    """The fulfilment half of ``ProcessWrite``, up to the queue advance."""
    stream = controller._stream
    request = stream._in_flight_write_request
    assert request is not None
    stream._in_flight_write_request = None
    # Dequeued before the request hears of it, so that code it runs finds the queue
    # as the spec's deferred reaction would.
    controller._queue.popleft()
    sizes = controller._queue_sizes
    total = controller._queue_total_size - (1 if sizes is None else sizes.popleft())
    controller._queue_total_size = total = total if total > 0 else 0
    request.resolve(None)
    if (
        stream._state == "writable"
        and stream._close_request is None
        and stream._in_flight_close_request is None
    ):
        backpressure = controller._high_water_mark - total <= 0
        if backpressure != stream._backpressure:
            _update_backpressure(stream, backpressure)


def advance_queue_if_needed(controller: WritableStreamDefaultController) -> None:
    """The spec's ``WritableStreamDefaultControllerAdvanceQueueIfNeeded`` with
    ``ProcessWrite``/``ProcessClose``, looping over writes that completed at once
    (see the module docstring) instead of recursing."""
    stream = controller._stream
    while True:
        if not controller._started or stream._in_flight_write_request is not None:
            return
        if stream._state == "erroring":
            _finish_erroring(stream)
            return
        queue = controller._queue
        if not queue:
            return
        chunk = queue[0]
        if chunk is _CLOSE:
            _process_close(controller)
            return
        stream._in_flight_write_request = stream._write_requests.popleft()
        try:
            result = controller._write(chunk)
        except Exception as error:
            next_tick(controller._write_rejected, error)
            return
        if result is not None:
            upon(result, controller._write_fulfilled, controller._write_rejected)
            return
        if stream._pipe is None:
            next_tick(controller._write_fulfilled)
            return
        _finish_write(controller)


def _process_close(controller: WritableStreamDefaultController) -> None:
    stream = controller._stream
    stream._in_flight_close_request = stream._close_request
    stream._close_request = None
    controller._queue.popleft()
    if controller._queue_sizes is not None:
        controller._queue_sizes.popleft()
    close = controller._close
    _clear_algorithms(controller)
    try:
        result = None if close is None else close()
    except Exception as error:
        next_tick(controller._close_rejected, error)
        return
    upon(result, controller._close_fulfilled, controller._close_rejected)
