"""``Writable``: Node's writable stream (``streams/writable.js``).

Rules R-WRITE-*, R-DRAIN-1, R-CORK-1, R-END-* and R-ERR-* of the reference:
``write()`` returns False once the buffered length reaches the high-water mark, and
``'drain'`` follows when it falls back to zero; one ``_write`` runs at a time and
later writes queue in order; write callbacks run asynchronously, in order, once each;
``end()`` runs ``_final``, then ``'prefinish'``, then ``'finish'``.

Performance: a write to an idle stream goes straight to ``_write``; the callbacks of
writes completed synchronously are batched into one tick, as Node does.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict, Unpack

from rillet._core import AbortSignal, next_tick
from rillet.errors import AbortError, invalid_arg_type, new_error
from rillet.streams import _destroy
from rillet.streams._encoding import checked_encoding, encode, is_encoding
from rillet.streams._hooks import set_up_stream
from rillet.streams._legacy import Stream
from rillet.streams._state import StatefulStream, StreamState

if TYPE_CHECKING:
    from rillet.web import WritableStream

__all__ = ["WritableOptions", "WritableState", "WriteRequest", "Writable"]

_WRITABLE_HOOKS = ("write", "writev", "final", "destroy", "construct")
Callback = Callable[..., Any]


def _nop(*_: Any) -> None:
    pass


class WriteRequest(NamedTuple):
    """One entry of the list ``_writev`` receives."""

    chunk: Any
    encoding: str


class WritableOptions(TypedDict, total=False):
    """Constructor keywords of :class:`Writable` (Node's options, snake_case)."""

    high_water_mark: int | None
    decode_strings: bool
    default_encoding: str
    object_mode: bool
    emit_close: bool
    auto_destroy: bool
    signal: AbortSignal | None
    write: Callable[..., Any]
    writev: Callable[..., Any]
    final: Callable[..., Any]
    destroy: Callable[..., Any]
    construct: Callable[..., Any]


class _BufferedWrite:
    __slots__ = ("callback", "chunk", "encoding")

    def __init__(self, chunk: Any, encoding: str, callback: Callback) -> None:
        self.chunk = chunk
        self.encoding = encoding
        self.callback = callback


class _AfterWriteBatch:
    """Writes that completed synchronously with the same callback, reported in one tick."""

    __slots__ = ("callback", "count")

    def __init__(self, callback: Callback) -> None:
        self.callback = callback
        self.count = 1


class WritableState(StreamState):
    """The writable side's state (Node's ``WritableState``), one slot per flag."""

    __slots__ = (
        "after_write",
        "after_write_pending",
        "all_buffers",
        "all_noop",
        "buffer_processing",
        "buffered",
        "corked",
        "decode_strings",
        "ended",
        "ending",
        "final_called",
        "finished",
        "need_drain",
        "on_finished",
        "onwrite",
        "pending_cb",
        "prefinished",
        "sync",
        "writable",
        "writecb",
        "writelen",
        "writing",
    )

    object_mode_key = "writable_object_mode"
    high_water_mark_key = "writable_high_water_mark"

    def __init__(self, options: Mapping[str, Any], stream: Writable, is_duplex: bool) -> None:
        StreamState.__init__(self, options, is_duplex)
        self.final_called = False
        self.need_drain = False
        self.ending = False
        self.ended = False
        self.finished = False
        self.decode_strings = options.get("decode_strings", True) is not False
        self.writing = False
        self.corked = 0
        self.sync = True
        self.buffer_processing = False
        self.onwrite: Callback = partial(_onwrite, stream)
        self.writecb: Callback | None = None
        self.writelen = 0
        self.after_write: _AfterWriteBatch | None = None
        self.after_write_pending = False
        self.buffered: deque[_BufferedWrite] = deque()
        self.all_buffers = True
        self.all_noop = True
        self.pending_cb = 0
        self.prefinished = False
        self.on_finished: list[Callback] = []
        self.writable = True


class Writable(StatefulStream):
    """A destination for data: ``write()`` returns whether to keep writing.

    Implement ``_write(chunk, encoding, callback)`` (and optionally ``_writev``,
    ``_final``), or pass them as keywords; see :class:`WritableOptions`.
    """

    _writable_state: WritableState

    def __init__(self, **options: Unpack[WritableOptions]) -> None:
        Stream.__init__(self)
        self._readable_state = None
        self._writable_state = WritableState(options, self, False)
        set_up_stream(self, options, _WRITABLE_HOOKS, self._after_writable_constructed)

    def _after_writable_constructed(self) -> None:
        state = self._writable_state
        if not state.writing:
            _clear_buffer(self, state)
        _finish_maybe(self, state)

    # -- implementer hooks -------------------------------------------------------

    def _write(self, chunk: Any, encoding: str, callback: Callback) -> None:
        writev = getattr(self, "_writev", None)
        if writev is None:
            raise new_error("ERR_METHOD_NOT_IMPLEMENTED", "_write()")
        writev([WriteRequest(chunk, encoding)], callback)

    def _destroy(self, error: BaseException | None, callback: Callback) -> None:
        callback(error)

    # -- writing -----------------------------------------------------------------

    def write(
        self, chunk: Any, encoding: str | Callback | None = None, callback: Callback | None = None
    ) -> bool:
        """Queue ``chunk``; False means "wait for ``'drain'`` before writing more".

        Raises ``ERR_STREAM_NULL_VALUES`` for None, ``ERR_INVALID_ARG_TYPE`` for a
        non-bytes chunk outside object mode, ``ERR_UNKNOWN_ENCODING``. Writing after
        ``end()`` or ``destroy()`` calls ``callback`` with the error instead.
        """
        state = self._writable_state
        if type(chunk) is bytes and encoding is None and callback is None and not state.object_mode:
            enc = "buffer"
            cb: Callback = _nop
            length = len(chunk)
        else:
            chunk, enc, cb = _normalize(state, chunk, encoding, callback)
            length = 1 if state.object_mode else len(chunk)
        if state.ending or state.destroyed:
            _refuse(self, state, cb)
            return False
        state.pending_cb += 1
        total = state.length + length
        state.length = total
        ret = total < state.high_water_mark or total == 0
        if not ret:
            state.need_drain = True
        if state.writing or state.corked or state.errored is not None or not state.constructed:
            state.buffered.append(_BufferedWrite(chunk, enc, cb))
            if enc != "buffer":
                state.all_buffers = False
            if cb is not _nop:
                state.all_noop = False
        else:
            state.writelen = length
            state.writecb = cb
            state.writing = True
            state.sync = True
            self._write(chunk, enc, state.onwrite)
            state.sync = False
        return ret and state.errored is None and not state.destroyed

    def end(
        self,
        chunk: Any = None,
        encoding: str | Callback | None = None,
        callback: Callback | None = None,
    ) -> Writable:
        """Write ``chunk`` if given, then finish: ``_final``, ``'prefinish'``, ``'finish'``.

        ``callback`` runs at ``'finish'`` (or with the error that prevents it).
        """
        state = self._writable_state
        if callable(chunk):
            callback, chunk, encoding = chunk, None, None
        elif callable(encoding):
            callback, encoding = encoding, None
        err: BaseException | None = None
        if chunk is not None:
            if state.ending or state.destroyed:
                _normalize(state, chunk, encoding, None)
                err = _refuse(self, state, _nop)
            else:
                Writable.write(self, chunk, encoding)
        if state.corked:
            state.corked = 1
            self.uncork()
        if err is not None:
            pass
        elif state.errored is None and not state.ending:
            state.ending = True
            _finish_maybe(self, state, True)
            state.ended = True
        elif state.finished:
            err = new_error("ERR_STREAM_ALREADY_FINISHED", "end")
        elif state.destroyed:
            err = new_error("ERR_STREAM_DESTROYED", "end")
        if callback is not None:
            if err is not None:
                next_tick(callback, err)
            elif state.errored is not None:
                next_tick(callback, state.errored)
            elif state.finished:
                next_tick(callback, None)
            else:
                state.on_finished.append(callback)
        return self

    def cork(self) -> None:
        """Buffer writes until :meth:`uncork` (calls nest)."""
        self._writable_state.corked += 1

    def uncork(self) -> None:
        """Undo one :meth:`cork`; at zero, flush the buffer (in one ``_writev`` if defined)."""
        state = self._writable_state
        if state.corked:
            state.corked -= 1
            if not state.writing:
                _clear_buffer(self, state)

    def set_default_encoding(self, encoding: str) -> Writable:
        """The encoding used for ``str`` chunks written without one."""
        if not isinstance(encoding, str) or not is_encoding(encoding):
            raise new_error("ERR_UNKNOWN_ENCODING", encoding)
        self._writable_state.default_encoding = checked_encoding(encoding)
        return self

    def pipe(self, dest: Any, end: bool = True) -> Any:
        """A Writable cannot be piped from: emits ``ERR_STREAM_CANNOT_PIPE``."""
        _destroy.error_or_destroy(self, new_error("ERR_STREAM_CANNOT_PIPE"))
        return dest

    def destroy(
        self, error: BaseException | None = None, callback: Callback | None = None
    ) -> Writable:
        """Destroy the stream; queued writes fail with ``ERR_STREAM_DESTROYED`` (or the error)."""
        state = self._writable_state
        if not state.destroyed and (state.buffered or state.on_finished):
            next_tick(_error_buffer, state)
        _destroy.destroy(self, error, callback)
        return self

    # -- properties --------------------------------------------------------------

    @property
    def writable(self) -> bool:
        """True until ``end()``, an error or ``destroy()``."""
        w = self._writable_state
        return bool(
            w is not None
            and w.writable is not False
            and not w.destroyed
            and w.errored is None
            and not w.ending
            and not w.ended
        )

    @writable.setter
    def writable(self, value: bool) -> None:
        if self._writable_state is not None:
            self._writable_state.writable = bool(value)

    @property
    def writable_ended(self) -> bool:
        """True as soon as ``end()`` was called."""
        return self._writable_state.ending

    @property
    def writable_finished(self) -> bool:
        """True once ``'finish'`` is emitted."""
        return self._writable_state.finished

    @property
    def writable_length(self) -> int:
        """Bytes (or objects) written and not yet handled by ``_write``."""
        return self._writable_state.length

    @property
    def writable_high_water_mark(self) -> int:
        """The high-water mark in effect."""
        return self._writable_state.high_water_mark

    @property
    def writable_object_mode(self) -> bool:
        """Whether the writable side is in object mode."""
        return self._writable_state.object_mode

    @property
    def writable_need_drain(self) -> bool:
        """A ``write()`` returned False and ``'drain'`` has not come yet."""
        w = self._writable_state
        return bool(w is not None and not w.destroyed and not w.ending and w.need_drain)

    @property
    def writable_corked(self) -> int:
        """How many ``cork()`` calls are pending."""
        return self._writable_state.corked

    @property
    def writable_aborted(self) -> bool:
        """Destroyed or errored before ``'finish'``."""
        w = self._writable_state
        return bool(
            w.writable is not False and (w.destroyed or w.errored is not None) and not w.finished
        )

    @property
    def writable_buffer(self) -> list[WriteRequest]:
        """The queued writes (for inspection only)."""
        return [WriteRequest(b.chunk, b.encoding) for b in self._writable_state.buffered]

    async def __aexit__(self, *exc_info: object) -> None:
        """Node's ``Symbol.asyncDispose``: destroy the stream (with ``AbortError`` if it
        has not finished) and wait for it to close; raise its error unless that is an
        ``AbortError``."""
        from rillet.streams._end_of_stream import finished

        if not self.destroyed:
            self.destroy(None if self.writable_finished else AbortError())
        try:
            await finished(self)
        except AbortError:
            pass

    @staticmethod
    def from_web(writable_stream: WritableStream, **options: Any) -> Writable:
        """A Writable over a ``rillet.web.WritableStream``, with backpressure."""
        from rillet.web._bridges import writable_from_web

        return writable_from_web(writable_stream, **options)

    @staticmethod
    def to_web(writable: Writable) -> WritableStream:
        """A ``rillet.web.WritableStream`` over ``writable``, with backpressure."""
        from rillet.web._bridges import writable_to_web

        return writable_to_web(writable)


# -- the state machine, as module functions (Node's helpers in writable.js) --------


def _normalize(
    state: WritableState, chunk: Any, encoding: str | Callback | None, callback: Callback | None
) -> tuple[Any, str, Callback]:
    """Validate a write's arguments (raising as Node throws) and convert the chunk."""
    if callable(encoding):
        callback = encoding
        encoding = state.default_encoding
    else:
        if not encoding:
            encoding = state.default_encoding
        elif encoding != "buffer":
            encoding = checked_encoding(encoding)
        if callback is None:
            callback = _nop
    if chunk is None:
        raise new_error("ERR_STREAM_NULL_VALUES")
    if not state.object_mode:
        if isinstance(chunk, str):
            if state.decode_strings:
                chunk = encode(chunk, encoding)
                encoding = "buffer"
        elif isinstance(chunk, bytes):
            encoding = "buffer"
        elif isinstance(chunk, bytearray | memoryview):
            chunk = bytes(chunk)
            encoding = "buffer"
        else:
            raise invalid_arg_type("chunk", "of type str or bytes-like", chunk)
    return chunk, encoding, callback


def _refuse(stream: Writable, state: WritableState, callback: Callback) -> BaseException:
    """A write after ``end()`` or ``destroy()``: the callback, then ``'error'``, get it."""
    if state.ending:
        err = new_error("ERR_STREAM_WRITE_AFTER_END")
    else:
        err = new_error("ERR_STREAM_DESTROYED", "write")
    next_tick(callback, err)
    _destroy.error_or_destroy(stream, err, True)
    return err


def _onwrite(stream: Writable, error: BaseException | None = None) -> None:
    state = stream._writable_state
    cb = state.writecb
    if cb is None:
        _destroy.error_or_destroy(stream, new_error("ERR_MULTIPLE_CALLBACK"))
        return
    sync = state.sync
    state.writing = False
    state.writecb = None
    state.length -= state.writelen
    state.writelen = 0
    if error is not None:
        if state.errored is None:
            state.errored = error
        r = stream._readable_state
        if r is not None and r.errored is None:
            r.errored = error
        if sync:
            next_tick(_onwrite_error, stream, state, error, cb)
        else:
            _onwrite_error(stream, state, error, cb)
        return
    if state.buffered:
        _clear_buffer(stream, state)
    if not sync:
        _after_write(stream, state, 1, cb)
    elif cb is _nop:
        # No callback to call: a tick is needed only for 'drain' or a destroy.
        if not state.after_write_pending and (
            (state.need_drain and state.length == 0) or state.destroyed
        ):
            state.after_write_pending = True
            next_tick(_after_write, stream, state, 1, _nop)
        else:
            state.pending_cb -= 1
            if state.ending:
                _finish_maybe(stream, state, True)
    else:
        # Writes completed synchronously with the same callback share one tick.
        batch = state.after_write
        if batch is not None and batch.callback is cb:
            batch.count += 1
        else:
            batch = state.after_write = _AfterWriteBatch(cb)
            state.after_write_pending = True
            next_tick(_after_write_tick, stream, state, batch)


def _onwrite_error(
    stream: Writable, state: WritableState, error: BaseException, cb: Callback
) -> None:
    state.pending_cb -= 1
    cb(error)
    _error_buffer(state)
    _destroy.error_or_destroy(stream, error)


def _after_write_tick(stream: Writable, state: WritableState, batch: _AfterWriteBatch) -> None:
    state.after_write = None
    _after_write(stream, state, batch.count, batch.callback)


def _after_write(stream: Writable, state: WritableState, count: int, cb: Callback) -> None:
    state.after_write_pending = False
    if not state.ending and not state.destroyed and state.length == 0 and state.need_drain:
        state.need_drain = False
        stream.emit("drain")
    if cb is _nop:
        state.pending_cb -= count
    else:
        while count > 0:
            count -= 1
            state.pending_cb -= 1
            cb(None)
    if state.destroyed:
        _error_buffer(state)
    if state.ending:
        _finish_maybe(stream, state, True)


def _error_buffer(state: WritableState) -> None:
    if state.writing:
        return
    buffered = list(state.buffered)
    state.buffered.clear()
    for request in buffered:
        state.length -= 1 if state.object_mode else len(request.chunk)
        request.callback(state.errored or new_error("ERR_STREAM_DESTROYED", "write"))
    callbacks, state.on_finished = state.on_finished, []
    for callback in callbacks:
        callback(state.errored or new_error("ERR_STREAM_DESTROYED", "end"))
    state.all_buffers = True
    state.all_noop = True


def _clear_buffer(stream: Writable, state: WritableState) -> None:
    if state.corked or state.buffer_processing or state.destroyed or not state.constructed:
        return
    buffered = state.buffered
    if not buffered:
        return
    state.buffer_processing = True
    writev = getattr(stream, "_writev", None)
    if len(buffered) > 1 and writev is not None:
        state.pending_cb -= len(buffered) - 1
        requests = list(buffered)
        buffered.clear()
        state.all_buffers = True
        if state.all_noop:
            callback: Callback = _nop
        else:

            def callback(err: BaseException | None = None) -> None:
                for request in requests:
                    request.callback(err)

        state.all_noop = True
        chunks = [WriteRequest(r.chunk, r.encoding) for r in requests]
        _do_write(stream, state, True, state.length, chunks, "", callback)
    else:
        popleft = buffered.popleft
        object_mode = state.object_mode
        while buffered:
            request = popleft()
            length = 1 if object_mode else len(request.chunk)
            _do_write(
                stream, state, False, length, request.chunk, request.encoding, request.callback
            )
            if state.writing:
                break
        if not buffered:
            state.all_buffers = True
            state.all_noop = True
    state.buffer_processing = False


def _do_write(
    stream: Writable,
    state: WritableState,
    writev: bool,
    length: int,
    chunk: Any,
    encoding: str,
    callback: Callback,
) -> None:
    state.writelen = length
    state.writecb = callback
    state.writing = True
    state.sync = True
    if state.destroyed:
        state.onwrite(new_error("ERR_STREAM_DESTROYED", "write"))
    elif writev:
        stream._writev(chunk, state.onwrite)  # type: ignore[attr-defined]
    else:
        stream._write(chunk, encoding, state.onwrite)
    state.sync = False


def _need_finish(state: WritableState) -> bool:
    return (
        state.ending
        and not state.destroyed
        and state.constructed
        and state.length == 0
        and state.errored is None
        and not state.buffered
        and not state.finished
        and not state.writing
        and not state.error_emitted
        and not state.close_emitted
    )


def _call_final(stream: Writable, state: WritableState) -> None:
    called = False

    def on_final(err: BaseException | None = None) -> None:
        nonlocal called
        if called:
            _destroy.error_or_destroy(stream, err or new_error("ERR_MULTIPLE_CALLBACK"))
            return
        called = True
        state.pending_cb -= 1
        if err is not None:
            callbacks, state.on_finished = state.on_finished, []
            for callback in callbacks:
                callback(err)
            _destroy.error_or_destroy(stream, err, state.sync)
        elif _need_finish(state):
            state.prefinished = True
            stream.emit("prefinish")
            state.pending_cb += 1
            next_tick(_finish, stream, state)

    state.sync = True
    state.pending_cb += 1
    try:
        stream._final(on_final)  # type: ignore[attr-defined]
    except Exception as exc:
        on_final(exc)
    state.sync = False


def _prefinish(stream: Writable, state: WritableState) -> None:
    if not state.prefinished and not state.final_called:
        if getattr(stream, "_final", None) is not None and not state.destroyed:
            state.final_called = True
            _call_final(stream, state)
        else:
            state.prefinished = True
            stream.emit("prefinish")


def _finish_maybe(stream: Writable, state: WritableState, sync: bool = False) -> None:
    if _need_finish(state):
        _prefinish(stream, state)
        if state.pending_cb == 0:
            if sync:
                state.pending_cb += 1
                next_tick(_finish_if_needed, stream, state)
            elif _need_finish(state):
                state.pending_cb += 1
                _finish(stream, state)


def _finish_if_needed(stream: Writable, state: WritableState) -> None:
    if _need_finish(state):
        _finish(stream, state)
    else:
        state.pending_cb -= 1


def _finish(stream: Writable, state: WritableState) -> None:
    state.pending_cb -= 1
    state.finished = True
    callbacks, state.on_finished = state.on_finished, []
    for callback in callbacks:
        callback(None)
    stream.emit("finish")
    if state.auto_destroy:
        r = stream._readable_state
        if r is None or (r.auto_destroy and (r.end_emitted or r.readable is False)):
            stream.destroy()
