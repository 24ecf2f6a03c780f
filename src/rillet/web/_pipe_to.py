"""``pipe_to`` and ``pipe_through`` (the spec's ``ReadableStreamPipeTo``).

The pipe is one object that is its own read request and write request: it reads a
chunk whenever the destination has no backpressure, writes it at once, and reads
again without waiting for the write, so the destination's queue fills up to its
high-water mark. No promise is made per chunk: the pipe learns that the destination
is ready again from ``_update_backpressure`` and counts its writes in flight instead
of keeping the last write's promise. Errors, closing and aborts propagate as the
spec orders them (source error, destination error, source close, destination
closing), through reactions to the reader's and writer's ``closed`` promises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rillet._core import AbortSignal, Event, next_tick
from rillet.web._promise import Deferred, wait_for_all
from rillet.web._readable_stream import (
    ReadableStream,
    ReadableStreamDefaultReader,
    acquire_readable_stream_default_reader,
    readable_stream_cancel,
    readable_stream_default_reader_read,
    readable_stream_default_reader_release,
)
from rillet.web._util import invalid_state, member_of, type_error
from rillet.web._writable_stream import (
    WritableStream,
    WritableStreamDefaultWriter,
    acquire_writable_stream_default_writer,
    writable_stream_abort,
    writable_stream_close_queued_or_in_flight,
    writable_stream_default_writer_close_with_error_propagation,
    writable_stream_default_writer_release,
    writable_stream_pipe_write,
)

__all__ = ["Pipe", "checked_pipe_to", "pipe_through"]

Action = Callable[[], Deferred]


def checked_pipe_to(
    source: ReadableStream,
    destination: Any,
    prevent_close: bool,
    prevent_abort: bool,
    prevent_cancel: bool,
    signal: Any,
) -> Deferred:
    """``ReadableStream.pipe_to``'s checks, as rejections: a destination that is not a
    WritableStream, a signal that is not an AbortSignal, a locked stream."""
    if not isinstance(destination, WritableStream):
        return Deferred.rejected(type_error("pipe_to needs a WritableStream destination"))
    if signal is not None and not isinstance(signal, AbortSignal):
        return Deferred.rejected(type_error("signal must be an AbortSignal"))
    if source._reader is not None:
        return Deferred.rejected(invalid_state("ReadableStream is locked"))
    if destination._writer is not None:
        return Deferred.rejected(invalid_state("WritableStream is locked"))
    return Pipe(
        source, destination, bool(prevent_close), bool(prevent_abort), bool(prevent_cancel), signal
    ).start()


def pipe_through(
    source: ReadableStream,
    transform: Any,
    prevent_close: bool,
    prevent_abort: bool,
    prevent_cancel: bool,
    signal: Any,
) -> ReadableStream:
    """``ReadableStream.pipe_through``: raises TypeError on a locked stream or writable
    side, or a bad ``transform`` or ``signal``; the pipe's promise is marked handled."""
    readable = member_of(transform, "readable")
    writable = member_of(transform, "writable")
    if not isinstance(readable, ReadableStream) or not isinstance(writable, WritableStream):
        raise type_error("pipe_through needs a {readable, writable} pair of web streams")
    if source._reader is not None:
        raise invalid_state("ReadableStream is locked")
    if writable._writer is not None:
        raise invalid_state("WritableStream is locked")
    if signal is not None and not isinstance(signal, AbortSignal):
        raise type_error("signal must be an AbortSignal")
    promise = Pipe(
        source, writable, bool(prevent_close), bool(prevent_abort), bool(prevent_cancel), signal
    ).start()
    promise.mark_handled()
    return readable


