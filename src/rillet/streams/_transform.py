"""``Transform`` and ``PassThrough`` (Node's ``streams/transform.js``, ``passthrough.js``).

Guarantees (R-TR-1, R-TR-2): outputs come in input order, ``_flush`` runs after every
write was transformed and before ``'end'``; ``'finish'`` waits for ``_flush``.
Backpressure crosses the transform: the callback of ``_write`` is held back while
the readable side is at its high-water mark, and released by the next ``_read``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, Unpack

from rillet._core import next_tick
from rillet.errors import new_error
from rillet.streams import _destroy
from rillet.streams._duplex import Duplex, DuplexOptions
from rillet.streams._state import high_water_mark_from

__all__ = ["PassThrough", "Transform", "TransformOptions"]

Callback = Callable[..., Any]
_TRANSFORM_HOOKS = (
    "read",
    "write",
    "writev",
    "final",
    "destroy",
    "construct",
    "transform",
    "flush",
)


class TransformOptions(DuplexOptions, total=False):
    """Constructor keywords of :class:`Transform`: a Duplex's, plus the two hooks."""

    transform: Callable[..., Any]
    flush: Callable[..., Any]


class Transform(Duplex):
    """A Duplex whose output is computed from its input.

    Implement ``_transform(chunk, encoding, callback)`` and call
    ``callback(error=None, data=None)`` (or ``push`` any number of times); optionally
    ``_flush(callback)`` to push what remains at the end.
    """

    _hook_names = _TRANSFORM_HOOKS

    def __init__(self, **options: Unpack[TransformOptions]) -> None:
        # Node's rule: a readable side that buffers nothing makes the writable side buffer
        # nothing too (unless it has its own mark), so data is not held twice.
        if options and high_water_mark_from(options, "readable_high_water_mark", False, True) == 0:
            options = {
                **options,
                "high_water_mark": None,
                "readable_high_water_mark": 0,
                "writable_high_water_mark": options.get("writable_high_water_mark") or 0,
            }
        self._init_duplex(options)
        self._readable_state.sync = False
        self._held_callback: Callback | None = None
        self._write_callback: Callback | None = None
        self._length_before = 0
        self._transformed = partial(_after_transform, self)
        if "_final" in self.__dict__ or type(self)._final is not Transform._final:
            self.on("prefinish", partial(_run_flush, self, None))

    def _transform(self, chunk: Any, encoding: str, callback: Callback) -> None:
        raise new_error("ERR_METHOD_NOT_IMPLEMENTED", "_transform()")

    def _write(self, chunk: Any, encoding: str, callback: Callback) -> None:
        self._length_before = self._readable_state.length
        self._write_callback = callback
        self._transform(chunk, encoding, self._transformed)

    def _read(self, size: int) -> None:
        callback = self._held_callback
        if callback is not None:
            self._held_callback = None
            callback()

    def _final(self, callback: Callback) -> None:
        _run_flush(self, callback)


def _after_transform(
    stream: Transform, error: BaseException | None = None, data: Any = None
) -> None:
    callback = stream._write_callback
    if callback is None:
        _destroy.error_or_destroy(stream, new_error("ERR_MULTIPLE_CALLBACK"))
        return
    stream._write_callback = None
    if error is not None:
        callback(error)
        return
    if data is not None:
        stream.push(data)
    _continue(stream, stream._length_before, callback)


def _continue(stream: Transform, length_before: int, callback: Callback) -> None:
    """Finish a write, or hold its callback while the readable side is full."""
    r = stream._readable_state
    if r.ended:
        # The transform pushed EOF: let that state settle before the next write.
        next_tick(callback)
    elif r.length < r.high_water_mark or length_before == r.length or stream._writable_state.ended:
        callback()
    else:
        stream._held_callback = callback


def _run_flush(stream: Transform, callback: Callback | None, *_: Any) -> None:
    flush = getattr(stream, "_flush", None)
    if flush is not None and not stream.destroyed:

        def on_flushed(error: BaseException | None = None, data: Any = None) -> None:
            if error is not None:
                if callback is not None:
                    callback(error)
                else:
                    stream.destroy(error)
                return
            if data is not None:
                stream.push(data)
            stream.push(None)
            if callback is not None:
                callback()

        flush(on_flushed)
    else:
        stream.push(None)
        if callback is not None:
            callback()


class PassThrough(Transform):
    """A Transform that passes every chunk through unchanged."""

    def __init__(self, **options: Unpack[TransformOptions]) -> None:
        super().__init__(**options)
        if type(self)._transform is not PassThrough._transform or "transform" in options:
            # A subclass or keyword transform: go through Transform's _write.
            setattr(self, "_write", partial(Transform._write, self))  # noqa: B010

    def _transform(self, chunk: Any, encoding: str, callback: Callback) -> None:
        callback(None, chunk)

    def _write(self, chunk: Any, encoding: str, callback: Callback) -> None:
        # The same as Transform._write with the identity transform, minus two calls.
        length_before = self._readable_state.length
        self.push(chunk)
        _continue(self, length_before, callback)
