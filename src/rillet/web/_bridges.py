"""Bridges between rillet's Node-style streams and web streams.

``Readable.to_web``, ``Readable.from_web``, ``Writable.to_web``, ``Writable.from_web``,
``Duplex.to_web`` and ``Duplex.from_web`` call these (the stream core imports this
module lazily, so the layers stay in order), and ``finished()`` on a web stream calls
:func:`eos_web`.

Guarantees, in both directions:

* backpressure crosses the boundary: nothing is read ahead beyond the two sides'
  high-water marks (``to_web`` pauses the Readable whenever the web queue is full and
  resumes it on ``pull``; ``from_web`` issues one ``read()`` per ``_read``; a sink
  ``write`` waits for ``'drain'``; a Node write waits for ``writer.ready``);
* errors cross: a Node error errors the web stream, a web error destroys the Node
  stream; cancelling or aborting the web side destroys the Node stream, destroying the
  Node stream cancels or aborts the web side;
* the web stream of a ``from_web`` stays locked for the Node stream's life.

Unlike Node: ``Writable.to_web`` counts bytes against the Writable's byte high-water
mark (Node counts chunks), and an early ``'close'`` (``ERR_STREAM_PREMATURE_CLOSE``)
reaches the web side as an ``AbortError`` whose ``cause`` is that error, as Node does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from rillet._core import AbortSignal, Event, next_tick
from rillet.errors import AbortError, invalid_arg_type, new_error
from rillet.streams import Duplex, Readable, Writable, add_abort_signal
from rillet.streams._end_of_stream import eos
from rillet.streams._utils import (
    is_destroyed,
    is_readable,
    is_writable,
)
from rillet.web._promise import Deferred, as_exception
from rillet.web._queuing import ByteLengthQueuingStrategy, CountQueuingStrategy
from rillet.web._readable_stream import (
    ReadableStream,
    ReadableStreamDefaultReader,
    readable_stream_cancel,
    readable_stream_default_reader_read,
    watch_readable_stream,
)
from rillet.web._util import member_of
from rillet.web._writable_stream import (
    WritableStream,
    WritableStreamDefaultController,
    WritableStreamDefaultWriter,
    watch_writable_stream,
    writable_stream_abort,
    writable_stream_close,
    writable_stream_default_writer_close_with_error_propagation,
    writable_stream_default_writer_write,
    writer_has_backpressure,
    writer_ready_promise,
)

__all__ = [
    "duplex_from_web",
    "duplex_to_web",
    "eos_web",
    "readable_from_web",
    "readable_to_web",
    "writable_from_web",
    "writable_to_web",
]

Callback = Callable[..., Any]
StreamT = TypeVar("StreamT", Readable, Writable, Duplex)


def _web_error(error: BaseException) -> BaseException:
    """A Node error as the web side sees it (an early close is an AbortError)."""
    if getattr(error, "code", None) == "ERR_STREAM_PREMATURE_CLOSE":
        return AbortError(cause=error)
    return error


def _node_error(reason: Any) -> BaseException | None:
    """A web cancel or abort reason as a ``destroy()`` error (``None`` stays None)."""
    return None if reason is None else as_exception(reason)


def _default_strategy(high_water_mark: int, object_mode: bool) -> Any:
    """Count chunks in object mode, bytes otherwise, up to the Node stream's mark."""
    if object_mode:
        return CountQueuingStrategy(high_water_mark)
    return ByteLengthQueuingStrategy(high_water_mark)


# -- Node Readable -> ReadableStream ------------------------------------------------


