"""Byte streams: ``ReadableByteStreamController``, the BYOB reader and request
(spec §4.4, §4.7, §4.8 and the byte-stream abstract operations).

Python has no detachable ``ArrayBuffer``. rillet emulates the spec's transfers this
way: the ``memoryview`` a caller hands over (to ``reader.read(view)``,
``controller.enqueue(view)`` or ``respond_with_new_view(view)``) is released, so using
it afterwards raises ``ValueError`` as a detached buffer would fail, and the stream
works on a new view over the same memory. A released view passed in counts as a
detached buffer (TypeError). ``bytes`` and ``bytearray`` cannot be released: ownership
of their memory passes to the stream all the same, do not modify a ``bytearray``
after enqueueing it. The spec's "same buffer, right offset" checks of
``respond_with_new_view`` compare memory addresses.
"""

from __future__ import annotations

import asyncio
import ctypes
from collections import deque
from typing import Any

from rillet.web._promise import adopt_pending_ticks, invoke, upon
from rillet.web._readable_stream import (
    CancelAlgorithm,
    FutureReadRequest,
    PullAlgorithm,
    ReadableStream,
    ReadableStreamGenericReader,
    ReadResult,
    SourceController,
    StartAlgorithm,
    call_pull_if_needed,
    error_requests,
    initialize_readable_stream,
    readable_stream_close,
    readable_stream_error,
    readable_stream_reader_generic_initialize,
    readable_stream_reader_generic_release,
    rejected_future,
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

__all__ = [
    "ReadableByteStreamController",
    "ReadableStreamBYOBReader",
    "ReadableStreamBYOBRequest",
    "byte_controller_close",
    "byte_controller_enqueue",
    "byte_controller_error",
    "byte_controller_respond",
    "byte_controller_respond_with_new_view",
    "create_readable_byte_stream",
    "get_byob_request",
    "readable_stream_byob_reader_read",
    "set_up_byte_controller_from_source",
]


def is_detached(view: memoryview) -> bool:
    """A released ``memoryview`` stands for a detached buffer."""
    try:
        view.nbytes  # noqa: B018 - raises on a released view
    except ValueError:
        return True
    return False


def _release(view: Any) -> None:
    # Detach the caller's view; a view someone else still exports stays usable.
    if type(view) is memoryview:
        try:
            view.release()
        except BufferError:
            pass


def transfer(chunk: Any) -> memoryview:
    """The spec's ``TransferArrayBuffer`` for a chunk: a fresh byte view over the same
    memory; the caller's ``memoryview`` is released. TypeError if already detached or
    not a buffer."""
    try:
        source = memoryview(chunk)
        view = source if source.format == "B" and source.ndim == 1 else source.cast("B")
    except TypeError:
        raise type_error(
            f"The chunk must be bytes, bytearray or a memoryview, got {type(chunk).__name__}"
        ) from None
    except ValueError:
        raise type_error("The chunk's buffer is detached") from None
    _release(chunk)
    return view


def _address(view: memoryview) -> int:
    return ctypes.addressof((ctypes.c_char * view.nbytes).from_buffer(view))


class PullIntoDescriptor:
    """The spec's pull-into descriptor: a pending read into a caller's buffer."""

    __slots__ = (
        "buffer",
        "byte_length",
        "byte_offset",
        "bytes_filled",
        "element_size",
        "minimum_fill",
        "reader_type",
        "view_format",
    )

    def __init__(
        self,
        buffer: memoryview,
        minimum_fill: int,
        element_size: int,
        view_format: str,
        reader_type: str,
    ) -> None:
        self.buffer = buffer
        self.byte_offset = 0
        self.byte_length = buffer.nbytes
        self.bytes_filled = 0
        self.minimum_fill = minimum_fill
        self.element_size = element_size
        self.view_format = view_format
        self.reader_type = reader_type


def _convert(descriptor: PullIntoDescriptor) -> memoryview:
    """The spec's ``ReadableByteStreamControllerConvertPullIntoDescriptor``."""
    start = descriptor.byte_offset
    view = descriptor.buffer[start : start + descriptor.bytes_filled]
    fmt = descriptor.view_format
    return view if fmt == "B" else view.cast(fmt)  # type: ignore[call-overload]


# -- the controller -----------------------------------------------------------------


class ReadableByteStreamController(SourceController):
    """What a byte source's callbacks get: ``enqueue(view)``, ``close()``, ``error()``,
    ``desired_size`` and ``byob_request`` (a pending read into a caller's buffer)."""

    __slots__ = (
        "_auto_allocate_chunk_size",
        "_byob_request",
        "_cancel",
        "_close_requested",
        "_high_water_mark",
        "_pending_pull_intos",
        "_queue",
        "_queue_total_size",
        "_stream",
    )

    _stream: ReadableStream
    _auto_allocate_chunk_size: int | None
    _byob_request: ReadableStreamBYOBRequest | None
    _cancel: CancelAlgorithm | None
    _close_requested: bool
    _high_water_mark: float
    _pending_pull_intos: deque[PullIntoDescriptor]
    _queue: deque[memoryview]
    _queue_total_size: int

    def __init__(self) -> None:
        raise illegal_constructor()

    @property
    def byob_request(self) -> ReadableStreamBYOBRequest | None:
        """The current BYOB request, or ``None`` when no read waits for a buffer."""
        return get_byob_request(self)

    @property
    def desired_size(self) -> float | None:
        """High-water mark minus queued bytes; ``None`` once errored, 0 once closed."""
        state = self._stream._state
        if state == "errored":
            return None
        if state == "closed":
            return 0
        return self._high_water_mark - self._queue_total_size

    def close(self) -> None:
        """Close once the queued bytes are read. TypeError if closing or not readable,
        or if a pending BYOB read holds a partial element (which also errors the
        stream)."""
        if self._close_requested:
            raise invalid_state("Controller is already closed")
        if self._stream._state != "readable":
            raise invalid_state("ReadableStream is not readable")
        byte_controller_close(self)

    def enqueue(self, chunk: Any) -> None:
        """Queue a chunk of bytes (``bytes``, ``bytearray`` or ``memoryview``; see the
        module docstring on transfers). TypeError if it is empty or the stream cannot
        take more."""
        if type(chunk) is memoryview and is_detached(chunk):
            raise type_error("The chunk's buffer is detached")
        try:
            size = memoryview(chunk).nbytes
        except TypeError:
            raise type_error(
                f"The chunk must be bytes, bytearray or a memoryview, got {type(chunk).__name__}"
            ) from None
        if size == 0:
            raise type_error("The chunk must not be empty")
        if self._close_requested:
            raise invalid_state("Controller is already closed")
        if self._stream._state != "readable":
            raise invalid_state("ReadableStream is not readable")
        byte_controller_enqueue(self, chunk)

    def error(self, error: Any = None) -> None:
        """Error the stream with ``error`` (no-op unless readable)."""
        byte_controller_error(self, error)

    # The spec's internal methods.

    def _error(self, error: Any) -> None:
        byte_controller_error(self, error)

    def _should_call_pull(self) -> bool:
        stream = self._stream
        if stream._state != "readable" or self._close_requested or not self._started:
            return False
        reader = stream._reader
        if reader is not None:
            if reader._is_byob:
                if reader._read_into_requests:
                    return True
            elif reader._read_requests:
                return True
        return self._high_water_mark - self._queue_total_size > 0

    def _cancel_steps(self, reason: Any) -> Any:
        _clear_pending_pull_intos(self)
        self._queue.clear()
        self._queue_total_size = 0
        cancel = self._cancel
        _clear_algorithms(self)
        return invoke(cancel, reason)

    def _pull_steps(self, request: Any) -> None:
        if self._queue_total_size > 0:
            _fill_read_request_from_queue(self, request)
            return
        size = self._auto_allocate_chunk_size
        if size is not None:
            buffer = memoryview(bytearray(size))
            self._pending_pull_intos.append(PullIntoDescriptor(buffer, 1, 1, "B", "default"))
        reader = self._stream._reader
        assert reader is not None and not reader._is_byob
        reader._read_requests.append(request)
        call_pull_if_needed(self)

    def _release_steps(self) -> None:
        pending = self._pending_pull_intos
        if pending:
            first = pending[0]
            first.reader_type = "none"
            self._pending_pull_intos = deque([first])


def set_up_byte_controller(
    stream: ReadableStream,
    controller: ReadableByteStreamController,
    start: StartAlgorithm | None,
    pull: PullAlgorithm | None,
    cancel: CancelAlgorithm | None,
    high_water_mark: float,
    auto_allocate_chunk_size: int | None,
) -> None:
    """The spec's ``SetUpReadableByteStreamController``."""
    controller._stream = stream
    controller._pull_again = False
    controller._pulling = False
    controller._byob_request = None
    controller._queue = deque()
    controller._queue_total_size = 0
    controller._close_requested = False
    controller._started = False
    controller._high_water_mark = high_water_mark
    controller._pull = pull
    controller._cancel = cancel
    controller._auto_allocate_chunk_size = auto_allocate_chunk_size
    controller._pending_pull_intos = deque()
    stream._controller = controller
    result = None if start is None else start()
    upon(result, controller._start_fulfilled, controller._error)


def set_up_byte_controller_from_source(
    stream: ReadableStream, source: Any, high_water_mark: float
) -> None:
    """The spec's ``SetUpReadableByteStreamControllerFromUnderlyingSource``."""
    controller = ReadableByteStreamController.__new__(ReadableByteStreamController)
    size = member_of(source, "auto_allocate_chunk_size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size <= 0):
        raise type_error(f"auto_allocate_chunk_size must be a positive integer, got {size!r}")
    start = bind(method_of(source, "start"), controller)
    pull = bind(method_of(source, "pull"), controller)
    cancel = method_of(source, "cancel")
    set_up_byte_controller(stream, controller, start, pull, cancel, high_water_mark, size)


def create_readable_byte_stream(
    start: StartAlgorithm | None, pull: PullAlgorithm | None, cancel: CancelAlgorithm | None
) -> ReadableStream:
    """The spec's ``CreateReadableByteStream`` (high-water mark 0)."""
    stream = ReadableStream.__new__(ReadableStream)
    initialize_readable_stream(stream)
    controller = ReadableByteStreamController.__new__(ReadableByteStreamController)
    set_up_byte_controller(stream, controller, start, pull, cancel, 0, None)
    return stream


def _clear_algorithms(controller: ReadableByteStreamController) -> None:
    controller._pull = None
    controller._cancel = None


def _invalidate_byob_request(controller: ReadableByteStreamController) -> None:
    request = controller._byob_request
    if request is None:
        return
    request._controller = None
    view = request._view
    request._view = None
    controller._byob_request = None
    _release(view)


def _clear_pending_pull_intos(controller: ReadableByteStreamController) -> None:
    _invalidate_byob_request(controller)
    controller._pending_pull_intos = deque()


def _shift_pending_pull_into(controller: ReadableByteStreamController) -> PullIntoDescriptor:
    return controller._pending_pull_intos.popleft()


def byte_controller_close(controller: ReadableByteStreamController) -> None:
    """The spec's ``ReadableByteStreamControllerClose`` (raises TypeError after
    erroring the stream when a partial element is pending)."""
    stream = controller._stream
    if controller._close_requested or stream._state != "readable":
        return
    if controller._queue_total_size > 0:
        controller._close_requested = True
        return
    pending = controller._pending_pull_intos
    if pending:
        first = pending[0]
        if first.bytes_filled % first.element_size:
            error = invalid_state("Insufficient bytes to fill elements in the given buffer")
            byte_controller_error(controller, error)
            raise error
    _clear_algorithms(controller)
    readable_stream_close(stream)


def byte_controller_error(controller: ReadableByteStreamController, error: Any) -> None:
    """The spec's ``ReadableByteStreamControllerError``."""
    stream = controller._stream
    if stream._state != "readable":
        return
    _clear_pending_pull_intos(controller)
    controller._queue.clear()
    controller._queue_total_size = 0
    _clear_algorithms(controller)
    readable_stream_error(stream, error)


def _commit(stream: ReadableStream, descriptor: PullIntoDescriptor) -> None:
    """The spec's ``ReadableByteStreamControllerCommitPullIntoDescriptor``."""
    done = stream._state == "closed"
    view = _convert(descriptor)
    reader = stream._reader
    assert reader is not None
    if descriptor.reader_type == "default":
        request = reader._read_requests.popleft()
        if done:
            request.close_steps()
        else:
            request.chunk_steps(view)
    else:
        request = reader._read_into_requests.popleft()
        if done:
            request.close_steps(view)
        else:
            request.chunk_steps(view)


def byte_controller_enqueue(controller: ReadableByteStreamController, chunk: Any) -> None:
    """The spec's ``ReadableByteStreamControllerEnqueue``."""
    stream = controller._stream
    if controller._close_requested or stream._state != "readable":
        return
    view = transfer(chunk)
    pending = controller._pending_pull_intos
    if pending:
        _invalidate_byob_request(controller)
        first = pending[0]
        if first.reader_type == "none":
            _enqueue_detached_pull_into_to_queue(controller, first)
    reader = stream._reader
    if reader is None:
        controller._queue.append(view)
        controller._queue_total_size += view.nbytes
    elif not reader._is_byob:
        _process_read_requests_using_queue(controller)
        if not reader._read_requests:
            controller._queue.append(view)
            controller._queue_total_size += view.nbytes
        else:
            if controller._pending_pull_intos:
                _shift_pending_pull_into(controller)
            reader._read_requests.popleft().chunk_steps(view)
    else:
        controller._queue.append(view)
        controller._queue_total_size += view.nbytes
        for descriptor in _process_pull_into_descriptors_using_queue(controller):
            _commit(stream, descriptor)
    call_pull_if_needed(controller)


def _enqueue_cloned_chunk_to_queue(
    controller: ReadableByteStreamController, buffer: memoryview, offset: int, length: int
) -> None:
    clone = memoryview(bytes(buffer[offset : offset + length]))
    controller._queue.append(clone)
    controller._queue_total_size += length


def _enqueue_detached_pull_into_to_queue(
    controller: ReadableByteStreamController, descriptor: PullIntoDescriptor
) -> None:
    if descriptor.bytes_filled > 0:
        _enqueue_cloned_chunk_to_queue(
            controller, descriptor.buffer, descriptor.byte_offset, descriptor.bytes_filled
        )
    _shift_pending_pull_into(controller)


def _fill_pull_into_descriptor_from_queue(
    controller: ReadableByteStreamController, descriptor: PullIntoDescriptor
) -> bool:
    """The spec's ``ReadableByteStreamControllerFillPullIntoDescriptorFromQueue``:
    copy queued bytes into the descriptor; True once ``minimum_fill`` is reached."""
    max_bytes_to_copy = min(
        controller._queue_total_size, descriptor.byte_length - descriptor.bytes_filled
    )
    max_bytes_filled = descriptor.bytes_filled + max_bytes_to_copy
    remaining = max_bytes_to_copy
    ready = False
    max_aligned_bytes = max_bytes_filled - max_bytes_filled % descriptor.element_size
    if max_aligned_bytes >= descriptor.minimum_fill:
        remaining = max_aligned_bytes - descriptor.bytes_filled
        ready = True
    queue = controller._queue
    buffer = descriptor.buffer
    while remaining > 0:
        head = queue[0]
        count = min(remaining, head.nbytes)
        start = descriptor.byte_offset + descriptor.bytes_filled
        buffer[start : start + count] = head[:count]
        if head.nbytes == count:
            queue.popleft()
        else:
            queue[0] = head[count:]
        controller._queue_total_size -= count
        descriptor.bytes_filled += count
        remaining -= count
    return ready


def get_byob_request(controller: ReadableByteStreamController) -> ReadableStreamBYOBRequest | None:
    """The spec's ``ReadableByteStreamControllerGetBYOBRequest``."""
    if controller._byob_request is None and controller._pending_pull_intos:
        first = controller._pending_pull_intos[0]
        start = first.byte_offset + first.bytes_filled
        request = ReadableStreamBYOBRequest.__new__(ReadableStreamBYOBRequest)
        request._controller = controller
        request._view = first.buffer[start : first.byte_offset + first.byte_length]
        controller._byob_request = request
    return controller._byob_request


def _handle_queue_drain(controller: ReadableByteStreamController) -> None:
    if controller._queue_total_size == 0 and controller._close_requested:
        _clear_algorithms(controller)
        readable_stream_close(controller._stream)
    else:
        call_pull_if_needed(controller)


def _process_pull_into_descriptors_using_queue(
    controller: ReadableByteStreamController,
) -> list[PullIntoDescriptor]:
    filled: list[PullIntoDescriptor] = []
    pending = controller._pending_pull_intos
    while pending and controller._queue_total_size > 0:
        descriptor = pending[0]
        if _fill_pull_into_descriptor_from_queue(controller, descriptor):
            _shift_pending_pull_into(controller)
            filled.append(descriptor)
    return filled


def _process_read_requests_using_queue(controller: ReadableByteStreamController) -> None:
    reader = controller._stream._reader
    assert reader is not None
    requests = reader._read_requests
    while requests and controller._queue_total_size > 0:
        _fill_read_request_from_queue(controller, requests.popleft())


def _fill_read_request_from_queue(controller: ReadableByteStreamController, request: Any) -> None:
    entry = controller._queue.popleft()
    controller._queue_total_size -= entry.nbytes
    _handle_queue_drain(controller)
    request.chunk_steps(entry)


def _pull_into(
    controller: ReadableByteStreamController, view: Any, minimum: int, request: Any
) -> None:
    """The spec's ``ReadableByteStreamControllerPullInto``."""
    stream = controller._stream
    source = memoryview(view)
    element_size = source.itemsize
    view_format = source.format
    try:
        buffer = transfer(view)
    except TypeError as detached:
        request.error_steps(detached)
        return
    descriptor = PullIntoDescriptor(
        buffer, minimum * element_size, element_size, view_format, "byob"
    )
    pending = controller._pending_pull_intos
    reader = stream._reader
    assert reader is not None and reader._is_byob
    if pending:
        pending.append(descriptor)
        reader._read_into_requests.append(request)
        return
    if stream._state == "closed":
        request.close_steps(_convert(descriptor))
        return
    if controller._queue_total_size > 0:
        if _fill_pull_into_descriptor_from_queue(controller, descriptor):
            filled = _convert(descriptor)
            _handle_queue_drain(controller)
            request.chunk_steps(filled)
            return
        if controller._close_requested:
            error = invalid_state("Insufficient bytes to fill elements in the given buffer")
            byte_controller_error(controller, error)
            request.error_steps(error)
            return
    pending.append(descriptor)
    reader._read_into_requests.append(request)
    call_pull_if_needed(controller)


def byte_controller_respond(controller: ReadableByteStreamController, bytes_written: int) -> None:
    """The spec's ``ReadableByteStreamControllerRespond``."""
    first = controller._pending_pull_intos[0]
    if controller._stream._state == "closed":
        if bytes_written != 0:
            raise type_error("bytes_written must be 0 when the stream is closed")
    else:
        if bytes_written == 0:
            raise type_error("bytes_written must be greater than 0 on a readable stream")
        if first.bytes_filled + bytes_written > first.byte_length:
            raise range_error("bytes_written is out of range")
    _respond_internal(controller, bytes_written)


def _respond_internal(controller: ReadableByteStreamController, bytes_written: int) -> None:
    first = controller._pending_pull_intos[0]
    _invalidate_byob_request(controller)
    stream = controller._stream
    if stream._state == "closed":
        if first.reader_type == "none":
            _shift_pending_pull_into(controller)
        reader = stream._reader
        if reader is not None and reader._is_byob:
            count = len(reader._read_into_requests)
            filled = [_shift_pending_pull_into(controller) for _ in range(count)]
            for descriptor in filled:
                _commit(stream, descriptor)
    else:
        _respond_in_readable_state(controller, bytes_written, first)
    call_pull_if_needed(controller)


def _respond_in_readable_state(
    controller: ReadableByteStreamController, bytes_written: int, descriptor: PullIntoDescriptor
) -> None:
    stream = controller._stream
    descriptor.bytes_filled += bytes_written
    if descriptor.reader_type == "none":
        _enqueue_detached_pull_into_to_queue(controller, descriptor)
        for filled in _process_pull_into_descriptors_using_queue(controller):
            _commit(stream, filled)
        return
    if descriptor.bytes_filled < descriptor.minimum_fill:
        return
    _shift_pending_pull_into(controller)
    remainder = descriptor.bytes_filled % descriptor.element_size
    if remainder > 0:
        end = descriptor.byte_offset + descriptor.bytes_filled
        _enqueue_cloned_chunk_to_queue(controller, descriptor.buffer, end - remainder, remainder)
    descriptor.bytes_filled -= remainder
    filled_list = _process_pull_into_descriptors_using_queue(controller)
    _commit(stream, descriptor)
    for filled in filled_list:
        _commit(stream, filled)


def byte_controller_respond_with_new_view(
    controller: ReadableByteStreamController, view: memoryview
) -> None:
    """The spec's ``ReadableByteStreamControllerRespondWithNewView``: ``view`` must lie
    over the pending buffer exactly where the next bytes go (else ValueError)."""
    first = controller._pending_pull_intos[0]
    length = view.nbytes
    if controller._stream._state == "closed":
        if length != 0:
            raise type_error("The view must be empty when the stream is closed")
    elif length == 0:
        raise type_error("The view must not be empty on a readable stream")
    if view.obj is not first.buffer.obj or view.readonly:
        raise range_error("The view is not over the BYOB request's buffer")
    offset = _address(view) - _address(first.buffer)
    if offset != first.byte_offset + first.bytes_filled:
        raise range_error("The view does not start where the BYOB request's view starts")
    if first.bytes_filled + length > first.byte_length:
        raise range_error("The view is larger than the BYOB request's view")
    _respond_internal(controller, length)


# -- the BYOB request ---------------------------------------------------------------


def _enforce_index(value: Any, name: str) -> int:
    """WebIDL ``[EnforceRange] unsigned long long``: a non-negative integer, else
    TypeError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise type_error(f"{name} must be a non-negative integer, got {value!r}")
    return value


class ReadableStreamBYOBRequest:
    """A pending read into a caller's buffer: write into :attr:`view`, then
    :meth:`respond` with the byte count (or :meth:`respond_with_new_view`)."""

    __slots__ = ("_controller", "_view")

    _controller: ReadableByteStreamController | None
    _view: memoryview | None

    def __init__(self) -> None:
        raise illegal_constructor()

    @property
    def view(self) -> memoryview | None:
        """The free part of the buffer (``None`` once responded)."""
        return self._view

    def respond(self, bytes_written: int) -> None:
        """Report ``bytes_written`` bytes written into :attr:`view`. TypeError once
        responded or for 0 on a readable stream; ValueError beyond the view."""
        controller = self._controller
        if controller is None or self._view is None:
            raise invalid_state("This BYOB request has been invalidated")
        bytes_written = _enforce_index(bytes_written, "bytes_written")
        if is_detached(self._view):
            raise type_error("The BYOB request's buffer is detached")
        byte_controller_respond(controller, bytes_written)

    def respond_with_new_view(self, view: Any) -> None:
        """Respond with ``view``, a view over the same buffer starting where
        :attr:`view` starts; its length is the byte count."""
        controller = self._controller
        if controller is None:
            raise invalid_state("This BYOB request has been invalidated")
        try:
            source = memoryview(view)
        except TypeError:
            raise type_error("The view must be a memoryview or bytearray") from None
        except ValueError:
            raise type_error("The view's buffer is detached") from None
        byte_view = source if source.format == "B" else source.cast("B")
        byte_controller_respond_with_new_view(controller, byte_view)
        _release(view)


# -- the BYOB reader ----------------------------------------------------------------


def readable_stream_byob_reader_read(
    reader: ReadableStreamBYOBReader, view: Any, minimum: int, request: Any
) -> None:
    """The spec's ``ReadableStreamBYOBReaderRead``."""
    stream = reader._stream
    assert stream is not None
    stream._disturbed = True
    if stream._state == "errored":
        request.error_steps(stream._stored_error)
    else:
        _pull_into(stream._controller, view, minimum, request)


def readable_stream_byob_reader_release(reader: ReadableStreamBYOBReader) -> None:
    """The spec's ``ReadableStreamBYOBReaderRelease``: pending reads reject."""
    readable_stream_reader_generic_release(reader)
    requests, reader._read_into_requests = reader._read_into_requests, deque()
    error_requests(requests, invalid_state("Releasing reader"))


def _check_read_view(view: Any, minimum: Any) -> tuple[BaseException | None, int]:
    if not isinstance(view, memoryview | bytearray):
        return type_error("read() needs a writable memoryview or bytearray"), 0
    try:
        source = memoryview(view)
    except ValueError:
        return type_error("The view's buffer is detached"), 0
    if source.readonly:
        return type_error("read() needs a writable view"), 0
    if source.nbytes == 0:
        return type_error("read() needs a non-empty view"), 0
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
        return type_error(f"min must be a positive integer, got {minimum!r}"), 0
    if minimum == 0:
        return type_error("min must be greater than 0"), 0
    if minimum > source.nbytes // source.itemsize:
        return range_error(f"min {minimum} is larger than the view"), 0
    return None, minimum


class ReadableStreamBYOBReader(ReadableStreamGenericReader):
    """A reader of a byte stream that fills buffers you bring:
    ``await reader.read(view, min=1)``. TypeError on a locked or non-byte stream."""

    __slots__ = ("_read_into_requests",)

    _read_into_requests: deque[Any]
    _is_byob = True

    def __init__(self, stream: ReadableStream) -> None:
        self._check_stream(stream)
        if not isinstance(stream._controller, ReadableByteStreamController):
            raise type_error("A BYOB reader needs a byte stream (type='bytes')")
        readable_stream_reader_generic_initialize(self, stream)
        self._read_into_requests = deque()

    def read(self, view: Any, min: int = 1) -> asyncio.Future[ReadResult]:
        """Fill ``view`` (a writable ``memoryview`` or ``bytearray``) with at least
        ``min`` elements; resolves to ``ReadResult(new_view, done)``, ``new_view``
        over the same memory. Rejects with TypeError for an empty, read-only or
        detached view, ``min`` of 0 or a released reader, ValueError for ``min``
        larger than the view."""
        error, minimum = _check_read_view(view, min)
        if error is not None:
            return rejected_future(error)
        if self._stream is None:
            return rejected_future(invalid_state("The reader is not attached to a stream"))
        adopt_pending_ticks()
        future: asyncio.Future[ReadResult] = asyncio.get_running_loop().create_future()
        readable_stream_byob_reader_read(self, view, minimum, FutureReadRequest(future))
        return future

    def _release(self) -> None:
        readable_stream_byob_reader_release(self)