class Pipe:
    """One running pipe: the spec's ``ReadableStreamPipeTo`` (see the module docstring).
    Both streams must be unlocked; :meth:`start` returns the pipe's promise."""

    __slots__ = (
        "abort_listener",
        "after_writes",
        "destination",
        "prevent_abort",
        "prevent_cancel",
        "prevent_close",
        "promise",
        "pumping",
        "reader",
        "reading",
        "shutting_down",
        "signal",
        "source",
        "stopped",
        "writer",
        "writes_in_flight",
    )

    def __init__(
        self,
        source: ReadableStream,
        destination: WritableStream,
        prevent_close: bool,
        prevent_abort: bool,
        prevent_cancel: bool,
        signal: AbortSignal | None,
    ) -> None:
        self.source = source
        self.destination = destination
        self.prevent_close = prevent_close
        self.prevent_abort = prevent_abort
        self.prevent_cancel = prevent_cancel
        self.signal = signal
        self.promise = Deferred()
        self.reader: ReadableStreamDefaultReader = acquire_readable_stream_default_reader(source)
        self.writer: WritableStreamDefaultWriter = acquire_writable_stream_default_writer(
            destination
        )
        self.shutting_down = False
        self.stopped = False
        self.reading = False
        self.pumping = False
        self.writes_in_flight = 0
        self.after_writes: Callable[[], None] | None = None
        self.abort_listener = self._on_abort

    def start(self) -> Deferred:
        source = self.source
        destination = self.destination
        source._disturbed = True
        destination._pipe = self
        signal = self.signal
        if signal is not None:
            if signal.aborted:
                self._abort_algorithm()
                return self.promise
            signal.add_event_listener("abort", self.abort_listener)
        closed = self.reader._closed_promise
        if source._state == "errored":
            self._source_errored(source._stored_error)
        else:
            closed.then(None, self._source_errored)
        if destination._state == "errored":
            self._destination_errored(destination._stored_error)
        else:
            self.writer._closed_promise.then(None, self._destination_errored)
        if source._state == "closed":
            self._source_closed()
        else:
            closed.then(self._source_closed, None)
        if writable_stream_close_queued_or_in_flight(destination) or (
            destination._state == "closed"
        ):
            error = type_error(
                "the destination writable stream closed before all data could be piped to it"
            )
            if not self.prevent_cancel:
                self._shutdown_with_action(lambda: readable_stream_cancel(source, error), error)
            else:
                self._shutdown(True, error)
        self._pump()
        return self.promise

    # -- moving chunks ------------------------------------------------------------

    def _pump(self) -> None:
        if self.pumping or self.reading or self.stopped:
            return
        self.pumping = True
        destination = self.destination
        reader = self.reader
        try:
            while not self.shutting_down and not self.stopped:
                if destination._backpressure or destination._state != "writable":
                    return
                self.reading = True
                source = reader._stream
                assert source is not None
                source._disturbed = True
                if source._state == "readable":
                    source._controller._pull_steps(self)
                else:
                    readable_stream_default_reader_read(reader, self)
                if self.reading:
                    return
        finally:
            self.pumping = False

    def on_ready(self) -> None:
        """The destination's backpressure went away."""
        if not self.pumping and not self.reading:
            self._pump()

    # The read request.

    def chunk_steps(self, chunk: Any) -> None:
        self.reading = False
        # Counted before the write: the request may settle inside it.
        self.writes_in_flight += 1
        if writable_stream_pipe_write(self.writer, chunk, self):
            self.writes_in_flight -= 1
        if not self.pumping and not self.reading:
            self._pump()

    def close_steps(self, _chunk: Any = None) -> None:
        self.reading = False
        self.stopped = True

    def error_steps(self, _error: Any) -> None:
        self.reading = False
        self.stopped = True

    # The write request (writes settle in order, so a count is enough).

    def resolve(self, _value: Any = None) -> None:
        self.writes_in_flight -= 1
        if self.writes_in_flight == 0 and self.after_writes is not None:
            next_tick(self._writes_done)

    def reject(self, _reason: Any) -> None:
        self.resolve()

    # -- shutting down ------------------------------------------------------------

    def _on_abort(self, _event: Event) -> None:
        self._abort_algorithm()

    def _abort_algorithm(self) -> None:
        assert self.signal is not None
        error = self.signal.reason
        source = self.source
        destination = self.destination
        actions: list[Action] = []
        if not self.prevent_abort:
            actions.append(
                lambda: (
                    writable_stream_abort(destination, error)
                    if destination._state == "writable"
                    else Deferred.resolved()
                )
            )
        if not self.prevent_cancel:
            actions.append(
                lambda: (
                    readable_stream_cancel(source, error)
                    if source._state == "readable"
                    else Deferred.resolved()
                )
            )
        self._shutdown_with_action(lambda: wait_for_all([action() for action in actions]), error)

    def _source_errored(self, error: Any) -> None:
        if not self.prevent_abort:
            destination = self.destination
            self._shutdown_with_action(lambda: writable_stream_abort(destination, error), error)
        else:
            self._shutdown(True, error)

    def _destination_errored(self, error: Any) -> None:
        if not self.prevent_cancel:
            source = self.source
            self._shutdown_with_action(lambda: readable_stream_cancel(source, error), error)
        else:
            self._shutdown(True, error)

    def _source_closed(self, _value: Any = None) -> None:
        if not self.prevent_close:
            writer = self.writer
            self._shutdown_with_action(
                lambda: writable_stream_default_writer_close_with_error_propagation(writer),
                None,
                is_error=False,
            )
        else:
            self._shutdown(False, None)

    def _after_writes(self, then: Callable[[], None]) -> None:
        """Run ``then`` once every chunk read has been written, if the destination can
        still take writes (the spec's ``waitForWritesToFinish``)."""
        destination = self.destination
        if destination._state != "writable" or writable_stream_close_queued_or_in_flight(
            destination
        ):
            then()
            return
        self.after_writes = then
        if self.writes_in_flight == 0:
            next_tick(self._writes_done)

    def _writes_done(self) -> None:
        # A chunk read before the shutdown may have been written meanwhile: wait for it.
        then = self.after_writes
        if then is not None and self.writes_in_flight == 0:
            self.after_writes = None
            then()

    def _shutdown_with_action(self, action: Action, error: Any, *, is_error: bool = True) -> None:
        if self.shutting_down:
            return
        self.shutting_down = True

        def do_the_rest() -> None:
            try:
                promise = action()
            except Exception as failure:
                promise = Deferred.rejected(failure)
            promise.then(
                lambda _value: self._finalize(is_error, error),
                lambda new_error: self._finalize(True, new_error),
            )

        self._after_writes(do_the_rest)

    def _shutdown(self, is_error: bool, error: Any) -> None:
        if self.shutting_down:
            return
        self.shutting_down = True
        self._after_writes(lambda: self._finalize(is_error, error))

    def _finalize(self, is_error: bool, error: Any) -> None:
        self.destination._pipe = None
        writable_stream_default_writer_release(self.writer)
        readable_stream_default_reader_release(self.reader)
        if self.signal is not None:
            self.signal.remove_event_listener("abort", self.abort_listener)
        if is_error:
            self.promise.reject(error)
        else:
            self.promise.resolve(None)
