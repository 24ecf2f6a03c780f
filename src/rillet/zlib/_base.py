"""``ZlibBase``: the Transform every codec shares (Node's ``ZlibBase`` in ``lib/zlib.js``).

A codec is an :class:`Engine`: a thin wrapper over one C compressor or decompressor
with a step-wise interface. The stream feeds it each written chunk in one call and
pushes what it produces in pieces of at most ``chunk_size`` bytes. A decompressor
produces its output one piece per step, and the stream stops stepping while its
readable side is full, resuming on the next ``_read``: a small input that inflates to
gigabytes never sits in memory at once (Node's zlib does the same). ``flush()`` writes
an empty chunk tagged with the flush kind, so it is ordered with the data (Node's
``kFlushBuffers``).

Errors: the engine's failures reach ``'error'`` as :class:`~rillet.errors.ZlibError`
with Node's ``code`` and ``errno``; more output than ``max_output_length`` is
``ERR_BUFFER_TOO_LARGE`` (a ``ValueError``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Container, Mapping
from typing import Any, NamedTuple, Protocol

from rillet._core import next_tick
from rillet.errors import (
    NodeTypeError,
    RilletError,
    ZlibError,
    describe,
    new_error,
    out_of_range,
)
from rillet.streams import DuplexOptions, Transform
from rillet.streams._end_of_stream import eos

from . import _constants as C

__all__ = [
    "MAX_OUTPUT_LENGTH",
    "Codec",
    "CodecOptions",
    "Compressor",
    "Engine",
    "FlushFlags",
    "ZlibBase",
    "check_range",
    "codec_params",
    "engine_error",
    "invalid_property",
    "too_large",
    "unexpected_end",
]

Callback = Callable[..., Any]

# Node's buffer.kMaxLength: the default (no) limit on the output.
MAX_OUTPUT_LENGTH = 2**53 - 1

# The keywords that configure the codec; every other keyword goes to the Transform.
_CODEC_KEYS = frozenset(
    {
        "flush",
        "finish_flush",
        "chunk_size",
        "max_output_length",
        "level",
        "window_bits",
        "mem_level",
        "strategy",
        "dictionary",
        "params",
        "pledged_src_size",
    }
)


class CodecOptions(DuplexOptions, total=False):
    """The keywords every codec takes (Node's names, snake_case), and a stream's."""

    flush: int
    finish_flush: int
    chunk_size: int
    max_output_length: int


class FlushFlags(NamedTuple):
    """A codec family's flush kinds: the valid range, and the three Node defaults."""

    lowest: int
    highest: int
    default: int  # each write (option ``flush``)
    finish: int  # at the end (option ``finish_flush``)
    full: int  # what ``flush()`` does without a kind


class Engine:
    """One C compressor or decompressor, driven step by step.

    ``write(data, flag)`` hands over the next input with its flush kind; then
    ``read(size)`` is called until ``more`` is False, each call returning the next
    output (``size`` bounds a decompressor's output per step; 0: no bound). A read
    raises :class:`~rillet.errors.RilletError` for corrupt or truncated input.
    """

    __slots__ = ("_data", "_flag", "more")

    def __init__(self) -> None:
        self.more = False
        self._data: bytes | memoryview = b""
        self._flag = 0  # Z_NO_FLUSH, BROTLI_OPERATION_PROCESS, ZSTD_e_continue

    def write(self, data: bytes | memoryview, flag: int) -> None:
        self._data = data
        self._flag = flag

    def read(self, size: int) -> bytes:
        raise NotImplementedError


class Codec(Protocol):
    """A compressor object: ``compress(data)`` and ``flush(kind)``, as ``zlib``'s has."""

    def compress(self, data: bytes | memoryview, /) -> bytes: ...

    def flush(self, kind: int, /) -> bytes: ...


class Compressor(Engine):
    """Compression: each write goes to the codec in one call, then the flush its kind
    asks for (none for kind 0); the codec's ``errors`` become ``convert(error)``."""

    __slots__ = ("_codec", "_convert", "_errors")

    def __init__(
        self,
        codec: Codec,
        errors: type[Exception],
        convert: Callable[[Exception], RilletError],
    ) -> None:
        super().__init__()
        self._codec = codec
        self._errors = errors
        self._convert = convert

    def read(self, size: int) -> bytes:
        codec = self._codec
        try:
            out = codec.compress(self._data)
            if self._flag:
                out += codec.flush(self._flag)
        except self._errors as error:
            raise self._convert(error) from None
        self._data = b""
        return out


class _FlushMarker(bytes):
    """An empty chunk carrying a flush kind through the writable side."""

    kind: int


def _marker(kind: int) -> _FlushMarker:
    made = _FlushMarker()
    made.kind = kind
    return made


_MARKERS = {kind: _marker(kind) for kind in range(6)}


def check_range(
    options: Mapping[str, Any], key: str, lower: float, upper: float, default: int
) -> int:
    """The integer option ``key``, or ``default`` when absent (Node's
    ``checkRangesOrGetDefault``). Raises ``ERR_INVALID_ARG_TYPE`` (TypeError) for a
    non-number and ``ERR_OUT_OF_RANGE`` (ValueError) outside ``[lower, upper]``."""
    value = options.get(key)
    if value is None:
        return default
    name = f"options.{key}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_property(name, "of type int", value)
    if not math.isfinite(value):
        raise out_of_range(name, "a finite number", value)
    if value < lower or value > upper:
        high = "" if upper == math.inf else f" and <= {upper}"
        raise out_of_range(name, f">= {lower}{high}", value)
    return int(value)


def invalid_property(name: str, expected: str, value: object) -> RilletError:
    """``ERR_INVALID_ARG_TYPE`` for an option (Node's "The ... property must be ...")."""
    return NodeTypeError(
        f'The "{name}" property must be {expected}. Received {describe(value)}',
        code="ERR_INVALID_ARG_TYPE",
    )


def codec_params(options: Mapping[str, Any], valid: Container[int], code: str) -> dict[int, int]:
    """The ``params`` option of brotli and zstd: a dict from parameter constants to
    numbers (booleans count as 0 and 1). A key outside ``valid`` raises ``code``
    (``ERR_BROTLI_INVALID_PARAM``...), a value that is no number
    ``ERR_INVALID_ARG_TYPE``."""
    params = options.get("params")
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise invalid_property("options.params", "a dict", params)
    checked: dict[int, int] = {}
    for key, value in params.items():
        if isinstance(key, bool) or not isinstance(key, int) or key not in valid:
            raise new_error(code, key)
        if not isinstance(value, int | float):
            raise invalid_property("options.params[key]", "of type int", value)
        checked[key] = int(value)
    return checked


def too_large(limit: int) -> RilletError:
    """``ERR_BUFFER_TOO_LARGE``: the output passed ``max_output_length``."""
    return new_error("ERR_BUFFER_TOO_LARGE", limit)


def engine_error(message: str, code: str, errno: int) -> ZlibError:
    """The error a codec reports, as Node makes it: ``message``, ``code``, ``errno``."""
    error = ZlibError(message, code=code)
    error.errno = errno
    return error


def unexpected_end() -> ZlibError:
    """Node's error for input that stops inside a compressed stream."""
    return engine_error("unexpected end of file", "Z_BUF_ERROR", C.Z_BUF_ERROR)


class ZlibBase(Transform):
    """The Transform behind every codec: ``flush()``, ``reset()``, ``close()``,
    ``bytes_written``.

    Subclasses set ``_flags`` and implement ``_new_engine``. Options: ``chunk_size``
    (default 16384, at least 64: the largest piece pushed), ``flush`` and
    ``finish_flush`` (the flush kind of each write and of the end),
    ``max_output_length``, and a Transform's own keywords (``encoding`` and the object
    modes are ignored, as in Node).
    """

    _flags: FlushFlags
    # Inputs up to this size are processed on the loop by the one-shot helpers.
    _inline_limit = 16384

    def __init__(self, **options: Any) -> None:
        flags = self._flags
        self._chunk_size = check_range(options, "chunk_size", C.Z_MIN_CHUNK, math.inf, 16384)
        self._flush_flag = check_range(options, "flush", flags.lowest, flags.highest, flags.default)
        self._finish_flush_flag = check_range(
            options, "finish_flush", flags.lowest, flags.highest, flags.finish
        )
        self._max_output_length = check_range(
            options, "max_output_length", 1, MAX_OUTPUT_LENGTH, MAX_OUTPUT_LENGTH
        )
        stream_options: dict[str, Any] = {
            key: value
            for key, value in options.items()
            if key not in _CODEC_KEYS
            and key not in ("encoding", "object_mode", "writable_object_mode")
        }
        self._options: Mapping[str, Any] = options
        self._engine = self._new_engine()
        self._output_length = 0
        self._pending: Callback | None = None
        #: Input bytes handed to the engine so far (Node's ``bytesWritten``).
        self.bytes_written = 0
        super().__init__(**stream_options)

    def _new_engine(self) -> Engine:
        """A fresh engine from ``self._options`` (validated here, raising as Node)."""
        raise NotImplementedError

    # -- the Transform hooks ---------------------------------------------------------

    def _transform(self, chunk: bytes, encoding: str, callback: Callback) -> None:
        if type(chunk) is _FlushMarker:
            flag = chunk.kind
        else:
            flag = self._flush_flag
            self.bytes_written += len(chunk)
        self._engine.write(chunk, flag)
        self._drain(callback)

    def _flush(self, callback: Callback) -> None:
        self._engine.write(b"", self._finish_flush_flag)
        self._drain(callback)

    def _read(self, size: int) -> None:
        pending = self._pending
        if pending is None:
            Transform._read(self, size)
        else:
            self._pending = None
            self._drain(pending)

    def _drain(self, callback: Callback) -> None:
        """Step the engine, pushing its output, until it has no more for this input
        (then ``callback()``) or the readable side is full (then wait for ``_read``)."""
        engine = self._engine
        size = self._chunk_size
        limit = self._max_output_length
        while True:
            try:
                out = engine.read(min(size, limit - self._output_length + 1))
            except RilletError as error:
                callback(error)
                return
            keep_going = True
            if out:
                self._output_length += len(out)
                if self._output_length > limit:
                    callback(too_large(limit))
                    return
                if len(out) <= size:
                    keep_going = self.push(out)
                else:
                    for start in range(0, len(out), size):
                        keep_going = self.push(out[start : start + size])
            if not engine.more:
                callback()
                return
            if not keep_going:
                self._pending = callback
                return

    # -- Node's methods ----------------------------------------------------------------

    def flush(self, kind: int | Callback | None = None, callback: Callback | None = None) -> None:
        """Emit what has been compressed so far: write an empty chunk tagged with
        ``kind`` (default: the full flush, ``Z_FULL_FLUSH`` for zlib), so the flush
        happens after every earlier write. ``callback`` runs once it is done (at
        ``'end'`` if the stream is ending, at once if it has finished)."""
        if callable(kind):
            callback, kind = kind, None
        if kind is None:
            kind = self._flags.full
        state = self._writable_state
        if state.finished:
            if callback is not None:
                next_tick(callback)
        elif state.ending:
            if callback is not None:
                self.once("end", callback)
        else:
            marker = _MARKERS.get(kind)
            self.write(_marker(kind) if marker is None else marker, None, callback)

    def reset(self) -> None:
        """Drop the engine's state and start a new stream (Node's ``reset()``)."""
        self._engine = self._new_engine()

    def close(self, callback: Callback | None = None) -> None:
        """Destroy the stream; ``callback(error)`` runs when it has closed."""
        if callback is not None:
            eos(self, callback)
        self.destroy()

    # -- the one-shot helpers' way through ---------------------------------------------

    def _process_all(self, data: bytes | memoryview) -> bytes:
        """Everything ``data`` becomes, as one ``bytes`` (Node's ``zlibBufferSync``)."""
        engine = self._engine
        limit = self._max_output_length
        unbounded = limit == MAX_OUTPUT_LENGTH
        pieces: list[bytes] = []
        total = 0
        engine.write(data, self._finish_flush_flag)
        while True:
            out = engine.read(0 if unbounded else limit - total + 1)
            total += len(out)
            if total > limit:
                raise too_large(limit)
            pieces.append(out)
            if not engine.more:
                return pieces[0] if len(pieces) == 1 else b"".join(pieces)
