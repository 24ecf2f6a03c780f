"""``TransformStream`` and its controller (spec §6).

The writable side's sink runs the transformer; the readable side's source drives
backpressure: ``transform`` runs only while the readable side wants chunks (a pending
read, or a positive desired size). The spec's ``backpressureChangePromise`` is made
only when something waits for it, so a pipe chain that never stalls allocates none.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from rillet.web._promise import Deferred, chain, invoke, upon
from rillet.web._queuing import extract_high_water_mark, extract_size_algorithm
from rillet.web._readable_stream import (
    ReadableStream,
    ReadableStreamDefaultController,
    create_readable_stream,
    readable_stream_default_controller_close,
    readable_stream_default_controller_enqueue,
    readable_stream_default_controller_error,
    readable_stream_default_controller_get_desired_size,
    readable_stream_default_controller_has_backpressure,
)
from rillet.web._util import illegal_constructor, invalid_state, member_of, method_of, range_error
from rillet.web._writable_stream import (
    WritableStream,
    create_writable_stream,
    writable_stream_default_controller_error_if_needed,
)

__all__ = ["GenericTransformStream", "TransformStream", "TransformStreamDefaultController"]


def _ignore(_value: Any) -> None:
    return None


class TransformStream:
    """A ``{readable, writable}`` pair where each chunk written is transformed and can
    be read (WHATWG ``TransformStream``).

    ``TransformStream(transformer=None, writable_strategy=None, readable_strategy=None)``:
    the transformer is an object or dict with ``start(controller)``,
    ``transform(chunk, controller)``, ``flush(controller)`` and ``cancel(reason)``
    (plain or coroutine functions); without ``transform`` chunks pass unchanged.
    Defaults: writable high-water mark 1, readable 0. An exception from ``start`` is
    raised here; ``readable_type``/``writable_type`` are a ValueError.
    """

    __slots__ = (
        "__weakref__",
        "_backpressure",
        "_backpressure_change",
        "_controller",
        "_readable",
        "_writable",
    )

    _backpressure: bool
    _backpressure_change: Deferred | None
    _controller: TransformStreamDefaultController
    _readable: ReadableStream
    _writable: WritableStream

    def __init__(
        self, transformer: Any = None, writable_strategy: Any = None, readable_strategy: Any = None
    ) -> None:
        if member_of(transformer, "readable_type") is not None:
            raise range_error("Invalid readable_type is specified")
        if member_of(transformer, "writable_type") is not None:
            raise range_error("Invalid writable_type is specified")
        readable_high_water_mark = extract_high_water_mark(readable_strategy, 0)
        readable_size = extract_size_algorithm(readable_strategy)
        writable_high_water_mark = extract_high_water_mark(writable_strategy, 1)
        writable_size = extract_size_algorithm(writable_strategy)
        start_promise = Deferred()
        initialize_transform_stream(
            self,
            start_promise,
            writable_high_water_mark,
            writable_size,
            readable_high_water_mark,
            readable_size,
        )
        controller = _set_up_controller_from_transformer(self, transformer)
        start = method_of(transformer, "start")
        result = None if start is None else start(controller)
        if result is None:
            start_promise.resolve(None)
        else:
            upon(result, start_promise.resolve, start_promise.reject)

    @property
    def readable(self) -> ReadableStream:
        """The side the transformed chunks are read from."""
        return self._readable

    @property
    def writable(self) -> WritableStream:
        """The side chunks are written to."""
        return self._writable

    def __repr__(self) -> str:
        return f"<TransformStream readable={self._readable!r} writable={self._writable!r}>"

    # The default sink's algorithms (spec §6.4.3).

    def _sink_write(self, chunk: Any) -> Any:
        if self._backpressure:
            return chain(
                _backpressure_change_promise(self), partial(self._write_after_backpressure, chunk)
            )
        return _perform_transform(self._controller, chunk)

    def _write_after_backpressure(self, chunk: Any, _value: Any) -> Any:
        writable = self._writable
        if writable._state == "erroring":
            return Deferred.rejected(writable._stored_error)
        return _perform_transform(self._controller, chunk)

    def _sink_abort(self, reason: Any) -> Deferred:
        readable_controller = self._readable._controller
        return self._finish(
            self._controller._cancel,
            (reason,),
            self._readable,
            lambda: readable_stream_default_controller_error(readable_controller, reason),
            lambda error: readable_stream_default_controller_error(readable_controller, error),
        )

    def _sink_close(self) -> Deferred:
        readable_controller = self._readable._controller
        return self._finish(
            self._controller._flush,
            (),
            self._readable,
            lambda: readable_stream_default_controller_close(readable_controller),
            lambda error: readable_stream_default_controller_error(readable_controller, error),
        )

    # The default source's algorithms (spec §6.4.4).

    def _source_pull(self) -> Deferred:
        _set_backpressure(self, False)
        return _backpressure_change_promise(self)

    def _source_cancel(self, reason: Any) -> Deferred:
        return self._finish(
            self._controller._cancel,
            (reason,),
            self._writable,
            lambda: self._error_writable(reason),
            self._error_writable,
        )

    def _error_writable(self, error: Any) -> None:
        writable_stream_default_controller_error_if_needed(self._writable._controller, error)
        _unblock_write(self)

    def _finish(
        self,
        algorithm: Callable[..., Any] | None,
        args: tuple[Any, ...],
        other_side: ReadableStream | WritableStream,
        on_success: Callable[[], None],
        on_failure: Callable[[Any], None],
    ) -> Deferred:
        """What the sink's abort and close and the source's cancel share (spec §6.4.3-4):
        the first of them runs ``algorithm``, the others get its promise; on success the
        other side is settled by ``on_success`` unless it errored meanwhile, on failure
        by ``on_failure``."""
        controller = self._controller
        if controller._finish_promise is not None:
            return controller._finish_promise
        finish = controller._finish_promise = Deferred()
        result = invoke(algorithm, *args)
        _clear_algorithms(controller)

        def succeeded(_value: Any) -> None:
            if other_side._state == "errored":
                finish.reject(other_side._stored_error)
            else:
                on_success()
                finish.resolve(None)

        def failed(error: Any) -> None:
            on_failure(error)
            finish.reject(error)

        upon(result, succeeded, failed)
        return finish

    def _start(self, start_promise: Deferred) -> Deferred:
        return start_promise


def initialize_transform_stream(
    stream: TransformStream,
    start_promise: Deferred,
    writable_high_water_mark: float,
    writable_size: Any,
    readable_high_water_mark: float,
    readable_size: Any,
) -> None:
    """The spec's ``InitializeTransformStream``."""
    start = partial(stream._start, start_promise)
    stream._writable = create_writable_stream(
        start,
        stream._sink_write,
        stream._sink_close,
        stream._sink_abort,
        writable_high_water_mark,
        writable_size,
    )
    stream._readable = create_readable_stream(
        start, stream._source_pull, stream._source_cancel, readable_high_water_mark, readable_size
    )
    stream._backpressure = False
    stream._backpressure_change = None
    _set_backpressure(stream, True)


