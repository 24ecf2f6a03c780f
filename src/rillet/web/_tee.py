"""``ReadableStream.tee()``: the spec's ``ReadableStreamDefaultTee`` and
``ReadableByteStreamTee``.

Both branches see every chunk; the source is read whenever either branch pulls (the
faster consumer sets the pace). A default tee gives both branches the same chunk
object; a byte tee gives each its own copy and reads straight into a branch's BYOB
buffer when it has one. Cancelling both branches cancels the source with the list of
both reasons.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from rillet._core import next_tick
from rillet.web._byte_stream import (
    ReadableByteStreamController,
    ReadableStreamBYOBReader,
    byte_controller_close,
    byte_controller_enqueue,
    byte_controller_error,
    byte_controller_respond,
    byte_controller_respond_with_new_view,
    create_readable_byte_stream,
    get_byob_request,
    readable_stream_byob_reader_read,
    readable_stream_byob_reader_release,
)
from rillet.web._promise import Deferred
from rillet.web._readable_stream import (
    ReadableStream,
    acquire_readable_stream_default_reader,
    create_readable_stream,
    readable_stream_cancel,
    readable_stream_default_controller_close,
    readable_stream_default_controller_enqueue,
    readable_stream_default_controller_error,
    readable_stream_default_reader_read,
    readable_stream_default_reader_release,
)

__all__ = ["readable_stream_tee"]


def readable_stream_tee(stream: ReadableStream) -> list[ReadableStream]:
    """The spec's ``ReadableStreamTee`` (TypeError if the stream is locked). Its
    ``cloneForBranch2`` is false wherever the spec's public API calls it (``tee()``),
    and chunks of default streams are never cloned; byte streams' branches get copies."""
    if isinstance(stream._controller, ReadableByteStreamController):
        return _ByteTee(stream).branches
    return _DefaultTee(stream).branches


class _Tee:
    """What both tees share: the branches and the cancel bookkeeping."""

    __slots__ = ("branches", "cancel_promise", "canceled", "reader", "reading", "reasons", "stream")

    def __init__(self, stream: ReadableStream) -> None:
        self.stream = stream
        self.reader: Any = acquire_readable_stream_default_reader(stream)
        self.reading = False
        self.canceled = [False, False]
        self.reasons: list[Any] = [None, None]
        self.cancel_promise = Deferred()
        self.branches: list[ReadableStream] = []

    def cancel(self, index: int, reason: Any) -> Deferred:
        self.canceled[index] = True
        self.reasons[index] = reason
        if self.canceled[1 - index]:
            result = readable_stream_cancel(self.stream, list(self.reasons))
            result.then(self.cancel_promise.resolve, self.cancel_promise.reject)
        return self.cancel_promise

    def _settle_cancel(self) -> None:
        if not (self.canceled[0] and self.canceled[1]):
            self.cancel_promise.resolve(None)


class _DefaultTee(_Tee):
    """``ReadableStreamDefaultTee``; the tee is its own read request."""

    __slots__ = ("read_again",)

    def __init__(self, stream: ReadableStream) -> None:
        super().__init__(stream)
        self.read_again = False
        self.branches = [
            create_readable_stream(None, self.pull, partial(self.cancel, 0)),
            create_readable_stream(None, self.pull, partial(self.cancel, 1)),
        ]
        self.reader._closed_promise.then(None, self._source_errored)

    def pull(self) -> None:
        if self.reading:
            self.read_again = True
            return
        self.reading = True
        readable_stream_default_reader_read(self.reader, self)

    def chunk_steps(self, chunk: Any) -> None:
        # One tick later, so that an error of the source reaches both branches first.
        next_tick(self._deliver, chunk)

    def _deliver(self, chunk: Any) -> None:
        self.read_again = False
        for index, branch in enumerate(self.branches):
            if not self.canceled[index]:
                readable_stream_default_controller_enqueue(branch._controller, chunk)
        self.reading = False
        if self.read_again:
            self.pull()

    def close_steps(self, _chunk: Any = None) -> None:
        self.reading = False
        for index, branch in enumerate(self.branches):
            if not self.canceled[index]:
                readable_stream_default_controller_close(branch._controller)
        self._settle_cancel()

    def error_steps(self, _error: Any) -> None:
        self.reading = False

    def _source_errored(self, error: Any) -> None:
        for branch in self.branches:
            readable_stream_default_controller_error(branch._controller, error)
        self._settle_cancel()