class _NodeReadableSource:
    """The underlying source of ``Readable.to_web``: pause/resume on ``'data'``."""

    def __init__(self, readable: Readable, byte_mode: bool) -> None:
        self.readable = readable
        self.byte_mode = byte_mode
        self.controller: Any = None
        self.done = False
        self.cleanup: Callable[[], None] | None = None
        if byte_mode:
            self.type = "bytes"

    def start(self, controller: Any) -> None:
        self.controller = controller
        readable = self.readable
        readable.pause()
        readable.on("data", self.on_data)
        self.cleanup = eos(readable, self.on_finished, writable=False)

    def on_data(self, chunk: Any) -> None:
        if self.done:
            return
        controller = self.controller
        if self.byte_mode and isinstance(chunk, str):
            chunk = chunk.encode()
        elif type(chunk) is bytes and not self.byte_mode:
            chunk = memoryview(chunk)
        controller.enqueue(chunk)
        desired = controller.desired_size
        if desired is None or desired <= 0:
            self.readable.pause()

    def pull(self, _controller: Any) -> None:
        self.readable.resume()

    def cancel(self, reason: Any) -> None:
        self._finish()
        self.readable.destroy(_node_error(reason))

    def on_finished(self, error: BaseException | None = None) -> None:
        if self.done:
            return
        self._finish()
        controller = self.controller
        if error is not None:
            controller.error(_web_error(error))
            return
        controller.close()
        request = getattr(controller, "byob_request", None)
        if request is not None:
            request.respond(0)

    def _finish(self) -> None:
        self.done = True
        self.readable.remove_listener("data", self.on_data)
        if self.cleanup is not None:
            self.cleanup()
            self.cleanup = None


def readable_to_web(
    readable: Readable, *, strategy: Any = None, type: str | None = None
) -> ReadableStream:
    """A ReadableStream over ``readable`` (Node's ``Readable.toWeb``).

    ``type='bytes'`` makes a byte stream (only the high-water mark of ``strategy`` is
    used); otherwise byte chunks become ``memoryview``. The default strategy counts
    bytes, or chunks in object mode, up to the Readable's high-water mark. A destroyed
    or finished Readable gives a stream that is already closed.
    """
    state = getattr(readable, "_readable_state", None)
    if state is None:
        raise invalid_arg_type("readable", "a Readable", readable)
    if type not in (None, "bytes"):
        raise new_error("ERR_INVALID_ARG_VALUE", "argument", "type", repr(type))
    byte_mode = type == "bytes"
    hwm = state.high_water_mark
    if strategy is None:
        strategy = _default_strategy(hwm, state.object_mode)
    if byte_mode:
        strategy = {"high_water_mark": member_of(strategy, "high_water_mark")}
    if is_destroyed(readable) or not is_readable(readable):
        stream = ReadableStream({"type": "bytes"} if byte_mode else None, strategy)
        readable_stream_cancel(stream, None)
        return stream
    return ReadableStream(_NodeReadableSource(readable, byte_mode), strategy)


# -- ReadableStream -> Node Readable ------------------------------------------------


class _WebSide:
    """What both web sides of a ``from_web`` share: ``_destroy`` stops the web side."""

    def stop(self, error: BaseException | None) -> Deferred:
        raise NotImplementedError

    def destroy(self, error: BaseException | None, callback: Callback) -> None:
        """The Node stream's ``_destroy``: call back once the web side has stopped."""
        _settled(self.stop(error), callback, error)


class _WebReaderSide(_WebSide):
    """Reads a ReadableStream for a Node stream: one ``read()`` per ``_read``. It is
    the read request itself, so no Future is made per chunk."""

    def __init__(self, node: Any, readable_stream: ReadableStream) -> None:
        self.node = node
        self.reader = ReadableStreamDefaultReader(readable_stream)
        self.stream = readable_stream
        self.reading = False
        self.reader._closed_promise.then(None, self.on_error)

    def read(self, size: int = 0) -> None:
        if not self.reading:
            self.reading = True
            readable_stream_default_reader_read(self.reader, self)

    def chunk_steps(self, chunk: Any) -> None:
        self.reading = False
        self.node.push(chunk)

    def close_steps(self, _chunk: Any = None) -> None:
        self.reading = False
        node = self.node
        state = getattr(node, "_writable_state", None)
        if state is not None and state.ending and not state.finished and not state.destroyed:
            # A Duplex over a transform: end the readable side after the writable side
            # has finished, in the order of a Node Transform (flush, then 'end').
            node.once("finish", lambda *_: node.push(None))
        else:
            node.push(None)

    def error_steps(self, error: Any) -> None:
        self.reading = False
        self.on_error(error)

    def on_error(self, error: Any) -> None:
        self.node.destroy(as_exception(error))

    def stop(self, error: BaseException | None) -> Deferred:
        """Cancel the web stream unless it is already closed."""
        if self.stream._state != "readable":
            return Deferred.resolved()
        promise = readable_stream_cancel(self.stream, error)
        promise.mark_handled()
        return promise

    def attach(self) -> None:
        """Install this side's hooks on the Node stream."""
        node = self.node
        node._read = self.read
        node._destroy = self.destroy


