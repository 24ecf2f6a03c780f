"""``ReadableStream``, its default reader and default controller (spec §4.1-4.9).

The abstract operations are the module functions below, named after the spec's
(``readable_stream_close`` is ``ReadableStreamClose``); the classes are thin. Byte
streams (``type='bytes'``) live in ``_byte_stream``, ``tee`` in ``_tee``, ``pipe_to``
in ``_pipe_to``, ``values()`` and ``from_`` in ``_iteration``.

A read request is any object with ``chunk_steps(chunk)``, ``close_steps(chunk=None)``
and ``error_steps(error)``: ``reader.read()`` uses one that settles a Future, the pipe
and the tee use themselves, so they read without allocating per chunk.

Timing: the spec's synchronous steps run inside the call (``pull`` has been called when
``read()`` returns); its promise reactions run as ticks (``rillet._core.next_tick``).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from rillet._core import next_tick
from rillet.web._promise import (
    Deferred,
    adopt_pending_ticks,
    as_exception,
    invoke,
    promise_from,
    upon,
)
from rillet.web._queuing import (
    SizeAlgorithm,
    chunk_size,
    extract_high_water_mark,
    extract_size_algorithm,
)
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
    from rillet._core import AbortSignal
    from rillet.web._byte_stream import ReadableStreamBYOBReader
    from rillet.web._iteration import ReadableStreamAsyncIterator
    from rillet.web._writable_stream import WritableStream

__all__ = [
    "ReadResult",
    "ReadableStream",
    "ReadableStreamDefaultController",
    "ReadableStreamDefaultReader",
    "ReadableStreamGenericReader",
    "acquire_readable_stream_default_reader",
    "create_readable_stream",
    "readable_stream_cancel",
    "readable_stream_close",
    "readable_stream_default_controller_close",
    "readable_stream_default_controller_enqueue",
    "readable_stream_default_controller_error",
    "readable_stream_default_reader_read",
    "readable_stream_default_reader_release",
    "readable_stream_error",
    "readable_stream_reader_generic_release",
]

StartAlgorithm = Callable[[], Any]
PullAlgorithm = Callable[[], Any]
CancelAlgorithm = Callable[[Any], Any]


class ReadResult(NamedTuple):
    """What ``reader.read()`` resolves to: ``value`` and ``done``."""

    value: Any
    done: bool


class FutureReadRequest:
    """A read request that settles the Future ``read()`` returned."""

    __slots__ = ("future",)

    def __init__(self, future: asyncio.Future[ReadResult]) -> None:
        self.future = future

    def chunk_steps(self, chunk: Any) -> None:
        future = self.future
        if not future.done():
            future.set_result(ReadResult(chunk, False))

    def close_steps(self, chunk: Any = None) -> None:
        future = self.future
        if not future.done():
            future.set_result(ReadResult(chunk, True))

    def error_steps(self, error: Any) -> None:
        future = self.future
        if not future.done():
            future.set_exception(as_exception(error))


def rejected_future(reason: Any) -> asyncio.Future[Any]:
    """A Future already rejected with ``reason`` (a promise method's failure)."""
    return Deferred.rejected(reason).future()


# -- the stream ---------------------------------------------------------------------


class ReadableStream:
    """A source of chunks read through a reader (WHATWG ``ReadableStream``).

    ``ReadableStream(underlying_source=None, strategy=None)``: the source is an object
    or dict with ``start(controller)``, ``pull(controller)``, ``cancel(reason)``
    (plain or coroutine functions), optionally ``type='bytes'`` and
    ``auto_allocate_chunk_size``. An exception from ``start`` is raised here; an
    invalid ``type`` is a TypeError; a bad high-water mark a ValueError.
    """

    __slots__ = (
        "__weakref__",
        "_controller",
        "_disturbed",
        "_reader",
        "_state",
        "_stored_error",
        "_watchers",
    )

    _state: str
    _reader: Any
    _stored_error: Any
    _disturbed: bool
    _controller: Any
    _watchers: list[Callable[[Any], Any]] | None

    def __init__(self, underlying_source: Any = None, strategy: Any = None) -> None:
        initialize_readable_stream(self)
        kind = member_of(underlying_source, "type")
        if kind is not None:
            if kind != "bytes":
                raise type_error(f"The underlying source type must be 'bytes', got {kind!r}")
            if member_of(strategy, "size") is not None:
                raise range_error("A byte stream's strategy may not have a size function")
            from rillet.web._byte_stream import set_up_byte_controller_from_source

            high_water_mark = extract_high_water_mark(strategy, 0)
            set_up_byte_controller_from_source(self, underlying_source, high_water_mark)
            return
        size = extract_size_algorithm(strategy)
        high_water_mark = extract_high_water_mark(strategy, 1)
        set_up_default_controller_from_source(self, underlying_source, high_water_mark, size)

    @property
    def locked(self) -> bool:
        """A reader (or a pipe, a tee, an iterator) holds the stream."""
        return self._reader is not None

    def cancel(self, reason: Any = None) -> asyncio.Future[None]:
        """Cancel the stream: the source's ``cancel(reason)`` runs and queued chunks go.
        Rejects with TypeError on a locked stream."""
        if self._reader is not None:
            return rejected_future(invalid_state("ReadableStream is locked"))
        return readable_stream_cancel(self, reason).future()

    def get_reader(
        self, mode: str | None = None
    ) -> ReadableStreamDefaultReader | ReadableStreamBYOBReader:
        """Lock the stream to a new reader: default, or ``mode='byob'`` on a byte
        stream. TypeError if locked, not a byte stream, or ``mode`` is unknown."""
        if isinstance(mode, dict):
            mode = mode.get("mode")
        if mode is None:
            return acquire_readable_stream_default_reader(self)
        if mode != "byob":
            raise type_error(f"The reader mode must be 'byob', got {mode!r}")
        from rillet.web._byte_stream import ReadableStreamBYOBReader

        return ReadableStreamBYOBReader(self)

    def pipe_to(
        self,
        destination: WritableStream,
        *,
        prevent_close: bool = False,
        prevent_abort: bool = False,
        prevent_cancel: bool = False,
        signal: AbortSignal | None = None,
    ) -> asyncio.Future[None]:
        """Pipe every chunk into ``destination`` with backpressure; resolves when done.

        Rejects (never raises) when either stream is locked or ``signal`` is not an
        ``AbortSignal``; see the spec for how close, errors and aborts propagate."""
        from rillet.web._pipe_to import checked_pipe_to

        return checked_pipe_to(
            self, destination, prevent_close, prevent_abort, prevent_cancel, signal
        ).future()

    def pipe_through(
        self,
        transform: Any,
        *,
        prevent_close: bool = False,
        prevent_abort: bool = False,
        prevent_cancel: bool = False,
        signal: AbortSignal | None = None,
    ) -> ReadableStream:
        """Pipe into ``transform.writable`` and return ``transform.readable``
        (``transform`` is a TransformStream or any ``{readable, writable}`` pair).
        Raises TypeError when this stream or the writable side is locked."""
        from rillet.web._pipe_to import pipe_through

        return pipe_through(self, transform, prevent_close, prevent_abort, prevent_cancel, signal)

    def tee(self) -> list[ReadableStream]:
        """Two branches that each see every chunk (byte streams get copies). Locks
        this stream; TypeError if it is locked."""
        from rillet.web._tee import readable_stream_tee

        return readable_stream_tee(self)

    def values(self, prevent_cancel: bool = False) -> ReadableStreamAsyncIterator:
        """An async iterator over the chunks; it takes a reader now (TypeError if
        locked). Leaving early (``aclose()``, ``break``) cancels the stream unless
        ``prevent_cancel``."""
        from rillet.web._iteration import ReadableStreamAsyncIterator

        return ReadableStreamAsyncIterator(self, prevent_cancel)

    def __aiter__(self) -> ReadableStreamAsyncIterator:
        return self.values()

    @staticmethod
    def from_(iterable: Any) -> ReadableStream:
        """A stream over an async iterable or an iterable (high-water mark 0: nothing
        is read before the first ``read()``). TypeError if it is neither."""
        from rillet.web._iteration import readable_stream_from_iterable

        return readable_stream_from_iterable(iterable)

    def __repr__(self) -> str:
        return f"<ReadableStream {self._state} locked={self._reader is not None}>"


def initialize_readable_stream(stream: ReadableStream) -> None:
    """The spec's ``InitializeReadableStream``."""
    stream._state = "readable"
    stream._reader = None
    stream._stored_error = None
    stream._disturbed = False
    stream._controller = None
    stream._watchers = None


def create_readable_stream(
    start: StartAlgorithm | None,
    pull: PullAlgorithm | None,
    cancel: CancelAlgorithm | None,
    high_water_mark: float = 1,
    size: SizeAlgorithm = None,
) -> ReadableStream:
    """The spec's ``CreateReadableStream`` (a default stream over algorithms)."""
    stream = ReadableStream.__new__(ReadableStream)
    initialize_readable_stream(stream)
    controller = ReadableStreamDefaultController.__new__(ReadableStreamDefaultController)
    set_up_readable_stream_default_controller(
        stream, controller, start, pull, cancel, high_water_mark, size
    )
    return stream


def watch_readable_stream(stream: ReadableStream, callback: Callable[[Any], Any]) -> None:
    """Call ``callback(None)`` when the stream closes, ``callback(error)`` when it
    errors (at once if it already has), without locking it. For ``finished()``."""
    if stream._state == "closed":
        callback(None)
    elif stream._state == "errored":
        callback(as_exception(stream._stored_error))
    elif stream._watchers is None:
        stream._watchers = [callback]
    else:
        stream._watchers.append(callback)


def _notify_watchers(stream: Any, error: BaseException | None) -> None:
    watchers = stream._watchers
    if watchers:
        stream._watchers = None
        for callback in watchers:
            callback(error)


def readable_stream_cancel(stream: ReadableStream, reason: Any) -> Deferred:
    """The spec's ``ReadableStreamCancel``."""
    stream._disturbed = True
    state = stream._state
    if state == "closed":
        return Deferred.resolved()
    if state == "errored":
        return Deferred.rejected(stream._stored_error)
    readable_stream_close(stream)
    reader = stream._reader
    if reader is not None and reader._is_byob:
        requests = reader._read_into_requests
        reader._read_into_requests = deque()
        for request in requests:
            request.close_steps(None)
    return promise_from(stream._controller._cancel_steps(reason))


def readable_stream_close(stream: ReadableStream) -> None:
    """The spec's ``ReadableStreamClose``."""
    stream._state = "closed"
    reader = stream._reader
    if reader is not None:
        reader._closed_promise.resolve(None)
        if not reader._is_byob:
            requests = reader._read_requests
            if requests:
                reader._read_requests = deque()
                for request in requests:
                    request.close_steps()
    if stream._watchers:
        _notify_watchers(stream, None)


def readable_stream_error(stream: ReadableStream, error: Any) -> None:
    """The spec's ``ReadableStreamError``."""
    stream._state = "errored"
    stream._stored_error = error
    reader = stream._reader
    if reader is not None:
        closed = reader._closed_promise
        closed.mark_handled()
        closed.reject(error)
        if reader._is_byob:
            requests, reader._read_into_requests = reader._read_into_requests, deque()
        else:
            requests, reader._read_requests = reader._read_requests, deque()
        error_requests(requests, error)
    if stream._watchers:
        _notify_watchers(stream, as_exception(error))


# -- readers ------------------------------------------------------------------------


def readable_stream_reader_generic_initialize(reader: Any, stream: ReadableStream) -> None:
    """The spec's ``ReadableStreamReaderGenericInitialize``."""
    reader._stream = stream
    stream._reader = reader
    state = stream._state
    if state == "readable":
        reader._closed_promise = Deferred()
    elif state == "closed":
        reader._closed_promise = Deferred.resolved()
    else:
        reader._closed_promise = Deferred.rejected(stream._stored_error, handled=True)


def readable_stream_reader_generic_release(reader: Any) -> None:
    """The spec's ``ReadableStreamReaderGenericRelease``."""
    stream = reader._stream
    error = invalid_state("Reader released")
    if stream._state == "readable":
        reader._closed_promise.mark_handled()
        reader._closed_promise.reject(error)
    else:
        reader._closed_promise = Deferred.rejected(error, handled=True)
    stream._controller._release_steps()
    stream._reader = None
    reader._stream = None


def readable_stream_default_reader_read(reader: ReadableStreamDefaultReader, request: Any) -> None:
    """The spec's ``ReadableStreamDefaultReaderRead``."""
    stream = reader._stream
    assert stream is not None
    stream._disturbed = True
    state = stream._state
    if state == "readable":
        stream._controller._pull_steps(request)
    elif state == "closed":
        request.close_steps()
    else:
        request.error_steps(stream._stored_error)


def readable_stream_default_reader_release(reader: ReadableStreamDefaultReader) -> None:
    """The spec's ``ReadableStreamDefaultReaderRelease``: pending reads reject."""
    readable_stream_reader_generic_release(reader)
    requests, reader._read_requests = reader._read_requests, deque()
    error_requests(requests, invalid_state("Releasing reader"))


def error_requests(requests: deque[Any], error: Any) -> None:
    """Run the error steps of every read (or read-into) request, in order."""
    for request in requests:
        request.error_steps(error)


def acquire_readable_stream_default_reader(stream: ReadableStream) -> ReadableStreamDefaultReader:
    """The spec's ``AcquireReadableStreamDefaultReader`` (TypeError if locked)."""
    return ReadableStreamDefaultReader(stream)


class ReadableStreamGenericReader:
    """The spec's ``ReadableStreamGenericReader``: what both readers share."""

    __slots__ = ("_closed_promise", "_stream")

    _stream: ReadableStream | None
    _closed_promise: Deferred
    _is_byob: bool

    def _check_stream(self, stream: ReadableStream) -> None:
        if not isinstance(stream, ReadableStream):
            raise type_error(f"{type(self).__name__} needs a ReadableStream")
        if stream._reader is not None:
            raise invalid_state("ReadableStream is locked")

    def _release(self) -> None:
        raise NotImplementedError

    @property
    def closed(self) -> asyncio.Future[None]:
        """Resolves when the stream closes; rejects when it errors or the lock is
        released."""
        return self._closed_promise.future()

    def cancel(self, reason: Any = None) -> asyncio.Future[None]:
        """Cancel the stream (the lock stays)."""
        if self._stream is None:
            return rejected_future(invalid_state("The reader is not attached to a stream"))
        return readable_stream_cancel(self._stream, reason).future()

    def release_lock(self) -> None:
        """Unlock the stream; pending reads reject with TypeError. No-op if released."""
        if self._stream is not None:
            self._release()


class ReadableStreamDefaultReader(ReadableStreamGenericReader):
    """A reader that gets whole chunks: ``await reader.read()`` → ``ReadResult``.

    Constructing one on a locked stream raises TypeError (as ``get_reader()`` does).
    """

    __slots__ = ("_read_requests",)

    _read_requests: deque[Any]
    _is_byob = False

    def __init__(self, stream: ReadableStream) -> None:
        self._check_stream(stream)
        readable_stream_reader_generic_initialize(self, stream)
        self._read_requests = deque()

    def read(self) -> asyncio.Future[ReadResult]:
        """The next chunk as ``ReadResult(value, done)``; ``done`` once closed.
        Rejects with the stream's error, or TypeError on a released reader."""
        if self._stream is None:
            return rejected_future(invalid_state("The reader is not attached to a stream"))
        adopt_pending_ticks()
        future: asyncio.Future[ReadResult] = asyncio.get_running_loop().create_future()
        readable_stream_default_reader_read(self, FutureReadRequest(future))
        return future

    def _release(self) -> None:
        readable_stream_default_reader_release(self)


# -- the default controller ---------------------------------------------------------


class SourceController:
    """What both readable controllers share: the pull and start bookkeeping."""

    __slots__ = ("_pull", "_pull_again", "_pulling", "_started")

    _pulling: bool
    _pull_again: bool
    _pull: PullAlgorithm | None
    _started: bool

    def _should_call_pull(self) -> bool:
        raise NotImplementedError

    def _error(self, error: Any) -> None:
        raise NotImplementedError

    def _pull_fulfilled(self, _value: Any = None) -> None:
        self._pulling = False
        if self._pull_again:
            self._pull_again = False
            call_pull_if_needed(self)

    def _start_fulfilled(self, _value: Any = None) -> None:
        self._started = True
        call_pull_if_needed(self)


def call_pull_if_needed(controller: SourceController) -> None:
    """The spec's ``ReadableStreamDefaultControllerCallPullIfNeeded`` (and the byte
    controller's twin): call ``pull`` unless one is in flight, then again once it
    settles if something asked meanwhile. A rejection errors the stream."""
    if controller._pulling:
        # Checked before ShouldCallPull, which the retry after the pull checks anyway.
        controller._pull_again = True
        return
    if not controller._should_call_pull():
        return
    controller._pulling = True
    pull = controller._pull
    if pull is None:
        next_tick(controller._pull_fulfilled)
        return
    try:
        result = pull()
    except Exception as error:
        next_tick(controller._error, error)
        return
    if result is None:
        next_tick(controller._pull_fulfilled)
    else:
        upon(result, controller._pull_fulfilled, controller._error)


class ReadableStreamDefaultController(SourceController):
    """What a default source's callbacks get: ``enqueue``, ``close``, ``error`` and
    ``desired_size``."""

    __slots__ = (
        "_cancel",
        "_close_requested",
        "_high_water_mark",
        "_queue",
        "_queue_sizes",
        "_queue_total_size",
        "_size",
        "_stream",
    )

    _stream: ReadableStream
    _queue: deque[Any]
    _queue_sizes: deque[float] | None
    _queue_total_size: float
    _close_requested: bool
    _size: SizeAlgorithm
    _high_water_mark: float
    _cancel: CancelAlgorithm | None

    def __init__(self) -> None:
        raise illegal_constructor()

    @property
    def desired_size(self) -> float | None:
        """High-water mark minus queued size; ``None`` once errored, 0 once closed."""
        return readable_stream_default_controller_get_desired_size(self)

    def close(self) -> None:
        """Close once the queued chunks are read. TypeError if closing or not readable."""
        if not can_close_or_enqueue(self):
            raise invalid_state("Controller is already closed")
        readable_stream_default_controller_close(self)

    def enqueue(self, chunk: Any = None) -> None:
        """Queue ``chunk`` (or hand it to a waiting read). TypeError if closing or not
        readable; the strategy's size error is raised after erroring the stream."""
        if not can_close_or_enqueue(self):
            raise invalid_state("Controller is already closed")
        readable_stream_default_controller_enqueue(self, chunk)

    def error(self, error: Any = None) -> None:
        """Error the stream with ``error`` (no-op unless readable)."""
        readable_stream_default_controller_error(self, error)

    # The spec's internal methods.

    def _cancel_steps(self, reason: Any) -> Any:
        self._queue.clear()
        if self._queue_sizes is not None:
            self._queue_sizes.clear()
        self._queue_total_size = 0
        cancel = self._cancel
        readable_stream_default_controller_clear_algorithms(self)
        return invoke(cancel, reason)

    def _pull_steps(self, request: Any) -> None:
        queue = self._queue
        if queue:
            chunk = queue.popleft()
            sizes = self._queue_sizes
            total = self._queue_total_size - (1 if sizes is None else sizes.popleft())
            self._queue_total_size = total if total > 0 else 0
            if self._close_requested and not queue:
                readable_stream_default_controller_clear_algorithms(self)
                readable_stream_close(self._stream)
            elif self._pulling:
                self._pull_again = True
            else:
                call_pull_if_needed(self)
            request.chunk_steps(chunk)
            return
        self._stream._reader._read_requests.append(request)
        if self._pulling:
            self._pull_again = True
        else:
            call_pull_if_needed(self)

    def _release_steps(self) -> None:
        return

    def _error(self, error: Any) -> None:
        readable_stream_default_controller_error(self, error)

    def _should_call_pull(self) -> bool:
        return readable_stream_default_controller_should_call_pull(self)


def set_up_readable_stream_default_controller(
    stream: ReadableStream,
    controller: ReadableStreamDefaultController,
    start: StartAlgorithm | None,
    pull: PullAlgorithm | None,
    cancel: CancelAlgorithm | None,
    high_water_mark: float,
    size: SizeAlgorithm,
) -> None:
    """The spec's ``SetUpReadableStreamDefaultController``. An exception from
    ``start`` propagates (the constructor re-throws it)."""
    controller._stream = stream
    controller._queue = deque()
    controller._queue_sizes = None if size is None else deque()
    controller._queue_total_size = 0
    controller._started = False
    controller._close_requested = False
    controller._pull_again = False
    controller._pulling = False
    controller._size = size
    controller._high_water_mark = high_water_mark
    controller._pull = pull
    controller._cancel = cancel
    stream._controller = controller
    result = None if start is None else start()
    upon(result, controller._start_fulfilled, controller._error)


def set_up_default_controller_from_source(
    stream: ReadableStream, source: Any, high_water_mark: float, size: SizeAlgorithm
) -> None:
    """The spec's ``SetUpReadableStreamDefaultControllerFromUnderlyingSource``."""
    controller = ReadableStreamDefaultController.__new__(ReadableStreamDefaultController)
    start = method_of(source, "start")
    set_up_readable_stream_default_controller(
        stream,
        controller,
        bind(start, controller),
        bind(method_of(source, "pull"), controller),
        method_of(source, "cancel"),
        high_water_mark,
        size,
    )


def readable_stream_default_controller_should_call_pull(
    controller: ReadableStreamDefaultController,
) -> bool:
    """The spec's ``ReadableStreamDefaultControllerShouldCallPull``."""
    stream = controller._stream
    if controller._close_requested or stream._state != "readable" or not controller._started:
        return False
    reader = stream._reader
    if reader is not None and reader._read_requests:
        return True
    return controller._high_water_mark - controller._queue_total_size > 0


def readable_stream_default_controller_clear_algorithms(
    controller: ReadableStreamDefaultController,
) -> None:
    """The spec's ``ReadableStreamDefaultControllerClearAlgorithms``."""
    controller._pull = None
    controller._cancel = None
    controller._size = None


def readable_stream_default_controller_close(controller: ReadableStreamDefaultController) -> None:
    """The spec's ``ReadableStreamDefaultControllerClose``."""
    if controller._close_requested or controller._stream._state != "readable":
        return
    controller._close_requested = True
    if not controller._queue:
        readable_stream_default_controller_clear_algorithms(controller)
        readable_stream_close(controller._stream)


def readable_stream_default_controller_enqueue(
    controller: ReadableStreamDefaultController, chunk: Any
) -> None:
    """The spec's ``ReadableStreamDefaultControllerEnqueue``: a waiting read takes the
    chunk at once (no size call); otherwise it is queued with its size."""
    stream = controller._stream
    if controller._close_requested or stream._state != "readable":
        return
    reader = stream._reader
    if reader is not None and reader._read_requests:
        reader._read_requests.popleft().chunk_steps(chunk)
    else:
        size = controller._size
        if size is None:
            controller._queue.append(chunk)
            controller._queue_total_size += 1
        else:
            try:
                chunk_size_value = chunk_size(size, chunk)
            except Exception as error:
                readable_stream_default_controller_error(controller, error)
                raise
            controller._queue.append(chunk)
            controller._queue_sizes.append(chunk_size_value)  # type: ignore[union-attr]
            controller._queue_total_size += chunk_size_value
    if controller._pulling:
        controller._pull_again = True
    else:
        call_pull_if_needed(controller)


def readable_stream_default_controller_error(
    controller: ReadableStreamDefaultController, error: Any
) -> None:
    """The spec's ``ReadableStreamDefaultControllerError``."""
    stream = controller._stream
    if stream._state != "readable":
        return
    controller._queue.clear()
    if controller._queue_sizes is not None:
        controller._queue_sizes.clear()
    controller._queue_total_size = 0
    readable_stream_default_controller_clear_algorithms(controller)
    readable_stream_error(stream, error)


def readable_stream_default_controller_get_desired_size(
    controller: ReadableStreamDefaultController,
) -> float | None:
    """The spec's ``ReadableStreamDefaultControllerGetDesiredSize``."""
    state = controller._stream._state
    if state == "errored":
        return None
    if state == "closed":
        return 0
    return controller._high_water_mark - controller._queue_total_size


def readable_stream_default_controller_has_backpressure(
    controller: ReadableStreamDefaultController,
) -> bool:
    """The spec's ``ReadableStreamDefaultControllerHasBackpressure``."""
    return not readable_stream_default_controller_should_call_pull(controller)


def can_close_or_enqueue(controller: ReadableStreamDefaultController) -> bool:
    """The spec's ``ReadableStreamDefaultControllerCanCloseOrEnqueue``."""
    return not controller._close_requested and controller._stream._state == "readable"