def _clone(chunk: memoryview) -> memoryview:
    return memoryview(bytes(chunk))


class _ByteReadRequest:
    """A read request of the byte tee (``byob_branch`` is None for a default read)."""

    __slots__ = ("byob_branch", "tee")

    def __init__(self, tee: _ByteTee, byob_branch: int | None) -> None:
        self.tee = tee
        self.byob_branch = byob_branch

    def chunk_steps(self, chunk: Any) -> None:
        next_tick(self.tee.deliver, chunk, self.byob_branch)

    def close_steps(self, chunk: Any = None) -> None:
        self.tee.closed(chunk, self.byob_branch)

    def error_steps(self, _error: Any) -> None:
        self.tee.reading = False


class _ByteTee(_Tee):
    """``ReadableByteStreamTee``."""

    __slots__ = ("read_again",)

    def __init__(self, stream: ReadableStream) -> None:
        super().__init__(stream)
        self.read_again = [False, False]
        self.branches = [
            create_readable_byte_stream(None, partial(self.pull, 0), partial(self.cancel, 0)),
            create_readable_byte_stream(None, partial(self.pull, 1), partial(self.cancel, 1)),
        ]
        self._forward_reader_error(self.reader)

    def _forward_reader_error(self, reader: Any) -> None:
        reader._closed_promise.then(None, partial(self._reader_errored, reader))

    def _reader_errored(self, reader: Any, error: Any) -> None:
        if reader is not self.reader:
            return
        for branch in self.branches:
            byte_controller_error(branch._controller, error)
        self._settle_cancel()

    def pull(self, index: int) -> None:
        if self.reading:
            self.read_again[index] = True
            return
        self.reading = True
        request = get_byob_request(self.branches[index]._controller)
        reader = self.reader
        if request is None:
            if reader._is_byob:
                readable_stream_byob_reader_release(reader)
                reader = self.reader = acquire_readable_stream_default_reader(self.stream)
                self._forward_reader_error(reader)
            readable_stream_default_reader_read(reader, _ByteReadRequest(self, None))
        else:
            if not reader._is_byob:
                readable_stream_default_reader_release(reader)
                reader = self.reader = ReadableStreamBYOBReader(self.stream)
                self._forward_reader_error(reader)
            readable_stream_byob_reader_read(
                reader, request._view, 1, _ByteReadRequest(self, index)
            )

    def _pull_again(self) -> None:
        if self.read_again[0]:
            self.pull(0)
        elif self.read_again[1]:
            self.pull(1)

    def deliver(self, chunk: memoryview, byob_index: int | None) -> None:
        self.read_again = [False, False]
        canceled = self.canceled
        controllers = [branch._controller for branch in self.branches]
        if byob_index is None:
            second = _clone(chunk) if not canceled[0] and not canceled[1] else chunk
            if not canceled[0]:
                byte_controller_enqueue(controllers[0], chunk)
            if not canceled[1]:
                byte_controller_enqueue(controllers[1], second)
        else:
            other = 1 - byob_index
            if not canceled[other]:
                copy = _clone(chunk)
                if not canceled[byob_index]:
                    byte_controller_respond_with_new_view(controllers[byob_index], chunk)
                byte_controller_enqueue(controllers[other], copy)
            elif not canceled[byob_index]:
                byte_controller_respond_with_new_view(controllers[byob_index], chunk)
        self.reading = False
        self._pull_again()

    def closed(self, chunk: Any, byob_index: int | None) -> None:
        self.reading = False
        canceled = self.canceled
        controllers = [branch._controller for branch in self.branches]
        for index, controller in enumerate(controllers):
            if not canceled[index]:
                byte_controller_close(controller)
        if byob_index is None:
            for controller in controllers:
                if controller._pending_pull_intos:
                    byte_controller_respond(controller, 0)
        elif chunk is not None:
            other = 1 - byob_index
            if not canceled[byob_index]:
                byte_controller_respond_with_new_view(controllers[byob_index], chunk)
            if not canceled[other] and controllers[other]._pending_pull_intos:
                byte_controller_respond(controllers[other], 0)
        self._settle_cancel()