def _with_signal(stream: StreamT, signal: AbortSignal | None) -> StreamT:
    """Destroy ``stream`` when ``signal`` aborts (added once the hooks are in place)."""
    if signal is not None:
        add_abort_signal(signal, stream)
    return stream


def _settled(promise: Deferred, callback: Callback, error: BaseException | None) -> None:
    """Call ``callback(error)`` once ``promise`` settles, whatever its outcome."""
    promise.then(lambda _value: callback(error), lambda _reason: callback(error))


def readable_from_web(
    readable_stream: ReadableStream,
    *,
    high_water_mark: int | None = None,
    encoding: str | None = None,
    object_mode: bool = False,
    signal: AbortSignal | None = None,
) -> Readable:
    """A Readable over ``readable_stream`` (Node's ``Readable.fromWeb``); the web stream
    is locked to it (TypeError if already locked)."""
    if not isinstance(readable_stream, ReadableStream):
        raise invalid_arg_type("readable_stream", "a ReadableStream", readable_stream)
    readable = Readable(high_water_mark=high_water_mark, encoding=encoding, object_mode=object_mode)
    _WebReaderSide(readable, readable_stream).attach()
    return _with_signal(readable, signal)


# -- Node Writable -> WritableStream ------------------------------------------------


class _NodeWritableSink:
    """The underlying sink of ``Writable.to_web``: a write waits for ``'drain'``."""

    def __init__(self, writable: Writable) -> None:
        self.writable = writable
        self.controller: WritableStreamDefaultController | None = None
        self.waiting: Deferred | None = None
        self.closing: Deferred | None = None
        self.cleanup: Callable[[], None] | None = None

    def start(self, controller: WritableStreamDefaultController) -> None:
        self.controller = controller
        self.cleanup = eos(self.writable, self.on_finished, readable=False)

    def write(self, chunk: Any, _controller: Any) -> Deferred | None:
        writable = self.writable
        try:
            accepted = writable.write(chunk)
        except Exception as error:
            # A chunk the Writable refuses (None, a wrong type) fails both sides.
            self._stop()
            writable.destroy(error)
            raise
        if accepted and not writable.writable_need_drain:
            return None
        waiting = self.waiting = Deferred()
        writable.once("drain", self.on_drain)
        return waiting

    def on_drain(self, *_: Any) -> None:
        waiting, self.waiting = self.waiting, None
        if waiting is not None:
            waiting.resolve(None)

    def close(self) -> Deferred:
        closing = self.closing = Deferred()
        if self.cleanup is None:
            closing.resolve(None)
        else:
            self.writable.end()
        return closing

    def abort(self, reason: Any) -> None:
        self._stop()
        error = as_exception(reason)
        self.writable.destroy(error)

    def on_finished(self, error: BaseException | None = None) -> None:
        self._stop()
        waiting, self.waiting = self.waiting, None
        closing = self.closing
        if error is None:
            if closing is not None:
                closing.resolve(None)
                return
            error = AbortError()
        error = _web_error(error)
        if waiting is not None:
            waiting.reject(error)
        if closing is not None:
            closing.reject(error)
        assert self.controller is not None
        self.controller.error(error)

    def _stop(self) -> None:
        self.writable.remove_listener("drain", self.on_drain)
        if self.cleanup is not None:
            self.cleanup()
            self.cleanup = None