def _backpressure_change_promise(stream: TransformStream) -> Deferred:
    promise = stream._backpressure_change
    if promise is None:
        promise = stream._backpressure_change = Deferred()
    return promise


def _set_backpressure(stream: TransformStream, backpressure: bool) -> None:
    """The spec's ``TransformStreamSetBackpressure``."""
    promise = stream._backpressure_change
    if promise is not None:
        stream._backpressure_change = None
        promise.resolve(None)
    stream._backpressure = backpressure


def transform_stream_error(stream: TransformStream, error: Any) -> None:
    """The spec's ``TransformStreamError``: both sides error."""
    readable_stream_default_controller_error(stream._readable._controller, error)
    _error_writable_and_unblock_write(stream, error)


def _error_writable_and_unblock_write(stream: TransformStream, error: Any) -> None:
    _clear_algorithms(stream._controller)
    writable_stream_default_controller_error_if_needed(stream._writable._controller, error)
    _unblock_write(stream)


def _unblock_write(stream: TransformStream) -> None:
    if stream._backpressure:
        _set_backpressure(stream, False)


def _perform_transform(controller: TransformStreamDefaultController, chunk: Any) -> Any:
    """The spec's ``TransformStreamDefaultControllerPerformTransform``: ``None`` when
    the transform finished at once, else a promise."""
    try:
        result = controller._transform(chunk)
    except Exception as error:
        result = Deferred.rejected(error)
    if result is None:
        return None
    return chain(result, _ignore, controller._transform_failed)


