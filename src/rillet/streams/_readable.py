"""``Readable``: Node's readable stream (``streams/readable.js``).

The state machine follows Node's rule for rule (reference §2.2-2.6): three flowing
states (None, True, False), ``read(n)`` and ``'readable'``, ``push``/``unshift`` with
the high-water mark as a threshold, decoding with ``set_encoding``, and ``pipe`` with
backpressure across several destinations.

Performance: in flowing mode ``push()`` emits ``'data'`` synchronously when nothing is
buffered, so a chain of streams passes a chunk along without queueing it; no Future,
Task or closure is made per chunk.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from rillet._core import AbortSignal, next_tick
from rillet.errors import AbortError, invalid_arg_type, new_error, out_of_range
from rillet.streams import _destroy, _operators
from rillet.streams._encoding import StringDecoder, checked_encoding, decode, encode
from rillet.streams._hooks import set_up_stream
from rillet.streams._legacy import Stream
from rillet.streams._state import StatefulStream, StreamState

if TYPE_CHECKING:
    from rillet.streams._duplex import Duplex
    from rillet.web import ReadableStream

__all__ = ["Readable", "ReadableOptions", "ReadableState"]

_MAX_HWM = 0x40000000
# Inside read(), Node's n is an int here: -1 stands for Node's NaN ("no size": read
# everything, one chunk when flowing; an int compares faster than a float NaN) and
# -2 for a negative size, which reads nothing as Node's n <= 0 does.
_LEADING_INT = re.compile(r"\s*[+-]?\d+")
_READABLE_HOOKS = ("read", "destroy", "construct")


class ReadableOptions(TypedDict, total=False):
    """Constructor keywords of :class:`Readable` (Node's options, snake_case)."""

    high_water_mark: int | None
    encoding: str | None
    object_mode: bool
    emit_close: bool
    auto_destroy: bool
    default_encoding: str
    signal: AbortSignal | None
    read: Callable[..., Any]
    destroy: Callable[..., Any]
    construct: Callable[..., Any]


class ReadableState(StreamState):
    """The readable side's state (Node's ``ReadableState``), one slot per flag."""

    __slots__ = (
        "await_drain_writers",
        "buffer",
        "data_emitted",
        "decoder",
        "emitted_readable",
        "encoding",
        "end_emitted",
        "ended",
        "flowing",
        "multi_await_drain",
        "need_readable",
        "paused",
        "pipes",
        "readable",
        "readable_listening",
        "reading",
        "reading_more",
        "resume_scheduled",
        "sync",
    )

    object_mode_key = "readable_object_mode"
    high_water_mark_key = "readable_high_water_mark"

    def __init__(self, options: Mapping[str, Any], is_duplex: bool) -> None:
        StreamState.__init__(self, options, is_duplex)
        self.buffer: deque[Any] = deque()
        self.pipes: list[Any] = []
        self.flowing: bool | None = None
        self.ended = False
        self.end_emitted = False
        self.reading = False
        # True until the first _read: a push before it must not emit 'data' synchronously.
        self.sync = True
        self.need_readable = False
        self.emitted_readable = False
        self.readable_listening = False
        self.resume_scheduled = False
        self.await_drain_writers: Any = None
        self.multi_await_drain = False
        self.reading_more = False
        self.data_emitted = False
        self.paused = False
        self.readable = True
        encoding = options.get("encoding")
        self.decoder: StringDecoder | None = None
        self.encoding: str | None = None
        if encoding:
            self.decoder = StringDecoder(encoding)
            self.encoding = self.decoder.encoding


class Readable(StatefulStream):
    """A source of data, consumed by ``'data'``, ``read()``, ``pipe()`` or ``async for``.

    Implement ``_read(size)`` (or pass ``read=``) and call :meth:`push`; ``push(None)``
    ends the stream. See :class:`ReadableOptions` for the keywords.
    """

    _readable_state: ReadableState

    def __init__(self, **options: Unpack[ReadableOptions]) -> None:
        Stream.__init__(self)
        self._readable_state = ReadableState(options, False)
        self._writable_state = None
        set_up_stream(self, options, _READABLE_HOOKS, self._after_readable_constructed)

    def _after_readable_constructed(self) -> None:
        state = self._readable_state
        if state.need_readable:
            _maybe_read_more(self, state)

    # -- implementer hooks -------------------------------------------------------

    def _read(self, size: int) -> None:
        raise new_error("ERR_METHOD_NOT_IMPLEMENTED", "_read()")

    def _destroy(self, error: BaseException | None, callback: Callable[..., Any]) -> None:
        callback(error)

    # -- producing ---------------------------------------------------------------

    def push(self, chunk: Any, encoding: str | None = None) -> bool:
        """Add ``chunk`` to the buffer (or hand it straight to ``'data'`` listeners).

        ``None`` ends the stream. Returns False once the buffer reaches the
        high-water mark: stop pushing until ``_read`` is called again.
        """
        state = self._readable_state
        if (
            type(chunk) is bytes
            and chunk
            and not state.object_mode
            and state.decoder is None
            and not state.ended
            and not state.destroyed
            and state.errored is None
        ):
            state.reading = False
            _add_chunk(self, state, chunk, False)
            return state.length < state.high_water_mark or state.length == 0
        return _readable_add_chunk(self, chunk, encoding, False)

    def unshift(self, chunk: Any, encoding: str | None = None) -> bool:
        """Put ``chunk`` back at the head of the buffer (``None`` ends the stream)."""
        return _readable_add_chunk(self, chunk, encoding, True)

    # -- consuming ---------------------------------------------------------------

    def read(self, size: int | str | None = None) -> Any:
        """Take data out of the buffer (rules R-READ-1..6).

        ``read()`` takes everything buffered (in flowing mode: one chunk), ``read(n)``
        exactly ``n`` bytes or characters or None until that many are there (the
        rest at the end), ``read(0)`` only triggers a ``_read``; a negative size
        reads nothing, and a ``size`` that is not an int is parsed like Node's
        ``parseInt`` (``'8'`` is 8, unparsable is no size). Object mode: one item.
        A non-None result is also emitted as ``'data'``.

        Raises ``ERR_OUT_OF_RANGE`` (a ``ValueError``) for a size above 1 GiB.
        """
        state = self._readable_state
        if size is None:
            n_orig = -1  # Node's NaN: read everything (one chunk when flowing)
        elif type(size) is int:
            n_orig = size if size >= 0 else -2
        else:
            n_orig = _parse_size(size)
        if n_orig > state.high_water_mark:
            state.high_water_mark = _compute_new_high_water_mark(n_orig)
        if n_orig != 0:
            state.emitted_readable = False
        if (
            n_orig == 0
            and state.need_readable
            and (
                (
                    state.length >= state.high_water_mark
                    if state.high_water_mark != 0
                    else state.length > 0
                )
                or state.ended
            )
        ):
            if state.length == 0 and state.ended:
                _end_readable(self)
            else:
                _emit_readable(self)
            return None
        n = _how_much_to_read(n_orig, state)
        if n == 0 and state.ended:
            if state.length == 0:
                _end_readable(self)
            return None
        do_read = state.need_readable
        if state.length == 0 or state.length - n < state.high_water_mark:
            do_read = True
        if (
            state.ended
            or state.reading
            or state.destroyed
            or state.errored is not None
            or not state.constructed
        ):
            do_read = False
        elif do_read:
            state.reading = True
            state.sync = True
            if state.length == 0:
                state.need_readable = True
            try:
                self._read(state.high_water_mark)
            except Exception as exc:
                _destroy.error_or_destroy(self, exc)
            state.sync = False
            if not state.reading:
                n = _how_much_to_read(n_orig, state)
        ret = _from_list(n, state) if n > 0 else None
        if ret is None:
            if state.length <= state.high_water_mark:
                state.need_readable = True
            n = 0
        else:
            state.length -= n
            if state.multi_await_drain:
                state.await_drain_writers.clear()
            else:
                state.await_drain_writers = None
        if state.length == 0:
            if not state.ended:
                state.need_readable = True
            if n_orig != n and state.ended:
                _end_readable(self)
        if ret is not None and not state.error_emitted and not state.close_emitted:
            state.data_emitted = True
            self.emit("data", ret)
        return ret

    def set_encoding(self, encoding: str | None) -> Readable:
        """Decode the data as ``encoding``: ``'data'`` and ``read()`` then give ``str``.

        Data already buffered is decoded too; lengths then count characters.
        """
        state = self._readable_state
        decoder = StringDecoder(encoding)
        state.decoder = decoder
        state.encoding = decoder.encoding
        content = "".join(decoder.write(chunk) for chunk in state.buffer)
        if state.ended:
            # EOF was pushed before this decoder existed: flush a partial character
            # now, or it would be lost (Node #63973).
            content += decoder.end()
        state.buffer.clear()
        if content:
            state.buffer.append(content)
        state.length = len(content)
        return self

    def pause(self) -> Readable:
        """Stop flowing (``'pause'`` is emitted if the state changes)."""
        state = self._readable_state
        if state.flowing is not False:
            state.flowing = False
            self.emit("pause")
        state.paused = True
        return self

    def resume(self) -> Readable:
        """Start or restart flowing: ``'data'`` follows from the next tick."""
        state = self._readable_state
        if not state.flowing:
            state.flowing = not state.readable_listening
            if not state.resume_scheduled:
                state.resume_scheduled = True
                next_tick(_resume_now, self, state)
        state.paused = False
        return self

    def is_paused(self) -> bool:
        """True after an explicit ``pause()``, or while the flowing state is False."""
        state = self._readable_state
        return state.paused or state.flowing is False

    # -- listeners ---------------------------------------------------------------

    def on(self, event: str, listener: Callable[..., Any]) -> Readable:
        """Add a listener; a ``'data'`` listener starts flowing, a ``'readable'`` one
        switches to ``read()`` consumption (rules R-FLOW-2, R-FLOW-4)."""
        Stream.on(self, event, listener)
        state = self._readable_state
        if event == "data":
            # Only ever set here: a removed 'readable' listener is accounted for on the
            # next tick (_update_readable_listening), as in Node.
            if "readable" in self._events:
                state.readable_listening = True
            if state.flowing is not False:
                self.resume()
        elif event == "readable" and not state.end_emitted and not state.readable_listening:
            state.readable_listening = state.need_readable = True
            state.flowing = False
            state.emitted_readable = False
            if state.length:
                _emit_readable(self)
            elif not state.reading:
                next_tick(self.read, 0)
        return self

    def remove_listener(self, event: str, listener: Callable[..., Any]) -> Readable:
        """Remove a listener; losing the last ``'readable'`` one is handled next tick."""
        Stream.remove_listener(self, event, listener)
        if event == "readable":
            next_tick(_update_readable_listening, self)
        return self

    def remove_all_listeners(self, event: str | None = None) -> Readable:
        """Remove listeners (see :meth:`EventEmitter.remove_all_listeners`)."""
        Stream.remove_all_listeners(self, event)
        if event is None or event == "readable":
            next_tick(_update_readable_listening, self)
        return self

    # -- piping ------------------------------------------------------------------

    def pipe(self, dest: Any, end: bool = True) -> Any:
        """Send every chunk to ``dest.write``, pausing while ``dest`` needs a drain;
        ``dest.end()`` follows ``'end'`` unless ``end=False``. Returns ``dest``."""
        from rillet.streams._pipe import pipe

        return pipe(self, dest, end)

    def unpipe(self, dest: Any = None) -> Readable:
        """Detach ``dest`` (or every destination); the stream pauses when none is left."""
        state = self._readable_state
        if not state.pipes:
            return self
        if dest is None:
            dests = state.pipes
            state.pipes = []
            self.pause()
            for each in dests:
                each.emit("unpipe", self, {"has_unpiped": False})
            return self
        try:
            index = state.pipes.index(dest)
        except ValueError:
            return self
        del state.pipes[index]
        if not state.pipes:
            self.pause()
        dest.emit("unpipe", self, {"has_unpiped": False})
        return self

    def wrap(self, stream: Any) -> Readable:
        """Read from an old-style stream that only emits ``'data'``/``'end'``.

        Backpressure pauses it (when it has ``pause``/``resume``); its ``'error'``
        fails this stream, its ``'close'`` or ``'destroy'`` destroys it. Unlike
        Node, the old stream's own methods are not copied onto this one.
        """
        paused = False

        def ondata(chunk: Any) -> None:
            nonlocal paused
            if not self.push(chunk) and callable(getattr(stream, "pause", None)):
                paused = True
                stream.pause()

        def read(_size: int) -> None:
            nonlocal paused
            if paused and callable(getattr(stream, "resume", None)):
                paused = False
                stream.resume()

        stream.on("data", ondata)
        stream.on("end", lambda *_: self.push(None))
        stream.on("error", lambda err: _destroy.error_or_destroy(self, err))
        stream.on("close", lambda *_: self.destroy())
        stream.on("destroy", lambda *_: self.destroy())
        setattr(self, "_read", read)  # noqa: B010 - an instance hook, like Node's wrap
        return self

    # -- destruction -------------------------------------------------------------

    def destroy(
        self, error: BaseException | None = None, callback: Callable[..., Any] | None = None
    ) -> Readable:
        """Destroy the stream: ``'error'`` (if ``error``) then ``'close'`` follow on a tick."""
        _destroy.destroy(self, error, callback)
        return self

    # -- properties --------------------------------------------------------------

    @property
    def readable(self) -> bool:
        """True until the stream ends, errors or is destroyed."""
        r = self._readable_state
        return bool(
            r is not None
            and r.readable is not False
            and not r.destroyed
            and not r.error_emitted
            and not r.end_emitted
        )

    @readable.setter
    def readable(self, value: bool) -> None:
        if self._readable_state is not None:
            self._readable_state.readable = bool(value)

    @property
    def readable_flowing(self) -> bool | None:
        """The flowing state: None (no consumer yet), True or False."""
        return self._readable_state.flowing

    @readable_flowing.setter
    def readable_flowing(self, value: bool | None) -> None:
        self._readable_state.flowing = value

    @property
    def readable_length(self) -> int:
        """Bytes, characters (when decoding) or objects in the buffer."""
        return self._readable_state.length

    @property
    def readable_high_water_mark(self) -> int:
        """The high-water mark in effect."""
        return self._readable_state.high_water_mark

    @property
    def readable_object_mode(self) -> bool:
        """Whether the readable side is in object mode."""
        return self._readable_state.object_mode

    @property
    def readable_encoding(self) -> str | None:
        """The decoding set with ``set_encoding`` or ``encoding=``, else None."""
        return self._readable_state.encoding

    @property
    def readable_ended(self) -> bool:
        """True once ``'end'`` was emitted."""
        return self._readable_state.end_emitted

    @property
    def readable_did_read(self) -> bool:
        """True once ``'data'`` was emitted."""
        return self._readable_state.data_emitted

    @property
    def readable_aborted(self) -> bool:
        """Destroyed or errored before ``'end'``."""
        r = self._readable_state
        return bool(
            r.readable is not False and (r.destroyed or r.errored is not None) and not r.end_emitted
        )

    @property
    def readable_buffer(self) -> deque[Any]:
        """The internal buffer (for inspection only)."""
        return self._readable_state.buffer

    # -- async iteration and context management ----------------------------------

    def iterator(self, *, destroy_on_return: bool = True) -> AsyncIterator[Any]:
        """An async iterator over the chunks (Node's ``readable.iterator()``).

        Leaving the loop early destroys the stream, unless ``destroy_on_return`` is False.
        """
        from rillet.streams._async_iterator import ReadableAsyncIterator

        return ReadableAsyncIterator(self, destroy_on_return)

    def __aiter__(self) -> AsyncIterator[Any]:
        return self.iterator()

    async def __aexit__(self, *exc_info: object) -> None:
        from rillet.streams._end_of_stream import finished

        error: BaseException | None = None
        if not self.destroyed:
            error = None if self.readable_ended else AbortError()
            self.destroy(error)
        try:
            await finished(self)
        except Exception as exc:
            if exc is not error:
                raise

    # -- conversions -------------------------------------------------------------

    @staticmethod
    def from_(iterable: Any, **options: Any) -> Readable:
        """A Readable of the items of ``iterable`` (sync or async; object mode by default).

        A ``str`` or bytes value becomes one chunk; awaitables from a sync iterable are
        awaited; a None item fails with ``ERR_STREAM_NULL_VALUES``.
        """
        from rillet.streams._from import readable_from

        return readable_from(Readable, iterable, options)

    @staticmethod
    def from_web(readable_stream: ReadableStream, **options: Any) -> Readable:
        """A Readable over a ``rillet.web.ReadableStream``, with backpressure."""
        from rillet.web._bridges import readable_from_web

        return readable_from_web(readable_stream, **options)

    @staticmethod
    def to_web(readable: Readable, **options: Any) -> ReadableStream:
        """A ``rillet.web.ReadableStream`` over ``readable``, with backpressure."""
        from rillet.web._bridges import readable_to_web

        return readable_to_web(readable, **options)

    @staticmethod
    def is_disturbed(stream: Any) -> bool:
        """Data was read from ``stream``, or it was destroyed."""
        from rillet.streams._utils import is_disturbed

        return is_disturbed(stream)

    # -- operators ---------------------------------------------------------------

    def compose(self, stream: Any, *, signal: AbortSignal | None = None) -> Duplex:
        """``compose(self, stream)``: writes to this stream's end, reads from ``stream``."""
        from rillet.streams._compose import compose

        composed = compose(self, stream)
        if signal is not None:
            from rillet.streams._add_abort_signal import add_abort_signal

            add_abort_signal(signal, composed)
        return composed

    # Node's operators, defined in _operators (the stream is their first argument).
    map = _operators.map_
    filter = _operators.filter_
    flat_map = _operators.flat_map
    drop = _operators.drop
    take = _operators.take
    for_each = _operators.for_each
    to_array = _operators.to_array
    some = _operators.some
    every = _operators.every
    find = _operators.find
    reduce = _operators.reduce


# -- the state machine, as module functions (Node's helpers in readable.js) --------


def _readable_add_chunk(
    stream: Readable, chunk: Any, encoding: str | None, add_to_front: bool
) -> bool:
    state = stream._readable_state
    err: BaseException | None = None
    if not state.object_mode:
        if isinstance(chunk, str):
            encoding = checked_encoding(encoding) if encoding else state.default_encoding
            if state.encoding != encoding:
                if add_to_front and state.encoding:
                    chunk = decode(encode(chunk, encoding), state.encoding)
                else:
                    chunk = encode(chunk, encoding)
                    encoding = ""
        elif isinstance(chunk, bytes | bytearray | memoryview):
            if type(chunk) is not bytes:
                chunk = bytes(chunk)
            encoding = ""
            if add_to_front and state.encoding:
                # Bytes put back in front of decoded text become text too (Node
                # would join them to its strings as UTF-8); decode them as the
                # stream decodes.
                chunk = decode(chunk, state.encoding)
        elif chunk is not None:
            err = invalid_arg_type("chunk", "of type str or bytes-like", chunk)
    if err is not None:
        _destroy.error_or_destroy(stream, err)
        return False
    if chunk is None:
        state.reading = False
        _on_eof_chunk(stream, state)
    elif state.object_mode or len(chunk) > 0:
        if add_to_front:
            if state.end_emitted:
                _destroy.error_or_destroy(stream, new_error("ERR_STREAM_UNSHIFT_AFTER_END_EVENT"))
            elif state.destroyed or state.errored is not None:
                return False
            else:
                _add_chunk(stream, state, chunk, True)
        elif state.ended:
            _destroy.error_or_destroy(stream, new_error("ERR_STREAM_PUSH_AFTER_EOF"))
        elif state.destroyed or state.errored is not None:
            return False
        else:
            state.reading = False
            if state.decoder is not None and not encoding:
                chunk = state.decoder.write(chunk)
                if state.object_mode or len(chunk) != 0:
                    _add_chunk(stream, state, chunk, False)
                else:
                    _maybe_read_more(stream, state)
            else:
                _add_chunk(stream, state, chunk, False)
    elif not add_to_front:
        state.reading = False
        _maybe_read_more(stream, state)
    return not state.ended and (state.length < state.high_water_mark or state.length == 0)


def _add_chunk(stream: Readable, state: ReadableState, chunk: Any, add_to_front: bool) -> None:
    listeners = stream._events.get("data")
    if state.flowing and state.length == 0 and not state.sync and listeners is not None:
        if state.multi_await_drain:
            state.await_drain_writers.clear()
        else:
            state.await_drain_writers = None
        state.data_emitted = True
        if stream._plain_emit and "emit" not in stream.__dict__:
            for listener in listeners:
                listener(chunk)
        else:
            stream.emit("data", chunk)
    else:
        state.length += 1 if state.object_mode else len(chunk)
        if add_to_front:
            state.buffer.appendleft(chunk)
        else:
            state.buffer.append(chunk)
        if state.need_readable:
            _emit_readable(stream)
    if not state.reading_more and state.constructed:
        state.reading_more = True
        next_tick(_maybe_read_more_now, stream, state)


def _on_eof_chunk(stream: Readable, state: ReadableState) -> None:
    if state.ended:
        return
    if state.decoder is not None:
        rest = state.decoder.end()
        if rest:
            state.buffer.append(rest)
            state.length += 1 if state.object_mode else len(rest)
    state.ended = True
    if state.sync:
        _emit_readable(stream)
    else:
        state.need_readable = False
        state.emitted_readable = True
        _emit_readable_now(stream)


def _emit_readable(stream: Readable) -> None:
    state = stream._readable_state
    state.need_readable = False
    if not state.emitted_readable:
        state.emitted_readable = True
        next_tick(_emit_readable_now, stream)


def _emit_readable_now(stream: Readable) -> None:
    state = stream._readable_state
    if not state.destroyed and state.errored is None and (state.length or state.ended):
        stream.emit("readable")
        state.emitted_readable = False
    # Another 'readable' is wanted when nothing else will consume the data; never
    # cleared here (a read() in the listener may have asked for one).
    if not state.flowing and not state.ended and state.length <= state.high_water_mark:
        state.need_readable = True
    _flow(stream)


def _maybe_read_more(stream: Readable, state: ReadableState) -> None:
    if not state.reading_more and state.constructed:
        state.reading_more = True
        next_tick(_maybe_read_more_now, stream, state)


def _maybe_read_more_now(stream: Readable, state: ReadableState) -> None:
    while (
        not state.reading
        and not state.ended
        and (state.length < state.high_water_mark or (state.flowing and state.length == 0))
    ):
        length = state.length
        stream.read(0)
        if length == state.length:
            break
    state.reading_more = False


def _compute_new_high_water_mark(n: int) -> int:
    if n > _MAX_HWM:
        raise out_of_range("size", "<= 1GiB", n)
    return 1 << (n - 1).bit_length()


def _parse_size(size: object) -> int:
    """Node's ``parseInt(size, 10)``: the leading integer of ``size``'s text, else -1
    (read()'s "no size"); a negative result becomes -2 (a size that reads nothing)."""
    found = _LEADING_INT.match(str(size))
    if found is None:
        return -1
    return max(int(found.group()), -2)


def _how_much_to_read(n: int, state: ReadableState) -> int:
    if n == 0 or (state.length == 0 and state.ended):
        return 0
    if n < 0:
        if n != -1:
            return 0  # a negative size
        if state.object_mode:
            return 1
        if state.flowing and state.length:
            return len(state.buffer[0])
        return state.length
    if state.object_mode:
        return 1
    if n <= state.length:
        return n
    return state.length if state.ended else 0


def _from_list(n: int, state: ReadableState) -> Any:
    buffer = state.buffer
    if state.length == 0:
        return None
    if state.object_mode:
        return buffer.popleft()
    if n >= state.length:
        if len(buffer) == 1:
            ret = buffer[0]
        elif state.decoder is not None:
            ret = "".join(buffer)
        else:
            ret = b"".join(buffer)
        buffer.clear()
        return ret
    first = buffer[0]
    if n < len(first):
        buffer[0] = first[n:]
        return first[:n]
    if n == len(first):
        return buffer.popleft()
    parts = []
    remaining = n
    while remaining > 0:
        chunk = buffer[0]
        if len(chunk) <= remaining:
            parts.append(buffer.popleft())
            remaining -= len(chunk)
        else:
            parts.append(chunk[:remaining])
            buffer[0] = chunk[remaining:]
            remaining = 0
    return ("" if state.decoder is not None else b"").join(parts)


def _end_readable(stream: Readable) -> None:
    state = stream._readable_state
    if not state.end_emitted:
        state.ended = True
        next_tick(_end_readable_now, state, stream)


def _end_readable_now(state: ReadableState, stream: Readable) -> None:
    if (
        state.errored is None
        and not state.close_emitted
        and not state.end_emitted
        and state.length == 0
    ):
        state.end_emitted = True
        stream.emit("end")
        w = stream._writable_state
        if (
            w is not None
            and getattr(stream, "writable", False)
            and not getattr(stream, "allow_half_open", True)
        ):
            next_tick(_end_writable_now, stream)
        elif state.auto_destroy and (
            w is None or (w.auto_destroy and (w.finished or w.writable is False))
        ):
            stream.destroy()


def _end_writable_now(stream: Any) -> None:
    if stream.writable and not stream.writable_ended and not stream.destroyed:
        stream.end()


def _resume_now(stream: Readable, state: ReadableState) -> None:
    if not state.reading:
        stream.read(0)
    state.resume_scheduled = False
    stream.emit("resume")
    _flow(stream)
    if state.flowing and not state.reading:
        stream.read(0)


def _flow(stream: Readable) -> None:
    state = stream._readable_state
    read = stream.read
    while state.flowing and read() is not None:
        pass


def _update_readable_listening(stream: Readable) -> None:
    state = stream._readable_state
    state.readable_listening = "readable" in stream._events
    if state.resume_scheduled and not state.paused:
        state.flowing = True
    elif "data" in stream._events:
        stream.resume()
    elif not state.readable_listening:
        state.flowing = None