def writable_to_web(writable: Writable) -> WritableStream:
    """A WritableStream over ``writable`` (Node's ``Writable.toWeb``), counting bytes
    (or chunks in object mode) up to the Writable's high-water mark. A destroyed or
    ended Writable gives a stream that is already closed."""
    state = getattr(writable, "_writable_state", None)
    if state is None:
        raise invalid_arg_type("writable", "a Writable", writable)
    hwm = state.high_water_mark
    strategy = _default_strategy(hwm, state.object_mode)
    if is_destroyed(writable) or not is_writable(writable):
        stream = WritableStream(None, strategy)
        writable_stream_close(stream).mark_handled()
        return stream
    return WritableStream(_NodeWritableSink(writable), strategy)


# -- WritableStream -> Node Writable ------------------------------------------------


class _CallbackRequest:
    """A write request that calls a Node write callback when it settles (in a tick, as
    a promise reaction would: the callback may write or end right away)."""

    __slots__ = ("callback",)

    def __init__(self, callback: Callback) -> None:
        self.callback = callback

    def resolve(self, _value: Any = None) -> None:
        next_tick(self.callback, None)

    def reject(self, reason: Any) -> None:
        next_tick(self.callback, as_exception(reason))


class _WebWriterSide(_WebSide):
    """Writes into a WritableStream for a Node stream: each write waits for
    ``writer.ready``, and its callback for the web write to settle."""

    def __init__(self, node: Any, writable_stream: WritableStream) -> None:
        self.node = node
        self.stream = writable_stream
        self.writer = WritableStreamDefaultWriter(writable_stream)
        self.writer._closed_promise.then(self.on_closed, self.on_error)

    def _when_ready(self, then: Callable[[], None], callback: Callback) -> None:
        if writer_has_backpressure(self.writer):
            writer_ready_promise(self.writer).then(
                lambda _value: then(), lambda reason: callback(as_exception(reason))
            )
        else:
            then()

    def write(self, chunk: Any, encoding: str, callback: Callback) -> None:
        writer = self.writer
        self._when_ready(
            lambda: writable_stream_default_writer_write(writer, chunk, _CallbackRequest(callback)),
            callback,
        )

    def writev(self, chunks: list[Any], callback: Callback) -> None:
        def write_all() -> None:
            remaining = len(chunks)
            failure: list[BaseException] = []

            def one_done(error: BaseException | None = None) -> None:
                nonlocal remaining
                if error is not None and not failure:
                    failure.append(error)
                remaining -= 1
                if remaining == 0:
                    callback(failure[0] if failure else None)

            for request in chunks:
                writable_stream_default_writer_write(
                    self.writer, request.chunk, _CallbackRequest(one_done)
                )

        self._when_ready(write_all, callback)

    def final(self, callback: Callback) -> None:
        promise = writable_stream_default_writer_close_with_error_propagation(self.writer)
        promise.then(lambda _value: callback(None), lambda reason: callback(as_exception(reason)))

    def attach(self) -> None:
        """Install this side's hooks on the Node stream."""
        node = self.node
        node._write = self.write
        node._writev = self.writev
        node._final = self.final
        node._destroy = self.destroy

    def stop(self, error: BaseException | None) -> Deferred:
        """Abort (on an error) or close the web stream unless it is done already."""
        stream = self.stream
        if stream._state in ("closed", "errored"):
            return Deferred.resolved()
        if error is not None:
            promise = writable_stream_abort(stream, error)
        else:
            promise = writable_stream_default_writer_close_with_error_propagation(self.writer)
        promise.mark_handled()
        return promise

    def on_closed(self, _value: Any) -> None:
        node = self.node
        if not node._writable_state.finished and not node._writable_state.ending:
            node.destroy(new_error("ERR_STREAM_PREMATURE_CLOSE"))

    def on_error(self, reason: Any) -> None:
        self.node.destroy(as_exception(reason))


def writable_from_web(
    writable_stream: WritableStream,
    *,
    high_water_mark: int | None = None,
    decode_strings: bool = True,
    object_mode: bool = False,
    signal: AbortSignal | None = None,
) -> Writable:
    """A Writable over ``writable_stream`` (Node's ``Writable.fromWeb``); the web stream
    is locked to it (TypeError if already locked)."""
    if not isinstance(writable_stream, WritableStream):
        raise invalid_arg_type("writable_stream", "a WritableStream", writable_stream)
    writable = Writable(
        high_water_mark=high_water_mark, decode_strings=decode_strings, object_mode=object_mode
    )
    _WebWriterSide(writable, writable_stream).attach()
    return _with_signal(writable, signal)