# -- the controller -----------------------------------------------------------------


class TransformStreamDefaultController:
    """What a transformer's callbacks get: ``enqueue``, ``error``, ``terminate`` and
    ``desired_size`` (of the readable side)."""

    __slots__ = ("_cancel", "_finish_promise", "_flush", "_stream", "_transform")

    _cancel: Callable[[Any], Any] | None
    _finish_promise: Deferred | None
    _flush: Callable[[], Any] | None
    _stream: TransformStream
    _transform: Callable[[Any], Any]

    def __init__(self) -> None:
        raise illegal_constructor()

    @property
    def desired_size(self) -> float | None:
        """The readable side's desired size."""
        readable_controller: ReadableStreamDefaultController = self._stream._readable._controller
        return readable_stream_default_controller_get_desired_size(readable_controller)

    def enqueue(self, chunk: Any = None) -> None:
        """Make ``chunk`` readable. TypeError when the readable side cannot take it."""
        transform_stream_default_controller_enqueue(self, chunk)

    def error(self, reason: Any = None) -> None:
        """Error both sides."""
        transform_stream_error(self._stream, reason)

    def terminate(self) -> None:
        """Close the readable side and error the writable side with TypeError."""
        stream = self._stream
        readable_stream_default_controller_close(stream._readable._controller)
        _error_writable_and_unblock_write(stream, invalid_state("TransformStream terminated"))

    def _transform_failed(self, reason: Any) -> Deferred:
        transform_stream_error(self._stream, reason)
        return Deferred.rejected(reason)


def transform_stream_default_controller_enqueue(
    controller: TransformStreamDefaultController, chunk: Any
) -> None:
    """The spec's ``TransformStreamDefaultControllerEnqueue``."""
    stream = controller._stream
    readable = stream._readable
    readable_controller: ReadableStreamDefaultController = readable._controller
    if readable_controller._close_requested or readable._state != "readable":
        raise invalid_state("The readable side cannot take more chunks")
    try:
        readable_stream_default_controller_enqueue(readable_controller, chunk)
    except Exception as error:
        _error_writable_and_unblock_write(stream, error)
        raise
    if stream._backpressure:
        return
    reader = readable._reader
    if reader is not None and reader._read_requests:
        return  # a read is waiting: no backpressure (the common case in a pipe)
    if readable_stream_default_controller_has_backpressure(readable_controller):
        _set_backpressure(stream, True)


def _set_up_controller_from_transformer(
    stream: TransformStream, transformer: Any
) -> TransformStreamDefaultController:
    controller = TransformStreamDefaultController.__new__(TransformStreamDefaultController)
    controller._stream = stream
    stream._controller = controller
    transform = method_of(transformer, "transform")
    if transform is None:
        controller._transform = partial(transform_stream_default_controller_enqueue, controller)
    else:
        controller._transform = partial(_call_transform, transform, controller)
    flush = method_of(transformer, "flush")
    controller._flush = None if flush is None else partial(flush, controller)
    controller._cancel = method_of(transformer, "cancel")
    controller._finish_promise = None
    return controller


def _call_transform(
    transform: Any, controller: TransformStreamDefaultController, chunk: Any
) -> Any:
    return transform(chunk, controller)


def _clear_algorithms(controller: TransformStreamDefaultController) -> None:
    controller._transform = _ignore
    controller._flush = None
    controller._cancel = None


class GenericTransformStream:
    """The standards' ``GenericTransformStream`` mixin: a class whose ``readable`` and
    ``writable`` are those of the TransformStream it keeps (TextEncoderStream,
    CompressionStream...), so ``pipe_through`` takes it."""

    __slots__ = ("_transform",)

    _transform: TransformStream

    @property
    def readable(self) -> ReadableStream:
        """The output side."""
        return self._transform.readable

    @property
    def writable(self) -> WritableStream:
        """The input side."""
        return self._transform.writable