# -- Duplex ---------------------------------------------------------------------------


def duplex_from_web(
    pair: Any,
    *,
    allow_half_open: bool = False,
    object_mode: bool = False,
    encoding: str | None = None,
    decode_strings: bool = True,
    high_water_mark: int | None = None,
    signal: AbortSignal | None = None,
) -> Duplex:
    """A Duplex over a ``{'readable', 'writable'}`` pair of web streams (a dict or an
    object such as a TransformStream); both are locked to it (Node's
    ``Duplex.fromWeb``)."""
    readable_stream = member_of(pair, "readable")
    writable_stream = member_of(pair, "writable")
    if not isinstance(readable_stream, ReadableStream):
        raise invalid_arg_type("pair.readable", "a ReadableStream", readable_stream)
    if not isinstance(writable_stream, WritableStream):
        raise invalid_arg_type("pair.writable", "a WritableStream", writable_stream)
    duplex = Duplex(
        allow_half_open=allow_half_open,
        object_mode=object_mode,
        encoding=encoding,
        decode_strings=decode_strings,
        high_water_mark=high_water_mark,
    )
    reader = _WebReaderSide(duplex, readable_stream)
    writer = _WebWriterSide(duplex, writable_stream)
    reader.attach()
    writer.attach()

    def destroy(error: BaseException | None, callback: Callback) -> None:
        # Abort the writable side and cancel the readable side, then call back.
        abort = writer.stop(error) if error is not None else Deferred.resolved()
        cancel = reader.stop(error)
        _settled(abort, lambda _e=None: _settled(cancel, callback, error), error)

    duplex._destroy = destroy  # type: ignore[method-assign]
    return _with_signal(duplex, signal)


def duplex_to_web(duplex: Duplex) -> dict[str, Any]:
    """``{'readable': ReadableStream, 'writable': WritableStream}`` over ``duplex``
    (Node's ``Duplex.toWeb``); a side the Duplex lacks is already closed."""
    return {"readable": readable_to_web(duplex), "writable": writable_to_web(duplex)}


# -- finished() on a web stream -----------------------------------------------------


def eos_web(
    stream: Any, callback: Callback, *, signal: AbortSignal | None = None
) -> Callable[[], None]:
    """Call ``callback(error=None)`` once ``stream`` (a ReadableStream, WritableStream
    or ``{readable, writable}`` pair) is closed, or with its error once it errors;
    ``signal`` aborts the wait with an ``AbortError``. Does not lock the stream.
    Returns a function that stops the wait (the callback is then never called)."""
    parts = [stream]
    if not isinstance(stream, ReadableStream | WritableStream):
        parts = [member_of(stream, "readable"), member_of(stream, "writable")]
    remaining = len(parts)
    done = False

    def call(error: BaseException | None = None) -> None:
        nonlocal done
        if done:
            return
        done = True
        cleanup()
        callback(error)

    def part_done(error: BaseException | None) -> None:
        nonlocal remaining
        remaining -= 1
        if error is not None or remaining == 0:
            next_tick(call, error)

    def on_abort(_event: Event) -> None:
        assert signal is not None
        reason = signal.reason
        call(AbortError(cause=reason if isinstance(reason, BaseException) else None))

    def cleanup() -> None:
        nonlocal done
        done = True
        for part in parts:
            watchers = part._watchers
            if watchers and part_done in watchers:
                watchers.remove(part_done)
        if signal is not None:
            signal.remove_event_listener("abort", on_abort)

    if signal is not None:
        if signal.aborted:
            next_tick(on_abort, Event("abort", signal))
            return cleanup
        signal.add_event_listener("abort", on_abort)
    for part in parts:
        if isinstance(part, ReadableStream):
            watch_readable_stream(part, part_done)
        elif isinstance(part, WritableStream):
            watch_writable_stream(part, part_done)
        else:
            raise invalid_arg_type("stream", "a web stream", stream)
    return cleanup
